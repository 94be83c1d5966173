"""Bodies of the rapor_publish DAG's tasks: plan_publications → publish_month → notify and
publish_public_site.

Each function has the name of the task that runs it (see rapor.tasks); the DAG file imports
this module only inside its tasks, so parsing the DAG stays light.
"""

from __future__ import annotations

import logging
from datetime import UTC
from typing import TypedDict

from sqlalchemy import func, select

from rapor.errors import ConfigError
from rapor.publish import notify as notifications
from rapor.publish import revisions
from rapor.publish.inputs import StaleInputsError
from rapor.publish.public_site import build_public_site
from rapor.scoring.periods import Period
from rapor.vocabulary import PUBLISHED, WAITING
from rapor.warehouse import schema
from rapor.warehouse.db import open_warehouse

log = logging.getLogger(__name__)


class PublicationJob(TypedDict):
    """What ``publish_month`` receives for one region-month (through XCom)."""

    region_code: str
    period: str  # YYYY-MM
    reason: str | None  # a correction's reason, shown in the revision history
    force: bool  # republish unchanged inputs (a reason is then required)


def _utc(instant):
    return None if instant is None else (instant if instant.tzinfo else instant.replace(tzinfo=UTC))


def _latest_per_month(conn, instant) -> dict[tuple[str, str], object]:
    """The latest ``instant`` (a column of a table keyed by region and period) per region-month."""
    table = instant.table
    rows = conn.execute(
        select(table.c.region_code, table.c.period, func.max(instant)).group_by(table.c.region_code, table.c.period)
    )
    return {(region_code, period): latest for region_code, period, latest in rows}


def plan_publications(
    region: str | None = None,
    period: str | None = None,
    reason: str | None = None,
    force: bool = False,
    triggered_by: str | None = None,
) -> list[PublicationJob]:
    """The region-months to publish.

    By hand (``region`` and ``period``): that month, with the reason. Triggered by the
    scorecard Asset: every scored month whose scorecard or gate verdict is newer than its
    latest revision, or that has none (held months come back until the gate passes; their
    e-mail is sent once per verdict). A forced republication is recorded with the Airflow user
    who triggered the run (``triggered_by``): it refuses a run without one.
    """
    if force and not (triggered_by or "").strip():
        raise ConfigError(
            "a forced republication is recorded with the Airflow user who triggered it: trigger rapor_publish "
            "as a logged-in user (Airflow UI or REST API), not anonymously"
        )
    if region or period:
        if not (region and period):
            raise ValueError("give both region and period (YYYY-MM) to publish one month by hand")
        return [{"region_code": region, "period": str(Period.parse(period)), "reason": reason, "force": bool(force)}]
    with open_warehouse().connect() as conn:
        scored = _latest_per_month(conn, schema.scorecard.c.computed_at)
        published = _latest_per_month(conn, schema.publication.c.published_at)
        checked = _latest_per_month(conn, schema.quality_gate.c.checked_at)
    jobs = []
    for (region_code, period_text), computed_at in sorted(scored.items()):
        last = _utc(published.get((region_code, period_text)))
        newest = max(t for t in (_utc(computed_at), _utc(checked.get((region_code, period_text)))) if t is not None)
        if last is None or newest > last:
            jobs.append({"region_code": region_code, "period": period_text, "reason": reason, "force": False})
    log.info("planned %d publications", len(jobs))
    return jobs


def publish_month(job: PublicationJob, published_by: str = "airflow") -> dict:
    """Publish one region-month (a new revision only when something changed)."""
    engine = open_warehouse()
    try:
        outcome = revisions.publish_month(
            engine,
            job["region_code"],
            job["period"],
            job.get("reason"),
            force=bool(job.get("force")),
            published_by=published_by,
        )
    except StaleInputsError as exc:
        if job.get("reason"):
            raise  # a publication by hand: the operator must re-score first
        # Triggered by the Asset while complaints kept arriving: the next rapor_monthly run
        # re-scores the month and triggers this DAG again.
        log.warning("%s %s not published yet: %s", job["region_code"], job["period"], exc)
        return {**job, "status": WAITING, "revision": None, "folder": None, "detail": str(exc)}
    log.info("%s %s: %s (revision %s)", outcome.region_code, outcome.period, outcome.status, outcome.revision)
    return outcome.as_dict()


def notify(outcome: dict) -> dict:
    """E-mail the Inspektorat and the BKD about a published or held month (once per event)."""
    return notifications.notify(open_warehouse(), outcome)


def publish_public_site(outcome: dict) -> dict:
    """Rebuild the region's public open-data site when a revision was published (passed ones only)."""
    if outcome.get("status") != PUBLISHED:
        return {**outcome, "public_files": 0}
    files = build_public_site(open_warehouse(), outcome["region_code"])
    log.info("public site of %s: %d files", outcome["region_code"], len(files))
    return {**outcome, "public_files": len(files)}
