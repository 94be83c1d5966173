"""The bodies of the monthly DAG's tasks, as plain functions that tests can call.

The DAG file imports this module only inside its tasks, so parsing the DAG stays light.
"""

from __future__ import annotations

import logging
from datetime import datetime

from rapor.periods import Period, period_ended_before
from rapor.pipeline import open_warehouse, score_and_export_region
from rapor.scorecard import list_regions

log = logging.getLogger(__name__)


def plan_region_months(instant: datetime, period: str | None = None, regions: list[str] | None = None) -> list[dict]:
    """One job per region: the month that just ended in the region's own time zone.

    ``period`` (YYYY-MM) overrides the month for every region, ``regions`` limits the
    regions, for re-running one region's month by hand.
    """
    engine = open_warehouse()
    with engine.connect() as conn:
        known = list_regions(conn)
    wanted = set(regions or [])
    unknown = wanted - {r.region_code for r in known}
    if unknown:
        raise ValueError(f"regions not in the registry: {sorted(unknown)}")
    jobs = []
    for region in known:
        if wanted and region.region_code not in wanted:
            continue
        month = Period.parse(period) if period else period_ended_before(instant, region.timezone)
        jobs.append({"region_code": region.region_code, "period": str(month)})
    log.info("planned %d region-months for %s", len(jobs), instant.isoformat())
    return jobs


def score_job(job: dict) -> dict:
    """Score and export one (region, month); safe to retry: it replaces that month's rows."""
    engine = open_warehouse()
    path = score_and_export_region(engine, job["region_code"], Period.parse(job["period"]))
    log.info("scorecard for %s %s written to %s", job["region_code"], job["period"], path)
    return {**job, "scorecard_csv": str(path)}
