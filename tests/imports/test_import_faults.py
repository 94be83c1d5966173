"""A file import killed at its worst moment loses and doubles nothing (issue 14, item 6).

The import runs in a real child process that SIGKILLs itself when the load's transaction is
about to commit (a SQLAlchemy ``commit`` event: every row is written, nothing committed). The
warehouse must then hold none of the file; the re-run must load every complaint exactly once,
on SQLite and PostgreSQL.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from corpus.make_corpus import csv_text, row
from sqlalchemy import func, select

from rapor.imports import import_complaints, import_registry
from rapor.warehouse import schema

CORPUS = Path(__file__).parent / "corpus"
CHILD = """
import os, signal, sys
from sqlalchemy import event
from rapor.imports import import_complaints
from rapor.warehouse.db import get_engine

engine = get_engine(os.environ["RAPOR_WAREHOUSE_URL"])
event.listen(engine, "commit", lambda conn: os.kill(os.getpid(), signal.SIGKILL))
import_complaints(engine, sys.argv[1])
"""


def counts(engine) -> tuple[int, int, int]:
    with engine.connect() as conn:
        return tuple(
            conn.execute(select(func.count()).select_from(t)).scalar_one()
            for t in (schema.complaint, schema.quarantine, schema.import_file)
        )


def test_an_import_killed_before_its_commit_leaves_nothing_and_the_rerun_loads_each_row_once(warehouse, tmp_path):
    import_registry(warehouse, CORPUS / "registry.csv")
    before = counts(warehouse)
    rows = [row(n, complaint_id=f"K-{n:05d}") for n in range(1, 2001)]
    rows[10][3] = "email"  # one quarantined row, so the quarantine is part of the transaction too
    path = tmp_path / "besar.csv"
    path.write_text(csv_text(rows), encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    child = subprocess.run([sys.executable, "-c", CHILD, str(path)], env=env, capture_output=True, timeout=600)
    assert child.returncode == -signal.SIGKILL, child.stderr.decode()[-2000:]
    assert counts(warehouse) == before  # nothing of the killed load is visible
    result = import_complaints(warehouse, path)
    assert (result.rows_total, result.rows_loaded, result.rows_quarantined) == (2000, 1999, 1)
    assert counts(warehouse) == (before[0] + 1999, before[1] + 1, before[2] + 1)
    again = import_complaints(warehouse, path)  # a second run changes nothing
    assert again.rows_loaded == 1999 and counts(warehouse) == (before[0] + 1999, before[1] + 1, before[2] + 1)
