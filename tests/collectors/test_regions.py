"""The complaint app and Open311 serve any number of regions, one connection per region.

Two regions, each with its own servers (a simulator each): the demo region Kabupaten Dompu
(52.05, WITA, UTC+8) and Kota Jayapura (94.71, WIT, UTC+9), whose Open311 server sends its
times as local wall-clock time with no offset and numbers its own requests. The collection
task (``rapor.tasks.ingest.collect_stream``, the body of ``collect_lapor`` /
``collect_open311``) runs region by region, each with the connection named after it.
"""

from __future__ import annotations

import json
import os
import urllib.request
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from collectors_support import FAST, MONTHS, OPDS, expected, stored
from sqlalchemy import select

from rapor.collectors.http import RetryPolicy
from rapor.collectors.streams import LaporReports, Open311Requests
from rapor.demo.simulator.server import Simulator
from rapor.demo.simulator.world import World
from rapor.errors import ConfigError
from rapor.imports.accounts import import_accounts, import_routing_rules
from rapor.imports.registry import import_registry
from rapor.tasks.ingest import collect_stream, region_connections
from rapor.warehouse import schema

UNTIL = datetime(2026, 11, 2, tzinfo=UTC)
JAYAPURA = ZoneInfo("Asia/Jayapura")


@pytest.fixture
def worlds() -> dict[str, World]:
    return {
        "52.05": World(opds=OPDS, months=MONTHS),
        "94.71": World(
            seed=7,
            opds=OPDS,
            months=MONTHS,
            region="94.71",
            region_name="Kota Jayapura",
            timezone="Asia/Jayapura",
            id_prefix="JPR-",
        ),
    }


@pytest.fixture
def two_regions(warehouse, worlds, tmp_path, monkeypatch):
    """Both regions in the registry, a simulator per region, and a connection per region and stream."""
    for region, world in worlds.items():
        paths = world.write_registry(tmp_path / region)
        import_registry(warehouse, paths["registry"])
        import_routing_rules(warehouse, paths["routing_rules"])
    # Only Dompu's OPD accounts: the simulated Jayapura reuses the same agency ids, and an
    # account id belongs to one region (Jayapura's agencies are matched by their names).
    import_accounts(warehouse, worlds["52.05"].write_registry(tmp_path / "52.05")["accounts"])
    servers = {}
    for region, world in worlds.items():
        server = Simulator(world, open311_local_times=region == "94.71")
        server.start()
        servers[region] = server
        for conn_id, conn in server.connections(start_date="2026-09-01", page_size=5).items():
            if conn_id in ("rapor_lapor", "rapor_open311"):
                monkeypatch.setenv(f"AIRFLOW_CONN_{conn_id.upper()}_{region.replace('.', '_')}", json.dumps(conn))
    for conn_id in ("RAPOR_LAPOR", "RAPOR_OPEN311"):
        monkeypatch.delenv(f"AIRFLOW_CONN_{conn_id}", raising=False)
    monkeypatch.setenv("RAPOR_RAW_DIR", str(tmp_path / "raw"))
    yield servers
    for server in servers.values():
        server.stop()


def of_region(engine, source: str, region: str) -> dict:
    with engine.connect() as conn:
        ids = set(
            conn.execute(
                select(schema.complaint.c.complaint_id).where(
                    schema.complaint.c.source == source, schema.complaint.c.region_code == region
                )
            ).scalars()
        )
    return {key: row for key, row in stored(engine, (source,)).items() if key[1] in ids}


@pytest.mark.parametrize("stream", [LaporReports, Open311Requests])
def test_each_region_is_collected_through_its_own_connection_on_its_own_clock(two_regions, worlds, warehouse, stream):
    source = stream.source
    summary = collect_stream(stream.name, UNTIL, FAST)
    for region, world in worlds.items():
        want = expected(world, (source,))
        assert want and of_region(warehouse, source, region) == want
    assert summary["regions"] == {region: len(expected(w, (source,))) for region, w in worlds.items()}
    with warehouse.connect() as conn:
        states = set(conn.execute(select(schema.collector_state.c.stream_id)).scalars())
    assert states == {f"{stream.name}:52.05", f"{stream.name}:94.71"}


def test_a_time_without_an_offset_from_jayapura_is_wit_not_utc(two_regions, worlds, warehouse):
    collect_stream("open311_requests", UNTIL, FAST)
    request = worlds["94.71"].visible("open311")[0]
    url = f"{two_regions['94.71'].url}/open311/v2/requests.json?service_request_id={request.native_id}"
    with urllib.request.urlopen(url) as response:
        (sent,) = json.load(response)
    wall_clock = request.received_at.astimezone(JAYAPURA).replace(tzinfo=None)
    assert sent["requested_datetime"] == wall_clock.isoformat()  # no offset: Jayapura's local time
    with warehouse.connect() as conn:
        received = conn.execute(
            select(schema.complaint.c.received_at).where(schema.complaint.c.complaint_id == request.native_id)
        ).scalar_one()
    received = received if received.tzinfo else received.replace(tzinfo=UTC)
    assert received == wall_clock.replace(tzinfo=JAYAPURA)  # read as WIT (UTC+9), not as UTC


def test_a_region_whose_server_is_down_does_not_stop_the_others(two_regions, worlds, warehouse):
    from rapor.collectors.http import CollectorError

    two_regions["94.71"].set_faults(errors=1000)
    with pytest.raises(CollectorError, match="region 94.71"):
        collect_stream("open311_requests", UNTIL, RetryPolicy(time_scale=0.001, max_attempts=2))
    assert of_region(warehouse, "open311", "52.05") == expected(worlds["52.05"], ("open311",))
    assert of_region(warehouse, "open311", "94.71") == {}


def test_an_expired_token_of_one_region_fails_the_task_naming_that_regions_connection(two_regions, worlds, warehouse):
    from airflow.sdk.exceptions import AirflowFailException

    two_regions["94.71"].set_faults(expired_token=True)
    with pytest.raises(AirflowFailException, match="rapor_lapor_94_71"):
        collect_stream("lapor_reports", UNTIL, FAST)
    assert of_region(warehouse, "lapor", "52.05") == expected(worlds["52.05"], ("lapor",))


def test_one_region_with_two_connections_or_none_at_all_is_a_configuration_error(two_regions, monkeypatch):
    legacy = {"conn_type": "http", "host": "http://127.0.0.1:9", "extra": {"region_code": "52.05"}}
    monkeypatch.setenv("AIRFLOW_CONN_RAPOR_OPEN311", json.dumps(legacy))
    with pytest.raises(ConfigError, match="region 52.05 has two connections"):
        region_connections(Open311Requests(), ["52.05", "94.71"])
    for name in ("RAPOR_OPEN311", "RAPOR_OPEN311_52_05", "RAPOR_OPEN311_94_71"):
        monkeypatch.delenv(f"AIRFLOW_CONN_{name}")
    with pytest.raises(ConfigError, match="define one per region .*rapor_open311_52_05"):
        region_connections(Open311Requests(), ["52.05", "94.71"])


def test_the_single_connection_of_one_region_still_serves_it(two_regions, monkeypatch):
    conn = json.loads(os.environ["AIRFLOW_CONN_RAPOR_OPEN311_52_05"])
    monkeypatch.delenv("AIRFLOW_CONN_RAPOR_OPEN311_52_05")
    monkeypatch.setenv("AIRFLOW_CONN_RAPOR_OPEN311", json.dumps({**conn, "extra": {"region_code": "52.05"}}))
    found = region_connections(Open311Requests(), ["52.05", "94.71"])
    assert [(region, c.conn_id) for region, c in found] == [
        ("52.05", "rapor_open311"),
        ("94.71", "rapor_open311_94_71"),
    ]


def test_a_complaint_app_time_without_an_offset_is_read_on_the_clock_of_the_region_it_serves(tmp_path):
    """The same report (the app's contract, local times with no offset) from Dompu's app and Jayapura's."""
    from rapor.collectors.raw import RawLanding
    from rapor.collectors.streams.base import RunContext
    from rapor.registry import Registry

    registry = Registry(timezones={"52.05": "Asia/Makassar", "94.71": "Asia/Jayapura"})
    registry.opds = {region: {"DPUPR": "Dinas Pekerjaan Umum dan Penataan Ruang"} for region in registry.timezones}
    agency = {"id": "INSTANSI-1", "name": "Dinas Pekerjaan Umum dan Penataan Ruang"}
    report = {
        "tracking_id": "LPR-2609-000123",
        "submitted_at": "2026-09-03 09:12:44",
        "updated_at": "2026-09-04 10:00:00",
        "classification": "pengaduan",
        "content": "Jalan rusak di depan pasar",
        "anonymous": True,
        "confidential": False,
        "reporter": None,
        "target_agency": agency,
        "history": [{"type": "tanggapan", "at": "2026-09-04T10:00:00", "by": "instansi", "agency": agency}],
    }
    seen = {}
    for region in registry.timezones:
        ctx = RunContext(None, RawLanding(tmp_path), registry, UNTIL, {"region_code": region})
        complaint = LaporReports().parse(report, "sha", ctx)
        seen[region] = (
            complaint.received_at,
            complaint.first_response_at,
            LaporReports().replication_value(report, ctx),
        )
    assert seen["52.05"] == (
        datetime(2026, 9, 3, 1, 12, 44, tzinfo=UTC),  # 09:12:44 WITA (UTC+8)
        datetime(2026, 9, 4, 2, 0, tzinfo=UTC),
        datetime(2026, 9, 4, 2, 0, tzinfo=UTC),  # updated_since is asked in the app's own time
    )
    assert seen["94.71"] == (
        datetime(2026, 9, 3, 0, 12, 44, tzinfo=UTC),  # 09:12:44 WIT (UTC+9)
        datetime(2026, 9, 4, 1, 0, tzinfo=UTC),
        datetime(2026, 9, 4, 1, 0, tzinfo=UTC),
    )
