"""The warehouse schema and its idempotent writes, on SQLite and PostgreSQL."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, func, inspect, select

from rapor.warehouse import schema
from rapor.warehouse.db import MIGRATIONS_DIR, migrate, upsert
from warehouse_databases import DATABASE_PARAMS, fresh_database


def heads() -> list[str]:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    return list(ScriptDirectory.from_config(cfg).get_heads())


def test_migrations_build_exactly_the_schema_the_code_uses(warehouse):
    with warehouse.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, schema.metadata)
    # rapor_alembic_version is Alembic's own bookkeeping table, not part of the metadata.
    diff = [d for d in diff if not (d[0] == "remove_table" and d[1].name == "rapor_alembic_version")]
    assert diff == []


def test_migrating_twice_changes_nothing(warehouse):
    migrate(warehouse)
    with warehouse.connect() as conn:
        version = conn.exec_driver_sql("select version_num from rapor_alembic_version").scalars().all()
    assert sorted(version) == sorted(heads())


def test_upsert_leaves_identical_rows_untouched_and_updates_changed_ones(warehouse):
    first = datetime(2026, 10, 1, tzinfo=UTC)
    later = datetime(2026, 10, 2, tzinfo=UTC)
    row = {"region_code": "52.05", "region_name": "Kabupaten Dompu", "timezone": "Asia/Makassar", "updated_at": first}
    with warehouse.begin() as conn:
        upsert(conn, schema.region, [row], ["region_code"])
    with warehouse.begin() as conn:  # same values, later load: nothing moves
        upsert(conn, schema.region, [{**row, "updated_at": later}], ["region_code"])
    with warehouse.connect() as conn:
        stored = conn.execute(select(schema.region)).mappings().one()
    assert stored["updated_at"].replace(tzinfo=UTC) == first

    with warehouse.begin() as conn:  # a changed value updates the row and its updated_at
        upsert(conn, schema.region, [{**row, "region_name": "Kab. Dompu", "updated_at": later}], ["region_code"])
    with warehouse.connect() as conn:
        stored = conn.execute(select(schema.region)).mappings().one()
        count = conn.execute(select(func.count()).select_from(schema.region)).scalar_one()
    assert (stored["region_name"], stored["updated_at"].replace(tzinfo=UTC), count) == ("Kab. Dompu", later, 1)


@pytest.mark.parametrize("kind", DATABASE_PARAMS)
def test_processes_migrating_a_fresh_warehouse_at_once_all_succeed(kind, tmp_path, request):
    # Every task calls migrate() at its start; under Celery several start on an empty warehouse.
    code = "import sys; from rapor.warehouse.db import get_engine, migrate; migrate(get_engine(sys.argv[1]))"
    for round_ in range(3):
        url, drop = fresh_database(kind, tmp_path / str(round_), request)
        try:
            (tmp_path / str(round_)).mkdir(exist_ok=True)
            workers = [subprocess.Popen([sys.executable, "-c", code, url], stderr=subprocess.PIPE) for _ in range(3)]
            failures = [w.stderr.read().decode()[-300:] for w in workers if w.wait(timeout=120) != 0]
            assert failures == []
            engine = create_engine(url)
            assert set(schema.metadata.tables) <= set(inspect(engine).get_table_names())
            engine.dispose()
        finally:
            drop()
