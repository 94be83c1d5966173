"""
### rapor_monthly: score every region's month that just ended

Runs early on the 1st of each month (01:00 UTC, when every Indonesian zone, WIB, WITA
and WIT, is already in the new month). For each region in the registry it scores the
month that just ended **in the region's own time zone**, following SCORING.md (method
2026.1), stores the scorecard and its per-complaint evidence in the warehouse, and
writes `output/scorecards/<region>/scorecard-YYYY-MM.csv`.

**Idempotent per (region, month):** a retry, a re-run or a backfill replaces that
month's rows; nothing is added twice. Months run one at a time (`max_active_runs=1`)
because a month's TPP recommendation depends on the months before it: backfill in order.

**Params:** `period` (YYYY-MM) scores that month instead; `regions` limits the run to
some region codes.

**When it fails:** read the failed `score_region` task's log: an import or registry
problem names the region, file and field. Fix the data, then clear the task; the
month is recomputed from the warehouse.
"""

from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.sdk import Asset, Param, dag, task

SCORECARDS = Asset("rapor://warehouse/scorecard")


@dag(
    dag_id="rapor_monthly",
    schedule="0 1 1 * *",
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    doc_md=__doc__,
    tags=["rapor", "scoring"],
    default_args={"retries": 2, "retry_delay": timedelta(minutes=2)},
    params={
        "period": Param(None, type=["null", "string"], pattern=r"^\d{4}-\d{2}$", description="Month YYYY-MM"),
        "regions": Param([], type="array", description="Region codes to score (empty: all)"),
    },
)
def rapor_monthly():
    @task
    def plan_region_months(**context) -> list[dict]:
        from rapor.dag_tasks import plan_region_months as plan

        # A cron run has a zero-length data interval in Airflow 3: the month comes from
        # the logical date (or, for a manual run without one, the time it ran after).
        instant = context.get("logical_date") or context["dag_run"].run_after
        params = context["params"]
        return plan(instant, params.get("period"), params.get("regions"))

    @task(max_active_tis_per_dagrun=4)
    def score_region(job: dict) -> dict:
        from rapor.dag_tasks import score_job

        return score_job(job)

    @task(outlets=[SCORECARDS])
    def publish(results: list[dict]) -> list[str]:
        paths = [r["scorecard_csv"] for r in results]
        for path in paths:
            print(f"scorecard: {path}")
        return paths

    publish(score_region.expand(job=plan_region_months()))


rapor_monthly()
