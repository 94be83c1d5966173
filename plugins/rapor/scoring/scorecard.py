"""One region's scorecard for one month: counts, scores, categories, TPP (SCORING.md).

Complaint-level work is set-based (rapor.scoring.responsiveness); the per-OPD formulas use
exact fractions so that rounding half up is exact. Writing is idempotent per
(region, month): the month's rows and evidence are replaced in one transaction.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from fractions import Fraction
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd
from sqlalchemy import Date, String, delete, func, insert, select

from rapor.errors import ScoringOrderError
from rapor.policy import Policy, load_policy
from rapor.registry import Region, active_opd_names, get_region
from rapor.scoring.periods import Period
from rapor.scoring.responsiveness import counts_by_opd, month_evidence, with_deadlines
from rapor.scoring.scorecard_csv import write_scorecard_csv
from rapor.scoring.sop import SopScore, sop_scores
from rapor.scoring.tpp import tpp_cut, weak_run
from rapor.scoring.workdays import WorkdayCalendar
from rapor.scoring.zones import category_for, round_half_up, zone_for
from rapor.sql import query_frame
from rapor.vocabulary import STATUS_LIMITED, STATUS_NOT_RATED, STATUS_RATED
from rapor.warehouse import schema
from rapor.warehouse.db import exclusive, frame_records
from rapor.warehouse.schema import Instant

log = logging.getLogger(__name__)

TIMESTAMP_COLUMNS = ("received_at", "forwarded_at", "first_response_at", "resolved_at")
HISTORY_MONTHS = 36  # enough for any run to reach the TPP cap


def region_calendar(region: Region, period: Period, policy: Policy) -> WorkdayCalendar:
    """The region's working days around ``period`` (a year either side)."""
    return WorkdayCalendar.for_policy(policy, region.region_code, region.timezone, period.year - 1, period.year + 1)


def month_complaints(
    conn, region: Region, period: Period, policy: Policy, calendar: WorkdayCalendar | None = None
) -> pd.DataFrame:
    """Complaints whose clocks can touch ``period``, with or without an OPD; instants in UTC."""
    calendar = calendar or region_calendar(region, period, policy)
    lookback_day = calendar.earliest_clock_day(date(period.year, period.month, 1), policy.max_deadline_hk)
    lookback_start = datetime.combine(lookback_day, time(), ZoneInfo(region.timezone)).astimezone(UTC)
    _, month_end = period.bounds_utc(region.timezone)
    frame = query_frame(
        conn,
        "staging/stg_complaints_for_month",
        {"region_code": region.region_code, "month_end": month_end, "lookback_start": lookback_start},
        types={"month_end": Instant, "lookback_start": Instant},
        columns={c: Instant for c in TIMESTAMP_COLUMNS},
    )
    for column in TIMESTAMP_COLUMNS:
        frame[column] = pd.to_datetime(frame[column], utc=True)
    return frame


def month_inspections(conn, region_code: str, period: Period, policy: Policy) -> pd.DataFrame:
    """Inspection rows dated in ``period`` or the months S_sop may carry forward from."""
    oldest = period.shift(-policy.sop_carry_forward_months)
    after = period.shift(1)
    return query_frame(
        conn,
        "staging/stg_inspections_for_month",
        {
            "region_code": region_code,
            "first_day": date(oldest.year, oldest.month, 1),
            "end_day": date(after.year, after.month, 1),
        },
        types={"first_day": Date, "end_day": Date},
        columns={"inspected_on": Date},
    )


def scorecard_history(conn, region_code: str, period: Period) -> pd.DataFrame:
    """Earlier categories of the region's OPDs (opd_code, period, category), for the TPP run."""
    return query_frame(
        conn,
        "marts/scorecard_history",
        {"region_code": region_code, "first_period": str(period.shift(-HISTORY_MONTHS)), "period": str(period)},
        types={"first_period": String, "period": String},
    )


def stored_categories(conn, region_code: str, period: Period) -> dict[str, str | None]:
    """The categories (opd_code -> category) the stored scorecard of (region, month) holds."""
    sc = schema.scorecard
    rows = conn.execute(
        select(sc.c.opd_code, sc.c.category).where(sc.c.region_code == region_code, sc.c.period == str(period))
    )
    return dict(rows.all())


def later_scored_periods(conn, region_code: str, period: Period) -> list[Period]:
    """The region's scored months right after ``period``, oldest first, up to the first unscored one.

    A month without a scorecard breaks every TPP run (SCORING.md §6), so the months after
    such a gap do not depend on ``period``.
    """
    sc = schema.scorecard
    rows = conn.execute(
        select(sc.c.period).where(sc.c.region_code == region_code, sc.c.period > str(period)).distinct()
    ).scalars()
    later, expected = [], period.shift(1)
    for month in sorted(Period.parse(p) for p in rows):
        if month != expected:
            break
        later.append(month)
        expected = month.shift(1)
    return later


def check_scoring_order(conn, region_code: str, period: Period) -> None:
    """Refuse to score a month whose previous month was never scored while earlier months were.

    A month's TPP cut counts the categories of the months before it (SCORING.md §6); scored
    after a gap it would silently start a new run. The region's first scored month, a month
    before all scored ones, and a month after a scored one are in order.
    """
    sc = schema.scorecard
    last_before = conn.execute(
        select(func.max(sc.c.period)).where(sc.c.region_code == region_code, sc.c.period < str(period))
    ).scalar()
    if last_before is None or last_before == str(period.shift(-1)):
        return
    first_missing, last_missing = Period.parse(last_before).shift(1), period.shift(-1)
    missing = str(first_missing) if first_missing == last_missing else f"{first_missing} to {last_missing}"
    raise ScoringOrderError(
        f"region {region_code}: {period} cannot be scored before {missing}, which has never been scored "
        f"(the last scored month before it is {last_before}). A month's TPP cut depends on the months before "
        f"it: score {first_missing} first (rapor_monthly with period {first_missing}, or a backfill from "
        f"{first_missing}, which runs the months oldest first)"
    )


def _pooled(on_time: int, n: int) -> Fraction:
    return Fraction(int(on_time), int(n)) if n else Fraction(1)


def pooled_shares(totals) -> tuple[Fraction, Fraction]:
    """p̄ of R1 and R2 (SCORING.md §3): the region's on-time shares, 1 where it has no population."""
    return (
        _pooled(totals["n_first_response_on_time"], totals["n_first_response"]),
        _pooled(totals["n_resolution_on_time"], totals["n_resolution"]),
    )


@dataclass(frozen=True)
class Responsiveness:
    """One OPD's exact R1', R2', R3 and S_resp (SCORING.md §3), before any rounding."""

    r1: Fraction
    r2: Fraction
    r3: Fraction
    s_resp: Fraction


def opd_responsiveness(c, pbar1: Fraction, pbar2: Fraction, policy: Policy) -> Responsiveness:
    """R1', R2' (small-number adjusted towards the region's p̄), R3 and S_resp from an OPD's six counts."""
    k, w_resp = policy.small_number_k, policy.responsiveness_weights
    n1, n2, n_open = int(c["n_first_response"]), int(c["n_resolution"]), int(c["n_open"])
    r1 = (int(c["n_first_response_on_time"]) + k * pbar1) / (n1 + k)
    r2 = (int(c["n_resolution_on_time"]) + k * pbar2) / (n2 + k)
    r3 = 1 - Fraction(int(c["n_open_overdue"]), n_open) if n_open else Fraction(1)
    return Responsiveness(r1, r2, r3, w_resp["r1"] * r1 + w_resp["r2"] * r2 + w_resp["r3"] * r3)


def exact_index(sop_value: Fraction, s_resp: Fraction, policy: Policy) -> Fraction:
    """Index = w·S_sop + w·S_resp (SCORING.md §5), unrounded."""
    return policy.index_weights["sop"] * sop_value + policy.index_weights["resp"] * s_resp


def score_rows(
    counts: pd.DataFrame,
    opd_names: dict[str, str],
    sops: dict[str, SopScore],
    history: dict[str, dict[Period, str | None]],
    period: Period,
    region_code: str,
    policy: Policy,
    gate_passed: bool = True,
    held_opds: frozenset[str] = frozenset(),
) -> list[dict]:
    """The scorecard rows of one region and month from its per-OPD counts.

    No TPP cut when the month's gate failed, nor for the OPDs it held alone (SCORING.md §6).
    """
    k = policy.small_number_k
    pbar1, pbar2 = pooled_shares(counts.sum())
    rows = []
    for opd_code, c in counts.iterrows():  # one row per OPD: a few dozen per region
        n1, n2 = int(c["n_first_response"]), int(c["n_resolution"])
        resp = opd_responsiveness(c, pbar1, pbar2, policy)
        r1, r2, r3, s_resp = resp.r1, resp.r2, resp.r3, resp.s_resp
        sop = sops.get(opd_code)
        row = {
            "region_code": region_code,
            "period": str(period),
            "opd_code": opd_code,
            "opd_name": opd_names[opd_code],
            **{name: int(c[name]) for name in counts.columns},
            "r1": round_half_up(r1, 4),
            "r2": round_half_up(r2, 4),
            "r3": round_half_up(r3, 4),
            "s_resp": round_half_up(s_resp, 2),
            "s_sop": None,
            "index_score": None,
            "category": None,
            "zone": None,
            "tpp_cut_pct": None,
            "tpp_run_months": 0,
            "sop_inspected_on": None,
            "method_version": policy.method_version,
            "policy_sha256": policy.source_hash,
        }
        if sop is None:
            row["status"] = STATUS_NOT_RATED
        else:
            index = round_half_up(exact_index(sop.value, s_resp, policy), 2)
            category = category_for(index)
            run = weak_run(category, period, history.get(opd_code, {}))
            row.update(
                s_sop=round_half_up(sop.value, 2),
                index_score=index,
                category=category,
                zone=zone_for(index, category, policy.zone_table),
                tpp_run_months=run,
                sop_inspected_on=sop.inspected_on,
                status=STATUS_LIMITED if n1 < k or n2 < k else STATUS_RATED,
            )
            if gate_passed and opd_code not in held_opds:
                row["tpp_cut_pct"] = round_half_up(tpp_cut(category, run, policy), 2)
        rows.append(row)
    return rows


@dataclass(frozen=True)
class Scored:
    """What scoring a region-month did: its rows, and the later months a changed category feeds."""

    rows: list[dict]
    later_months: list[Period]  # already scored, oldest first; empty when no category changed


def score_month_in_order(
    engine, region_code: str, period: Period, policy: Policy | None = None, *, cascade: bool = False
) -> Scored:
    """Score one region-month while holding the region's scoring lock, and say what must follow.

    Two scorings of one region never interleave (another worker waits), so every month is
    computed from the categories the months before it hold at that moment; a month whose
    previous month was never scored (while earlier ones were) is refused with a message naming
    the missing month (``check_scoring_order``). If a category differs from the stored
    scorecard (a correction, or the month scored for the first time after later months were),
    the region's later scored months up to the first gap are named: their TPP runs
    (SCORING.md §6) must be re-scored, oldest first. ``cascade`` names them whatever changed:
    after decided appeals, whose overrides can touch later months' complaints (an open
    complaint's backlog) as well as this month's categories.
    """
    with exclusive(engine, f"score:{region_code}"):
        with engine.connect() as conn:
            check_scoring_order(conn, region_code, period)
            before = stored_categories(conn, region_code, period)
        rows = _score_and_store(engine, region_code, period, policy or load_policy(), True)
        if not cascade and {r["opd_code"]: r["category"] for r in rows} == before:
            return Scored(rows, [])
        with engine.connect() as conn:
            return Scored(rows, later_scored_periods(conn, region_code, period))


def score_region_month(
    engine, region_code: str, period: Period, policy: Policy | None = None, gate_passed: bool = True
) -> list[dict]:
    """Score one region for one month and store the scorecard and its evidence (under the region's lock).

    Refused (``ScoringOrderError``) when the month before was never scored while earlier ones were.
    """
    with exclusive(engine, f"score:{region_code}"):
        with engine.connect() as conn:
            check_scoring_order(conn, region_code, period)
        return _score_and_store(engine, region_code, period, policy or load_policy(), gate_passed)


def _score_and_store(engine, region_code: str, period: Period, policy: Policy, gate_passed: bool) -> list[dict]:
    with engine.connect() as conn:
        region = get_region(conn, region_code)
        opd_names = active_opd_names(conn, region_code)
        calendar = region_calendar(region, period, policy)
        month_start, month_end = period.bounds_utc(region.timezone)
        complaints = month_complaints(conn, region, period, policy, calendar)
        inspections = month_inspections(conn, region_code, period, policy)
        history_frame = scorecard_history(conn, region_code, period)
    complaints = complaints[complaints["opd_code"].isin(opd_names)]
    evidence = month_evidence(with_deadlines(complaints, calendar, policy), month_start, month_end)
    counts = counts_by_opd(evidence, opd_names)
    history: dict[str, dict[Period, str | None]] = {}
    for opd_code, period_text, category in history_frame.itertuples(index=False):
        history.setdefault(opd_code, {})[Period.parse(period_text)] = category
    rows = score_rows(
        counts, opd_names, sop_scores(inspections, period, policy), history, period, region_code, policy, gate_passed
    )
    computed_at = datetime.now(UTC)
    with engine.begin() as conn:
        for table in (schema.scorecard, schema.score_evidence):
            conn.execute(delete(table).where(table.c.region_code == region_code, table.c.period == str(period)))
        if rows:
            conn.execute(insert(schema.scorecard), [{**r, "computed_at": computed_at} for r in rows])
        evidence_rows = _evidence_rows(evidence, region_code, period)
        if evidence_rows:
            conn.execute(insert(schema.score_evidence), evidence_rows)
    log.info("scored region %s %s: %d OPDs, %d complaints in evidence", region_code, period, len(rows), len(evidence))
    return rows


def _evidence_rows(evidence: pd.DataFrame, region_code: str, period: Period) -> list[dict]:
    columns = [c.name for c in schema.score_evidence.columns if c.name not in ("region_code", "period")]
    return frame_records(evidence[columns], region_code=region_code, period=str(period))


def score_periods(
    engine, region_codes: Sequence[str], periods: Sequence[Period], out_dir: Path, policy: Policy | None = None
) -> list[Path]:
    """Score the regions for each period in order (so TPP runs accumulate); one §7 CSV per period."""
    policy = policy or load_policy()
    paths = []
    for period in sorted(periods):
        for region_code in region_codes:
            score_region_month(engine, region_code, period, policy)
        path = Path(out_dir) / f"scorecard-{period}.csv"
        paths.append(write_scorecard_csv(engine, period, list(region_codes), path))
    return paths
