"""Open311 GeoReport v2 on real request shapes: late closures and times without an offset.

The requests are real Boston 311 cases (shared/data/real/boston311-100.csv: ``case_enquiry_id``,
``open_dt``, ``closed_dt``, ``target_dt``, ``department``, ``type``) told as GeoReport v2
``requests.json`` items (``service_request_id``, ``status``, ``requested_datetime``,
``updated_datetime``, ``expected_datetime``, ``agency_responsible``), with the times as Boston
publishes them: local wall-clock time, no offset. They are served on loopback by a small
GeoReport server that selects on ``requested_datetime`` with ``start_date``/``end_date`` and
answers ``service_request_id=a,b,c`` by id, as the standard says; here they belong to the
demo region (WITA), whose server speaks its local time.
"""

from __future__ import annotations

import csv
import json
import threading
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest
from collectors_support import FAST, assert_matches_truth, collect
from sqlalchemy import select

from rapor.collectors.http import Credentials, HttpClient
from rapor.collectors.raw import RawLanding
from rapor.collectors.runner import run_stream
from rapor.collectors.streams import Open311Requests
from rapor.demo.simulator.world import WITA
from rapor.imports.accounts import import_accounts
from rapor.warehouse import schema

REAL = Path(__file__).resolve().parents[3] / "shared" / "data" / "real"
if not REAL.is_dir():
    REAL = Path("/work/shared/data/real")
MAKASSAR = ZoneInfo("Asia/Makassar")
# Real cases: opened in early January 2022, closed 67 and 112 days later; and one closed the same day.
LATE = ("101004113363", "101004114820")
SAME_DAY = "101004130437"


def boston_cases(*ids: str) -> dict[str, dict]:
    with (REAL / "boston311-100.csv").open(encoding="utf-8") as fh:
        rows = {r["case_enquiry_id"]: r for r in csv.DictReader(fh)}
    return {i: rows[i] for i in ids}


def georeport(case: dict, as_of: datetime) -> dict:
    """The case as a GeoReport v2 request seen at ``as_of`` (server-local wall-clock time, no offset)."""

    def local(text: str) -> str:
        return text.replace(" ", "T") if text else None

    closed = case["closed_dt"] and datetime.fromisoformat(case["closed_dt"]).replace(tzinfo=MAKASSAR) <= as_of
    return {
        "service_request_id": case["case_enquiry_id"],
        "status": "closed" if closed else "open",
        "status_notes": case["closure_reason"].strip() if closed else None,
        "service_name": case["type"],
        "service_code": "PGD-" + case["queue"],
        "description": case["case_title"],
        "agency_responsible": case["department"],
        "service_notice": None,
        "requested_datetime": local(case["open_dt"]),
        "updated_datetime": local(case["closed_dt"] if closed else case["open_dt"]),
        "expected_datetime": local(case["target_dt"]),
        "address": case["location"],
        "lat": float(case["latitude"]),
        "long": float(case["longitude"]),
    }


class GeoReportServer:
    """``GET /requests.json``: start_date/end_date on requested_datetime, or service_request_id by id."""

    def __init__(self, cases: dict[str, dict]):
        self.cases, self.as_of, self.calls = cases, datetime(2022, 1, 1, tzinfo=UTC), []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):  # noqa: N802
                query = {k: v[-1] for k, v in parse_qs(urlsplit(self.path).query).items()}
                server.calls.append(query)
                body = json.dumps(server.answer(query)).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True).start()
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def answer(self, query: dict) -> list[dict]:
        opened = {i: datetime.fromisoformat(c["open_dt"]).replace(tzinfo=MAKASSAR) for i, c in self.cases.items()}
        visible = [i for i in self.cases if opened[i] <= self.as_of]
        if query.get("service_request_id"):
            wanted = query["service_request_id"].split(",")
            return [georeport(self.cases[i], self.as_of) for i in visible if i in wanted]
        start, end = (datetime.fromisoformat(query[k].replace("Z", "+00:00")) for k in ("start_date", "end_date"))
        return [georeport(self.cases[i], self.as_of) for i in visible if start <= opened[i] <= end]

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def boston(region, tmp_path):
    """The real cases on a GeoReport server of the demo region; their department is DPU-PR's agency id."""
    accounts = tmp_path / "open311_accounts.csv"
    accounts.write_text(
        "region_code,opd_code,platform,account_id\n52.05,DPUPR,open311,PWDx\n52.05,DPUPR,open311,GEN_\n"
    )
    import_accounts(region, accounts)
    server = GeoReportServer(boston_cases(*LATE, SAME_DAY))
    yield server
    server.stop()


def run_at(engine, server: GeoReportServer, moment: datetime, tmp_path, **settings):
    server.as_of = moment
    client = HttpClient(Credentials("rapor_open311", server.url, ""), "open311", FAST)
    settings = {"region_code": "52.05", "start_date": "2022-01-01T00:00:00+08:00", **settings}
    return run_stream(engine, Open311Requests(), client, until=moment, settings=settings, landing=RawLanding(tmp_path))


def clocks(engine) -> dict[str, dict]:
    c = schema.complaint.c
    with engine.connect() as conn:
        rows = conn.execute(select(c.complaint_id, c.opd_code, c.received_at, c.resolved_at)).mappings()
        return {r["complaint_id"]: {k: _utc(r[k]) for k in ("opd_code", "received_at", "resolved_at")} for r in rows}


def _utc(value):
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(UTC)
    return value


def local(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=MAKASSAR).astimezone(UTC)


def test_a_request_closed_months_after_it_was_opened_is_seen_closed(boston, region, tmp_path):
    # Hourly runs of a season, as far apart as their look-back (30 days) allows: the
    # requests of early January leave the window long before they are closed.
    for moment in ("2022-01-05", "2022-02-15", "2022-04-01", "2022-04-30"):
        run_at(region, boston, datetime.fromisoformat(moment).replace(tzinfo=MAKASSAR), tmp_path)
    stored = clocks(region)
    assert stored["101004113363"]["resolved_at"] == local("2022-03-09 07:27:41")  # closed_dt, 67 days on
    assert stored["101004114820"]["resolved_at"] == local("2022-04-25 14:30:31")  # closed_dt, 112 days on
    assert stored[SAME_DAY]["resolved_at"] == local("2022-01-19 11:42:16")
    # The unresolved ones were asked for by id, all in one request, and none after it was closed.
    by_id = [call["service_request_id"].split(",") for call in boston.calls if "service_request_id" in call]
    assert by_id == [["101004113363", "101004114820"], ["101004114820"]]
    assert all(call.get("extensions") == "true" for call in boston.calls)


def test_requests_made_inside_the_window_are_not_asked_for_again_by_id(boston, region, tmp_path):
    run_at(region, boston, datetime(2022, 1, 5, tzinfo=MAKASSAR), tmp_path)
    run_at(region, boston, datetime(2022, 1, 20, tzinfo=MAKASSAR), tmp_path)  # the look-back still covers them
    assert [call for call in boston.calls if "service_request_id" in call] == []
    assert clocks(region)[SAME_DAY]["resolved_at"] == local("2022-01-19 11:42:16")


def test_a_time_without_an_offset_is_the_regions_local_time_not_utc(boston, region, tmp_path):
    run_at(region, boston, datetime(2022, 1, 20, tzinfo=MAKASSAR), tmp_path)
    stored = clocks(region)
    # open_dt 2022-01-03 12:47:00 in Dompu (WITA, UTC+8) is 04:47 UTC, not 12:47 UTC.
    assert stored["101004114820"]["received_at"] == datetime(2022, 1, 3, 4, 47, tzinfo=UTC)
    assert stored[SAME_DAY]["received_at"] == datetime(2022, 1, 19, 3, 18, tzinfo=UTC)
    assert stored[SAME_DAY]["opd_code"] == "DPUPR"  # agency_responsible GEN_: the region's Open311 account


def test_the_simulator_closes_a_request_after_the_lookback_and_the_collector_sees_it(region, sim, world):
    """The simulator speaks the same shape: local times with no offset, ids answered whatever their date."""
    sim.open311_local_times = True
    first = datetime(2026, 9, 10, tzinfo=WITA)
    late = [
        c
        for c in world.visible("open311", as_of=datetime(2026, 9, 8, tzinfo=WITA))
        if c.resolved_at and c.resolved_at > datetime(2026, 9, 20, tzinfo=WITA)
    ]
    assert late, "the small world should hold requests closed weeks after they were made"
    sim.set_clock(first)
    collect(region, Open311Requests(), until=first)
    end = datetime(2026, 11, 2, 8, tzinfo=WITA)
    sim.set_clock(end)
    collect(region, Open311Requests(), until=end, lookback_days=1)  # the window alone starts at 9 September
    assert_matches_truth(region, world, ("open311",), as_of=end)
