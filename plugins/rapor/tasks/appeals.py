"""Bodies of the rapor_appeals DAG's tasks: plan_decided_appeals → apply_appeals.

Each function has the name of the task that runs it (see rapor.tasks). Filing and deciding
happen in the web view (rapor.publish.web, or the CLI through it): they record who decided.
This DAG makes the decisions count: each region-month with decided appeals not yet applied
is re-scored (the accepted ones are overrides the scoring reads), gated and exported, then
the region's later scored months likewise, oldest first (the corrections cascade). The new
scorecards update the scorecard Asset; rapor_publish publishes the new revisions, whose
reason lists the decided appeals.
"""

from __future__ import annotations

import logging
from typing import TypedDict

from rapor.publish.appeals import decided_unapplied, mark_applied
from rapor.tasks.monthly import GateVerdict, gate_region, publish, rescore_later_months, score_region
from rapor.warehouse.db import open_warehouse

log = logging.getLogger(__name__)


class AppealMonth(TypedDict):
    """A region-month whose decided appeals are to be applied (through XCom)."""

    region_code: str
    period: str  # YYYY-MM
    appeal_ids: list[int]


def plan_decided_appeals() -> list[AppealMonth]:
    """The region-months with appeals decided since the month was last re-scored for them."""
    with open_warehouse().connect() as conn:
        months = decided_unapplied(conn)
    log.info("%d region-months with decided appeals to apply", len(months))
    return months


def apply_appeals(month: AppealMonth) -> list[GateVerdict]:
    """Re-score, gate and export the month and its later scored months; mark the appeals applied.

    Safe to retry: scoring replaces the months' rows, and the appeals are marked only at the end.
    """
    job = {"region_code": month["region_code"], "period": month["period"], "cascade": True}
    verdicts = publish([gate_region(score_region(job))])
    verdicts += rescore_later_months(verdicts)
    mark_applied(open_warehouse(), month["appeal_ids"])
    log.info(
        "%s %s: appeals %s applied; re-scored %s",
        month["region_code"],
        month["period"],
        month["appeal_ids"],
        [v["period"] for v in verdicts],
    )
    return verdicts
