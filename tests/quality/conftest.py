"""Shared set-up of the data-quality gate's tests.

Great Expectations takes seconds to import: the suites run in one process-wide GX
working folder per session (``validate``), and the demo region's "good data" is built
once per session (``demo_gate_inputs``).
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

DEMO_PERIOD = "2026-10"


@pytest.fixture(scope="session")
def validate(tmp_path_factory):
    """Run one suite of ``expectations/`` on a frame: ``validate("complaints", frame, **parameters)``."""
    from rapor.quality.suites import run_suites

    work_dir = tmp_path_factory.mktemp("gx-work")

    def _validate(suite: str, frame, **parameters):
        (outcome,) = run_suites({suite: frame}, parameters, work_dir)
        return outcome

    return _validate


@pytest.fixture(scope="session")
def demo_gate_inputs(tmp_path_factory):
    """The frames and parameters the gate builds for the demo region's October (good data)."""
    from rapor.demo.region import DEMO_REGION_CODE, generate_demo_region
    from rapor.imports import import_files
    from rapor.policy import load_policy
    from rapor.quality.coverage import build_coverage
    from rapor.quality.frames import (
        complaints_frame,
        gate_parameters,
        inspections_frame,
        scorecards_frame,
    )
    from rapor.registry import get_region, opd_codes
    from rapor.scoring.periods import Period
    from rapor.scoring.scorecard import score_region_month
    from rapor.warehouse.db import get_engine, migrate

    root = tmp_path_factory.mktemp("demo-gate")
    engine = get_engine(f"sqlite:///{root / 'warehouse.db'}")
    migrate(engine)
    files = generate_demo_region(root / "demo")
    import_files(engine, [files.registry], [files.complaints, files.hotline], [files.inspections])
    policy, period = load_policy(), Period.parse(DEMO_PERIOD)
    for month in files.periods:
        score_region_month(engine, DEMO_REGION_CODE, Period.parse(month), policy)
    with engine.connect() as conn:
        region = get_region(conn, DEMO_REGION_CODE)
        registry, active = opd_codes(conn, DEMO_REGION_CODE)
        frames = {
            "complaints": complaints_frame(conn, region, period, policy),
            "inspections": inspections_frame(conn, region, period, policy),
            "scorecards": scorecards_frame(conn, region, period, policy),
            "coverage": build_coverage(conn, DEMO_REGION_CODE, region.timezone, period, policy).silence,
        }
    parameters = gate_parameters(region, period, policy, registry, active, datetime.now(UTC))
    engine.dispose()
    return frames, parameters
