"""Eight processes on a fresh warehouse at once: migrating, importing and scoring (issue 14, item 5).

Under Celery every task migrates at its start and two runs of one region-month can meet (a retry
beside a manual re-run, a backfill beside the schedule). Each child process here does the whole
chain on the same fresh database: migrate, import the same files, score March..May of one region
in order. Every process must succeed, and the warehouse must hold the ground truth exactly once:
six complaints, one scorecard row per month, the TPP run of a C-rated OPD (0, 2.5, 5.0 %).
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from sqlalchemy import create_engine, func, select

from c_region import MONTHS, REGION, c_region_files
from rapor.warehouse import schema
from warehouse_databases import DATABASE_PARAMS, fresh_database

PROCESSES = 8
CHILD = """
import sys
from rapor.imports import import_files
from rapor.scoring.periods import Period
from rapor.scoring.scorecard import score_month_in_order
from rapor.warehouse.db import open_warehouse

url, registry, complaints, inspections, *months = sys.argv[1:]
engine = open_warehouse(url)
import_files(engine, [registry], [complaints], [inspections])
for month in months:
    score_month_in_order(engine, "52.71", Period.parse(month))
"""


@pytest.mark.parametrize("kind", DATABASE_PARAMS)
def test_eight_processes_migrating_importing_and_scoring_at_once_all_succeed_and_count_once(kind, tmp_path, request):
    url, drop = fresh_database(kind, tmp_path, request)
    try:
        files = [str(p) for p in c_region_files(tmp_path)]
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
        env.pop("RAPOR_WAREHOUSE_URL", None)
        children = [
            subprocess.Popen(
                [sys.executable, "-c", CHILD, url, *files, *MONTHS], env=env, stderr=subprocess.PIPE, text=True
            )
            for _ in range(PROCESSES)
        ]
        failures = [c.stderr.read()[-1500:] for c in children if c.wait(timeout=600) != 0]
        assert failures == []
        engine = create_engine(url)
        with engine.connect() as conn:
            complaints = conn.execute(select(func.count()).select_from(schema.complaint)).scalar_one()
            scorecard = conn.execute(
                select(schema.scorecard.c.period, schema.scorecard.c.category, schema.scorecard.c.tpp_cut_pct)
                .where(schema.scorecard.c.region_code == REGION)
                .order_by(schema.scorecard.c.period)
            ).all()
            quarantined = conn.execute(select(func.count()).select_from(schema.quarantine)).scalar_one()
        engine.dispose()
        assert complaints == 6 and quarantined == 0
        assert [(p, c, float(t)) for p, c, t in scorecard] == [
            ("2026-03", "C", 0.0),
            ("2026-04", "C", 2.5),
            ("2026-05", "C", 5.0),
        ]
    finally:
        drop()
