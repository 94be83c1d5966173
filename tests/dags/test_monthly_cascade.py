"""A correction to an earlier month cascades to the later months' TPP cuts (SCORING.md §6).

The region of tests/c_region.py is rated C in March, April and May. C cuts TPP from a run
of r0 = 2 months: base 2.5 + step 2.5 × (r − 2). So March (r = 1) 0, April (r = 2) 2.5,
May (r = 3) 5.0.

March's inspection is then corrected to 3 of 3: S_sop = 100, index 100 → A, which breaks the run.
April becomes r = 1 → 0 and May r = 2 → 2.5, with nobody re-running April or May by hand.
"""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from c_region import MONTHS, REGION, c_region_inspections, import_c_region
from rapor.imports import import_files
from rapor.layout import scorecard_path
from rapor.scoring.periods import Period
from rapor.tasks import publish
from rapor.warehouse import schema

pytestmark = pytest.mark.dag_run

DAGS = Path(__file__).resolve().parents[2] / "dags"


@pytest.fixture(scope="module")
def monthly_dag():
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(dag_folder=str(DAGS)).dags["rapor_monthly"]


def _score_by_dag(monthly_dag, period: str) -> None:
    nxt = Period.parse(period).shift(1)
    run = monthly_dag.test(
        logical_date=datetime(nxt.year, nxt.month, 1, 1, tzinfo=UTC), run_conf={"period": period, "regions": [REGION]}
    )
    assert run.state == "success"


def _stored(warehouse) -> dict[str, tuple]:
    sc = schema.scorecard
    with warehouse.connect() as conn:
        rows = conn.execute(select(sc.c.period, sc.c.category, sc.c.tpp_run_months, sc.c.tpp_cut_pct)).all()
    return {p: (c, r, cut) for p, c, r, cut in rows}


def _csv_cut(period: str) -> str:
    with open(scorecard_path(REGION, Period.parse(period)), newline="", encoding="utf-8") as handle:
        return next(csv.DictReader(handle))["tpp_cut_pct"]


def _publish_what_changed() -> dict[str, dict]:
    """What rapor_publish does when the scorecard Asset is updated: plan, then publish each month."""
    return {job["period"]: publish.publish_month(job) for job in publish.plan_publications()}


def test_correcting_march_rescores_april_and_may_and_republishes_them_naming_march(
    warehouse, airflow_db, monthly_dag, tmp_path, monkeypatch
):
    monkeypatch.setenv("RAPOR_OUTPUT_DIR", str(tmp_path / "output"))  # this test's own scorecards and revisions
    import_c_region(warehouse, tmp_path)
    for period in MONTHS:
        _score_by_dag(monthly_dag, period)
    assert _stored(warehouse) == {
        "2026-03": ("C", 1, Decimal("0.00")),
        "2026-04": ("C", 2, Decimal("2.50")),
        "2026-05": ("C", 3, Decimal("5.00")),
    }
    first = _publish_what_changed()
    assert {p: o["revision"] for p, o in first.items()} == {"2026-03": 1, "2026-04": 1, "2026-05": 1}

    # The Inspektorat corrects March's inspection; only March is re-run.
    import_files(warehouse, inspections=[c_region_inspections(tmp_path, "koreksi-maret.csv", ("2026-03",), 3)])
    _score_by_dag(monthly_dag, "2026-03")

    assert _stored(warehouse) == {
        "2026-03": ("A", 0, Decimal("0.00")),
        "2026-04": ("C", 1, Decimal("0.00")),
        "2026-05": ("C", 2, Decimal("2.50")),
    }
    assert [_csv_cut(p) for p in MONTHS] == ["0.00", "0.00", "2.50"]

    second = _publish_what_changed()
    assert {p: o["revision"] for p, o in second.items()} == {"2026-03": 2, "2026-04": 2, "2026-05": 2}
    for later in ("2026-04", "2026-05"):
        assert "kategori bulan 2026-03 berubah" in second[later]["reason"]
    published_may = Path(second["2026-05"]["folder"]) / "scorecard.csv"
    with open(published_may, newline="", encoding="utf-8") as handle:
        assert next(csv.DictReader(handle))["tpp_cut_pct"] == "2.50"
    # Nothing changed since: publishing again makes no revision.
    assert publish.plan_publications() == []
