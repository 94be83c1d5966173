"""
### rapor_appeals: make decided appeals (banding) count

Within the appeal window of a published month (10 HK, shown in the report and the BKD
file) an OPD contests complaints of its evidence or an inspection indicator, and the
Inspektorat accepts or rejects each item with a reason, in the web view (`/rapor/…`,
page of the month) or with `rapor banding` (which goes through the web view as an
authenticated Airflow user). Every filing and decision is recorded with the logged-in
Airflow user who made it. An accepted item becomes an override of the data the month is
scored from (a complaint left out, or its first response / resolution time corrected, or
an indicator's score corrected); the raw records are never edited.

Every 15 minutes (or when triggered) this DAG finds the region-months with decided appeals
not yet applied and, for each:

1. re-scores the month, runs the data-quality gate and writes its CSV (as `rapor_monthly`);
2. re-scores, gates and exports the region's later scored months, oldest first (their TPP
   runs count this month: the corrections cascade);
3. marks the appeals applied.

The new scorecards update the scorecard Asset: `rapor_publish` then publishes each changed
month as a new revision; the appealed month's reason lists the decided appeals (number,
item, ground, decision, reason, who), the later months' reasons name the appealed month.

**Idempotent:** a retry re-scores the same months; the appeals are marked only at the end.
**When it fails:** a held month fails `alert_held` as in `rapor_monthly`; see `apply_appeals`'s
log for the region-month.
"""

from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.sdk import dag, task

from rapor.assets import SCORECARDS


@dag(
    dag_id="rapor_appeals",
    schedule="*/15 * * * *",
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    doc_md=__doc__,
    tags=["rapor", "scoring", "appeals"],
    default_args={"retries": 2, "retry_delay": timedelta(minutes=2)},
)
def rapor_appeals():
    @task
    def plan_decided_appeals() -> list[dict]:
        from rapor.tasks.appeals import plan_decided_appeals as plan

        return plan()

    # One at a time: two months of one region re-scored at once would cascade into each other.
    @task(outlets=[SCORECARDS], max_active_tis_per_dagrun=1)
    def apply_appeals(month: dict) -> list[dict]:
        from rapor.tasks import appeals

        return appeals.apply_appeals(month)

    @task(retries=0)
    def alert_held(applied: list[list[dict]]) -> None:
        from airflow.sdk.exceptions import AirflowFailException

        from rapor.tasks.monthly import alert_held as alert

        held = alert([verdict for verdicts in applied for verdict in verdicts])
        if held:
            raise AirflowFailException(f"data-quality gate held {', '.join(held)}: see the apply_appeals logs")

    alert_held(apply_appeals.expand(month=plan_decided_appeals()))


rapor_appeals()
