"""The monthly DAG's batch steps: a region that fails inside a batch never blocks the others."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from c_region import DIMENSIONS, write_rows
from rapor.errors import ConfigError, ScoringOrderError
from rapor.imports import import_files
from rapor.imports.complaints import COLUMNS as COMPLAINT_COLUMNS
from rapor.layout import scorecard_path
from rapor.quality.status import latest_gate
from rapor.scoring.periods import Period
from rapor.scoring.scorecard import score_region_month
from rapor.tasks.monthly import alert_held, gate_regions, plan_region_batches, publish, score_regions

REGIONS = ("52.71", "52.72", "52.73")
MONTHS = ("2026-03", "2026-04", "2026-05")
INSTANT = datetime(2026, 6, 1, 1, tzinfo=UTC)


def _import(warehouse, folder: Path) -> None:
    registry = write_rows(
        folder / "registry.csv",
        ["region_code", "region_name", "timezone", "opd_code", "opd_name"],
        [[r, f"Kota {r}", "Asia/Makassar", "DLH", "Dinas Lingkungan Hidup"] for r in REGIONS],
    )
    complaints = write_rows(
        folder / "complaints.csv",
        COMPLAINT_COLUMNS,
        [
            [f"M-{r}-{m}-{day}", r, "DLH", "aplikasi", "lapor", "permintaan_informasi"]
            + [f"{m}-{day} 09:00", "", f"{m}-{day} 09:40", "", "", "Jadwal angkut sampah?"]
            for r in REGIONS
            for m in MONTHS
            for day in ("10", "17")
        ],
    )
    inspections = write_rows(
        folder / "inspections.csv",
        ["region_code", "opd_code", "inspected_at", "dimension", "indicator", "score"],
        [[r, "DLH", f"{m}-12", d, f"{d}_terpenuhi", 2] for r in REGIONS for m in MONTHS for d in DIMENSIONS],
    )
    import_files(warehouse, [registry], [complaints], [inspections])


def test_batches_keep_region_order_and_their_size(warehouse, tmp_path, monkeypatch):
    _import(warehouse, tmp_path)
    batches = plan_region_batches(INSTANT, batch_size=2)
    assert [[job["region_code"] for job in batch] for batch in batches] == [["52.71", "52.72"], ["52.73"]]
    assert {job["period"] for batch in batches for job in batch} == {"2026-05"}
    monkeypatch.setenv("RAPOR_REGION_BATCH_SIZE", "1")
    assert len(plan_region_batches(INSTANT)) == 3
    monkeypatch.setenv("RAPOR_REGION_BATCH_SIZE", "zero")
    with pytest.raises(ConfigError, match="RAPOR_REGION_BATCH_SIZE"):
        plan_region_batches(INSTANT)


def test_a_region_that_cannot_be_scored_is_reported_while_its_batch_publishes(warehouse, tmp_path):
    _import(warehouse, tmp_path)
    # 52.72 was scored for March, never for April: its May must not be scored (months in order).
    score_region_month(warehouse, "52.72", Period(2026, 3))
    [batch] = plan_region_batches(INSTANT, batch_size=10)

    scored = score_regions(batch)
    assert [bool(job.get("error")) for job in scored] == [False, True, False]
    assert "ScoringOrderError" in scored[1]["error"] and "2026-04" in scored[1]["error"]

    verdicts = gate_regions(scored)
    assert [v["status"] for v in verdicts] == ["lulus", "failed", "lulus"]
    published = publish([verdicts])
    for region, written in zip(REGIONS, (True, False, True), strict=True):
        assert scorecard_path(region, Period(2026, 5)).is_file() is written, region
    with warehouse.connect() as conn:
        assert latest_gate(conn, "52.72", "2026-05") is None  # never gated
        assert latest_gate(conn, "52.73", "2026-05").passed

    reported = alert_held(published)
    assert len(reported) == 1 and reported[0].startswith("52.72 2026-05: ScoringOrderError")


def test_a_batch_in_which_every_region_failed_fails_so_that_airflow_retries_it(warehouse, tmp_path):
    _import(warehouse, tmp_path)
    score_region_month(warehouse, "52.72", Period(2026, 3))
    with pytest.raises(ScoringOrderError, match="2026-04"):
        score_regions([{"region_code": "52.72", "period": "2026-05"}])
