"""A real run of the monthly DAG (``dag.test()``) on the demo region."""

from __future__ import annotations

import csv
from datetime import datetime, timezone
from pathlib import Path

import pytest
from sqlalchemy import func, select

from rapor.demo_data import DEMO_REGION_CODE, generate_demo_region
from rapor.periods import Period
from rapor.pipeline import import_files, scorecard_path
from rapor.scorecard import CSV_COLUMNS, scorecard_csv_rows
from rapor.warehouse import schema

DAGS = Path(__file__).resolve().parents[2] / "dags"


@pytest.fixture(scope="module")
def monthly_dag():
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(dag_folder=str(DAGS)).dags["rapor_monthly"]


def _read(path: Path) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_monthly_dag_scores_each_month_of_the_demo_region(warehouse, airflow_db, monthly_dag, tmp_path):
    files = generate_demo_region(tmp_path / "demo")
    import_files(warehouse, [files.registry], [files.complaints, files.hotline], [files.inspections])
    n_opds = len(_read(files.registry))

    # The run on the 1st of the next month (01:00 UTC, 09:00 WITA) scores the month before.
    for period in files.periods:
        nxt = Period.parse(period).shift(1)
        run = monthly_dag.test(logical_date=datetime(nxt.year, nxt.month, 1, 1, tzinfo=timezone.utc))
        assert run.state == "success"

    for period_text in files.periods:
        period = Period.parse(period_text)
        path = scorecard_path(DEMO_REGION_CODE, period)
        rows = _read(path)
        assert list(rows[0].keys()) == list(CSV_COLUMNS)
        assert len(rows) == n_opds  # one row per registry OPD, even without complaints
        assert {r["period"] for r in rows} == {period_text}
        # The file is exactly what the warehouse holds for that month.
        assert [list(r.values()) for r in rows] == scorecard_csv_rows(warehouse, period, [DEMO_REGION_CODE])
        # The demo spreads OPDs over zones; two OPDs are never inspected.
        statuses = {r["status"] for r in rows}
        assert {"dinilai", "tidak dinilai"} <= statuses
        assert sum(r["status"] == "tidak dinilai" for r in rows) == 2

    # TPP history accumulated across the runs: an OPD weak (C/D/E) in all three months
    # has a run of 3 in October.
    by_month = {p: {r["opd_code"]: r for r in _read(scorecard_path(DEMO_REGION_CODE, Period.parse(p)))} for p in files.periods}
    weak = [
        opd for opd, row in by_month["2026-10"].items()
        if all(by_month[p][opd]["category"] in ("C", "D", "E") for p in files.periods)
    ]  # fmt: skip
    assert weak, "the demo region should have OPDs weak in every month"
    with warehouse.connect() as conn:
        runs = dict(
            conn.execute(
                select(schema.scorecard.c.opd_code, schema.scorecard.c.tpp_run_months).where(
                    schema.scorecard.c.period == "2026-10", schema.scorecard.c.opd_code.in_(weak)
                )
            ).all()
        )
    assert set(runs.values()) == {3}


def test_rerunning_a_month_replaces_it_without_duplicates(warehouse, airflow_db, monthly_dag, tmp_path):
    files = generate_demo_region(tmp_path / "demo")
    import_files(warehouse, [files.registry], [files.complaints, files.hotline], [files.inspections])
    logical_date = datetime(2026, 11, 1, 1, tzinfo=timezone.utc)
    monthly_dag.test(logical_date=logical_date)
    path = scorecard_path(DEMO_REGION_CODE, Period(2026, 10))
    first = path.read_bytes()
    with warehouse.connect() as conn:
        counted = conn.execute(select(func.count()).select_from(schema.score_evidence)).scalar_one()

    monthly_dag.test(logical_date=logical_date, run_conf={"period": "2026-10"})

    assert path.read_bytes() == first
    with warehouse.connect() as conn:
        assert conn.execute(select(func.count()).select_from(schema.score_evidence)).scalar_one() == counted
        assert conn.execute(
            select(func.count()).select_from(schema.scorecard).where(schema.scorecard.c.period == "2026-10")
        ).scalar_one() == len(_read(files.registry))
