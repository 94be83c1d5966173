"""The monthly data-quality gate: no sanction on bad data.

After a region's month is scored and before it is published, the gate validates the
month's complaints, inspections, scorecard rows and coverage with the GX suites of
``expectations/`` (checkpoints ``complaints``, ``inspections``, ``scorecards``,
``coverage``), stores the coverage summary and records its verdict in
``quality_gate``:

- every critical expectation holds: ``lulus``; failed warnings are recorded and shown;
- a critical expectation fails: ``ditahan`` (held). The month's TPP recommendation is
  cleared in the same transaction, so no TPP value of a held month exists anywhere;
  the failures are listed in the verdict, the log (ERROR) and the summary beside the
  scorecard. Publication (``latest_gate``) refuses the month.

One OPD can be held alone: a channel account of the OPD that the collectors could not
collect (``collection_attempt``: token expired, permission missing, endpoint down) for
more than ``quality.max_uncollected_days`` days of the month (SCORING.md §6). Its TPP
recommendation is cleared and it is named in ``held_opds`` with the account, the cause
and the connection to fix; the month still passes for the other OPDs and is published.
A central account of the region (the Bupati's page) uncollected that long is a warning:
its complaints reach many OPDs, and the method names no OPD to hold for it.

A held month is released by fixing the data and re-running the month (scoring and the
gate run again). The only other way is an explicit override: a reason and a name,
given for a named month; the gate still runs every expectation, records the failures
with the override, and logs it. Nothing skips the check.
"""

from __future__ import annotations

import logging
import shutil
import time as clock
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
from sqlalchemy import update

from rapor import config
from rapor.errors import ConfigError
from rapor.layout import QualityPaths, gx_results_folder, quality_paths
from rapor.policy import Policy, load_policy
from rapor.quality.coverage import build_coverage, store_coverage
from rapor.quality.frames import (
    complaints_frame,
    gate_parameters,
    inspections_frame,
    scorecards_frame,
)
from rapor.quality.status import GateResult, record_gate
from rapor.quality.suites import SuiteOutcome, run_suites
from rapor.registry import get_region, opd_codes
from rapor.scoring.periods import Period
from rapor.storage import Location, copy_tree, is_store
from rapor.warehouse import schema

log = logging.getLogger(__name__)

MIN_OVERRIDE_REASON = 15  # characters: a reason, not "ok"


def check_override(reason: str | None, by: str | None) -> tuple[str | None, str | None]:
    """An override needs a real reason and a name; returns them stripped (or (None, None))."""
    reason, by = (reason or "").strip(), (by or "").strip()
    if not reason:
        if by:
            raise ConfigError("override_by was given without override_reason: an override needs a reason")
        return None, None
    if len(reason) < MIN_OVERRIDE_REASON:
        raise ConfigError(
            f"override_reason {reason!r} is too short: say why the month may be published "
            f"despite failed checks (at least {MIN_OVERRIDE_REASON} characters)"
        )
    if not by:
        raise ConfigError("override_reason needs override_by: the name of the person who releases the month")
    return reason, by


def run_gate(
    engine,
    region_code: str,
    period: Period,
    policy: Policy | None = None,
    *,
    override_reason: str | None = None,
    override_by: str | None = None,
    out_dir: Location | None = None,
    now: datetime | None = None,
) -> GateResult:
    """Validate one scored region-month, store its coverage and record the verdict."""
    reason, by = check_override(override_reason, override_by)
    policy = policy or load_policy()
    now = now or datetime.now(UTC)
    started = clock.monotonic()
    month = _read_month(engine, region_code, period, policy, now, out_dir)
    outcomes = run_suites(
        month.frames,
        month.parameters,
        work_dir=month.work_dir,
        docs_dir=month.docs_build_dir,
        run_name=month.run_name,
    )
    return _conclude(engine, month, outcomes, reason, by, now, clock.monotonic() - started)


@dataclass(frozen=True)
class GateRequest:
    """One region-month to gate in a batch, with its override if one was given."""

    region_code: str
    period: Period
    override_reason: str | None = None
    override_by: str | None = None


def run_gates(
    engine,
    requests: list[GateRequest],
    policy: Policy | None = None,
    *,
    out_dir: Location | None = None,
    now: datetime | None = None,
) -> list[GateResult | Exception]:
    """Gate many region-months with one GX pass per suite (``rapor.quality.onepass``).

    Each region-month gets the verdict ``run_gate`` gives it (same findings, holds, Data Docs
    in its own folder), one result per request, in order. A region-month whose gate cannot
    run (its data cannot be read, a bad override) gets its exception in its place and is
    logged; the others are gated all the same.
    """
    from rapor.quality.onepass import RegionRun, run_suites_for_regions

    policy = policy or load_policy()
    now = now or datetime.now(UTC)
    started = clock.monotonic()
    results: list[GateResult | Exception | None] = [None] * len(requests)
    months, overrides = {}, {}
    for n, request in enumerate(requests):
        try:
            overrides[n] = check_override(request.override_reason, request.override_by)
            months[n] = _read_month(engine, request.region_code, request.period, policy, now, out_dir)
        except Exception as exc:  # one region's failure never stops the others
            log.exception("gate %s %s could not read the month", request.region_code, request.period)
            results[n] = exc
    order = sorted(months)
    runs = [
        RegionRun(m.frames, m.parameters, m.work_dir, m.docs_build_dir, m.run_name) for m in (months[n] for n in order)
    ]
    batch_dir = config.state_dir() / "gx" / "_batches" / f"{len(runs)}-{now:%Y%m%dT%H%M%S%f}"
    outcomes = run_suites_for_regions(runs, batch_dir) if runs else []
    shutil.rmtree(batch_dir, ignore_errors=True)
    seconds = (clock.monotonic() - started) / max(len(requests), 1)
    for n, outcome in zip(order, outcomes, strict=True):
        try:
            if isinstance(outcome, Exception):
                raise outcome
            reason, by = overrides[n]
            results[n] = _conclude(engine, months[n], outcome, reason, by, now, seconds)
        except Exception as exc:
            log.exception("gate %s %s could not record its verdict", requests[n].region_code, requests[n].period)
            results[n] = exc
    log.info("gated %d region-months in %.1f s", len(requests), clock.monotonic() - started)
    return results


@dataclass(frozen=True)
class _Month:
    """What the gate reads for one region-month before validating it."""

    region_code: str
    period: Period
    coverage: object
    active: list[str]
    frames: dict
    parameters: dict
    paths: QualityPaths
    work_dir: Path
    run_name: str
    results: Location  # the month's GX validation results in the output store (used when it is on a URL)

    @property
    def in_store(self) -> bool:
        """Whether the output store is on a URL: GX works in the local working folder, the store keeps the files."""
        return is_store(self.paths.docs_dir)

    @property
    def docs_build_dir(self) -> Path:
        """Where GX builds the month's Data Docs: the output folder's site itself, or (output store on a URL)
        the working folder's local site, uploaded whole to the store before the verdict is recorded."""
        return self.work_dir / "uncommitted" / "data_docs" if self.in_store else self.paths.docs_dir

    def download_results(self) -> None:
        """The month's earlier validation results (any worker's) into the working folder: its Data Docs list them."""
        if self.in_store and self.results.exists():
            copy_tree(self.results, self.work_dir / "uncommitted" / "validations")

    def upload(self) -> None:
        """This run's validation results and the rebuilt site to the output store (on a URL)."""
        if self.in_store:
            copy_tree(self.work_dir / "uncommitted" / "validations", self.results)
            copy_tree(self.docs_build_dir, self.paths.docs_dir)


def _read_month(engine, region_code: str, period: Period, policy: Policy, now: datetime, out_dir) -> _Month:
    with engine.connect() as conn:
        region = get_region(conn, region_code)
        registry, active = opd_codes(conn, region_code)
        coverage = build_coverage(conn, region_code, region.timezone, period, policy, now)
        frames = {
            "complaints": complaints_frame(conn, region, period, policy),
            "inspections": inspections_frame(conn, region, period, policy),
            "scorecards": scorecards_frame(conn, region, period, policy),
            "coverage": coverage.silence,
        }
    month = _Month(
        region_code,
        period,
        coverage,
        active,
        frames,
        gate_parameters(region, period, policy, registry, active, now),
        quality_paths(region_code, period, out_dir),
        config.state_dir() / "gx" / region_code / str(period),
        f"gate-{region_code}-{period}",
        gx_results_folder(region_code, period, out_dir),
    )
    month.download_results()
    return month


def _conclude(engine, month: _Month, outcomes, reason, by, now: datetime, seconds: float) -> GateResult:
    """Turn a month's suite outcomes into its verdict: holds, TPP cleared, stored with the coverage."""
    region_code, period, coverage = month.region_code, month.period, month.coverage
    month.upload()  # the verdict names the site in the output store: it is there first
    critical = [f.as_record() for o in outcomes for f in o.critical]
    held_opds = opd_holds(coverage.uncollected, set(month.active))
    warnings = [f.as_record() for o in outcomes for f in o.warnings] + central_uncollected(coverage.uncollected)
    overridden = bool(critical) and reason is not None
    if reason is not None and not critical:
        log.warning("gate %s %s: override given but not needed (every critical expectation held)", region_code, period)
    result = GateResult(
        region_code=region_code,
        period=str(period),
        passed=not critical or overridden,
        critical_failures=critical,
        warnings=warnings,
        data_docs_path=str(month.paths.docs_index),
        override_reason=reason if overridden else None,
        override_by=by if overridden else None,
        held_opds=held_opds,
    )
    with engine.begin() as conn:
        store_coverage(conn, coverage, computed_at=now)
        sc = schema.scorecard
        scored = update(sc).where(sc.c.region_code == region_code, sc.c.period == str(period))
        if not result.passed:
            conn.execute(scored.values(tpp_cut_pct=None))
        elif held_opds:
            conn.execute(scored.where(sc.c.opd_code.in_(sorted(result.held_opd_codes))).values(tpp_cut_pct=None))
        result = record_gate(conn, result)
    _log_verdict(result, outcomes, seconds)
    return result


def opd_holds(uncollected: pd.DataFrame, opds: set[str]) -> list[dict]:
    """One hold per OPD account uncollected too long (the OPD's TPP is cleared), by OPD and account."""
    holds = []
    for row in uncollected.sort_values(["opd_code", "platform", "account_id"]).to_dict("records"):
        row = {k: None if not isinstance(v, str) and pd.isna(v) else v for k, v in row.items()}
        if not row["opd_code"] or row["opd_code"] not in opds:
            continue
        holds.append(
            {
                "opd_code": row["opd_code"],
                "platform": row["platform"],
                "account_id": row["account_id"],
                "conn_id": row["conn_id"],
                "outcome": row["outcome"],
                "error": row["error"],
                "uncollected_days": str(row["uncollected_days"]),
                "uncollected_from": _iso(row["uncollected_from"]),
                "uncollected_to": _iso(row["uncollected_to"]),
                "threshold_days": int(row["threshold_days"]),
            }
        )
    return holds


def central_uncollected(uncollected: pd.DataFrame) -> list[dict]:
    """A central account uncollected too long, as a warning finding (no OPD of its own to hold)."""
    return [
        {
            "suite": "coverage",
            "rule": "central_account_uncollected",
            "expectation": "collection_attempt",
            "column": "account_id",
            "detail": f"{row['platform']} {row['account_id']} ({row['conn_id']}): {row['uncollected_days']} days "
            f"not collected ({row['outcome']}); more than {row['threshold_days']}",
        }
        for row in uncollected.to_dict("records")
        if not isinstance(row["opd_code"], str)
    ]


def _iso(moment) -> str | None:
    return None if moment is None or pd.isna(moment) else pd.Timestamp(moment).isoformat()


def _log_verdict(result: GateResult, outcomes: list[SuiteOutcome], seconds: float) -> None:
    where = f"gate {result.region_code} {result.period}"
    rows = ", ".join(f"{o.suite} {o.rows} rows/{o.evaluated} checks" for o in outcomes)
    if not result.critical_failures:
        log.info("%s: %s in %.1f s (%s); %d warnings", where, result.status, seconds, rows, len(result.warnings))
    elif result.override_reason:
        log.warning(
            "%s: %d critical expectations failed, RELEASED BY OVERRIDE of %s: %r; failures: %s",
            where,
            len(result.critical_failures),
            result.override_by,
            result.override_reason,
            describe(result.critical_failures),
        )
    else:
        log.error(
            "%s: DITAHAN, %d critical expectations failed; TPP recommendation cleared. %s. Data Docs: %s",
            where,
            len(result.critical_failures),
            describe(result.critical_failures),
            result.data_docs_path,
        )
    for warning in result.warnings:
        log.warning("%s: warning %s", where, describe([warning]))
    for hold in result.held_opds:
        log.error(
            "%s: OPD %s HELD (no TPP recommendation): %s account %s via connection %s not collected for %s days "
            "(%s): %s",
            where,
            hold["opd_code"],
            hold["platform"],
            hold["account_id"],
            hold["conn_id"],
            hold["uncollected_days"],
            hold["outcome"],
            hold["error"],
        )


def describe(findings: list[dict]) -> str:
    """Failed expectations as one line each: ``suite.rule (column): detail``."""
    return "; ".join(
        f"{f['suite']}.{f['rule']}" + (f" ({f['column']})" if f.get("column") else "") + f": {f['detail']}"
        for f in findings
    )
