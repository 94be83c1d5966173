"""The docker-compose topology, for real and without Docker: Airflow's CeleryExecutor on the
machine's PostgreSQL and Redis, from the hotline inbox to the published revisions.

One test starts ``airflow api-server``, ``scheduler``, ``dag-processor``, ``triggerer`` and two
``airflow celery worker`` processes (hostnames worker1@ and worker2@), each in its own process
group, on a fresh Airflow metadata database and a fresh Rapor warehouse (both created on the
machine's PostgreSQL and dropped afterwards; Redis db 13 is the broker). The warehouse is loaded as
an operator loads it (``rapor import``): 21 regions in the three Indonesian time zones (WIB, WITA,
WIT), each with its call center's line and its DLH's own line, and October's inspections. The
complaints arrive the way they do in production: each region's call center drops its October export
in the hotline inbox (``RAPOR_HOTLINE_INBOX``), and ``rapor_ingest_hotline``, triggered through the
REST API v2, loads them into the warehouse, landing each file unchanged in the raw landing
(``RAPOR_RAW_DIR``). Each worker has a ``RAPOR_HOME`` of its own (its local disk: the GX working
copies, scratch only); the inbox, the raw landing and the output store (``RAPOR_OUTPUT_DIR``) are
``s3://`` URLs of one bucket on an S3 server on loopback (moto's, spoken to through s3fs as S3 or
MinIO would be: the ``s3_endpoint`` fixture, whose ``AWS_*`` settings every process inherits), so
nothing the workers share is on a disk: a task that read a file from its own disk (the gate's Data
Docs, say) would find nothing. One region's call center is broken: its export lost the
operator's disposition (``opd_tujuan`` empty), so one of its two calls reaches no OPD (*belum
terdisposisi*) and the gate holds its month (a critical expectation: the share of complaints
without an OPD above the policy's limit).

Through the REST API v2, logged in with SimpleAuthManager's token endpoint, the test then triggers
``rapor_monthly`` for October 2026 and ``rapor_publish``, waits for them, and checks that task
instances ran on both workers, every region's calls landed and were scored, the healthy regions got
their revision 1, and the broken region was held (no revision) while the others published. Every
process started is stopped by its process group, also when the test fails.

**The Asset race.** ``rapor_monthly`` also runs on an Asset condition, once every channel family
(apps, social, hotline) has updated its Asset (``ALL_CHANNELS_COLLECTED``); such a run would race
the one the test triggers. It cannot start here, for two reasons an operator can rely on too: only
the hotline family is ingested (the apps and social DAGs need their platforms, which this machine
does not have), so the condition is never met; and ``rapor_monthly`` stays paused while ingestion
runs, and Airflow queues an Asset-triggered run only for an unpaused DAG. The test asserts that no
Asset-triggered ``rapor_monthly`` run exists. **The scheduler's own runs.** Unpausing a DAG lets the
scheduler add the run of its latest interval, which would start before a run triggered after that
interval (``max_active_runs=1``: the scheduler starts the queued run of the earliest ``run_after``
first). ``rapor_ingest_hotline`` is therefore unpaused first, as on a live installation, and its
scheduled run passes over the empty inbox before the exports are dropped and the run is triggered.
``rapor_monthly``'s October run is triggered with ``run_after`` at October's own cron slot (1
November, 01:00 UTC), so the scheduler starts it before the latest slot's run (1 December: the
November just ended), which waits behind it and is marked failed while still queued; only the
triggered runs score and publish, and only October is published.
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
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import fsspec
import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from c_region import DIMENSIONS, write_rows
from rapor.collectors.hotline import FORMATS
from rapor.imports import import_files
from rapor.imports.accounts import ACCOUNT_COLUMNS, import_accounts
from rapor.warehouse import schema
from rapor.warehouse.db import get_engine, migrate

pytestmark = pytest.mark.dag_run

REDIS_HOST, REDIS_PORT, REDIS_DB = "127.0.0.1", 6379, 13  # a Redis db of its own: other runs use others
USER, PASSWORD = "operator", "celery-topology-password"
PERIOD = "2026-10"
OCTOBER_SLOT = "2026-11-01T01:00:00Z"  # rapor_monthly's cron slot that scores October
ZONES = ("Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura")  # WIB, WITA, WIT
REGIONS = [(f"9{i // 10}.{i % 10 + 1:02d}", ZONES[i % 3]) for i in range(21)]
BROKEN = REGIONS[4][0]
BATCH_SIZE = 5  # regions per mapped task of rapor_monthly (RAPOR_REGION_BATCH_SIZE)
CALL_CENTER = next(f for f in FORMATS if f.name == "call_center")
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


def _load_registry(url: str, folder: Path) -> None:
    """21 regions of one OPD each, in the three time zones: registry, hotline lines, October's inspections."""
    folder.mkdir()
    registry = write_rows(
        folder / "registry.csv",
        ["region_code", "region_name", "timezone", "opd_code", "opd_name"],
        [[code, f"Kabupaten Uji {code}", zone, "DLH", "Dinas Lingkungan Hidup"] for code, zone in REGIONS],
    )
    # Each region's call center (a central line: its calls are routed by the operator's
    # disposition) and the DLH's own line (its calls are the DLH's).
    accounts = write_rows(
        folder / "accounts.csv",
        list(ACCOUNT_COLUMNS),
        [
            row
            for code, _ in REGIONS
            for row in ([code, "", "hotline", f"CC-{code}"], [code, "DLH", "hotline", f"DLH-{code}"])
        ],
    )
    inspections = write_rows(
        folder / "inspections.csv",
        ["region_code", "opd_code", "inspected_at", "dimension", "indicator", "score"],
        [[code, "DLH", f"{PERIOD}-14", d, f"{d}_terpenuhi", 2] for code, _ in REGIONS for d in DIMENSIONS],
    )
    engine = get_engine(url)
    migrate(engine)
    import_files(engine, [registry], [], [inspections])
    import_accounts(engine, accounts)


def _write_exports(inbox: Path) -> list[Path]:
    """Each region's call-center export of October (local times of its zone): a call to the DLH's
    own line and one to the call center, dispositioned to the DLH. The broken region's export lost
    the disposition (``opd_tujuan`` and ``waktu_diteruskan`` empty): that call reaches no OPD."""
    # id, line, received, reporter, kind, text, opd, forwarded, responded, resolved
    header = list(CALL_CENTER.columns.values())
    inbox.mkdir(parents=True, exist_ok=True)
    paths = []
    for i, (code, _) in enumerate(REGIONS):
        disposition = ["", ""] if code == BROKEN else ["Dinas Lingkungan Hidup", "20/10/2026 09:10:00"]
        rows = [
            [f"HL-{code}-1", f"DLH-{code}", "13/10/2026 09:00:00", f"0812555{i:04d}", "Permintaan informasi"]
            + ["Jadwal angkut sampah?", "", "", "13/10/2026 09:40:00", ""],
            [f"HL-{code}-2", f"CC-{code}", "20/10/2026 09:00:00", f"0813555{i:04d}", "Permintaan informasi"]
            + ["Jadwal angkut sampah?", *disposition, "20/10/2026 09:40:00", ""],
        ]
        paths.append(write_rows(inbox / f"callcenter-{code}-{PERIOD}.csv", header, rows))
    return paths


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

    def runs(self, dag_id: str) -> list[dict]:
        return self.call("GET", f"/api/v2/dags/{dag_id}/dagRuns?limit=100")["dag_runs"]

    def unpause_and_settle(self, dag_id: str, deadline: float) -> list[dict]:
        """Unpause a DAG and wait until the scheduler has created its due runs and they finished."""
        self.call("PATCH", f"/api/v2/dags/{dag_id}", {"is_paused": False})
        while time.monotonic() < deadline:
            after = self.call("GET", f"/api/v2/dags/{dag_id}")["next_dagrun_run_after"]
            due = after is not None and datetime.fromisoformat(after) <= datetime.now(UTC)
            runs = self.runs(dag_id)
            if not due and not [r for r in runs if r["state"] in ("queued", "running")]:
                return runs
            time.sleep(3)
        pytest.fail(f"{dag_id}'s scheduled runs did not finish in time", pytrace=False)

    def run(self, dag_id: str, conf: dict, deadline: float, run_after: str | None = None) -> dict:
        """Trigger a run (at ``run_after``, else now), unpause the DAG, and wait for the run to finish.

        Unpausing lets the scheduler add its own runs (the latest cron interval): they are marked
        failed as they appear (a running run cannot be deleted: 409), so that only this run scores
        and publishes. With ``max_active_runs=1`` the scheduler starts the queued run of the earliest
        ``run_after`` first: a ``run_after`` before the latest cron slot keeps that slot's run queued
        behind this one until it is marked failed, so it never starts.
        """
        body = {"logical_date": None, "conf": conf} | ({"run_after": run_after} if run_after else {})
        run = self.call("POST", f"/api/v2/dags/{dag_id}/dagRuns", body)
        mine = run["dag_run_id"]
        self.call("PATCH", f"/api/v2/dags/{dag_id}", {"is_paused": False})
        while time.monotonic() < deadline:
            for other in self.runs(dag_id):
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


def _environment(urls: dict[str, str], home: Path, port: int, store: str) -> dict[str, str]:
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
            "RAPOR_HOME": str(home / "rapor"),  # local state; each worker has its own (below)
            "RAPOR_WAREHOUSE_URL": urls["rapor"],
            # The stores every worker shares: on several hosts, an object store (the AWS_* settings
            # of the S3 server come with os.environ).
            "RAPOR_HOTLINE_INBOX": f"{store}/inbox/hotline",
            "RAPOR_RAW_DIR": f"{store}/raw",
            "RAPOR_OUTPUT_DIR": f"{store}/output",
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


def test_hotline_ingestion_monthly_and_publish_run_on_two_celery_workers_for_21_regions(databases, tmp_path, s3_bucket):
    started = time.monotonic()
    store, root = s3_bucket, s3_bucket.removeprefix("s3://")
    s3 = fsspec.filesystem("s3")
    _ensure_redis()
    _redis("FLUSHDB")
    _load_registry(databases["rapor"], tmp_path / "region-files")
    port = _free_port()
    env = _environment(databases, tmp_path, port, store)
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
            worker = {
                "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(_free_port()),
                "AIRFLOW__CORE__HOSTNAME_CALLABLE": f"topology_names.worker{n}",
                "PYTHONPATH": os.pathsep.join(filter(None, [str(names), env.get("PYTHONPATH")])),
                "RAPOR_HOME": str(tmp_path / f"worker{n}"),  # its own local disk, as on its own host
            }
            topology.start(f"worker{n}", "celery", "worker", "-H", f"worker{n}@%h", "--concurrency", "2", **worker)
        api = Api(f"http://127.0.0.1:{port}")
        _wait_healthy(api, topology, time.monotonic() + 300)
        api.login()
        deadline = time.monotonic() + 1200
        for dag_id in ("rapor_ingest_hotline", "rapor_monthly", "rapor_publish"):
            api.wait_for_dag(dag_id, deadline)

        # A live installation: the hotline DAG is unpaused and its daily run has passed over the
        # empty inbox; then the call centers drop their exports and the operator loads them now.
        scheduled = api.unpause_and_settle("rapor_ingest_hotline", deadline)
        exports = _write_exports(tmp_path / "exports")
        for path in exports:  # each call center uploads its file to the inbox
            s3.put_file(str(path), f"{root}/inbox/hotline/{path.name}")
        ingest = api.run("rapor_ingest_hotline", {}, deadline)
        # October's run, late, at its own cron slot (1 November, 01:00 UTC): before the latest slot's.
        monthly = api.run("rapor_monthly", {"period": PERIOD}, deadline, run_after=OCTOBER_SLOT)
        publish = api.run("rapor_publish", {}, deadline)

        ran = [
            *api.task_instances("rapor_ingest_hotline", ingest["dag_run_id"]),
            *api.task_instances("rapor_monthly", monthly["dag_run_id"]),
            *api.task_instances("rapor_publish", publish["dag_run_id"]),
        ]
        states = {(t["dag_id"], t["task_id"], t["map_index"]): t["state"] for t in ran}
        per_worker = Counter(t["hostname"].split("@")[0] for t in ran if t["hostname"])
        worker_of = {key: t["hostname"].split("@")[0] for key, t in zip(states, ran, strict=True)}
        monthly_runs = api.runs("rapor_monthly")
        # The scheduler's own runs of rapor_monthly (the latest cron slot): what ran of them, where.
        ran_elsewhere = [
            (r["dag_run_id"], t["task_id"], t["hostname"])
            for r in monthly_runs
            if r["dag_run_id"] != monthly["dag_run_id"]
            for t in api.task_instances("rapor_monthly", r["dag_run_id"])
            if t["hostname"]
        ]
        elapsed = time.monotonic() - started
        print(f"celery topology: {len(ran)} task instances, per worker {dict(per_worker)}, {elapsed:.0f} s")
    finally:
        topology.stop()
        _redis("FLUSHDB")

    assert not [p for _, p in topology.processes if p.poll() is None]
    # Spread over both workers: Celery's hostnames worker1@<host> and worker2@<host>.
    assert {"worker1", "worker2"} <= per_worker.keys(), per_worker
    # The scheduler's own hotline run found the inbox empty; the triggered one loaded every export.
    assert [r["state"] for r in scheduled] == ["success"] and scheduled[0]["run_type"] == "scheduled", scheduled
    assert ingest["state"] == "success", states
    # Only the hotline family delivered, while rapor_monthly was paused: no Asset-triggered run;
    # the latest cron slot's run waited behind the triggered one and never ran a task.
    assert not [r for r in monthly_runs if r["run_type"] == "asset_triggered"], monthly_runs
    assert not ran_elsewhere, ran_elsewhere
    # The held month fails only alert_held, on purpose: every other task succeeded.
    failed = {key[1] for key, state in states.items() if state != "success"}
    assert monthly["state"] == "failed" and failed == {"alert_held"}, states
    assert publish["state"] == "success"
    batches = -(-len(REGIONS) // BATCH_SIZE)
    for task_id in ("score_regions", "gate_regions"):
        assert sorted(k[2] for k in states if k[:2] == ("rapor_monthly", task_id)) == list(range(batches)), task_id

    inbox = f"{root}/inbox/hotline"
    assert not [e for e in s3.ls(inbox, detail=True, refresh=True) if e["type"] == "file"]  # loaded, then archived
    archived = [key.rsplit("/", 1)[1] for key in s3.find(f"{inbox}/arsip")]
    assert sorted(archived) == sorted(p.name for p in exports)
    engine = get_engine(databases["rapor"])
    with engine.connect() as conn:
        calls = conn.execute(
            select(schema.complaint.c.region_code, schema.complaint.c.opd_code, schema.complaint.c.received_at).where(
                schema.complaint.c.source == CALL_CENTER.source
            )
        ).all()
        landed = conn.execute(select(schema.raw_landing.c.path).where(schema.raw_landing.c.source == "hotline")).all()
        gates = {
            row.region_code: (row.passed, json.loads(row.critical_failures), row.data_docs_path)
            for row in conn.execute(select(schema.quality_gate).where(schema.quality_gate.c.period == PERIOD))
        }
        scored = set(conn.execute(select(schema.scorecard.c.region_code, schema.scorecard.c.period)).all())
        revisions = set(
            conn.execute(
                select(schema.publication.c.region_code, schema.publication.c.period, schema.publication.c.revision)
            ).all()
        )
    # Two calls of every region, through the DAG; the broken export's second call reached no OPD.
    # Each call's local time read in its region's zone: 09:00 WIB, WITA, WIT are 02:00, 01:00, 00:00 UTC.
    assert sorted((region, opd or "", received.astimezone(UTC)) for region, opd, received in calls) == sorted(
        (code, "" if (code, day) == (BROKEN, 20) else "DLH", datetime(2026, 10, day, 9, tzinfo=ZoneInfo(zone)))
        for code, zone in REGIONS
        for day in (13, 20)
    )
    # Each export landed once, unchanged, in the shared raw landing.
    assert len(landed) == len(REGIONS)
    assert all(path.startswith(f"{store}/raw/") and s3.exists(path) for (path,) in landed), landed
    assert scored == {(code, PERIOD) for code, _ in REGIONS}  # October only, every region
    # Held for what its source produced: the share of calls without an OPD, and for that alone.
    assert {code for code, (passed, _, _) in gates.items() if not passed} == {BROKEN}, gates
    # Every verdict names its Data Docs in the output store, none on a worker's own disk.
    assert all(docs.startswith(f"{store}/output/") and s3.exists(docs) for _, _, docs in gates.values()), gates
    assert [f["expectation"] for f in gates[BROKEN][1]] == ["expect_column_proportion_of_non_null_values_to_be_between"]
    assert revisions == {(code, PERIOD, 1) for code, _ in REGIONS if code != BROKEN}
    for code, _ in REGIONS:
        assert s3.exists(f"{root}/output/scorecards/{code}/scorecard-{PERIOD}.csv"), code
    # Revisions published on the worker that did not gate their month carry its Data Docs all the
    # same: rapor_publish read them from the output store, not from the gating worker's disk.
    # (Batches and publications are both in region order: batch k // BATCH_SIZE, publication k.)
    crossed = [
        code
        for k, (code, _) in enumerate(REGIONS)
        if worker_of[("rapor_monthly", "gate_regions", k // BATCH_SIZE)]
        != worker_of[("rapor_publish", "publish_month", k)]
    ]
    print(f"celery topology: {len(crossed)} regions gated on one worker and published on the other")
    assert [code for code in crossed if code != BROKEN], worker_of
    for code, _ in REGIONS:
        revision = f"{root}/output/published/{code}/{PERIOD}/r1"
        assert s3.exists(f"{revision}/data-docs/index.html") == (code != BROKEN), code
