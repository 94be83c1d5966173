""" "Explain my score": the points add up to 100 − index exactly, and the lift is the smallest.

Every expectation is checked against ``score_rows``, the function that writes the scorecard,
run on evidence whose flags were changed: not against the explanation's own arithmetic.
"""

from __future__ import annotations

import itertools
import random
from datetime import date
from decimal import Decimal
from fractions import Fraction

import pandas as pd
import pytest

from rapor.policy import load_policy
from rapor.scoring.explain import (
    COMPLAINT,
    LATE_FIRST,
    LATE_RESOLUTION,
    OVERDUE,
    SMALL_NUMBERS_FIRST,
    SOP_AGE,
    SOP_SHORTFALL,
    explain_month,
)
from rapor.scoring.periods import Period
from rapor.scoring.responsiveness import counts_by_opd
from rapor.scoring.scorecard import score_rows
from rapor.scoring.sop import SopScore
from rapor.vocabulary import ZONE_GREEN, ZONE_RED, ZONE_YELLOW

POLICY = load_policy()
PERIOD = Period(2026, 10)
FLAGS = (
    "in_first_response",
    "first_response_on_time",
    "in_resolution",
    "resolution_on_time",
    "open_at_end",
    "overdue_at_end",
)
# Evidence row shapes: (in R1, on time, in R2, on time, open at end, overdue at end)
ON_TIME = (True, True, False, False, False, False)
LATE_FIRST_ONLY = (True, False, False, False, False, False)
RESOLVED_ON_TIME = (True, True, True, True, False, False)
RESOLVED_LATE = (True, True, True, False, False, False)
UNRESOLVED_PAST_DEADLINE = (True, True, True, False, True, True)  # late in R2 and overdue
OLD_BACKLOG = (False, False, False, False, True, True)  # overdue from an earlier month
OPEN_NOT_DUE = (True, True, False, False, True, False)
SHAPES = (
    ON_TIME,
    LATE_FIRST_ONLY,
    RESOLVED_ON_TIME,
    RESOLVED_LATE,
    UNRESOLVED_PAST_DEADLINE,
    OLD_BACKLOG,
    OPEN_NOT_DUE,
)


def evidence(*groups: tuple[str, tuple, int]) -> pd.DataFrame:
    """Evidence rows: (opd_code, shape, how many)."""
    rows = []
    for opd_code, shape, n in groups:
        for _ in range(n):
            rows.append({"opd_code": opd_code, "complaint_id": f"c{len(rows)}", **dict(zip(FLAGS, shape, strict=True))})
    return pd.DataFrame(rows, columns=["opd_code", "complaint_id", *FLAGS])


def sop(value, age: int = 0) -> SopScore:
    return SopScore(Fraction(value), date(2026, 10 - age, 5), age)


def scorecard(ev: pd.DataFrame, opds, sops) -> dict[str, dict]:
    """The scorecard rows that scoring writes for this evidence."""
    counts = counts_by_opd(ev, opds)
    rows = score_rows(counts, {o: o for o in opds}, sops, {}, PERIOD, "52.05", POLICY)
    return {r["opd_code"]: r for r in rows}


def explain(ev: pd.DataFrame, opds, sops):
    return explain_month(ev, counts_by_opd(ev, opds), sops, POLICY, key="complaint_id")


def assert_adds_up(explanations, rows) -> None:
    for opd_code, e in explanations.items():
        index = rows[opd_code]["index_score"]
        assert e.index == index
        assert e.zone == rows[opd_code]["zone"]
        assert sum(c.points for c in e.costs) == Decimal(100) - index, opd_code
        assert all(c.points == c.points.quantize(Decimal("0.01")) for c in e.costs)
        # Shown to 0,01, no line is more than 0,01 away from its exact share.
        assert all(abs(Fraction(c.points) - c.exact) < Fraction(1, 100) for c in e.costs)


def test_no_complaints_the_gap_is_the_inspection_alone():
    ev = evidence()
    sops = {"A": sop(80)}
    e = explain(ev, ["A"], sops)["A"]

    assert_adds_up({"A": e}, scorecard(ev, ["A"], sops))
    assert [(c.kind, c.points) for c in e.costs] == [(SOP_SHORTFALL, Decimal("10.00"))]
    assert e.zone == ZONE_GREEN and e.lift is None  # 90: already in the best zone


def test_all_on_time_no_complaint_costs_points():
    ev = evidence(("A", ON_TIME, 12), ("A", RESOLVED_ON_TIME, 6), ("A", OPEN_NOT_DUE, 3))
    sops = {"A": sop(Fraction(2213, 30), age=1)}  # carried forward a month: decayed by 0.9
    e = explain(ev, ["A"], sops)["A"]

    assert_adds_up({"A": e}, scorecard(ev, ["A"], sops))
    assert {c.kind for c in e.costs} == {SOP_SHORTFALL, SOP_AGE}
    inspected = Fraction(2213, 30) / Fraction(9, 10)
    assert {c.kind: c.exact for c in e.costs} == {
        SOP_SHORTFALL: (100 - inspected) / 2,
        SOP_AGE: (inspected - Fraction(2213, 30)) / 2,
    }


def test_small_number_adjustment_is_its_own_line_and_late_complaints_share_equally():
    # OPD A has only 3 complaints in R1 (n < k): its R1' is pulled to the region's share.
    ev = evidence(("A", ON_TIME, 1), ("A", LATE_FIRST_ONLY, 2), ("B", ON_TIME, 15), ("B", LATE_FIRST_ONLY, 5))
    sops = {"A": sop(70), "B": sop(70)}
    explanations = explain(ev, ["A", "B"], sops)
    assert_adds_up(explanations, scorecard(ev, ["A", "B"], sops))

    a = explanations["A"]
    k, pbar = 5, Fraction(16, 23)
    late = [c for c in a.costs if c.kind == COMPLAINT]
    assert len(late) == 2 and all(c.exact == Fraction(1, 2) * 40 / (3 + k) for c in late)
    assert all(c.measures == (LATE_FIRST,) for c in late)
    small = next(c for c in a.costs if c.kind == SMALL_NUMBERS_FIRST)
    assert small.exact == Fraction(1, 2) * 40 * k * (1 - pbar) / (3 + k)
    # R2 has no population anywhere: p̄ = 1, R2' = 1, nothing lost there.
    assert a.pooled == (pbar, Fraction(1))


def test_a_complaint_failing_several_measures_costs_the_sum_of_its_shares():
    ev = evidence(("A", ON_TIME, 6), ("A", UNRESOLVED_PAST_DEADLINE, 2), ("A", RESOLVED_ON_TIME, 4))
    sops = {"A": sop(90)}
    e = explain(ev, ["A"], sops)["A"]
    assert_adds_up({"A": e}, scorecard(ev, ["A"], sops))
    double = [c for c in e.costs if c.kind == COMPLAINT]
    n2, n_open = 6, 2
    assert all(c.measures == (LATE_RESOLUTION, OVERDUE) for c in double)
    assert all(c.exact == Fraction(1, 2) * (Fraction(40, n2 + 5) + Fraction(20, n_open)) for c in double)


@pytest.mark.parametrize("seed", range(40))
def test_points_add_up_exactly_for_random_regions(seed):
    rng = random.Random(seed)
    opds = ["A", "B", "C", "D"]
    groups = [(o, shape, rng.randrange(0, 9)) for o in opds for shape in SHAPES]
    ev = evidence(*groups)
    sops = {o: sop(Fraction(rng.randrange(0, 30001), 300), age=rng.randrange(0, 3)) for o in opds[:3]}  # D not rated
    rows = scorecard(ev, opds, sops)
    explanations = explain(ev, opds, sops)

    assert set(explanations) == {"A", "B", "C"}
    assert_adds_up(explanations, rows)


def test_zone_boundary_index_rounded_up_to_the_floor_is_in_the_better_zone():
    # 0.5 x 7.99 + 0.5 x 100 = 53.995, published 54.00: category C, kuning.
    ev = evidence()
    e = explain(ev, ["A"], {"A": sop(Fraction(799, 100))})["A"]
    assert (e.index, e.zone) == (Decimal("54.00"), ZONE_YELLOW)
    assert_adds_up({"A": e}, scorecard(ev, ["A"], {"A": sop(Fraction(799, 100))}))

    # One hundredth of S_sop lower it is 53.99, merah; the lift names exactly 7.99.
    below = explain(ev, ["A"], {"A": sop(Fraction(798, 100))})["A"]
    assert (below.index, below.zone) == (Decimal("53.99"), ZONE_RED)
    assert below.lift.zone == ZONE_YELLOW and below.lift.fixes == ()
    assert (below.lift.sop_value, below.lift.index) == (Decimal("7.99"), Decimal("54.00"))


def _handled(ev: pd.DataFrame, chosen_ids) -> pd.DataFrame:
    """The evidence with these complaints handled on time (answered, resolved before deadline and month end)."""
    out = ev.copy()
    chosen = out["complaint_id"].isin(chosen_ids)
    out.loc[chosen, "first_response_on_time"] = out.loc[chosen, "in_first_response"]
    out.loc[chosen, "resolution_on_time"] = out.loc[chosen, "in_resolution"]
    cleared = chosen & out["overdue_at_end"]
    out.loc[cleared, ["open_at_end", "overdue_at_end"]] = False
    return out


def _failing_ids(ev: pd.DataFrame, opd_code: str) -> list[str]:
    mine = ev[ev["opd_code"] == opd_code]
    late = (mine["in_first_response"] & ~mine["first_response_on_time"]) | (
        mine["in_resolution"] & ~mine["resolution_on_time"]
    )
    return mine.loc[late | mine["overdue_at_end"], "complaint_id"].tolist()


RANK = {ZONE_RED: 0, ZONE_YELLOW: 1, ZONE_GREEN: 2}


@pytest.mark.parametrize("seed", range(12))
def test_the_lift_is_the_fewest_complaints_that_reach_the_next_zone(seed):
    rng = random.Random(100 + seed)
    opds = ["A", "B"]
    groups = [(o, shape, rng.randrange(0, 3)) for o in opds for shape in SHAPES]
    ev = evidence(*groups)
    sops = {o: sop(Fraction(rng.randrange(9000, 30001), 300)) for o in opds}
    rows = scorecard(ev, opds, sops)
    explanations = explain(ev, opds, sops)

    for opd_code, e in explanations.items():
        failing = _failing_ids(ev, opd_code)
        if e.zone == ZONE_GREEN:
            assert e.lift is None
            continue
        # Brute force over every subset of failing complaints, scored by score_rows.
        best = None
        for size in range(len(failing) + 1):
            for subset in itertools.combinations(failing, size):
                row = scorecard(_handled(ev, subset), opds, sops)[opd_code]
                if RANK[row["zone"]] > RANK[rows[opd_code]["zone"]]:
                    best = (size, row)
                    break
            if best:
                break
        if best is None:
            assert e.lift is None or e.lift.sop_value is not None
            continue
        assert e.lift is not None and e.lift.sop_value is None
        assert e.lift.n_complaints == best[0], opd_code
        # The change it names, applied to the evidence and scored, gives the zone and index it says.
        chosen, left = [], {m: n for m, n in e.lift.fixes}
        for cid in failing:
            measures = _measures(ev, cid)
            if left.get(measures, 0):
                chosen.append(cid)
                left[measures] -= 1
        after = scorecard(_handled(ev, chosen), opds, sops)[opd_code]
        assert (after["index_score"], after["zone"]) == (e.lift.index, e.lift.zone)


def _measures(ev: pd.DataFrame, cid: str) -> tuple[str, ...]:
    r = ev[ev["complaint_id"] == cid].iloc[0]
    flags = (
        (LATE_FIRST, r["in_first_response"] and not r["first_response_on_time"]),
        (LATE_RESOLUTION, r["in_resolution"] and not r["resolution_on_time"]),
        (OVERDUE, r["overdue_at_end"]),
    )
    return tuple(m for m, flag in flags if flag)


def test_when_complaints_alone_are_not_enough_the_inspection_needed_is_named():
    # One late complaint, S_sop 5: even handled on time the index stays merah; S_sop must rise.
    ev = evidence(("A", ON_TIME, 9), ("A", LATE_FIRST_ONLY, 1))
    sops = {"A": sop(Fraction(5))}
    e = explain(ev, ["A"], sops)["A"]
    assert e.zone == ZONE_RED
    assert e.lift is not None and e.lift.sop_value is not None
    # Scored with that S_sop (and the complaints as the lift says), the OPD is kuning; 0,01 less is not.
    handled = _handled(ev, _failing_ids(ev, "A")) if e.lift.fixes else ev
    at = scorecard(handled, ["A"], {"A": sop(Fraction(e.lift.sop_value))})["A"]
    under = scorecard(handled, ["A"], {"A": sop(Fraction(e.lift.sop_value) - Fraction(1, 100))})["A"]
    assert (at["zone"], at["index_score"]) == (ZONE_YELLOW, e.lift.index)
    assert under["zone"] == ZONE_RED
