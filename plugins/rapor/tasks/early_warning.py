"""Bodies of the rapor_early_warning DAG's tasks: plan_warnings → warn_region.

Each function has the name of the task that runs it (see rapor.tasks); the DAG file imports
this module only inside its tasks, so parsing the DAG stays light.
"""

from __future__ import annotations

import logging
from datetime import date, datetime
from typing import TypedDict
from zoneinfo import ZoneInfo

from rapor.errors import ConfigError
from rapor.policy import load_policy
from rapor.publish.early_warning import warn_region as warn
from rapor.registry import get_region, list_regions
from rapor.scoring.early_warning import is_warning_day
from rapor.warehouse.db import open_warehouse

log = logging.getLogger(__name__)


class WarningJob(TypedDict):
    """One region's morning, as planned and passed to ``warn_region`` (through XCom)."""

    region_code: str
    day: str  # YYYY-MM-DD, the local working day in the region's own time zone


def plan_warnings(instant: datetime, region: str | None = None, day: str | None = None) -> list[WarningJob]:
    """The regions whose working morning it is at ``instant`` (the run's logical date).

    The DAG runs every hour; a region is warned in the run at which its own local time is
    the policy's ``early_warning.local_hour``, on its working days only (no weekend, no
    holiday of that region). By hand (``region`` and ``day``): that region's day, if it is a
    working day there.
    """
    policy = load_policy()
    with open_warehouse().connect() as conn:
        if region or day:
            if not (region and day):
                raise ConfigError("give both region and day (YYYY-MM-DD) to warn one region's day by hand")
            try:
                wanted = date.fromisoformat(day)
            except ValueError:
                raise ConfigError(f"day {day!r} is not a date YYYY-MM-DD") from None
            mornings = [(get_region(conn, region), wanted)]
        else:
            mornings = []
            for candidate in list_regions(conn):
                local = instant.astimezone(ZoneInfo(candidate.timezone))
                if local.hour == policy.early_warning.local_hour:
                    mornings.append((candidate, local.date()))
    jobs: list[WarningJob] = []
    for candidate, local_day in mornings:
        if is_warning_day(candidate, local_day, policy):
            jobs.append({"region_code": candidate.region_code, "day": local_day.isoformat()})
        else:
            log.info("%s: %s is not a working day there, no early warning", candidate.region_code, local_day)
    log.info("planned %d early warnings at %s", len(jobs), instant.isoformat())
    return jobs


def warn_region(job: WarningJob) -> dict:
    """Write the region's feeds and e-mail each OPD's handlers (once per day)."""
    outcome = warn(open_warehouse(), job["region_code"], date.fromisoformat(job["day"]))
    log.info(
        "%s %s: %d OPDs warned about %d complaints (%d overdue)",
        outcome.region_code,
        outcome.day,
        outcome.n_opds,
        outcome.n_complaints,
        outcome.n_overdue,
    )
    return outcome.as_dict()
