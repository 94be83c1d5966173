"""A correction to an earlier month cascades to the later months' TPP cuts (SCORING.md §6).

Kota Mataram (WITA), one OPD, March to May 2026. Every month two information requests are
answered within the hour (R1 = 1, no resolution population, nothing open: S_resp = 100) and
the OPD is inspected once, every indicator scored 1 of 3: S_sop = 100/3 = 33.33.
Index = 0.5 × 33.33 + 0.5 × 100 = 66.67 → category C every month. C cuts TPP from a run of
r0 = 2 months: base 2.5 + step 2.5 × (r − 2). So March (r = 1) 0, April (r = 2) 2.5, May (r = 3) 5.0.

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

from rapor.imports import import_files
from rapor.layout import scorecard_path
from rapor.scoring.periods import Period
from rapor.tasks import publish
from rapor.warehouse import schema

pytestmark = pytest.mark.dag_run

DAGS = Path(__file__).resolve().parents[2] / "dags"
REGION, OPD = "52.71", "DLH"
MONTHS = ("2026-03", "2026-04", "2026-05")
DIMENSIONS = ("input", "proses", "output", "pengaduan")


@pytest.fixture(scope="module")
def monthly_dag():
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(dag_folder=str(DAGS)).dags["rapor_monthly"]


def _write(path: Path, header: list[str], rows: list[list]) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def _inspections(tmp_path: Path, name: str, months: tuple[str, ...], score: int) -> Path:
    rows = [[REGION, OPD, f"{m}-12", d, f"{d}_terpenuhi", score] for m in months for d in DIMENSIONS]
    header = ["region_code", "opd_code", "inspected_at", "dimension", "indicator", "score"]
    return _write(tmp_path / name, header, rows)


def _import_region(warehouse, tmp_path: Path) -> None:
    registry = _write(
        tmp_path / "registry.csv",
        ["region_code", "region_name", "timezone", "opd_code", "opd_name"],
        [[REGION, "Kota Mataram", "Asia/Makassar", OPD, "Dinas Lingkungan Hidup"]],
    )
    complaints = _write(
        tmp_path / "complaints.csv",
        [
            "complaint_id",
            "region_code",
            "opd_code",
            "channel",
            "source",
            "kind",
            "received_at",
            "forwarded_at",
            "first_response_at",
            "resolved_at",
            "reporter",
            "text",
        ],
        [
            [f"M-{m}-{day}", REGION, OPD, "aplikasi", "lapor", "permintaan_informasi"]
            + [f"{m}-{day} 09:00", "", f"{m}-{day} 09:40", "", "", "Jadwal angkut sampah?"]
            for m in MONTHS
            for day in ("10", "17")
        ],
    )
    import_files(warehouse, [registry], [complaints], [_inspections(tmp_path, "inspections.csv", MONTHS, 1)])


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
    warehouse, airflow_db, monthly_dag, tmp_path
):
    _import_region(warehouse, tmp_path)
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
    import_files(warehouse, inspections=[_inspections(tmp_path, "koreksi-maret.csv", ("2026-03",), 3)])
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
