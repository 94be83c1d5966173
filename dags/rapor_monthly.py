"""
### rapor_monthly: score every region's month that just ended

Runs early on the 1st of each month (01:00 UTC, when every Indonesian zone, WIB, WITA
and WIT, is already in the new month). For each region in the registry it scores the
month that just ended **in the region's own time zone**, following SCORING.md (method
2026.1), stores the scorecard and its per-complaint evidence in the warehouse, and
writes `output/scorecards/<region>/scorecard-YYYY-MM.csv`.
It also runs once the ingestion DAGs (apps, social media, hotline) have all updated
their Assets `rapor://warehouse/complaint/*` since its last run, re-scoring the month just
ended with the complaints that arrived late.

**Idempotent per (region, month):** a retry, a re-run or a backfill replaces that
month's rows; nothing is added twice.

**Batches of regions:** `plan_region_batches` splits the regions (in region order) into
batches of `RAPOR_REGION_BATCH_SIZE` (default 50), and `score_regions` and `gate_regions`
run once per batch (dynamic task mapping), at most 4 at a time per run: 514 regions are 11
mapped tasks per step, not 514. Inside a batch the regions' month is scored in one set-based
pass (`score_regions_month`) and the gate validates the batch's months in one pass per
suite. **One region's failure never blocks another's:** a region whose scoring or gate
fails is recorded with its error and skipped, the batch's other regions are gated and
published, and `alert_held` fails the run naming it (re-run it with `regions`). Only a
batch in which every region failed fails its task (then Airflow retries it: usually the
database or the configuration).

**Months in order:** a month's TPP recommendation depends on the months before it, so
scoring never runs ahead. `score_regions` depends on the previous run (`depends_on_past`):
in the cron series and in a backfill (whose `--max-active-runs` would otherwise run ten
months at once) a batch's month is scored only once the same batch's month before has been
scored; until then it waits. Per region, scoring a month whose previous month failed (or
was never scored, while earlier months were) is refused with a message naming the month to
score first, so a region never runs ahead inside a batch either. A backfill is therefore created oldest first, with a
reprocess behaviour (Airflow requires one): `airflow backfill create --dag-id
rapor_monthly --from-date 2026-04-01 --to-date 2026-06-01 --reprocess-behavior failed`,
and a scheduler runs it. Two runs of one region never score at the same time (a lock per
region).

**Params:** `period` (YYYY-MM) scores that month instead; `regions` limits the run to
some region codes.

**Data-quality gate (no sanction on bad data):** after scoring, `gate_regions` runs the
Great Expectations checkpoints of `expectations/` on the month's complaints, inspections,
scorecard rows and coverage. A failed *critical* expectation holds the month (`ditahan`):
its TPP recommendation is cleared, `publish` still writes the CSV (without TPP values)
and `quality-YYYY-MM.html` beside it with the failures, coverage and a link to the
month's Data Docs (`quality-YYYY-MM/index.html`), and `alert_held` fails so the run turns
red and operators are alerted. Warnings are recorded and shown but do not hold. To
release a held month, fix the data and re-run it (`period`, `regions`). Only as a last
resort: `override_reason` with `period` and `regions`, in a run triggered by a logged-in
Airflow user (UI or REST API), publishes it despite the failures; they stay recorded with
the reason and the user who triggered the run (never a typed name).

**Corrections cascade:** a month's TPP cut depends on the categories of the months before
it. When a re-scored month's categories change, `rescore_later_months` re-scores, gates
and exports the region's later months that were already scored, oldest first; their new
scorecards update the scorecard Asset, and `rapor_publish` republishes each one whose
inputs changed, with a reason naming the corrected month.

**When it fails:** `alert_held` names every held or failed region-month; read the
`score_regions` / `gate_regions` log of its batch: an import or registry problem names the
region, file and field. Fix the data, then re-run the month for those regions (`period`,
`regions`) or clear the batch's task; the month is recomputed from the warehouse.
"""

from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.sdk import AssetOrTimeSchedule, CronTriggerTimetable, Param, dag, task

from rapor.assets import ALL_CHANNELS_COLLECTED as COLLECTED
from rapor.assets import SCORECARDS


@dag(
    dag_id="rapor_monthly",
    # Monthly on cron, and again once every channel family has delivered since the last
    # run, so that late-collected complaints reach the month just ended (idempotent).
    schedule=AssetOrTimeSchedule(timetable=CronTriggerTimetable("0 1 1 * *", timezone="UTC"), assets=COLLECTED),
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    doc_md=__doc__,
    tags=["rapor", "scoring"],
    default_args={"retries": 2, "retry_delay": timedelta(minutes=2)},
    params={
        "period": Param(None, type=["null", "string"], pattern=r"^\d{4}-\d{2}$", description="Month YYYY-MM"),
        "regions": Param([], type="array", description="Region codes to score (empty: all)"),
        "override_reason": Param(
            None, type=["null", "string"], description="Release held months despite failed checks: why (logged)"
        ),
    },
)
def rapor_monthly():
    @task
    def plan_region_batches(**context) -> list[list[dict]]:
        from rapor.tasks.monthly import plan_region_batches as plan

        # A cron run has a zero-length data interval in Airflow 3: the month comes from
        # the logical date (or, for a manual run without one, the time it ran after).
        instant = context.get("logical_date") or context["dag_run"].run_after
        params = context["params"]
        reason = params.get("override_reason")
        # Who releases a held month is the authenticated user who triggered the run.
        user = getattr(context["dag_run"], "triggering_user_name", None)
        return plan(
            instant,
            params.get("period"),
            params.get("regions"),
            override_reason=reason,
            override_by=user if reason else None,
        )

    # One mapped task per batch of regions. depends_on_past: a batch's month is scored only
    # after the previous run's scoring of the same batch (map index) succeeded.
    @task(max_active_tis_per_dagrun=4, depends_on_past=True)
    def score_regions(batch: list[dict]) -> list[dict]:
        from rapor.tasks import monthly

        return monthly.score_regions(batch)

    @task(max_active_tis_per_dagrun=4)
    def gate_regions(batch: list[dict]) -> list[dict]:
        from rapor.tasks import monthly  # Great Expectations is imported here, never at parse time

        return monthly.gate_regions(batch)

    @task(outlets=[SCORECARDS])
    def publish(results: list[list[dict]]) -> list[dict]:
        from rapor.tasks import monthly

        return monthly.publish(results)

    @task(outlets=[SCORECARDS])
    def rescore_later_months(published: list[dict]) -> list[dict]:
        from rapor.tasks import monthly

        return monthly.rescore_later_months(published)

    @task(retries=0)
    def alert_held(published: list[dict], rescored: list[dict]) -> None:
        from airflow.sdk.exceptions import AirflowFailException

        from rapor.tasks.monthly import alert_held as alert

        held = alert(published + rescored)
        if held:
            raise AirflowFailException(
                f"held by the data-quality gate or failed: {'; '.join(held)} (see the batch's task logs)"
            )

    scored = score_regions.expand(batch=plan_region_batches())
    published = publish(gate_regions.expand(batch=scored))
    alert_held(published, rescore_later_months(published))


rapor_monthly()
