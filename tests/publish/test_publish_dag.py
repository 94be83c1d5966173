"""A real run of the rapor_publish DAG (``dag.test()``) after the monthly scoring, and a correction by hand."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from rapor.demo.region import generate_demo_late_export
from rapor.imports import import_files
from rapor.scoring.periods import Period
from rapor.scoring.scorecard import score_region_month
from rapor.warehouse import schema

DAGS = Path(__file__).resolve().parents[2] / "dags"


@pytest.fixture(scope="module")
def publish_dag():
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(dag_folder=str(DAGS)).dags["rapor_publish"]


@pytest.mark.dag_run
def test_publish_dag_publishes_every_scored_month_then_a_correction_by_hand(
    scored, pass_gate, airflow_db, publish_dag, tmp_path, monkeypatch
):
    monkeypatch.setenv("RAPOR_SMTP_CONN_ID", "smtp_not_configured_here")
    pass_gate("2026-10")
    # Triggered by the Asset: no params (explicit, since dag.test() keeps the conf of an earlier run).
    run = publish_dag.test(
        logical_date=datetime(2026, 11, 1, 2, tzinfo=UTC),
        run_conf={"region": None, "period": None, "reason": None, "force": False},
    )
    assert run.state == "success"
    with scored.engine.connect() as conn:
        rows = conn.execute(
            select(
                schema.publication.c.period, schema.publication.c.revision, schema.publication.c.gate_status
            ).order_by(schema.publication.c.period)
        ).all()
    assert [tuple(r) for r in rows] == [
        ("2026-08", 1, "belum diperiksa"),
        ("2026-09", 1, "belum diperiksa"),
        ("2026-10", 1, "lulus"),
    ]
    published = scored.out_dir / "published" / "52.05"
    assert (published / "2026-10" / "r1" / "bkd-tpp.xlsx").is_file()
    assert not (published / "2026-09" / "r1" / "bkd-tpp.xlsx").exists()

    # Late data for October, re-scored; then the correction is published by hand with a reason.
    import_files(scored.engine, complaints=[generate_demo_late_export(tmp_path / "late")])
    score_region_month(scored.engine, "52.05", Period(2026, 10))
    run = publish_dag.test(
        logical_date=datetime(2026, 11, 5, 2, tzinfo=UTC),
        run_conf={"region": "52.05", "period": "2026-10", "reason": "Koreksi: log hotline Oktober terlambat"},
    )
    assert run.state == "success"
    assert (published / "2026-10" / "r2" / "report.pdf").is_file()
    assert (published / "2026-10" / "r1" / "report.pdf").is_file()
    with scored.engine.connect() as conn:
        r2 = conn.execute(select(schema.publication).where(schema.publication.c.revision == 2)).mappings().one()
        notes = conn.execute(select(schema.notification_log.c.event_key, schema.notification_log.c.status)).all()
    assert r2["reason"].startswith("Koreksi: log hotline Oktober terlambat — ")
    assert "(" in r2["published_by"] and r2["published_by"].endswith(")")
    assert ("terbit:r2", "dilewati") in [tuple(n) for n in notes]


def test_an_asset_triggered_publication_waits_when_complaints_changed_after_scoring(scored):
    from rapor.publish.inputs import StaleInputsError
    from rapor.tasks.publish import publish_month
    from rapor.vocabulary import WAITING

    ev, c = schema.score_evidence, schema.complaint
    with scored.engine.begin() as conn:
        source, complaint_id = conn.execute(
            select(ev.c.source, ev.c.complaint_id).where(ev.c.period == "2026-10").limit(1)
        ).one()
        conn.execute(
            c.update()
            .where(c.c.source == source, c.c.complaint_id == complaint_id)
            .values(updated_at=datetime.now(UTC))
        )

    # A collector updated a complaint after scoring: the run waits for rapor_monthly instead of failing…
    outcome = publish_month({"region_code": "52.05", "period": "2026-10", "reason": None, "force": False})
    assert (outcome["status"], outcome["revision"]) == (WAITING, None)
    assert "re-run rapor_monthly" in outcome["detail"]
    # …but a correction by hand says plainly what to do first.
    with pytest.raises(StaleInputsError, match="re-run rapor_monthly"):
        publish_month({"region_code": "52.05", "period": "2026-10", "reason": "Koreksi", "force": False})
