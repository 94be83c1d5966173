"""Bodies of the rapor_monthly DAG's tasks: plan_region_batches → score_regions → gate_regions
→ publish (CSV and quality summary) → rescore_later_months → alert_held.

The DAG maps ``score_regions`` and ``gate_regions`` over batches of regions
(``config.region_batch_size``): 514 regions are a few dozen tasks, not a thousand. A batch is
scored in one set-based pass (``score_regions_month``) and gated in one GX pass per suite
(``run_gates``), each region getting its own verdict: a region that fails is recorded with its
error (``RegionMonthJob.error``) and skipped by the later steps, the others go on and are
published, and ``alert_held`` fails the run naming it. ``score_region`` and ``gate_region``
are the same steps for one region (the appeals DAG uses them).

Each function has the name of the task that runs it (see rapor.tasks); the DAG file imports
this module only inside its tasks, so parsing the DAG stays light.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import NotRequired, TypedDict

from rapor import config
from rapor.errors import ConfigError
from rapor.layout import scorecard_path
from rapor.policy import Policy, load_policy
from rapor.quality.alerts import alert_held as alert
from rapor.quality.gate import GateRequest, check_override, run_gate, run_gates
from rapor.quality.summary import write_quality_summary
from rapor.registry import list_regions
from rapor.scoring.periods import Period, period_ended_before
from rapor.scoring.scorecard import score_month_in_order, score_region_month, score_regions_month
from rapor.scoring.scorecard_csv import write_scorecard_csv
from rapor.storage import Location
from rapor.warehouse.db import open_warehouse

log = logging.getLogger(__name__)


class RegionMonthJob(TypedDict):
    """One region's month, as planned and passed from task to task (through XCom)."""

    region_code: str
    period: str  # YYYY-MM, the month in the region's own time zone
    override_reason: NotRequired[str]  # releasing a held month by hand, with who did it
    override_by: NotRequired[str]
    # Set by score_region when a category changed: the region's already-scored later months,
    # whose TPP runs (SCORING.md §6) count this month, to be re-scored in order.
    later_months: NotRequired[list[str]]
    # Re-score the later months whatever changed (after decided appeals: rapor_appeals).
    cascade: NotRequired[bool]
    # Set by score_regions / gate_regions when this region's step failed: the error, in one line.
    error: NotRequired[str]


class GateVerdict(TypedDict):
    """What ``gate_region`` hands to ``publish`` and ``alert_held``."""

    region_code: str
    period: str
    status: str  # GATE_PASSED or GATE_HELD
    passed: bool
    critical_failures: int
    warnings: int
    data_docs: str | None
    later_months: list[str]  # passed on from score_region
    rescored_because: NotRequired[str]  # a later month re-scored because this month's categories changed
    error: NotRequired[str]  # the region's scoring or gate failed: nothing was gated or published


def plan_region_months(
    instant: datetime,
    period: str | None = None,
    regions: list[str] | None = None,
    override_reason: str | None = None,
    override_by: str | None = None,
) -> list[RegionMonthJob]:
    """One job per region: the month that just ended in the region's own time zone.

    ``period`` (YYYY-MM) overrides the month for every region, ``regions`` limits the
    regions, for re-running one region's month by hand. ``override_reason`` and
    ``override_by`` release held months despite failed checks: only for a named month
    and named regions, never on a scheduled run.
    """

    if override_reason and not (override_by or "").strip():
        raise ConfigError(
            "an override of the data-quality gate is recorded with the Airflow user who triggered the run: "
            "trigger rapor_monthly as a logged-in user (Airflow UI or REST API), not anonymously"
        )
    reason, by = check_override(override_reason, override_by)
    if reason is not None and not (period and regions):
        raise ConfigError("an override of the data-quality gate needs an explicit period and regions")
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
        job = {"region_code": region.region_code, "period": str(month)}
        if reason is not None:
            job.update(override_reason=reason, override_by=by)
            log.warning("override requested for %s %s by %s: %r", region.region_code, month, by, reason)
        jobs.append(job)
    log.info("planned %d region-months for %s", len(jobs), instant.isoformat())
    return jobs


def plan_region_batches(
    instant: datetime,
    period: str | None = None,
    regions: list[str] | None = None,
    override_reason: str | None = None,
    override_by: str | None = None,
    batch_size: int | None = None,
) -> list[list[RegionMonthJob]]:
    """The jobs of ``plan_region_months`` in batches of ``batch_size`` regions (default:
    ``config.region_batch_size``), in region order, so that a region stays in the same batch
    (map index) from one month to the next while the registry does not change."""
    jobs = plan_region_months(instant, period, regions, override_reason, override_by)
    size = batch_size or config.region_batch_size()
    batches = [jobs[i : i + size] for i in range(0, len(jobs), size)]
    log.info("%d region-months in %d batches of at most %d regions", len(jobs), len(batches), size)
    return batches


def score_regions(batch: list[RegionMonthJob]) -> list[RegionMonthJob]:
    """Score the region-months of a batch, one set-based pass per month (``score_regions_month``).

    A region refused because its previous month was never scored is recorded in its job
    (``error``), and the others are scored all the same. If the pass itself fails (a region's
    data breaks it), the batch is scored region by region (``score_region``) so that only that
    region is recorded as failed. When every region of the batch failed, the first error is
    raised instead: a database or configuration problem is then retried by Airflow rather than
    recorded region by region.
    """
    engine = open_warehouse()
    done: dict[int, RegionMonthJob] = {}
    errors: list[Exception] = []
    groups: dict[tuple[str, bool], list[int]] = {}
    for n, job in enumerate(batch):
        groups.setdefault((job["period"], bool(job.get("cascade"))), []).append(n)
    for (period, cascade), members in groups.items():
        codes = [batch[n]["region_code"] for n in members]
        try:
            month = score_regions_month(engine, codes, Period.parse(period), cascade=cascade)
        except Exception:
            log.exception("scoring %s of %d regions in one pass failed; scoring them one by one", period, len(codes))
            month = None
        for n in members:
            job = batch[n]
            try:
                if month is None:
                    done[n] = score_region(job)
                    continue
                code = job["region_code"]
                if code in month.refused:
                    raise month.refused[code]
                done[n] = _scored(job, month.scored[code])
            except Exception as exc:
                log.exception("scoring %s %s failed; the batch's other regions go on", job["region_code"], period)
                errors.append(exc)
                done[n] = {**job, "error": _one_line(exc)}
    if batch and len(errors) == len(batch):
        raise errors[0]
    return [done[n] for n in range(len(batch))]


def _scored(job: RegionMonthJob, scored) -> RegionMonthJob:
    log.info("scored %s %s: %d OPDs", job["region_code"], job["period"], len(scored.rows))
    if not scored.later_months:
        return job
    later = [str(p) for p in scored.later_months]
    log.warning("%s %s: the later months %s are re-scored", job["region_code"], job["period"], later)
    return {**job, "later_months": later}


def gate_regions(batch: list[RegionMonthJob]) -> list[GateVerdict]:
    """Run the data-quality gate on a batch of scored months (``rapor.quality.gate.run_gates``).

    A region whose scoring failed is passed on with its error, ungated; a region whose gate
    cannot run gets its error the same way. The others get their verdicts.
    """
    engine = open_warehouse()
    scored = [job for job in batch if not job.get("error")]
    requests = [
        GateRequest(job["region_code"], Period.parse(job["period"]), job.get("override_reason"), job.get("override_by"))
        for job in scored
    ]
    gated = dict(zip((id(job) for job in scored), run_gates(engine, requests), strict=True))
    verdicts = []
    for job in batch:
        result = gated.get(id(job))
        if result is None or isinstance(result, Exception):
            error = job.get("error") or _one_line(result)
            verdicts.append(_failed(job, error))
        else:
            verdicts.append(
                {**_verdict(job["region_code"], job["period"], result), "later_months": job.get("later_months", [])}
            )
    return verdicts


def _failed(job: RegionMonthJob, error: str) -> GateVerdict:
    return {
        "region_code": job["region_code"],
        "period": job["period"],
        "status": "failed",
        "passed": False,
        "critical_failures": 0,
        "warnings": 0,
        "data_docs": None,
        "later_months": [],
        "error": error,
    }


def _one_line(exc: BaseException | None) -> str:
    text = " ".join(str(exc).split()) if exc is not None else ""
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def failed_months(results: list[GateVerdict]) -> list[GateVerdict]:
    """The region-months of ``results`` whose scoring or gate failed (nothing published)."""
    return [job for job in results if job.get("error")]


def score_region(job: RegionMonthJob) -> RegionMonthJob:
    """Score one (region, month); safe to retry: it replaces that month's rows.

    When a category differs from the month's stored scorecard, the region's later months
    that were already scored are named in ``later_months``: their TPP runs count this month.
    """
    region_code, period = job["region_code"], Period.parse(job["period"])
    return _scored(job, score_month_in_order(open_warehouse(), region_code, period, cascade=bool(job.get("cascade"))))


def gate_region(job: RegionMonthJob) -> GateVerdict:
    """Run the data-quality gate on the scored month (see rapor.quality.gate)."""
    engine = open_warehouse()
    result = run_gate(
        engine,
        job["region_code"],
        Period.parse(job["period"]),
        override_reason=job.get("override_reason"),
        override_by=job.get("override_by"),
    )
    return {**_verdict(job["region_code"], job["period"], result), "later_months": job.get("later_months", [])}


def _verdict(region_code: str, period: str, result) -> dict:
    return {
        "region_code": region_code,
        "period": period,
        "status": result.status,
        "passed": result.passed,
        "critical_failures": len(result.critical_failures),
        "warnings": len(result.warnings),
        "data_docs": result.data_docs_path,
    }


def publish(results: list[GateVerdict] | list[list[GateVerdict]]) -> list[dict]:
    """Write each month's §7 CSV and quality summary (a held month too: without TPP values).

    ``results`` are verdicts, or the verdicts of each batch; a region-month whose scoring or
    gate failed is passed on unpublished.
    """
    engine = open_warehouse()
    published = []
    for job in flatten(results):
        if job.get("error"):
            published.append(job)
            continue
        path = export_region(engine, job["region_code"], Period.parse(job["period"]))
        log.info("scorecard for %s %s (%s) written to %s", job["region_code"], job["period"], job["status"], path)
        published.append({**job, "scorecard_csv": str(path)})
    return published


def rescore_later_months(published: list[GateVerdict]) -> list[GateVerdict]:
    """Re-score, gate and export, oldest first, the later months a changed category feeds.

    A month's TPP cut depends on the categories of the months before it (SCORING.md §6): a
    correction to March changes the runs of April and May. Their new scorecards update the
    scorecard Asset, so rapor_publish republishes each one whose inputs changed; the
    revision's reason names the month whose categories changed.
    """
    engine = open_warehouse()
    rescored = []
    for job in published:
        if job.get("error"):
            continue
        for later in job.get("later_months", []):
            period = Period.parse(later)
            score_region_month(engine, job["region_code"], period)
            result = run_gate(engine, job["region_code"], period)
            export_region(engine, job["region_code"], period)
            log.info("%s %s re-scored after the correction of %s", job["region_code"], later, job["period"])
            rescored.append(
                {**_verdict(job["region_code"], later, result), "later_months": [], "rescored_because": job["period"]}
            )
    return rescored


def flatten(results: list) -> list[GateVerdict]:
    """Verdicts from a list of verdicts or of batches of verdicts."""
    return [v for item in results for v in (item if isinstance(item, list) else [item])]


def alert_held(results: list[GateVerdict]) -> list[str]:
    """Log and e-mail the held months; returns them as ``region period`` texts, then the
    region-months whose scoring or gate failed (``region period: error``)."""
    failed = failed_months(results)
    held = alert(open_warehouse(), [job for job in results if not job.get("error")])
    for job in failed:
        log.error(
            "FAILED %s %s: not scored or not gated, nothing published: %s",
            job["region_code"],
            job["period"],
            job["error"],
        )
    return [f"{g.region_code} {g.period}" for g in held] + [
        f"{j['region_code']} {j['period']}: {j['error']}" for j in failed
    ]


def export_region(engine, region_code: str, period: Period, out_dir: Location | None = None) -> Location:
    """Write the month's §7 CSV and, beside it, ``quality-YYYY-MM.json``/``.html`` (verdict,
    coverage, link to the Data Docs). A held month's CSV has no TPP values: the gate cleared them."""
    path = write_scorecard_csv(engine, period, [region_code], scorecard_path(region_code, period, out_dir))
    write_quality_summary(engine, region_code, period, out_dir)
    return path


def score_and_export_region(engine, region_code: str, period: Period, policy: Policy | None = None) -> Location:
    """The monthly DAG's three steps for one region-month in one process: score, gate, export."""

    policy = policy or load_policy()
    score_region_month(engine, region_code, period, policy)
    run_gate(engine, region_code, period, policy)
    return export_region(engine, region_code, period)
