"""The regions' scorecards for one month: counts, scores, categories, TPP (SCORING.md).

One pass scores any number of regions (``score_regions_month``; one region is the case of
one): one query each for the month's complaints, inspections and history of all of them,
deadlines over every region's own working-day calendar at once (rapor.scoring.workdays.
RegionCalendars), the counts of every OPD in one group-by, and the rows written in bulk.
Complaint-level work is set-based (rapor.scoring.responsiveness); the per-OPD formulas use
exact fractions so that rounding half up is exact. Writing is idempotent per
(region, month): the month's rows and evidence are replaced in one transaction.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from fractions import Fraction
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd
from sqlalchemy import Date, String, delete, func, insert, select

from rapor.errors import ScoringOrderError
from rapor.policy import Policy, load_policy
from rapor.registry import Region, active_opd_names_by_region, get_regions
from rapor.scoring.periods import Period
from rapor.scoring.responsiveness import counts_by_opd, month_evidence, with_deadlines
from rapor.scoring.scorecard_csv import write_scorecard_csv
from rapor.scoring.sop import SopScore, sop_scores_by_region
from rapor.scoring.tpp import tpp_cut, weak_run
from rapor.scoring.workdays import RegionCalendars, WorkdayCalendar
from rapor.scoring.zones import category_for, round_half_up, zone_for
from rapor.sql import query_columns, query_frame
from rapor.vocabulary import STATUS_LIMITED, STATUS_NOT_RATED, STATUS_RATED, WEAK_CATEGORIES
from rapor.warehouse import schema
from rapor.warehouse.db import exclusive_many, insert_frame
from rapor.warehouse.schema import Instant

log = logging.getLogger(__name__)

TIMESTAMP_COLUMNS = ("received_at", "forwarded_at", "first_response_at", "resolved_at")
HISTORY_MONTHS = 36  # enough for any run to reach the TPP cap


def region_calendar(region: Region, period: Period, policy: Policy) -> WorkdayCalendar:
    """The region's working days around ``period`` (a year either side)."""
    return WorkdayCalendar.for_policy(policy, region.region_code, region.timezone, period.year - 1, period.year + 1)


def region_calendars(regions: Sequence[Region], period: Period, policy: Policy) -> RegionCalendars:
    """``region_calendar`` of every region, for deadlines of all their rows at once."""
    return RegionCalendars.of({r.region_code: region_calendar(r, period, policy) for r in regions})


def month_complaints(
    conn, region: Region, period: Period, policy: Policy, calendar: WorkdayCalendar | None = None
) -> pd.DataFrame:
    """Complaints whose clocks can touch ``period``, with or without an OPD; instants in UTC."""
    calendar = calendar or region_calendar(region, period, policy)
    return regions_month_complaints(conn, [region], period, policy, RegionCalendars.of({region.region_code: calendar}))


def regions_month_complaints(
    conn, regions: Sequence[Region], period: Period, policy: Policy, calendars: RegionCalendars
) -> pd.DataFrame:
    """``month_complaints`` of several regions in one query (ordered by region, source, complaint).

    The window is the union of the regions' windows (see the SQL model): the rows it adds for a
    region are in none of its month's populations.
    """
    first_day = date(period.year, period.month, 1)
    lookbacks, month_ends = [], []
    for region in regions:
        lookback_day = calendars.calendars[region.region_code].earliest_clock_day(first_day, policy.max_deadline_hk)
        lookbacks.append(datetime.combine(lookback_day, time(), ZoneInfo(region.timezone)).astimezone(UTC))
        month_ends.append(period.bounds_utc(region.timezone)[1])
    frame = query_columns(
        conn,
        "staging/stg_complaints_for_month",
        {
            "region_codes": [r.region_code for r in regions],
            "month_end": max(month_ends),
            "first_month_end": min(month_ends),
            "lookback_start": min(lookbacks),
        },
        types={"month_end": Instant, "first_month_end": Instant, "lookback_start": Instant},
        lists=("region_codes",),
    )
    for column in TIMESTAMP_COLUMNS:  # stored as UTC: text on SQLite, timestamptz on PostgreSQL
        frame[column] = pd.to_datetime(frame[column], utc=True, format="ISO8601")
    return frame


def month_inspections(conn, region_code: str, period: Period, policy: Policy) -> pd.DataFrame:
    """Inspection rows dated in ``period`` or the months S_sop may carry forward from."""
    return regions_month_inspections(conn, [region_code], period, policy).drop(columns="region_code")


def regions_month_inspections(conn, region_codes: Sequence[str], period: Period, policy: Policy) -> pd.DataFrame:
    """``month_inspections`` of several regions in one query, with their ``region_code``."""
    oldest = period.shift(-policy.sop_carry_forward_months)
    after = period.shift(1)
    return query_frame(
        conn,
        "staging/stg_inspections_for_month",
        {
            "region_codes": list(region_codes),
            "first_day": date(oldest.year, oldest.month, 1),
            "end_day": date(after.year, after.month, 1),
        },
        types={"first_day": Date, "end_day": Date},
        columns={"inspected_on": Date},
        lists=("region_codes",),
    )


def scorecard_history(conn, region_code: str, period: Period) -> pd.DataFrame:
    """Earlier categories of the region's OPDs (opd_code, period, category), for the TPP run."""
    return regions_scorecard_history(conn, [region_code], period).drop(columns="region_code")


def regions_scorecard_history(conn, region_codes: Sequence[str], period: Period) -> pd.DataFrame:
    """``scorecard_history`` of several regions in one query, with their ``region_code``."""
    return query_frame(
        conn,
        "marts/scorecard_history",
        {
            "region_codes": list(region_codes),
            "first_period": str(period.shift(-HISTORY_MONTHS)),
            "period": str(period),
        },
        types={"first_period": String, "period": String},
        lists=("region_codes",),
    )


def weak_history(history: pd.DataFrame) -> dict[str, dict[str, dict[Period, str]]]:
    """The history's weak months (C, D, E) as region -> OPD -> month -> category.

    Only a weak month continues a TPP run (``weak_run``), so the others are left out.
    """
    weak = history[history["category"].isin(WEAK_CATEGORIES)]
    months = {text: Period.parse(text) for text in weak["period"].unique()}
    out: dict[str, dict[str, dict[Period, str]]] = {}
    for region_code, opd_code, period_text, category in weak.itertuples(index=False, name=None):
        out.setdefault(region_code, {}).setdefault(opd_code, {})[months[period_text]] = category
    return out


def stored_categories(conn, region_code: str, period: Period) -> dict[str, str | None]:
    """The categories (opd_code -> category) the stored scorecard of (region, month) holds."""
    return stored_categories_by_region(conn, [region_code], period)[region_code]


def stored_categories_by_region(conn, region_codes: Sequence[str], period: Period) -> dict[str, dict[str, str | None]]:
    """``stored_categories`` of several regions in one query."""
    sc = schema.scorecard
    rows = conn.execute(
        select(sc.c.region_code, sc.c.opd_code, sc.c.category).where(
            sc.c.region_code.in_(list(region_codes)), sc.c.period == str(period)
        )
    )
    out: dict[str, dict[str, str | None]] = {code: {} for code in region_codes}
    for region_code, opd_code, category in rows:
        out[region_code][opd_code] = category
    return out


def later_scored_periods(conn, region_code: str, period: Period) -> list[Period]:
    """The region's scored months right after ``period``, oldest first, up to the first unscored one.

    A month without a scorecard breaks every TPP run (SCORING.md §6), so the months after
    such a gap do not depend on ``period``.
    """
    return later_scored_periods_by_region(conn, [region_code], period)[region_code]


def later_scored_periods_by_region(conn, region_codes: Sequence[str], period: Period) -> dict[str, list[Period]]:
    """``later_scored_periods`` of several regions in one query."""
    sc = schema.scorecard
    rows = conn.execute(
        select(sc.c.region_code, sc.c.period)
        .where(sc.c.region_code.in_(list(region_codes)), sc.c.period > str(period))
        .distinct()
    )
    scored: dict[str, set[Period]] = {code: set() for code in region_codes}
    for region_code, month in rows:
        scored[region_code].add(Period.parse(month))
    out = {}
    for region_code, months in scored.items():
        later, expected = [], period.shift(1)
        for month in sorted(months):
            if month != expected:
                break
            later.append(month)
            expected = month.shift(1)
        out[region_code] = later
    return out


def check_scoring_order(conn, region_code: str, period: Period) -> None:
    """Refuse to score a month whose previous month was never scored while earlier months were.

    A month's TPP cut counts the categories of the months before it (SCORING.md §6); scored
    after a gap it would silently start a new run. The region's first scored month, a month
    before all scored ones, and a month after a scored one are in order.
    """
    refused = scoring_order_refusals(conn, [region_code], period)
    if refused:
        raise refused[region_code]


def scoring_order_refusals(conn, region_codes: Sequence[str], period: Period) -> dict[str, ScoringOrderError]:
    """``check_scoring_order`` of several regions in one query: the refusal of each region out of order."""
    sc = schema.scorecard
    last_before = dict(
        conn.execute(
            select(sc.c.region_code, func.max(sc.c.period))
            .where(sc.c.region_code.in_(list(region_codes)), sc.c.period < str(period))
            .group_by(sc.c.region_code)
        ).all()
    )
    refused = {}
    for region_code in region_codes:
        last = last_before.get(region_code)
        if last is None or last == str(period.shift(-1)):
            continue
        first_missing, last_missing = Period.parse(last).shift(1), period.shift(-1)
        missing = str(first_missing) if first_missing == last_missing else f"{first_missing} to {last_missing}"
        refused[region_code] = ScoringOrderError(
            f"region {region_code}: {period} cannot be scored before {missing}, which has never been scored "
            f"(the last scored month before it is {last}). A month's TPP cut depends on the months before "
            f"it: score {first_missing} first (rapor_monthly with period {first_missing}, or a backfill from "
            f"{first_missing}, which runs the months oldest first)"
        )
    return refused


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
    for opd_code, c in zip(counts.index, counts.to_dict("records"), strict=True):  # a few dozen per region
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


@dataclass(frozen=True)
class MonthScored:
    """What scoring one month of several regions did.

    ``scored``: each region scored (in the order asked), its rows and the later months to
    re-score; ``refused``: each region whose previous month was never scored while earlier
    ones were (nothing of its month was stored), with the error naming the month to score first.
    """

    scored: dict[str, Scored] = field(default_factory=dict)
    refused: dict[str, ScoringOrderError] = field(default_factory=dict)


def score_regions_month(
    engine,
    region_codes: Sequence[str],
    period: Period,
    policy: Policy | None = None,
    *,
    gate_passed: bool = True,
    cascade: bool = False,
) -> MonthScored:
    """Score ``period`` for every region of ``region_codes`` in one pass, holding their scoring locks.

    The same rows, evidence and checks as scoring each region alone (this is what
    ``score_region_month`` and ``score_month_in_order`` run, with one region): two scorings of
    one region never interleave; a region whose previous month was never scored (while
    earlier ones were) is refused and left as it was (``MonthScored.refused``), the others are
    scored; for each region whose categories differ from its stored scorecard (or every
    region, with ``cascade``) the later scored months up to the first gap are named, to be
    re-scored oldest first (SCORING.md §6). ``gate_passed=False`` scores without TPP cuts.
    """
    policy = policy or load_policy()
    codes = list(dict.fromkeys(region_codes))
    with exclusive_many(engine, [f"score:{code}" for code in codes]):
        with engine.connect() as conn:
            refused = scoring_order_refusals(conn, codes, period)
            codes = [code for code in codes if code not in refused]
            before = stored_categories_by_region(conn, codes, period) if codes else {}
        rows = _score_and_store(engine, codes, period, policy, gate_passed) if codes else {}
        changed = [
            code for code in codes if cascade or {r["opd_code"]: r["category"] for r in rows[code]} != before[code]
        ]
        later = {}
        if changed:
            with engine.connect() as conn:
                later = later_scored_periods_by_region(conn, changed, period)
    return MonthScored({code: Scored(rows[code], later.get(code, [])) for code in codes}, refused)


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
    complaint's backlog) as well as this month's categories. (``score_regions_month`` of one region.)
    """
    done = score_regions_month(engine, [region_code], period, policy, cascade=cascade)
    if region_code in done.refused:
        raise done.refused[region_code]
    return done.scored[region_code]


def score_region_month(
    engine, region_code: str, period: Period, policy: Policy | None = None, gate_passed: bool = True
) -> list[dict]:
    """Score one region for one month and store the scorecard and its evidence (under the region's lock).

    Refused (``ScoringOrderError``) when the month before was never scored while earlier ones were.
    """
    done = score_regions_month(engine, [region_code], period, policy, gate_passed=gate_passed)
    if region_code in done.refused:
        raise done.refused[region_code]
    return done.scored[region_code].rows


def _score_and_store(
    engine, region_codes: list[str], period: Period, policy: Policy, gate_passed: bool
) -> dict[str, list[dict]]:
    """Score and store the month of the regions (their locks held); their rows by region."""
    with engine.connect() as conn:
        regions = get_regions(conn, region_codes)
        opd_names = active_opd_names_by_region(conn, region_codes)
        calendars = region_calendars(regions, period, policy)
        complaints = regions_month_complaints(conn, regions, period, policy, calendars)
        inspections = regions_month_inspections(conn, region_codes, period, policy)
        history = weak_history(regions_scorecard_history(conn, region_codes, period))
    opds = pd.MultiIndex.from_tuples(
        [(code, opd_code) for code in region_codes for opd_code in opd_names[code]], names=["region_code", "opd_code"]
    )
    complaints = complaints[pd.MultiIndex.from_frame(complaints[["region_code", "opd_code"]]).isin(opds)]
    bounds = pd.DataFrame(
        [period.bounds_utc(r.timezone) for r in regions],
        index=[r.region_code for r in regions],
        columns=["start", "end"],
    ).apply(lambda column: pd.to_datetime(column, utc=True))
    evidence = month_evidence(
        with_deadlines(complaints, calendars, policy),
        complaints["region_code"].map(bounds["start"]),
        complaints["region_code"].map(bounds["end"]),
    )
    counts = counts_by_opd(evidence, opds)
    sops = sop_scores_by_region(inspections, period, policy)
    rows: dict[str, list[dict]] = {}
    for code in region_codes:
        region_counts = counts.xs(code, level="region_code") if opd_names[code] else counts.iloc[:0].droplevel(0)
        rows[code] = score_rows(
            region_counts, opd_names[code], sops.get(code, {}), history.get(code, {}), period, code, policy, gate_passed
        )
    computed_at = datetime.now(UTC)
    with engine.begin() as conn:
        for table in (schema.scorecard, schema.score_evidence):
            conn.execute(delete(table).where(table.c.region_code.in_(region_codes), table.c.period == str(period)))
        scorecard_rows = [{**r, "computed_at": computed_at} for code in region_codes for r in rows[code]]
        if scorecard_rows:
            conn.execute(insert(schema.scorecard), scorecard_rows)
        columns = [c.name for c in schema.score_evidence.columns if c.name != "period"]
        insert_frame(conn, schema.score_evidence, evidence[columns], period=str(period))
    in_evidence = evidence["region_code"].value_counts()
    for code in region_codes:
        log.info(
            "scored region %s %s: %d OPDs, %d complaints in evidence",
            code,
            period,
            len(rows[code]),
            int(in_evidence.get(code, 0)),
        )
    return rows


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
