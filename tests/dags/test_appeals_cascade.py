"""An accepted appeal re-scores its month and cascades (SCORING.md §6), through the rapor_appeals DAG.

The region of tests/c_region.py is rated C in March, April and May (cuts 0, 2.5, 5.0): every
indicator of every inspection scored 1 of 3. The OPD appeals three of March's indicators;
the Inspektorat accepts two (corrected to 3 of 3) and rejects one. March is no longer weak,
which breaks the run: April's cut becomes 0 and May's 2.5, each a new published revision, and
March's new revision lists the three decisions with who made them.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from c_region import MONTHS, OPD, REGION, import_c_region
from rapor.publish.appeals import AppealRequest, decide_appeal, decided_unapplied, file_appeal
from rapor.scoring.periods import Period
from rapor.tasks import publish
from rapor.vocabulary import APPEAL_ACCEPTED, APPEAL_CORRECT, APPEAL_INDICATOR, APPEAL_REJECTED
from rapor.warehouse import schema

pytestmark = pytest.mark.dag_run

DAGS = Path(__file__).resolve().parents[2] / "dags"


@pytest.fixture(scope="module")
def dags():
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(dag_folder=str(DAGS)).dags


def _score_by_dag(monthly_dag, period: str) -> None:
    nxt = Period.parse(period).shift(1)
    run = monthly_dag.test(
        logical_date=datetime(nxt.year, nxt.month, 1, 1, tzinfo=UTC), run_conf={"period": period, "regions": [REGION]}
    )
    assert run.state == "success"


def _stored(warehouse) -> dict[str, tuple]:
    sc = schema.scorecard
    with warehouse.connect() as conn:
        rows = conn.execute(select(sc.c.period, sc.c.category, sc.c.tpp_cut_pct)).all()
    return {p: (c, cut) for p, c, cut in rows}


def _march_indicators(warehouse) -> list:
    ins = schema.inspection
    with warehouse.connect() as conn:
        return conn.execute(
            select(ins.c.inspected_on, ins.c.indicator)
            .where(ins.c.inspected_on < datetime(2026, 4, 1).date())
            .order_by(ins.c.indicator)
        ).all()


def _publish_what_changed() -> dict[str, dict]:
    return {job["period"]: publish.publish_month(job) for job in publish.plan_publications()}


def test_accepted_appeals_rescore_march_cascade_to_april_and_may_and_publish_revisions_listing_them(
    warehouse, airflow_db, dags, tmp_path, monkeypatch
):
    monkeypatch.setenv("RAPOR_OUTPUT_DIR", str(tmp_path / "output"))
    import_c_region(warehouse, tmp_path)
    for period in MONTHS:
        _score_by_dag(dags["rapor_monthly"], period)
    first = _publish_what_changed()
    assert {p: o["revision"] for p, o in first.items()} == {"2026-03": 1, "2026-04": 1, "2026-05": 1}

    numbers = [
        file_appeal(
            warehouse,
            AppealRequest(
                REGION,
                "2026-03",
                OPD,
                APPEAL_INDICATOR,
                APPEAL_CORRECT,
                "nilai inspeksi keliru",
                "Dokumen SOP ada, inspektur tidak memeriksanya.",
                inspected_on=inspected_on,
                indicator=indicator,
                corrected_score=3,
            ),
            "opd.dlh",
        )
        for inspected_on, indicator in _march_indicators(warehouse)[:3]
    ]
    decisions = (APPEAL_ACCEPTED, APPEAL_ACCEPTED, APPEAL_REJECTED)
    for number, decision in zip(numbers, decisions, strict=True):
        decide_appeal(warehouse, number, decision, "Diperiksa ulang dengan dokumen asli.", "inspektur.mataram")
    assert _stored(warehouse)["2026-03"] == ("C", Decimal("0.00"))  # a decision alone changes no scorecard

    run = dags["rapor_appeals"].test()
    assert run.state == "success"

    stored = _stored(warehouse)
    assert stored["2026-03"][0] in ("A", "B")  # two indicators at 3 of 3: no longer a weak month
    assert (stored["2026-04"], stored["2026-05"]) == (("C", Decimal("0.00")), ("C", Decimal("2.50")))
    with warehouse.connect() as conn:
        assert decided_unapplied(conn) == []

    second = _publish_what_changed()
    assert {p: o["revision"] for p, o in second.items()} == {"2026-03": 2, "2026-04": 2, "2026-05": 2}
    march = second["2026-03"]["reason"]
    assert march.startswith("Banding diputus: ")
    for number, decision in zip(numbers, decisions, strict=True):
        assert f"no. {number} {decision} (OPD {OPD}, indikator " in march
    assert march.count("oleh inspektur.mataram") == 3
    for later in ("2026-04", "2026-05"):
        assert "kategori bulan 2026-03 berubah" in second[later]["reason"]
    # Applied once: nothing left to apply, nothing new to publish.
    assert dags["rapor_appeals"].test().state == "success"
    assert publish.plan_publications() == []
