"""
### rapor_ingest_apps: complaints from the complaint apps (SP4N-LAPOR!-style and Open311)

Every hour, collects new and changed complaints from each region's complaint app
(contract in `docs/collectors.md`) and its Open311 GeoReport v2 endpoint into the
canonical `complaint` table, then updates the Asset `rapor://warehouse/complaint/apps`
that `rapor_monthly` is scheduled on. Each task serves every region of the registry that
has a connection: `rapor_lapor_<region>` / `rapor_open311_<region>` (the region code with
`_` for `.`: `rapor_open311_52_05`), or a single `rapor_lapor` / `rapor_open311` with
`region_code` in its extra. Regions are collected one after the other, each from its own
state; Open311 also asks again, by id, for the requests still unresolved in the warehouse.

Each page is stored unchanged in the raw landing folder before it is parsed; bad records
are quarantined, the rest is upserted; each stream's state (watermark) is saved in the
same transaction. **Idempotent:** a retry or a re-run of an hour reads the same window
(and a look-back) again and rewrites the same rows. API calls go through the pools
`rapor_lapor_api` and `rapor_open311_api`.

**Retention:** `purge_raw_landing` deletes this DAG's raw files landed more than the
policy's `raw_landing.retention_days` (default 90) before the run's logical date, with
their `raw_landing` rows; each complaint's lineage keeps the file's sha256. Raw files are
readable by the service user only (0600 in 0700 folders). A re-run purges nothing more.

**When it fails:** a region that fails does not stop the others; the task then fails
naming every failed region. An expired or revoked token fails at once with a message
naming the connection to renew (Admin > Connections): renew it and clear the task. Rate
limits and outages are retried by the collector, then by Airflow; the next run resumes
from the last committed state, so nothing is lost while a platform is down.
"""

from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.sdk import dag, task

from rapor.assets import COMPLAINTS_FROM_APPS as APPS


@dag(
    dag_id="rapor_ingest_apps",
    schedule="@hourly",
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    doc_md=__doc__,
    tags=["rapor", "ingestion"],
    default_args={"retries": 3, "retry_delay": timedelta(minutes=5), "retry_exponential_backoff": True},
)
def rapor_ingest_apps():
    @task(pool="rapor_lapor_api")
    def collect_lapor(**context) -> dict:
        from rapor.tasks.ingest import collect_stream, run_until

        return collect_stream("lapor_reports", run_until(context), validate=True)

    @task(pool="rapor_open311_api")
    def collect_open311(**context) -> dict:
        from rapor.tasks.ingest import collect_stream, run_until

        return collect_stream("open311_requests", run_until(context), validate=True)

    @task(outlets=[APPS])
    def publish(runs: list[dict]) -> list[dict]:
        for run in runs:
            print(f"{run['stream']}: {run['loaded']} complaints loaded, {run['quarantined']} quarantined")
        return runs

    @task
    def purge_raw_landing(**context) -> dict:
        from rapor.tasks.ingest import purge_raw_landing, run_until

        return purge_raw_landing(["lapor_reports", "open311_requests"], run_until(context))

    publish([collect_lapor(), collect_open311()])
    purge_raw_landing()


rapor_ingest_apps()
