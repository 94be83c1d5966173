"""Scoring a region keeps its months in order, whatever order or concurrency the runs come in."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from c_region import MONTHS, REGION, import_c_region
from rapor.errors import ScoringOrderError
from rapor.scoring.periods import Period
from rapor.scoring.scorecard import score_month_in_order, score_region_month
from rapor.warehouse import schema


def _cuts(warehouse) -> dict[str, Decimal]:
    sc = schema.scorecard
    with warehouse.connect() as conn:
        return dict(conn.execute(select(sc.c.period, sc.c.tpp_cut_pct)).all())


def test_two_scorings_of_one_region_month_at_once_never_collide(warehouse, tmp_path):
    import_c_region(warehouse, tmp_path)
    errors: list[BaseException] = []

    def score() -> None:
        try:
            score_region_month(warehouse, REGION, Period.parse("2026-03"))
        except BaseException as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)

    for _ in range(4):
        threads = [threading.Thread(target=score) for _ in range(3)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert errors == []
    with warehouse.connect() as conn:
        rows = conn.execute(select(func.count()).select_from(schema.scorecard)).scalar_one()
        evidence = conn.execute(select(func.count()).select_from(schema.score_evidence)).scalar_one()
    assert (rows, evidence) == (1, 2)  # one OPD; March's two requests, each once


def test_months_scored_out_of_order_end_as_scored_in_order(warehouse, tmp_path):
    # May first (nothing before it scored yet: in order), then March, then April. Each later
    # month a first or changed scoring names is re-scored (what the DAG's rescore_later_months
    # does), and the runs end as in order: C, C, C -> runs 1, 2, 3 -> cuts 0, 2.5, 5.0.
    # March names nothing: April is a gap, which breaks May's run whatever March holds.
    import_c_region(warehouse, tmp_path)
    named = {}
    for month in ("2026-05", "2026-03", "2026-04"):
        scored = score_month_in_order(warehouse, REGION, Period.parse(month))
        named[month] = [str(p) for p in scored.later_months]
        for later in scored.later_months:
            score_region_month(warehouse, REGION, later)
    assert named == {"2026-05": [], "2026-03": [], "2026-04": ["2026-05"]}
    assert _cuts(warehouse) == dict(zip(MONTHS, map(Decimal, ("0.00", "2.50", "5.00")), strict=True))
    # Scoring a month again with unchanged data names nothing to re-score.
    assert score_month_in_order(warehouse, REGION, Period.parse("2026-03")).later_months == []


def test_a_month_after_a_gap_is_refused_naming_the_month_to_score_first(warehouse, tmp_path):
    import_c_region(warehouse, tmp_path)
    score_region_month(warehouse, REGION, Period.parse("2026-03"))

    for scorer in (score_month_in_order, score_region_month):
        with pytest.raises(ScoringOrderError) as refused:
            scorer(warehouse, REGION, Period.parse("2026-05"))
        message = str(refused.value)
        assert "2026-05 cannot be scored before 2026-04, which has never been scored" in message
        assert "score 2026-04 first" in message and "2026-03" in message
    assert set(_cuts(warehouse)) == {"2026-03"}  # nothing of May was stored

    # In order it goes through; and a month before every scored one is in order too.
    score_month_in_order(warehouse, REGION, Period.parse("2026-04"))
    score_month_in_order(warehouse, REGION, Period.parse("2026-05"))
    assert score_month_in_order(warehouse, REGION, Period.parse("2026-02")).later_months == [
        Period.parse(m) for m in MONTHS
    ]
