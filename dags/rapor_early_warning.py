"""
### rapor_early_warning: tell each OPD every working morning what it must answer

Runs every hour; each region is handled in the run at which its own local time is 07:00
(`early_warning.local_hour` in the policy), on its working days only: no weekend and no
holiday of that region (the same calendar as the scoring clocks). For each OPD with a
duty still owed it lists the complaints whose first response or resolution is already
**overdue** and those whose deadline falls within the next `early_warning.horizon_hk`
working days (default 1), oldest first, with the source and the source's own ticket
number and the deadline in local time. It:

1. writes `output/early-warning/<region>/<YYYY-MM-DD>/<opd>.csv` and `.json` for the region's
   own chat or WhatsApp gateway (Rapor sends no WhatsApp itself); confidential complaints
   are counted there, never listed;
2. e-mails the OPD's complaint handlers (staff registry, role `pengelola_pengaduan`, column
   `email`) through the Airflow SMTP connection (`smtp_default` or `RAPOR_SMTP_CONN_ID`).

It changes no score. **Idempotent per (region, day):** the list is computed as of that
morning (later events are ignored), and an e-mail already sent is never sent again
(`notification_log`, event `peringatan:<day>:<opd>`).

**Params:** `region` and `day` (YYYY-MM-DD) warn that region's day by hand.

**When it fails:** a failed `warn_region` names the region, the day and the OPDs whose
e-mail failed: check the SMTP connection, then clear the task; OPDs already e-mailed are
not e-mailed again. An OPD without a handler's address is logged as skipped
(`dilewati`): add `email` to its handlers in `staff.csv` and import it.
"""

from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.sdk import Param, dag, task
from airflow.timetables.trigger import CronTriggerTimetable


@dag(
    dag_id="rapor_early_warning",
    schedule=CronTriggerTimetable("0 * * * *", timezone="UTC"),
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    doc_md=__doc__,
    tags=["rapor", "early-warning"],
    default_args={"retries": 2, "retry_delay": timedelta(minutes=2)},
    params={
        "region": Param(None, type=["null", "string"], description="Region code, to warn one region by hand"),
        "day": Param(None, type=["null", "string"], pattern=r"^\d{4}-\d{2}-\d{2}$", description="Local day"),
    },
)
def rapor_early_warning():
    @task
    def plan_warnings(**context) -> list[dict]:
        from rapor.tasks.early_warning import plan_warnings as plan

        p = context["params"]
        # The run's logical date: the hour it stands for, so a re-run plans the same mornings.
        instant = context.get("logical_date") or context["dag_run"].run_after
        return plan(instant, p.get("region"), p.get("day"))

    @task(max_active_tis_per_dagrun=4)
    def warn_region(job: dict) -> dict:
        from rapor.tasks import early_warning

        return early_warning.warn_region(job)

    warn_region.expand(job=plan_warnings())


rapor_early_warning()
