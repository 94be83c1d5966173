"""
### rapor_publish: publish scorecards for the Inspektorat and the TPP file for the BKD

Runs whenever `rapor_monthly` has stored scorecards (Asset `rapor://warehouse/scorecard`).
For every scored region-month whose scorecard or data-quality verdict is newer than its
latest publication it:

1. **publishes a revision** in `output/published/<region>/<YYYY-MM>/r<N>/`: the scorecard
   CSV, the inputs snapshot it is recomputed from (checked byte for byte before writing),
   the Inspektorat's report (HTML + PDF, Bahasa Indonesia), the BKD's TPP file (.xlsx + CSV,
   only when the gate passed) and a manifest of hashes. A revision is never overwritten:
   unchanged inputs publish nothing new, changed inputs make revision N+1 with a reason;
2. **e-mails** the region's Inspektorat and BKD (Airflow SMTP connection `smtp_default` or
   `RAPOR_SMTP_CONN_ID`) when a month is published or held by the gate; once per event;
3. **rebuilds the public open-data site** `output/public/<region>/` from the revisions whose
   gate passed (ranking, zones, counts, trend, the §7 CSV and JSON, the method; no personal
   data, no complaint tickets, no officials): a static folder for any web host.

A month held by the gate (`ditahan`) gets no publication and no BKD file; a month the gate
has not checked yet is published "belum diperiksa" without a BKD file.

**Correction by hand:** trigger with params `region`, `period` (YYYY-MM) and `reason`
(e.g. after importing late data and re-running `rapor_monthly` for that month). `force`
republishes unchanged inputs (the reason is then required, and the run must be triggered by a
logged-in Airflow user: the revision records who, when, why and what changed).

A month whose complaints changed after it was scored (collectors keep delivering) is left
"menunggu penilaian ulang": the next `rapor_monthly` run re-scores it and triggers this DAG.

**When it fails:** `publish_month` names the region-month and what to do (for a correction
by hand whose data changed after scoring: re-run `rapor_monthly` for the month, then clear
the task).
A failed `notify` task is safe to clear: an e-mail already sent is not sent again; so is a
failed `publish_public_site` (the site is rebuilt from the published revisions).
"""

from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.sdk import Param, dag, task

from rapor.assets import SCORECARDS


@dag(
    dag_id="rapor_publish",
    schedule=[SCORECARDS],
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    doc_md=__doc__,
    tags=["rapor", "publication"],
    default_args={"retries": 2, "retry_delay": timedelta(minutes=2)},
    params={
        "region": Param(None, type=["null", "string"], description="Region code, for a publication by hand"),
        "period": Param(None, type=["null", "string"], pattern=r"^\d{4}-\d{2}$", description="Month YYYY-MM"),
        "reason": Param(None, type=["null", "string"], description="Why this revision (correction, late data)"),
        "force": Param(False, type="boolean", description="Republish even if the inputs did not change"),
    },
)
def rapor_publish():
    @task
    def plan_publications(**context) -> list[dict]:
        from rapor.tasks.publish import plan_publications as plan

        p = context["params"]
        user = getattr(context["dag_run"], "triggering_user_name", None)  # who forces a republication
        return plan(p.get("region"), p.get("period"), p.get("reason"), bool(p.get("force")), triggered_by=user)

    @task(max_active_tis_per_dagrun=2)
    def publish_month(job: dict, **context) -> dict:
        from rapor.tasks import publish

        run = context["dag_run"]
        user = getattr(run, "triggering_user_name", None) or "airflow"
        return publish.publish_month(job, published_by=f"{user} ({run.run_id})"[:200])

    @task
    def notify(outcome: dict) -> dict:
        from rapor.tasks import publish

        return publish.notify(outcome)

    @task
    def publish_public_site(outcome: dict) -> dict:
        from rapor.tasks import publish

        return publish.publish_public_site(outcome)

    outcomes = publish_month.expand(job=plan_publications())
    notify.expand(outcome=outcomes)
    publish_public_site.expand(outcome=outcomes)


rapor_publish()
