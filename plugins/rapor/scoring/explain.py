""" "Explain my score": where an OPD's index points went, and what would lift it a zone.

The gap from 100 splits exactly along the formulas of SCORING.md §3-§5, because the index
is linear in every count once the region's pooled shares p̄ are taken as they are:

    100 − I = w_sop·(100 − S_sop) + w_resp·(100 − S_resp)       (+ 100·(1 − w_sop − w_resp))
    100 − S_resp = w1·(1 − R1') + w2·(1 − R2') + w3·(1 − R3)    (+ 100 − w1 − w2 − w3)
    1 − R1' = late1 / (n1 + k) + k·(1 − p̄1) / (n1 + k)          (R2' alike)
    1 − R3  = overdue / open

So every complaint late in R1 costs the same w_resp·w1/(n1 + k) points (R2 alike), every
complaint overdue at month end w_resp·w3/open, a complaint failing several measures the
sum of its shares; what the small-number adjustment takes is its own line (the region's
lateness pulled in by k·(1 − p̄)), and so are the inspection's shortfall and, for a
carried-forward inspection, its decay. The exact shares add up to 100 − I; shown to 0,01
they are apportioned by largest remainder so that they add up to 100 minus the published
(rounded) index exactly.

The lift to the next zone is searched with the scoring functions themselves
(``opd_responsiveness``, ``exact_index``, ``round_half_up``, ``category_for``, ``zone_for``):
the fewest failing complaints that, handled on time, raise the index into a better zone.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

import pandas as pd

from rapor.policy import Policy
from rapor.scoring.responsiveness import COUNT_COLUMNS
from rapor.scoring.scorecard import exact_index, opd_responsiveness, pooled_shares
from rapor.scoring.sop import SopScore
from rapor.scoring.zones import category_for, round_half_up, zone_for
from rapor.vocabulary import ZONES

# What a line of the explanation stands for.
COMPLAINT = "complaint"
SMALL_NUMBERS_FIRST = "small_numbers_first_response"
SMALL_NUMBERS_RESOLUTION = "small_numbers_resolution"
SOP_SHORTFALL = "sop_shortfall"
SOP_AGE = "sop_age"
WEIGHTS = "weights"

# A failing complaint's measures: late first response, late resolution, overdue at month end.
LATE_FIRST, LATE_RESOLUTION, OVERDUE = "late_first_response", "late_resolution", "overdue_at_end"
ZONES_UPWARD = tuple(reversed(ZONES))  # worst first
CENT = Fraction(1, 100)


@dataclass(frozen=True)
class Cost:
    """One line of the gap: a complaint (``key``, its failed measures) or a part of the formula."""

    kind: str
    exact: Fraction  # index points, exact
    points: Decimal  # shown, 2 decimals; the lines' points add up to 100 − index
    key: str | None = None
    measures: tuple[str, ...] = ()


@dataclass(frozen=True)
class Lift:
    """The smallest change found that puts the OPD in ``zone``: complaints handled on time, by measures."""

    zone: str
    fixes: tuple[tuple[tuple[str, ...], int], ...]  # (measures of the complaints, how many), most first
    index: Decimal  # the index it would then have
    sop_value: Decimal | None = None  # S_sop it would also need (complaints alone are not enough)

    @property
    def n_complaints(self) -> int:
        return sum(n for _, n in self.fixes)


@dataclass(frozen=True)
class Explanation:
    opd_code: str
    index: Decimal
    zone: str
    gap: Decimal  # 100 − index
    costs: tuple[Cost, ...]
    lift: Lift | None  # None: already in the best zone, or nothing of this month reaches the next
    pooled: tuple[Fraction, Fraction]  # the region's p̄ of R1 and R2
    sop_inspected: Fraction  # S_sop of the inspection itself, before the carry-forward decay
    sop_age_months: int


def explain_month(
    evidence: pd.DataFrame, counts: pd.DataFrame, sops: dict[str, SopScore], policy: Policy, key: str
) -> dict[str, Explanation]:
    """The explanation of every rated OPD of one region-month.

    ``evidence`` has a row per complaint of the month's evidence (``opd_code``, ``key`` and
    the population flags of ``rapor.scoring.responsiveness.month_evidence``); ``counts`` the
    six counts per OPD (``counts_by_opd``) of the whole region; ``sops`` the OPDs' S_sop.
    """
    pbar = pooled_shares(counts.sum())
    failing = _failing(evidence, key)
    out = {}
    for opd_code, c in counts.iterrows():
        sop = sops.get(opd_code)
        if sop is None:
            continue  # not rated: no index to explain
        mine = failing[failing["opd_code"] == opd_code]
        out[opd_code] = _explain(str(opd_code), c, counts, mine, sop, pbar, policy)
    return out


def _failing(evidence: pd.DataFrame, key: str) -> pd.DataFrame:
    """The evidence rows that cost points, with their failed measures."""
    if evidence.empty:
        return pd.DataFrame(columns=["opd_code", "key", "measures"])
    late1 = evidence["in_first_response"].astype(bool) & ~evidence["first_response_on_time"].astype(bool)
    late2 = evidence["in_resolution"].astype(bool) & ~evidence["resolution_on_time"].astype(bool)
    overdue = evidence["overdue_at_end"].astype(bool)
    measures = [
        tuple(m for m, flag in ((LATE_FIRST, a), (LATE_RESOLUTION, b), (OVERDUE, o)) if flag)
        for a, b, o in zip(late1, late2, overdue, strict=True)
    ]
    frame = pd.DataFrame({"opd_code": evidence["opd_code"].to_numpy(), "key": evidence[key].to_numpy()})
    frame["measures"] = measures
    return frame[frame["measures"].map(bool)]


def _explain(opd_code, c, counts, failing, sop: SopScore, pbar, policy: Policy) -> Explanation:
    resp = opd_responsiveness(c, *pbar, policy)
    exact = exact_index(sop.value, resp.s_resp, policy)
    index = round_half_up(exact, 2)
    zone = zone_for(index, category_for(index), policy.zone_table)
    lines = _exact_lines(c, failing, sop, pbar, policy)
    if sum(line.exact for line in lines) != 100 - exact:
        raise AssertionError(f"{opd_code}: the explanation's parts do not add up to 100 − index")  # pragma: no cover
    costs = _apportion(lines, Decimal(100) - index)
    lift = _lift(opd_code, zone, counts, failing, sop, policy)
    inspected = sop.value / policy.sop_carry_forward_factor**sop.age_months
    return Explanation(opd_code, index, zone, Decimal(100) - index, costs, lift, pbar, inspected, sop.age_months)


def _exact_lines(c, failing: pd.DataFrame, sop: SopScore, pbar, policy: Policy) -> list[Cost]:
    """The exact parts of 100 − index: complaints (largest first), then the parts of the formula."""
    k, w = policy.small_number_k, policy.responsiveness_weights
    w_sop, w_resp = policy.index_weights["sop"], policy.index_weights["resp"]
    n1, n2, n_open = int(c["n_first_response"]), int(c["n_resolution"]), int(c["n_open"])
    share = {
        LATE_FIRST: w_resp * w["r1"] / (n1 + k),
        LATE_RESOLUTION: w_resp * w["r2"] / (n2 + k),
        OVERDUE: w_resp * w["r3"] / n_open if n_open else Fraction(0),
    }
    complaints = [
        Cost(COMPLAINT, sum((share[m] for m in measures), Fraction(0)), Decimal(0), str(key), measures)
        for key, measures in zip(failing["key"], failing["measures"], strict=True)
    ]
    complaints.sort(key=lambda line: (-line.exact, line.key))
    inspected = sop.value / policy.sop_carry_forward_factor**sop.age_months
    parts = [
        Cost(SMALL_NUMBERS_FIRST, w_resp * w["r1"] * k * (1 - pbar[0]) / (n1 + k), Decimal(0)),
        Cost(SMALL_NUMBERS_RESOLUTION, w_resp * w["r2"] * k * (1 - pbar[1]) / (n2 + k), Decimal(0)),
        Cost(SOP_SHORTFALL, w_sop * (100 - inspected), Decimal(0)),
        Cost(SOP_AGE, w_sop * (inspected - sop.value), Decimal(0)),
        Cost(WEIGHTS, 100 * (1 - w_sop - w_resp) + w_resp * (100 - w["r1"] - w["r2"] - w["r3"]), Decimal(0)),
    ]
    return complaints + [p for p in parts if p.exact != 0]


def _apportion(lines: list[Cost], gap: Decimal) -> tuple[Cost, ...]:
    """Each line to 0,01 so that they add up to ``gap`` exactly (largest remainder; ties: earlier line)."""
    target = int(gap * 100)
    units = [math.floor(line.exact / CENT) for line in lines]
    extra = target - sum(units)
    if not 0 <= extra <= len(lines):
        raise AssertionError("rounded index and its parts disagree")  # pragma: no cover
    by_remainder = sorted(range(len(lines)), key=lambda i: (-(lines[i].exact / CENT - units[i]), i))
    for i in by_remainder[:extra]:
        units[i] += 1
    return tuple(
        Cost(line.kind, line.exact, Decimal(u).scaleb(-2), line.key, line.measures)
        for line, u in zip(lines, units, strict=True)
    )


# --- the lift to the next zone -------------------------------------------------------------


def _lift(opd_code, zone, counts, failing, sop: SopScore, policy: Policy) -> Lift | None:
    """The fewest failing complaints that, handled on time, put the OPD in the next better zone.

    The index is linear in the R1 and R2 on-time counts (p̄ moves with them) and R3 only
    depends on how many overdue complaints are cleared, so for each number j of complaints
    and each number of them that clear an overdue one, the best choice is the j with the
    largest R1 and R2 gain: a search over (j, cleared) with the scoring functions.
    """
    rank = ZONES_UPWARD.index(zone)
    if rank == len(ZONES_UPWARD) - 1:
        return None
    target = ZONES_UPWARD[rank + 1]
    scorer = _Scorer(opd_code, counts, sop.value, policy)
    gain1, gain2 = scorer.gain(LATE_FIRST), scorer.gain(LATE_RESOLUTION)
    kinds = Counter(failing["measures"])

    def r12_gain(measures):
        return (gain1 if LATE_FIRST in measures else 0) + (gain2 if LATE_RESOLUTION in measures else 0)

    with_overdue = sorted((m for m in kinds.elements() if OVERDUE in m), key=lambda m: (-r12_gain(m), m))
    without = sorted((m for m in kinds.elements() if OVERDUE not in m), key=lambda m: (-r12_gain(m), m))
    if not scorer.reaches(scorer.index_after(with_overdue + without), rank):
        return _lift_with_sop(scorer, target, rank, with_overdue + without, policy)
    for j in range(1, len(with_overdue) + len(without) + 1):
        best = None
        for cleared in range(max(0, j - len(without)), min(j, len(with_overdue)) + 1):
            chosen = with_overdue[:cleared] + without[: j - cleared]
            value = scorer.index_after(chosen)
            if best is None or value > best[0]:
                best = (value, chosen)
        if scorer.reaches(best[0], rank):
            return Lift(target, _grouped(best[1]), round_half_up(best[0], 2))
    raise AssertionError("the index with every failing complaint handled reaches the zone")  # pragma: no cover


def _lift_with_sop(scorer, target: str, rank: int, all_failing: list, policy: Policy) -> Lift | None:
    """Complaints alone are not enough: the S_sop needed as well (as they are, else all handled on time)."""
    floor = _lowest_index_above(rank, policy)
    if floor is None:
        return None
    for chosen in ([], all_failing):
        s_resp = scorer.s_resp_after(chosen)
        w_sop = policy.index_weights["sop"]
        # round_half_up(x, 2) >= floor  <=>  x >= floor − 0,005
        needed = (Fraction(floor) - Fraction(1, 200) - policy.index_weights["resp"] * s_resp) / w_sop
        sop_value = Decimal(math.ceil(max(needed, Fraction(0)) / CENT)).scaleb(-2)
        exact = exact_index(Fraction(sop_value), s_resp, policy)
        if sop_value <= 100 and scorer.reaches(exact, rank):
            return Lift(target, _grouped(chosen), round_half_up(exact, 2), sop_value)
    return None


def _lowest_index_above(rank: int, policy: Policy) -> Decimal | None:
    """The lowest index (0,01 steps) whose zone is better than ``rank`` (zones rise with the index)."""
    low, high = 0, 10000
    if ZONES_UPWARD.index(_zone_of(Decimal(high).scaleb(-2), policy)) <= rank:
        return None
    while low < high:
        middle = (low + high) // 2
        if ZONES_UPWARD.index(_zone_of(Decimal(middle).scaleb(-2), policy)) > rank:
            high = middle
        else:
            low = middle + 1
    return Decimal(low).scaleb(-2)


def _zone_of(index: Decimal, policy: Policy) -> str:
    return zone_for(index, category_for(index), policy.zone_table)


def _grouped(chosen: list[tuple[str, ...]]) -> tuple[tuple[tuple[str, ...], int], ...]:
    return tuple(sorted(Counter(chosen).items(), key=lambda item: (-item[1], item[0])))


class _Scorer:
    """The OPD's index with some of its failing complaints handled on time, by the scoring functions."""

    def __init__(self, opd_code: str, counts: pd.DataFrame, sop_value: Fraction, policy: Policy) -> None:
        self.own = {name: int(counts.at[opd_code, name]) for name in COUNT_COLUMNS}
        self.totals = {name: int(counts[name].sum()) for name in COUNT_COLUMNS}
        self.sop_value, self.policy = sop_value, policy
        self.base = self.index_after([])

    def _changed(self, chosen) -> tuple[dict, dict]:
        delta = Counter()
        for measures in chosen:
            delta["n_first_response_on_time"] += LATE_FIRST in measures
            delta["n_resolution_on_time"] += LATE_RESOLUTION in measures
            if OVERDUE in measures:  # resolved before the month ended: no longer open
                delta["n_open"] -= 1
                delta["n_open_overdue"] -= 1
        own = {name: value + delta[name] for name, value in self.own.items()}
        totals = {name: value + delta[name] for name, value in self.totals.items()}
        return own, totals

    def s_resp_after(self, chosen) -> Fraction:
        own, totals = self._changed(chosen)
        return opd_responsiveness(own, *pooled_shares(totals), self.policy).s_resp

    def index_after(self, chosen) -> Fraction:
        return exact_index(self.sop_value, self.s_resp_after(chosen), self.policy)

    def gain(self, measure: str) -> Fraction:
        return self.index_after([(measure,)]) - self.base

    def reaches(self, exact: Fraction, rank: int) -> bool:
        """Whether an exact index, rounded as published, lies in a zone better than ``rank``."""
        return ZONES_UPWARD.index(_zone_of(round_half_up(exact, 2), self.policy)) > rank
