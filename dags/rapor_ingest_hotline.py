"""
### rapor_ingest_hotline: call-center and WhatsApp exports from the hotline inbox

Every day, loads the export files (call-center CSV, WhatsApp gateway .xlsx) dropped into
the hotline inbox (`RAPOR_HOTLINE_INBOX`: a folder, or any fsspec location such as
`s3://...`), then updates the Asset `rapor://warehouse/complaint/hotline` that
`rapor_monthly` is scheduled on.

Each file is checksummed and loaded once (a copy under another name is recognised),
stored unchanged in the raw landing folder, checked (bad rows quarantined with their row
number) and upserted, then moved to `<inbox>/arsip/<date>/`: never deleted.
**Idempotent:** a re-run finds nothing new.

**Retention:** `purge_raw_landing` deletes this DAG's raw files landed more than the
policy's `raw_landing.retention_days` (default 90) before the run's logical date, with
their `raw_landing` rows; each complaint's lineage keeps the file's sha256. Raw files are
readable by the service user only (0600 in 0700 folders). A re-run purges nothing more.

**When it fails:** a file in an unknown format stays in the inbox and the task fails
naming it; fix or remove the file (the known formats are in
`rapor.collectors.hotline.FORMATS`), then clear the task.
"""

from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.sdk import dag, task

from rapor.assets import COMPLAINTS_FROM_HOTLINE as HOTLINE


@dag(
    dag_id="rapor_ingest_hotline",
    schedule="@daily",
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    doc_md=__doc__,
    tags=["rapor", "ingestion"],
    default_args={"retries": 2, "retry_delay": timedelta(minutes=10)},
)
def rapor_ingest_hotline():
    @task(outlets=[HOTLINE])
    def load_inbox() -> dict:
        from rapor.tasks import ingest

        return ingest.load_inbox()

    @task
    def purge_raw_landing(**context) -> dict:
        from rapor.tasks.ingest import purge_raw_landing, run_until

        return purge_raw_landing(["hotline_inbox"], run_until(context))

    load_inbox()
    purge_raw_landing()


rapor_ingest_hotline()
