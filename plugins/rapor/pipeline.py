"""The steps the command line and the DAGs share: import files, score months, export."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from pathlib import Path

from rapor import config
from rapor.imports import ImportResult, import_complaints, import_inspections, import_registry
from rapor.periods import Period
from rapor.policy import Policy, load_policy
from rapor.scorecard import score_region_month, write_scorecard_csv
from rapor.warehouse.db import get_engine, migrate

log = logging.getLogger(__name__)


def open_warehouse(url: str | None = None):
    """The warehouse engine, its schema migrated to the newest revision."""
    engine = get_engine(url)
    migrate(engine)
    return engine


def import_files(
    engine,
    registry: Iterable[Path] = (),
    complaints: Iterable[Path] = (),
    inspections: Iterable[Path] = (),
) -> list[ImportResult]:
    """Import in dependency order: the registry first, since the others refer to it."""
    results = [import_registry(engine, p) for p in registry]
    results += [import_complaints(engine, p) for p in complaints]
    results += [import_inspections(engine, p) for p in inspections]
    return results


def scorecard_path(region_code: str, period: Period, out_dir: Path | None = None) -> Path:
    """Where the DAG publishes one region's month: ``output/scorecards/<region>/scorecard-YYYY-MM.csv``."""
    return (out_dir or config.output_dir() / "scorecards") / region_code / f"scorecard-{period}.csv"


def score_and_export_region(engine, region_code: str, period: Period, policy: Policy | None = None) -> Path:
    """Score one region's month, run the data-quality gate, write its CSV and quality summary.

    The monthly DAG runs the same three steps as separate tasks (score, gate, publish).
    """
    from rapor.quality.gate import run_gate  # imports Great Expectations when it runs

    policy = policy or load_policy()
    score_region_month(engine, region_code, period, policy)
    run_gate(engine, region_code, period, policy)
    return export_region(engine, region_code, period)


def export_region(engine, region_code: str, period: Period, out_dir: Path | None = None) -> Path:
    """Write the month's §7 CSV and, beside it, ``quality-YYYY-MM.json``/``.html`` (verdict,
    coverage, link to the Data Docs). A held month's CSV has no TPP values: the gate cleared them."""
    from rapor.quality.summary import write_quality_summary

    path = write_scorecard_csv(engine, period, [region_code], scorecard_path(region_code, period, out_dir))
    write_quality_summary(engine, region_code, period, out_dir)
    return path


def score_periods(
    engine, region_codes: Sequence[str], periods: Sequence[Period], out_dir: Path, policy: Policy | None = None
) -> list[Path]:
    """Score the regions for each period in order (so TPP runs accumulate); one CSV per period."""
    policy = policy or load_policy()
    paths = []
    for period in sorted(periods):
        for region_code in region_codes:
            score_region_month(engine, region_code, period, policy)
        paths.append(write_scorecard_csv(engine, period, list(region_codes), Path(out_dir) / f"scorecard-{period}.csv"))
    return paths
