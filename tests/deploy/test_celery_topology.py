"""The docker-compose topology, for real and without Docker: Airflow's CeleryExecutor on the
machine's PostgreSQL and Redis.

One test starts ``airflow api-server``, ``scheduler``, ``dag-processor``, ``triggerer`` and two
``airflow celery worker`` processes (hostnames worker1@ and worker2@), each in its own process
group, on a fresh Airflow metadata database and a fresh Rapor warehouse (both created on the
machine's PostgreSQL and dropped afterwards; Redis db 13 is the broker). The warehouse holds 21
regions in the three Indonesian time zones (WIB, WITA, WIT); one of them has a broken record (a
reply dated before its complaint). Through the REST API v2, logged in with SimpleAuthManager's
token endpoint, it triggers ``rapor_monthly`` for October 2026 and ``rapor_publish``, waits for
them, and checks that task instances ran on both workers, every region has its scorecard and the
healthy ones their revision 1, and the broken region was held (no revision) while the others
published. Every process started is stopped by its process group, also when the test fails.
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
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, insert, select, text
from sqlalchemy.engine import make_url

from c_region import DIMENSIONS, write_rows
from rapor.imports import import_files
from rapor.imports.complaints import COLUMNS as COMPLAINT_COLUMNS
from rapor.warehouse import schema
from rapor.warehouse.db import get_engine, migrate

pytestmark = pytest.mark.dag_run

REDIS_HOST, REDIS_PORT, REDIS_DB = "127.0.0.1", 6379, 13  # a Redis db of its own: other runs use others
USER, PASSWORD = "operator", "celery-topology-password"
PERIOD = "2026-10"
ZONES = ("Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura")  # WIB, WITA, WIT
REGIONS = [(f"9{i // 10}.{i % 10 + 1:02d}", ZONES[i % 3]) for i in range(21)]
BROKEN = REGIONS[4][0]
BATCH_SIZE = 5  # regions per mapped task of rapor_monthly (RAPOR_REGION_BATCH_SIZE)
AIRFLOW = str(Path(sys.executable).with_name("airflow"))
ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _redis(*command: str) -> bytes:
    """One Redis command over RESP (no client needed for a PING or a FLUSHDB)."""
    with socket.create_connection((REDIS_HOST, REDIS_PORT), timeout=5) as s:
        s.sendall(f"*2\r\n$6\r\nSELECT\r\n${len(str(REDIS_DB))}\r\n{REDIS_DB}\r\n".encode())
        s.recv(64)
        payload = f"*{len(command)}\r\n" + "".join(f"${len(c)}\r\n{c}\r\n" for c in command)
        s.sendall(payload.encode())
        return s.recv(64)


def _ensure_redis() -> None:
    try:
        _redis("PING")
    except OSError:  # not running: start it (never stopped by this test: others use it)
        subprocess.run(["redis-server", "--daemonize", "yes", "--save", "", "--port", str(REDIS_PORT)], check=True)
        time.sleep(1)
        _redis("PING")


def _load_regions(url: str, folder: Path) -> None:
    """21 regions of one OPD each, in the three time zones; October's complaints and inspections."""
    folder.mkdir()
    registry = write_rows(
        folder / "registry.csv",
        ["region_code", "region_name", "timezone", "opd_code", "opd_name"],
        [[code, f"Kabupaten Uji {code}", zone, "DLH", "Dinas Lingkungan Hidup"] for code, zone in REGIONS],
    )
    complaints = write_rows(
        folder / "complaints.csv",
        COMPLAINT_COLUMNS,
        [
            [f"T-{code}-{day}", code, "DLH", "aplikasi", "lapor", "permintaan_informasi"]
            + [f"{PERIOD}-{day} 09:00", "", f"{PERIOD}-{day} 09:40", "", "", "Jadwal angkut sampah?"]
            for code, _ in REGIONS
            for day in ("13", "20")
        ],
    )
    inspections = write_rows(
        folder / "inspections.csv",
        ["region_code", "opd_code", "inspected_at", "dimension", "indicator", "score"],
        [[code, "DLH", f"{PERIOD}-14", d, f"{d}_terpenuhi", 2] for code, _ in REGIONS for d in DIMENSIONS],
    )
    engine = get_engine(url)
    migrate(engine)
    import_files(engine, [registry], [complaints], [inspections])
    # The broken source: a collector bug writes a reply that predates its complaint.
    with engine.begin() as conn:
        conn.execute(
            insert(schema.complaint).values(
                source="facebook",
                complaint_id="FB-BUG-1",
                region_code=BROKEN,
                opd_code="DLH",
                channel="media_sosial",
                kind="pengaduan",
                received_at=datetime(2026, 10, 14, 3, tzinfo=UTC),
                first_response_at=datetime(2026, 10, 13, 20, tzinfo=UTC),
                updated_at=datetime.now(UTC),
            )
        )


class Api:
    def __init__(self, base: str):
        self.base = base
        self.token = ""

    def call(self, method: str, path: str, body: dict | None = None) -> dict:
        headers = {"Content-Type": "application/json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.base + path, data=data, headers=headers, method=method)
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read() or b"{}")

    def login(self) -> None:
        self.token = self.call("POST", "/auth/token", {"username": USER, "password": PASSWORD})["access_token"]

    def wait_for_dag(self, dag_id: str, deadline: float) -> None:
        while time.monotonic() < deadline:
            try:
                self.call("GET", f"/api/v2/dags/{dag_id}")
                return
            except urllib.error.HTTPError:
                time.sleep(2)
        pytest.fail(f"{dag_id} was never parsed", pytrace=False)

    def run(self, dag_id: str, conf: dict, deadline: float) -> dict:
        """Trigger a run, unpause the DAG, and wait for the run to finish.

        Unpausing lets the scheduler add its own runs (the latest cron interval, an Asset event):
        they are marked failed as they appear (a running run cannot be deleted: 409), so that only
        this run scores and publishes.
        """
        run = self.call("POST", f"/api/v2/dags/{dag_id}/dagRuns", {"logical_date": None, "conf": conf})
        mine = run["dag_run_id"]
        self.call("PATCH", f"/api/v2/dags/{dag_id}", {"is_paused": False})
        while time.monotonic() < deadline:
            for other in self.call("GET", f"/api/v2/dags/{dag_id}/dagRuns?limit=100")["dag_runs"]:
                if other["dag_run_id"] != mine and other["state"] in ("queued", "running"):
                    self.call("PATCH", f"/api/v2/dags/{dag_id}/dagRuns/{other['dag_run_id']}", {"state": "failed"})
            run = self.call("GET", f"/api/v2/dags/{dag_id}/dagRuns/{mine}")
            if run["state"] in ("success", "failed"):
                self.call("PATCH", f"/api/v2/dags/{dag_id}", {"is_paused": True})
                return run
            time.sleep(3)
        pytest.fail(f"{dag_id} did not finish in time: {run['state']}", pytrace=False)

    def task_instances(self, dag_id: str, run_id: str) -> list[dict]:
        answer = self.call("GET", f"/api/v2/dags/{dag_id}/dagRuns/{run_id}/taskInstances?limit=1000")
        return answer["task_instances"]


class Topology:
    """The Airflow processes, each in its own process group, and their logs."""

    def __init__(self, env: dict[str, str], logs: Path):
        self.env, self.logs = env, logs
        self.processes: list[tuple[str, subprocess.Popen]] = []

    def start(self, name: str, *args: str, **settings: str) -> None:
        log = open(self.logs / f"{name}.log", "w")
        process = subprocess.Popen(
            [AIRFLOW, *args], env={**self.env, **settings}, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        self.processes.append((name, process))

    def dead(self) -> list[str]:
        return [name for name, p in self.processes if p.poll() is not None]

    def tail(self, name: str) -> str:
        return (self.logs / f"{name}.log").read_text(errors="replace")[-2500:]

    def stop(self) -> None:
        """SIGTERM to each process group, the workers first (the API server last); SIGKILL after 20 s."""
        for _, process in reversed(self.processes):
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for _, process in reversed(self.processes):
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        for _, process in self.processes:  # children a process left in its group
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


@pytest.fixture
def databases(postgres_server):
    admin = create_engine(postgres_server, isolation_level="AUTOCOMMIT")
    suffix = uuid.uuid4().hex[:8]
    names = {"airflow": f"airflow_celery_{suffix}", "rapor": f"rapor_celery_{suffix}"}
    with admin.connect() as conn:
        for name in names.values():
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    urls = {
        k: make_url(postgres_server).set(database=v).render_as_string(hide_password=False) for k, v in names.items()
    }
    yield urls
    get_engine(urls["rapor"]).dispose()
    with admin.connect() as conn:
        for name in names.values():
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _environment(urls: dict[str, str], home: Path, port: int) -> dict[str, str]:
    airflow_db = make_url(urls["airflow"]).set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    passwords = home / "passwords.json"
    passwords.write_text(json.dumps({USER: PASSWORD}))
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW")}
    env.update(
        {
            "AIRFLOW_HOME": str(home / "airflow"),
            "AIRFLOW__CORE__DAGS_FOLDER": str(ROOT / "dags"),
            "AIRFLOW__CORE__PLUGINS_FOLDER": str(ROOT / "plugins"),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__EXECUTOR": "CeleryExecutor",
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": airflow_db,
            "AIRFLOW__CELERY__BROKER_URL": f"redis://{REDIS_HOST}:{REDIS_PORT}/{REDIS_DB}",
            "AIRFLOW__CELERY__RESULT_BACKEND": "db+" + airflow_db,
            "AIRFLOW__CELERY__WORKER_CONCURRENCY": "2",
            "AIRFLOW__CORE__FERNET_KEY": "",
            "AIRFLOW__CORE__AUTH_MANAGER": (
                "airflow.api_fastapi.auth.managers.simple.simple_auth_manager.SimpleAuthManager"
            ),
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": f"{USER}:admin",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(passwords),
            "AIRFLOW__API_AUTH__JWT_SECRET": "rapor-celery-topology-secret-0123456789",
            "AIRFLOW__API__BASE_URL": f"http://127.0.0.1:{port}",
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{port}/execution/",
            "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "5",
            "AIRFLOW__SCHEDULER__TASK_QUEUED_TIMEOUT": "900",
            "GX_ANALYTICS_ENABLED": "False",
            "RAPOR_HOME": str(home / "rapor"),
            "RAPOR_WAREHOUSE_URL": urls["rapor"],
            "RAPOR_OUTPUT_DIR": str(home / "output"),
            "RAPOR_PSEUDONYM_KEY": "celery-topology-key",
            "RAPOR_REGION_BATCH_SIZE": str(BATCH_SIZE),  # 21 regions: 5 batches, spread over the workers
        }
    )
    return env


def _wait_healthy(api: Api, topology: Topology, deadline: float) -> None:
    while time.monotonic() < deadline:
        if topology.dead():
            name = topology.dead()[0]
            pytest.fail(f"airflow {name} exited:\n{topology.tail(name)}", pytrace=False)
        try:
            health = api.call("GET", "/api/v2/monitor/health")
            if health.get("scheduler", {}).get("status") == "healthy":
                return
        except (urllib.error.URLError, ConnectionError, OSError):
            pass
        time.sleep(2)
    pytest.fail(f"the API server or scheduler never became healthy:\n{topology.tail('api-server')}", pytrace=False)


def test_monthly_and_publish_run_on_two_celery_workers_for_21_regions(databases, tmp_path):
    started = time.monotonic()
    _ensure_redis()
    _redis("FLUSHDB")
    _load_regions(databases["rapor"], tmp_path / "region-files")
    port = _free_port()
    env = _environment(databases, tmp_path, port)
    logs = tmp_path / "logs"
    logs.mkdir()
    migrated = subprocess.run([AIRFLOW, "db", "migrate"], env=env, capture_output=True, text=True, timeout=600)
    assert migrated.returncode == 0, migrated.stderr[-3000:]

    topology = Topology(env, logs)
    try:
        topology.start("api-server", "api-server", "-H", "127.0.0.1", "-p", str(port), "-w", "1")
        topology.start("scheduler", "scheduler")
        topology.start("dag-processor", "dag-processor")
        # Each serves its task logs on a port of its own (one host here; one container each in compose).
        log_port = {"AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT": str(_free_port())}
        topology.start("triggerer", "triggerer", **log_port)
        # Both workers share this host: each names itself (worker1@host, worker2@host) in the
        # task instances' hostname, through Airflow's hostname_callable.
        names = tmp_path / "names"
        names.mkdir()
        (names / "topology_names.py").write_text(
            "import socket\n\n"
            + "".join(f"def worker{n}():\n    return 'worker{n}@' + socket.gethostname()\n\n" for n in (1, 2))
        )
        for n in (1, 2):
            log_port = {
                "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(_free_port()),
                "AIRFLOW__CORE__HOSTNAME_CALLABLE": f"topology_names.worker{n}",
                "PYTHONPATH": os.pathsep.join(filter(None, [str(names), env.get("PYTHONPATH")])),
            }
            topology.start(f"worker{n}", "celery", "worker", "-H", f"worker{n}@%h", "--concurrency", "2", **log_port)
        api = Api(f"http://127.0.0.1:{port}")
        _wait_healthy(api, topology, time.monotonic() + 300)
        api.login()
        deadline = time.monotonic() + 1200
        for dag_id in ("rapor_monthly", "rapor_publish"):
            api.wait_for_dag(dag_id, deadline)

        monthly = api.run("rapor_monthly", {"period": PERIOD}, deadline)
        publish = api.run("rapor_publish", {}, deadline)

        ran = api.task_instances("rapor_monthly", monthly["dag_run_id"]) + api.task_instances(
            "rapor_publish", publish["dag_run_id"]
        )
        states = {(t["dag_id"], t["task_id"], t["map_index"]): t["state"] for t in ran}
        hosts = {t["hostname"].split("@")[0] for t in ran if t["hostname"]}
        print(f"celery topology: {len(ran)} task instances, hosts {sorted(hosts)}, {time.monotonic() - started:.0f} s")
    finally:
        topology.stop()
        _redis("FLUSHDB")

    assert not [p for _, p in topology.processes if p.poll() is None]
    # Spread over both workers: Celery's hostnames worker1@<host> and worker2@<host>.
    assert {"worker1", "worker2"} <= hosts, hosts
    # The held month fails only alert_held, on purpose: every other task succeeded.
    failed = {key[1] for key, state in states.items() if state != "success"}
    assert monthly["state"] == "failed" and failed == {"alert_held"}, states
    assert publish["state"] == "success"
    batches = -(-len(REGIONS) // BATCH_SIZE)
    for task_id in ("score_regions", "gate_regions"):
        assert sorted(k[2] for k in states if k[:2] == ("rapor_monthly", task_id)) == list(range(batches)), task_id
    engine = get_engine(databases["rapor"])
    with engine.connect() as conn:
        scored = set(
            conn.execute(select(schema.scorecard.c.region_code).where(schema.scorecard.c.period == PERIOD)).scalars()
        )
        revisions = dict(
            conn.execute(
                select(schema.publication.c.region_code, schema.publication.c.revision).where(
                    schema.publication.c.period == PERIOD
                )
            ).all()
        )
    assert scored == {code for code, _ in REGIONS}
    assert revisions == {code: 1 for code, _ in REGIONS if code != BROKEN}
    for code, _ in REGIONS:
        assert (tmp_path / "output" / "scorecards" / code / f"scorecard-{PERIOD}.csv").is_file()
