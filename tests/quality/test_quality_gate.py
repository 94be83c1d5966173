"""The gate on a real warehouse (SQLite and PostgreSQL): verdict, held months, release, override."""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime

import pytest
from sqlalchemy import delete, insert, select

from rapor.demo.region import DEMO_REGION_CODE, generate_demo_region
from rapor.errors import ConfigError
from rapor.imports import import_files
from rapor.layout import quality_paths
from rapor.quality.gate import run_gate
from rapor.quality.status import latest_gate
from rapor.scoring.periods import Period
from rapor.scoring.scorecard import score_region_month
from rapor.tasks.monthly import export_region
from rapor.vocabulary import GATE_HELD, GATE_PASSED
from rapor.warehouse import schema

OCTOBER = Period(2026, 10)


@pytest.fixture(scope="session")
def demo_files(tmp_path_factory):
    return generate_demo_region(tmp_path_factory.mktemp("demo-files"))


@pytest.fixture
def demo_warehouse(warehouse, demo_files):
    """The warehouse with the demo region imported and August-October scored."""
    import_files(
        warehouse, [demo_files.registry], [demo_files.complaints, demo_files.hotline], [demo_files.inspections]
    )
    for period in demo_files.periods:
        score_region_month(warehouse, DEMO_REGION_CODE, Period.parse(period))
    return warehouse


def _tpp_values(engine, period: Period) -> list:
    sc = schema.scorecard
    with engine.connect() as conn:
        return (
            conn.execute(
                select(sc.c.tpp_cut_pct).where(sc.c.region_code == DEMO_REGION_CODE, sc.c.period == str(period))
            )
            .scalars()
            .all()
        )


def _insert_answer_before_receipt(engine) -> None:
    """A complaint whose reply predates its receipt, written straight into the canonical table
    (as a collector with a time-zone bug would: the file import would have quarantined it)."""
    with engine.begin() as conn:
        conn.execute(
            insert(schema.complaint).values(
                source="facebook",
                complaint_id="FB-BUG-1",
                region_code=DEMO_REGION_CODE,
                opd_code="RSUD",
                channel="media_sosial",
                kind="pengaduan",
                received_at=datetime(2026, 10, 14, 3, 0, tzinfo=UTC),
                first_response_at=datetime(2026, 10, 13, 20, 0, tzinfo=UTC),
                updated_at=datetime.now(UTC),
            )
        )


def _read_csv(path) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_the_demo_month_passes_and_its_summary_links_the_data_docs(demo_warehouse):
    result = run_gate(demo_warehouse, DEMO_REGION_CODE, OCTOBER)

    assert (result.status, result.critical_failures) == (GATE_PASSED, [])
    # The demo's DLH inspection lacks the output dimension: recorded, shown, not holding.
    assert [w["rule"] for w in result.warnings] == ["all_dimensions_inspected"]
    assert any(v is not None and v > 0 for v in _tpp_values(demo_warehouse, OCTOBER))

    csv_path = export_region(demo_warehouse, DEMO_REGION_CODE, OCTOBER)
    paths = quality_paths(DEMO_REGION_CODE, OCTOBER)
    assert paths.summary_json.parent == csv_path.parent
    summary = json.loads(paths.summary_json.read_text(encoding="utf-8"))
    assert (summary["status"], summary["passed"], summary["data_docs"]) == ("lulus", True, "quality-2026-10/index.html")
    assert (csv_path.parent / summary["data_docs"]).is_file()
    assert summary["coverage"]["silent_sources"] == []
    assert len(summary["coverage"]["days"]) == 31 and "facebook" in summary["coverage"]["complaints_per_source_and_day"]
    page = paths.summary_html.read_text(encoding="utf-8")
    assert 'href="quality-2026-10/index.html"' in page and 'href="scorecard-2026-10.csv"' in page
    # Data Docs hold this run's validation of every gate suite.
    docs = {p.name for p in paths.docs_dir.rglob("*.html")}
    assert {f"rapor_frames-{s}.html" for s in ("complaints", "inspections", "scorecards", "coverage")} <= docs


def test_a_month_with_a_broken_complaint_is_held_until_fixed_and_rerun(demo_warehouse):
    _insert_answer_before_receipt(demo_warehouse)
    score_region_month(demo_warehouse, DEMO_REGION_CODE, OCTOBER)  # the month is scored with it

    held = run_gate(demo_warehouse, DEMO_REGION_CODE, OCTOBER)

    assert held.status == GATE_HELD and not held.passed
    failure = next(f for f in held.critical_failures if f["rule"] == "first_response_at_not_before_receipt")
    assert failure["suite"] == "complaints" and "facebook/FB-BUG-1" in failure["detail"]
    assert set(_tpp_values(demo_warehouse, OCTOBER)) == {None}  # no TPP recommendation anywhere
    with demo_warehouse.connect() as conn:
        assert latest_gate(conn, DEMO_REGION_CODE, "2026-10").status == GATE_HELD
    csv_path = export_region(demo_warehouse, DEMO_REGION_CODE, OCTOBER)
    assert {row["tpp_cut_pct"] for row in _read_csv(csv_path)} == {""}
    summary = json.loads(quality_paths(DEMO_REGION_CODE, OCTOBER).summary_json.read_text(encoding="utf-8"))
    assert summary["status"] == "ditahan" and summary["tpp_recommendation"].startswith("withheld")
    assert [f["rule"] for f in summary["critical_failures"]] == ["first_response_at_not_before_receipt"]

    # Release: fix the data, re-run the month (score, then gate).
    with demo_warehouse.begin() as conn:
        conn.execute(delete(schema.complaint).where(schema.complaint.c.complaint_id == "FB-BUG-1"))
    score_region_month(demo_warehouse, DEMO_REGION_CODE, OCTOBER)
    released = run_gate(demo_warehouse, DEMO_REGION_CODE, OCTOBER)

    assert released.status == GATE_PASSED
    assert any(v is not None for v in _tpp_values(demo_warehouse, OCTOBER))
    with demo_warehouse.connect() as conn:
        assert latest_gate(conn, DEMO_REGION_CODE, "2026-10").status == GATE_PASSED
        history = (
            conn.execute(select(schema.quality_gate.c.status).order_by(schema.quality_gate.c.gate_id)).scalars().all()
        )
    assert history == [GATE_HELD, GATE_PASSED]  # the held run stays on record


def test_an_override_needs_a_reason_and_a_name_and_keeps_the_failures_on_record(demo_warehouse):
    _insert_answer_before_receipt(demo_warehouse)
    score_region_month(demo_warehouse, DEMO_REGION_CODE, OCTOBER)

    with pytest.raises(ConfigError, match="too short"):
        run_gate(demo_warehouse, DEMO_REGION_CODE, OCTOBER, override_reason="ok", override_by="Kepala Inspektorat")
    with pytest.raises(ConfigError, match="override_by"):
        run_gate(
            demo_warehouse,
            DEMO_REGION_CODE,
            OCTOBER,
            override_reason="one complaint of 1,900, reply time verified by phone",
        )

    reason = "one complaint of 1,900; reply time verified by phone with RSUD"
    result = run_gate(demo_warehouse, DEMO_REGION_CODE, OCTOBER, override_reason=reason, override_by="Inspektur Dompu")

    assert result.passed and result.status == GATE_PASSED
    assert [f["rule"] for f in result.critical_failures] == ["first_response_at_not_before_receipt"]
    with demo_warehouse.connect() as conn:
        stored = latest_gate(conn, DEMO_REGION_CODE, "2026-10")
    assert (stored.override_reason, stored.override_by) == (reason, "Inspektur Dompu")
    assert stored.critical_failures == result.critical_failures
    assert any(v is not None for v in _tpp_values(demo_warehouse, OCTOBER))
