"""A real Airflow 3 backfill of rapor_monthly over three months scores them in order.

``airflow backfill create`` only creates the runs (with its own ``--max-active-runs``, here
10, not the DAG's); a scheduler runs them. So this test starts Airflow for real in a private
AIRFLOW_HOME (SQLite metadata, LocalExecutor): ``airflow api-server`` (the task execution
API) and ``airflow scheduler`` as subprocesses, stopped by their PIDs at the end. The region
of tests/c_region.py is rated C in March, April and May: scored one by one, the cuts are
0, 2.5 and 5.0. The backfill must give the same scorecards, byte for byte, and must have
scored each month only after the month before (``score_regions`` depends on the past).
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from c_region import MONTHS, REGION, import_c_region
from rapor.layout import scorecard_path
from rapor.scoring.periods import Period
from rapor.tasks.monthly import score_and_export_region
from rapor.warehouse.db import open_warehouse

pytestmark = pytest.mark.dag_run

ROOT = Path(__file__).resolve().parents[2]
AIRFLOW = str(Path(sys.executable).with_name("airflow"))
TIMEOUT_S = 900


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def airflow_env(tmp_path, warehouse) -> dict[str, str]:
    """The environment of a private Airflow (SQLite metadata) whose tasks use this test's warehouse."""
    home = tmp_path / "airflow"
    port, log_port = _free_port(), _free_port()
    env = dict(os.environ)
    env.pop("AIRFLOW__CORE__UNIT_TEST_MODE", None)
    env.update(
        {
            "AIRFLOW_HOME": str(home),
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home / 'airflow.db'}",
            "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
            "AIRFLOW__CORE__PARALLELISM": "4",
            "AIRFLOW__CORE__DAGS_FOLDER": str(ROOT / "dags"),
            "AIRFLOW__CORE__PLUGINS_FOLDER": str(ROOT / "plugins"),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{port}/execution/",
            "AIRFLOW__API__BASE_URL": f"http://127.0.0.1:{port}",
            "AIRFLOW__API_AUTH__JWT_SECRET": "rapor-backfill-test-secret-0123456789",
            "AIRFLOW__SCHEDULER__SCHEDULER_HEARTBEAT_SEC": "2",
            "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(log_port),
            # Only the backfill's runs: no cron run of the unpaused DAG.
            "AIRFLOW__SCHEDULER__USE_JOB_SCHEDULE": "False",
            "AIRFLOW__SCHEDULER__TASK_QUEUED_TIMEOUT": "600",
            "RAPOR_WAREHOUSE_URL": warehouse.url.render_as_string(hide_password=False),
            "RAPOR_OUTPUT_DIR": str(tmp_path / "backfill-output"),
            "PYTHONPATH": os.pathsep.join([str(ROOT / "plugins"), str(ROOT / "tests")]),
            "_PORT": str(port),
        }
    )
    home.mkdir()
    # The scheduler starts runs of unpaused DAGs only, backfill runs included.
    for args in (["db", "migrate"], ["dags", "reserialize"], ["dags", "unpause", "rapor_monthly"]):
        subprocess.run([AIRFLOW, *args], env=env, check=True, capture_output=True, timeout=600)
    return env


class _Services:
    """``airflow api-server`` and ``airflow scheduler``, started and stopped by PID."""

    def __init__(self, env: dict[str, str], logs: Path) -> None:
        self.env, self.logs, self.processes = env, logs, {}

    def start_api_server(self) -> None:
        """The task execution API: up before any task starts (tasks report to it from their first second)."""
        port = self.env["_PORT"]
        self._spawn("api-server", ["api-server", "-H", "127.0.0.1", "-p", port, "-w", "1"])
        deadline = time.monotonic() + 180
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v2/monitor/health", timeout=2):
                    break
            except (urllib.error.URLError, ConnectionError, OSError):
                if self.processes["api-server"][0].poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"airflow api-server did not start:\n{self.tail()}", pytrace=False)
                time.sleep(1)

    def start_scheduler(self) -> None:
        self._spawn("scheduler", ["scheduler"])

    def _spawn(self, name: str, args: list[str]) -> None:
        log = open(self.logs / f"{name}.log", "w")  # noqa: SIM115 - closed in stop()
        process = subprocess.Popen(
            [AIRFLOW, *args], env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        self.processes[name] = (process, log)

    def stop(self) -> None:
        for process, _ in self.processes.values():
            process.terminate()
        for process, log in self.processes.values():
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)  # its own session: the scheduler's workers too
                process.wait()
            log.close()

    def tail(self) -> str:
        return "\n".join(f"--- {p.name}\n{p.read_text()[-3000:]}" for p in sorted(self.logs.glob("*.log")))


def _runs(metadata) -> list[dict]:
    with metadata.connect() as conn:
        return [
            dict(r)
            for r in conn.execute(
                text(
                    "select run_id, state, logical_date, backfill_id from dag_run "
                    "where dag_id = 'rapor_monthly' order by logical_date"
                )
            ).mappings()
        ]


def _scoring_times(metadata) -> list[tuple]:
    """(logical date, first start, last end) of each run's score_regions task instances."""
    with metadata.connect() as conn:
        return conn.execute(
            text(
                "select r.logical_date, min(t.start_date), max(t.end_date) from task_instance t "
                "join dag_run r on r.run_id = t.run_id and r.dag_id = t.dag_id "
                "where t.dag_id = 'rapor_monthly' and t.task_id = 'score_regions' "
                "group by r.logical_date order by r.logical_date"
            )
        ).all()


def test_backfill_of_three_months_scores_them_in_order_as_one_by_one(warehouse, airflow_env, tmp_path, monkeypatch):
    import_c_region(warehouse, tmp_path)
    monkeypatch.setenv("RAPOR_OUTPUT_DIR", str(tmp_path / "one-by-one-output"))

    # Scored one by one, in a warehouse of its own: the scorecards the backfill must give.
    one_by_one = open_warehouse(f"sqlite:///{tmp_path / 'one-by-one.db'}")
    import_c_region(one_by_one, tmp_path)
    expected = {}
    for month in MONTHS:
        path = score_and_export_region(one_by_one, REGION, Period.parse(month))
        expected[month] = path.read_bytes()
    one_by_one.dispose()
    assert [line.split(b",")[-2] for m in MONTHS for line in expected[m].splitlines()[1:]] == [
        b"0.00",
        b"2.50",
        b"5.00",
    ]

    services = _Services(airflow_env, tmp_path)
    services.start_api_server()
    try:
        created = subprocess.run(
            [
                AIRFLOW,
                "backfill",
                "create",
                "--dag-id",
                "rapor_monthly",
                "--from-date",
                "2026-04-01T00:00:00+00:00",
                "--to-date",
                "2026-06-01T02:00:00+00:00",
                "--max-active-runs",
                "10",
                "--reprocess-behavior",
                "failed",
            ],
            env=airflow_env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert created.returncode == 0, created.stdout + created.stderr
        # Only now the scheduler (one SQLite writer at a time): it runs what the backfill created.
        services.start_scheduler()
        metadata = create_engine(airflow_env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"])
        deadline = time.monotonic() + TIMEOUT_S
        while True:
            runs = _runs(metadata)
            if len(runs) == 3 and all(r["state"] in ("success", "failed") for r in runs):
                break
            if time.monotonic() > deadline:
                pytest.fail(f"backfill did not finish: {json.dumps(runs, default=str)}\n{services.tail()}")
            time.sleep(3)
    finally:
        services.stop()

    assert [r["state"] for r in runs] == ["success"] * 3, services.tail()
    assert all(r["backfill_id"] is not None for r in runs)
    # Each month was scored only after the month before had been: never two at once.
    times = _scoring_times(metadata)
    assert len(times) == 3
    for (_, _, earlier_end), (_, later_start, _) in zip(times, times[1:], strict=False):
        assert later_start >= earlier_end
    for month in MONTHS:
        produced = scorecard_path(REGION, Period.parse(month), Path(airflow_env["RAPOR_OUTPUT_DIR"]) / "scorecards")
        assert produced.read_bytes() == expected[month], month
