"""The ingestion DAGs, run for real (``dag.test()``) against the simulator."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from collectors_support import assert_matches_truth

pytestmark = pytest.mark.dag_run

DAGS = Path(__file__).resolve().parents[2] / "dags"
AS_OF = datetime(2026, 11, 2, tzinfo=UTC)


@pytest.fixture(scope="module")
def bag():
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(dag_folder=str(DAGS))


@pytest.fixture
def sqlite_region(world, tmp_path, monkeypatch):
    """One database is enough for the Airflow wiring (the collectors run on both elsewhere)."""
    from rapor.imports.accounts import import_accounts, import_routing_rules
    from rapor.imports.registry import import_registry
    from rapor.warehouse.db import _engine_for, get_engine, migrate

    url = f"sqlite:///{tmp_path / 'warehouse.db'}"
    engine = get_engine(url)
    migrate(engine)
    monkeypatch.setenv("RAPOR_WAREHOUSE_URL", url)
    paths = world.write_registry(tmp_path / "registry")
    import_registry(engine, paths["registry"])
    import_accounts(engine, paths["accounts"])
    import_routing_rules(engine, paths["routing_rules"])
    yield engine
    engine.dispose()
    _engine_for.cache_clear()


@pytest.fixture
def pools(airflow_db):
    import json

    from airflow.models.pool import Pool

    spec = json.loads((DAGS.parent / "include" / "airflow" / "pools.json").read_text())
    for name, pool in spec.items():
        Pool.create_or_update_pool(name, pool["slots"], pool["description"], pool["include_deferred"])
    return spec


def test_the_ingestion_dags_collect_every_channel_into_the_warehouse(
    sqlite_region, sim, world, bag, pools, tmp_path, monkeypatch
):
    inbox = tmp_path / "inbox"
    world.write_hotline_exports(inbox)
    monkeypatch.setenv("RAPOR_HOTLINE_INBOX", str(inbox))
    for dag_id in ("rapor_ingest_apps", "rapor_ingest_social", "rapor_ingest_hotline"):
        run = bag.dags[dag_id].test(logical_date=AS_OF)
        assert run.state == "success", dag_id
    assert_matches_truth(
        sqlite_region, world, ("lapor", "open311", "facebook", "instagram", "x", "hotline-call", "hotline-wa")
    )


def test_an_expired_token_fails_the_task_at_once_naming_the_connection(sqlite_region, sim, world, bag, pools):
    sim.set_faults(expired_token=True)
    run = bag.dags["rapor_ingest_apps"].test(logical_date=AS_OF)
    assert run.state == "failed"
    states = {ti.task_id: ti.state for ti in run.get_task_instances()}
    assert states["collect_lapor"] == "failed" and states["collect_open311"] == "success"  # Open311 GET is public
    assert states["publish"] == "upstream_failed"  # no Asset event for an incomplete collection
    assert states["purge_raw_landing"] == "success"  # retention is kept while a platform is down


def test_the_ingestion_dags_purge_their_own_expired_raw_landings(
    sqlite_region, sim, world, bag, pools, tmp_path, monkeypatch
):
    from sqlalchemy import select

    from rapor.collectors.raw import RawLanding, record_landings
    from rapor.warehouse import schema

    landing = RawLanding()  # RAPOR_RAW_DIR of the simulator fixture
    expired, recent = AS_OF - timedelta(days=91), AS_OF - timedelta(days=89)
    pages = {
        (source, at): landing.land(source, stream, f'{{"data": [], "at": "{at}"}}'.encode(), "r", fetched_at=at)
        for source, stream in (("hotline", "hotline_inbox"), ("facebook", "facebook_comments"))
        for at in (expired, recent)
    }
    with sqlite_region.begin() as conn:
        record_landings(conn, list(pages.values()), {("hotline-call", "T-1"): {pages["hotline", expired].sha256}})
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    monkeypatch.setenv("RAPOR_HOTLINE_INBOX", str(inbox))

    run = bag.dags["rapor_ingest_hotline"].test(logical_date=AS_OF)

    assert run.state == "success"
    assert {ti.task_id: ti.state for ti in run.get_task_instances()}["purge_raw_landing"] == "success"
    gone = {key for key, page in pages.items() if not page.path.exists()}
    assert gone == {("hotline", expired)}  # the hotline DAG purges only the hotline's files
    with sqlite_region.connect() as conn:
        indexed = set(conn.execute(select(schema.raw_landing.c.source, schema.raw_landing.c.sha256)).tuples())
        lineage = conn.execute(select(schema.complaint_raw.c.raw_sha256)).scalars().all()
    assert indexed == {(k[0], p.sha256) for k, p in pages.items()} - {("hotline", pages["hotline", expired].sha256)}
    assert lineage == [pages["hotline", expired].sha256]
