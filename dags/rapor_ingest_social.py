"""
### rapor_ingest_social: complaints on the OPDs' Facebook, Instagram and X accounts

Every hour, reads the comments and replies on the posts of every Facebook page and
Instagram account in the registry (connections `rapor_facebook`, `rapor_instagram`, Graph
API) and the mentions of every X account with the accounts' replies (connection `rapor_x`,
X API v2). A citizen's comment or mention is a complaint; the OPD's own earliest reply is
its first response. Complaints reaching the Bupati's (central) accounts are routed by the
registry's keyword rules, or held as *belum terdisposisi*. Updates the Asset
`rapor://warehouse/complaint/social` that `rapor_monthly` is scheduled on.

Raw pages are landed unchanged before parsing; each account's state is saved with its
complaints, in one transaction. **Idempotent:** re-reading a look-back window rewrites the
same rows. Graph API calls share the pool `rapor_graph_api` (one app rate limit), X calls
the pool `rapor_x_api`; inside a task the collector honours `Retry-After`, the X
`x-rate-limit-*` headers and the Graph usage headers and throttling codes.

**Retention:** `purge_raw_landing` deletes this DAG's raw files landed more than the
policy's `raw_landing.retention_days` (default 90) before the run's logical date, with
their `raw_landing` rows; each complaint's lineage keeps the file's sha256. Raw files are
readable by the service user only (0600 in 0700 folders). A re-run purges nothing more.

**When it fails:** a token error names the connection to renew (Graph API tokens expire:
code 190); renew it and clear the task. Other failures resume from the last committed
account on the next run.
"""

from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.sdk import dag, task

from rapor.assets import COMPLAINTS_FROM_SOCIAL as SOCIAL


@dag(
    dag_id="rapor_ingest_social",
    schedule="@hourly",
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    doc_md=__doc__,
    tags=["rapor", "ingestion"],
    default_args={"retries": 3, "retry_delay": timedelta(minutes=5), "retry_exponential_backoff": True},
)
def rapor_ingest_social():
    @task(pool="rapor_graph_api")
    def collect_facebook(**context) -> dict:
        from rapor.tasks.ingest import collect_stream, run_until

        return collect_stream("facebook_comments", run_until(context), validate=True)

    @task(pool="rapor_graph_api")
    def collect_instagram(**context) -> dict:
        from rapor.tasks.ingest import collect_stream, run_until

        return collect_stream("instagram_comments", run_until(context), validate=True)

    @task(pool="rapor_x_api")
    def collect_x(**context) -> dict:
        from rapor.tasks.ingest import collect_stream, run_until

        return collect_stream("x_mentions", run_until(context), validate=True)

    @task(outlets=[SOCIAL])
    def publish(runs: list[dict]) -> list[dict]:
        for run in runs:
            print(f"{run['stream']}: {run['loaded']} complaints loaded, {run['unrouted']} belum terdisposisi")
        return runs

    @task
    def purge_raw_landing(**context) -> dict:
        from rapor.tasks.ingest import purge_raw_landing, run_until

        return purge_raw_landing(["facebook_comments", "instagram_comments", "x_mentions"], run_until(context))

    publish([collect_facebook(), collect_instagram(), collect_x()])
    purge_raw_landing()


rapor_ingest_social()
