"""A real run of the monthly DAG (``dag.test()``) on the demo region."""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from rapor.demo.region import DEMO_REGION_CODE, generate_demo_region
from rapor.imports import import_files
from rapor.layout import scorecard_path
from rapor.scoring.periods import Period
from rapor.scoring.scorecard_csv import CSV_COLUMNS, read_scorecard_rows, scorecard_csv_rows
from rapor.warehouse import schema

pytestmark = pytest.mark.dag_run

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
        run = monthly_dag.test(logical_date=datetime(nxt.year, nxt.month, 1, 1, tzinfo=UTC))
        assert run.state == "success"

    for period_text in files.periods:
        period = Period.parse(period_text)
        path = scorecard_path(DEMO_REGION_CODE, period)
        rows = _read(path)
        assert list(rows[0].keys()) == list(CSV_COLUMNS)
        assert len(rows) == n_opds  # one row per registry OPD, even without complaints
        assert {r["period"] for r in rows} == {period_text}
        # The file is exactly what the warehouse holds for that month.
        assert [list(r.values()) for r in rows] == scorecard_csv_rows(
            read_scorecard_rows(warehouse, period, [DEMO_REGION_CODE])
        )
        # The demo spreads OPDs over zones; two OPDs are never inspected.
        statuses = {r["status"] for r in rows}
        assert {"dinilai", "tidak dinilai"} <= statuses
        assert sum(r["status"] == "tidak dinilai" for r in rows) == 2

    # TPP history accumulated across the runs: an OPD weak (C/D/E) in all three months
    # has a run of 3 in October.
    by_month = {
        p: {r["opd_code"]: r for r in _read(scorecard_path(DEMO_REGION_CODE, Period.parse(p)))} for p in files.periods
    }
    weak = [
        opd
        for opd, row in by_month["2026-10"].items()
        if all(by_month[p][opd]["category"] in ("C", "D", "E") for p in files.periods)
    ]
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
    logical_date = datetime(2026, 11, 1, 1, tzinfo=UTC)
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


def _import_demo(warehouse, tmp_path):
    files = generate_demo_region(tmp_path / "demo")
    import_files(warehouse, [files.registry], [files.complaints, files.hotline], [files.inspections])
    return files


def _task_states(run) -> dict[str, str]:
    return {ti.task_id: ti.state for ti in run.get_task_instances()}


def test_a_month_whose_critical_expectation_fails_is_held_without_tpp(warehouse, airflow_db, monthly_dag, tmp_path):
    import json

    from sqlalchemy import insert

    from rapor.layout import quality_paths
    from rapor.quality.status import latest_gate

    _import_demo(warehouse, tmp_path)
    # A collector bug writes a reply that predates its complaint straight into the warehouse.
    with warehouse.begin() as conn:
        conn.execute(
            insert(schema.complaint).values(
                source="facebook",
                complaint_id="FB-BUG-1",
                region_code=DEMO_REGION_CODE,
                opd_code="RSUD",
                channel="media_sosial",
                kind="pengaduan",
                received_at=datetime(2026, 10, 14, 3, tzinfo=UTC),
                first_response_at=datetime(2026, 10, 13, 20, tzinfo=UTC),
                updated_at=datetime.now(UTC),
            )
        )

    run = monthly_dag.test(logical_date=datetime(2026, 11, 1, 1, tzinfo=UTC))

    # Published (CSV and summary for the Inspektorat), then the run fails to alert the operators.
    states = _task_states(run)
    assert (states["gate_regions"], states["publish"], states["alert_held"]) == ("success", "success", "failed")
    assert run.state == "failed"
    with warehouse.connect() as conn:
        gate = latest_gate(conn, DEMO_REGION_CODE, "2026-10")
        tpp = (
            conn.execute(select(schema.scorecard.c.tpp_cut_pct).where(schema.scorecard.c.period == "2026-10"))
            .scalars()
            .all()
        )
    assert gate.status == "ditahan"
    assert [f["rule"] for f in gate.critical_failures] == ["first_response_at_not_before_receipt"]
    assert tpp and set(tpp) == {None}
    scorecard = scorecard_path(DEMO_REGION_CODE, Period(2026, 10))
    assert {row["tpp_cut_pct"] for row in _read(scorecard)} == {""}
    summary = json.loads(quality_paths(DEMO_REGION_CODE, Period(2026, 10)).summary_json.read_text(encoding="utf-8"))
    assert summary["status"] == "ditahan"
    # No TPP file of any kind was produced for the held month.
    assert not [p for p in scorecard.parent.rglob("*") if "tpp" in p.name.lower() or "bkd" in p.name.lower()]


def test_a_silent_channel_is_flagged_and_shown_beside_the_scorecard(warehouse, airflow_db, monthly_dag, tmp_path):
    from sqlalchemy import delete

    from rapor.layout import quality_paths
    from rapor.quality.status import latest_gate

    _import_demo(warehouse, tmp_path)
    # The Facebook token expired on 10 October (WITA): nothing arrived from it afterwards.
    c = schema.complaint
    with warehouse.begin() as conn:
        conn.execute(
            delete(c).where(c.c.source == "facebook", c.c.received_at >= datetime(2026, 10, 10, 16, tzinfo=UTC))
        )

    run = monthly_dag.test(logical_date=datetime(2026, 11, 1, 1, tzinfo=UTC))

    assert run.state == "success"  # a warning is recorded and shown, it does not hold the month
    with warehouse.connect() as conn:
        gate = latest_gate(conn, DEMO_REGION_CODE, "2026-10")
        silence = (
            conn.execute(
                select(schema.quality_source_silence).where(schema.quality_source_silence.c.period == "2026-10")
            )
            .mappings()
            .all()
        )
    assert gate.status == "lulus"
    assert "no_silent_source" in {w["rule"] for w in gate.warnings}
    assert {row["source"] for row in silence if row["flagged"]} == {"facebook"}
    facebook = next(row for row in silence if row["source"] == "facebook")
    assert facebook["longest_silent_days"] == 21  # 11..31 October
    page = quality_paths(DEMO_REGION_CODE, Period(2026, 10)).summary_html.read_text(encoding="utf-8")
    assert "SILENT" in page and 'href="quality-2026-10/index.html"' in page


def test_an_opd_whose_account_went_uncollected_gets_no_tpp_while_the_others_are_published(
    warehouse, airflow_db, monthly_dag, tmp_path, monkeypatch
):
    from rapor.collectors.attempts import attempt_rows, record_attempts
    from rapor.collectors.http import AuthError
    from rapor.layout import quality_paths
    from rapor.publish.revisions import publish_month
    from rapor.quality.status import latest_gate
    from rapor.registry import Account
    from rapor.vocabulary import OPD_HELD_NOTE

    monkeypatch.setenv("RAPOR_OUTPUT_DIR", str(tmp_path / "output"))
    _import_demo(warehouse, tmp_path)
    # DLH's Facebook page was collected until 15 October; from then on every run was refused
    # (Graph API code 190), as the runner records it.
    page = Account("facebook", "100000000000109", DEMO_REGION_CODE, "DLH")
    refused = str(AuthError("rapor_facebook", "facebook", "Error validating access token: Session has expired"))
    with warehouse.begin() as conn:
        for start, end, outcome, error in (
            (datetime(2026, 7, 1, tzinfo=UTC), datetime(2026, 10, 15, tzinfo=UTC), "ok", None),
            (datetime(2026, 10, 15, tzinfo=UTC), datetime(2026, 11, 1, tzinfo=UTC), "token_expired", refused),
        ):
            rows = attempt_rows("facebook_comments", "rapor_facebook", [page], {}, start, end, end, outcome, error)
            record_attempts(conn, rows)

    run = monthly_dag.test(logical_date=datetime(2026, 11, 1, 1, tzinfo=UTC))

    assert run.state == "success"  # the month passes and is published; DLH alone is held
    with warehouse.connect() as conn:
        gate = latest_gate(conn, DEMO_REGION_CODE, "2026-10")
    assert gate.status == "lulus" and gate.held_opd_codes == {"DLH"}
    scorecard = {row["opd_code"]: row for row in _read(scorecard_path(DEMO_REGION_CODE, Period(2026, 10)))}
    assert scorecard["DLH"]["tpp_cut_pct"] == "" and scorecard["DLH"]["category"] == "D"  # scores still shown
    others = {code: row["tpp_cut_pct"] for code, row in scorecard.items() if code != "DLH" and row["category"]}
    assert "" not in others.values()  # the others keep their recommendations
    cut = next(code for code, value in others.items() if value not in ("", "0.00"))
    outcome = publish_month(warehouse, DEMO_REGION_CODE, "2026-10")
    bkd = {row["kode_opd"]: row for row in _read(outcome.folder / "bkd-tpp.csv")}
    assert (bkd["DLH"]["potongan_tpp_persen"], bkd["DLH"]["aturan"]) == ("", OPD_HELD_NOTE)
    assert bkd[cut]["potongan_tpp_persen"] == others[cut] and bkd[cut]["aturan"] != OPD_HELD_NOTE
    page_html = quality_paths(DEMO_REGION_CODE, Period(2026, 10)).summary_html.read_text(encoding="utf-8")
    assert "Dinas Lingkungan Hidup" in page_html and "Perbarui token koneksi rapor_facebook" in page_html
