"""The channel simulator on 127.0.0.1 (a free port), a small seeded world, and helpers.

The world is three OPDs of the demo region over September 2026 (about 200 complaints on
seven sources) with more complaints that no rule can route than the demo has, so every
path of the normaliser is met. Connections reach the collectors as ``AIRFLOW_CONN_<ID>``
(JSON), as they would from any Airflow secrets backend. Waits are real sleeps scaled by
``RetryPolicy.time_scale`` (1/1000): the client still records what the platform asked for.
"""

from __future__ import annotations

import json

import pytest
from collectors_support import MONTHS, OPDS

from rapor.demo.simulator.server import Simulator
from rapor.demo.simulator.world import World
from rapor.imports.accounts import import_accounts, import_routing_rules
from rapor.imports.registry import import_registry


@pytest.fixture
def world() -> World:
    return World(opds=OPDS, months=MONTHS, unroutable_share=0.3)


@pytest.fixture
def sim(world, monkeypatch, tmp_path):
    """A running simulator with page sizes small enough that every listing has several pages."""
    server = Simulator(world, open311_cap=1000)
    server.start()
    for conn_id, conn in server.connections(start_date="2026-09-01", region_code="52.05", page_size=5).items():
        monkeypatch.setenv(f"AIRFLOW_CONN_{conn_id.upper()}", json.dumps(conn))
    monkeypatch.setenv("RAPOR_RAW_DIR", str(tmp_path / "raw"))
    yield server
    server.stop()


@pytest.fixture
def region(warehouse, world, tmp_path):
    """The warehouse with the demo region's registry, accounts and routing rules."""
    paths = world.write_registry(tmp_path / "registry")
    import_registry(warehouse, paths["registry"])
    import_accounts(warehouse, paths["accounts"])
    import_routing_rules(warehouse, paths["routing_rules"])
    return warehouse
