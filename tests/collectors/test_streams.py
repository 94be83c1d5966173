"""Every connector against the simulator, over real HTTP, into a real warehouse.

The simulator's ground truth is what the collectors must store: no complaint lost, none
duplicated, every clock event where the platform put it.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from collectors_support import assert_matches_truth, collect, stored
from sqlalchemy import func, select

from rapor.collectors.http import AuthError, RequestFailedError, RetryPolicy
from rapor.collectors.streams import STREAMS, FacebookComments, LaporReports, Open311Requests, XMentions
from rapor.demo.simulator.world import WITA
from rapor.warehouse import schema

API_STREAMS = sorted(STREAMS)
# A hard day on the internet: every fault the simulator has, spread over the run.
STORM = dict(
    every=2,
    errors=3,
    rate_limited=2,
    retry_after=3,
    graph_throttle=2,
    x_budget_spent=1,
    slow=2,
    slow_seconds=0.8,
    truncated=2,
    repeat_items=2,
)


def count(engine, table, **where) -> int:
    query = select(func.count()).select_from(table)
    for column, value in where.items():
        query = query.where(table.c[column] == value)
    with engine.connect() as conn:
        return conn.execute(query).scalar_one()


@pytest.mark.parametrize("name", API_STREAMS)
def test_each_connector_paginates_to_the_end_and_yields_the_ground_truth(region, sim, world, name):
    stream = STREAMS[name]()
    run, client = collect(region, stream)
    assert_matches_truth(region, world, (stream.source,))
    assert run.pages > run.partitions  # page size 5: every listing took several pages
    assert client.stats.retries == 0 and client.stats.waits == []


@pytest.mark.parametrize("name", API_STREAMS)
def test_each_connector_survives_every_fault_and_still_yields_the_ground_truth(region, sim, world, name):
    sim.set_faults(after=2, **STORM)
    stream = STREAMS[name]()
    _, client = collect(region, stream)
    assert_matches_truth(region, world, (stream.source,))
    assert client.stats.retries >= 5 and client.stats.waits  # the faults did reach this stream


@pytest.mark.parametrize("name", API_STREAMS)
def test_rerunning_a_collection_changes_nothing(region, sim, world, name):
    stream = STREAMS[name]()
    collect(region, stream)
    with region.connect() as conn:
        before = conn.execute(select(schema.complaint.c.complaint_id, schema.complaint.c.updated_at)).all()
    collect(region, stream)
    with region.connect() as conn:
        after = conn.execute(select(schema.complaint.c.complaint_id, schema.complaint.c.updated_at)).all()
    assert sorted(after) == sorted(before)  # same rows, none touched (updated_at did not move)


@pytest.mark.parametrize("name", ["facebook_comments", "instagram_comments", "lapor_reports", "x_mentions"])
def test_a_failed_run_resumes_from_its_committed_state(region, sim, world, name):
    stream = STREAMS[name]()
    sim.set_faults(after=6, errors=1000)  # the API goes down part-way through the run
    with pytest.raises(RequestFailedError):
        collect(region, stream, RetryPolicy(time_scale=0.001, max_attempts=2))
    with region.connect() as conn:
        states = conn.execute(select(schema.collector_state.c.stream_id)).scalars().all()
    failed_partitions = len(stream.partitions(_registry(region))) - len(states)
    assert failed_partitions >= 1  # the failing partition's state did not move
    sim.set_faults()
    collect(region, stream)
    assert_matches_truth(region, world, (stream.source,))


def test_an_expired_token_stops_the_run_without_moving_state(region, sim, world):
    sim.set_faults(expired_token=True)
    with pytest.raises(AuthError, match="rapor_lapor"):
        collect(region, LaporReports())
    assert count(region, schema.collector_state) == 0 and count(region, schema.complaint) == 0
    sim.set_faults()  # the token was renewed
    collect(region, LaporReports())
    assert_matches_truth(region, world, ("lapor",))


def _registry(engine):
    from rapor.registry import Registry

    with engine.connect() as conn:
        return Registry.load(conn)


@pytest.mark.parametrize("name", API_STREAMS)
def test_later_runs_bring_new_complaints_and_later_replies(region, sim, world, name):
    stream = STREAMS[name]()
    mid = datetime(2026, 9, 18, 12, tzinfo=WITA)
    sim.set_clock(mid)
    collect(region, stream, until=mid.astimezone(UTC))
    assert_matches_truth(region, world, (stream.source,), as_of=mid)
    end = datetime(2026, 11, 2, 8, tzinfo=WITA)
    sim.set_clock(end)
    collect(region, stream, until=end.astimezone(UTC))
    assert_matches_truth(region, world, (stream.source,), as_of=end)


def test_open311_splits_a_full_window_until_every_request_fits(region, sim, world):
    sim.open311_cap = 4  # a response holds at most 4 requests: a week of September holds more
    run, client = collect(region, Open311Requests(), max_results=4)
    assert_matches_truth(region, world, ("open311",))
    weeks = 9  # 1 September - 2 November, 7-day windows
    assert client.stats.requests > 2 * weeks


def test_open311_rereads_a_lookback_window_to_catch_status_changes(region, sim, world):
    mid = datetime(2026, 9, 20, tzinfo=WITA)
    sim.set_clock(mid)
    collect(region, Open311Requests(), until=mid)
    sim.set_clock(datetime(2026, 10, 1, tzinfo=WITA))
    collect(region, Open311Requests(), until=datetime(2026, 10, 1, tzinfo=WITA), lookback_days=30)
    assert_matches_truth(region, world, ("open311",), as_of=datetime(2026, 10, 1, tzinfo=WITA))


def test_lapor_automatic_completion_is_not_a_resolution_and_flags_are_kept(region, sim, world):
    collect(region, LaporReports())
    auto = [c for c in world.visible("lapor") if c.auto_closed_at and c.auto_closed_at <= world.as_of]
    confidential = {c.native_id for c in world.visible("lapor") if c.confidential}
    anonymous = {c.native_id for c in world.visible("lapor") if c.anonymous}
    assert auto and confidential and anonymous
    with region.connect() as conn:
        rows = {
            r["complaint_id"]: r
            for r in conn.execute(select(schema.complaint).where(schema.complaint.c.source == "lapor")).mappings()
        }
    assert all(rows[c.native_id]["resolved_at"] is None for c in auto)
    assert {k for k, r in rows.items() if r["confidential"]} == confidential
    assert all(rows[k]["reporter_pseudonym"] is None for k in anonymous)
    assert all(rows[k]["reporter_pseudonym"].startswith("p-") for k in set(rows) - anonymous)


def test_a_lapor_app_with_other_field_names_is_read_through_the_field_map(region, sim, world):
    # A region's own app (e.g. Matur Ibu) names the fields and the classes its own way.
    sim.lapor_dialect = {
        "fields": {"tracking_id": "nomor", "classification": "jenis", "content": "isi"},
        "values": {"classification": {"pengaduan": "PENGADUAN", "aspirasi": "USULAN", "permintaan_informasi": "INFO"}},
    }
    collect(
        region,
        LaporReports(),
        field_map={"id": "nomor", "classification": "jenis", "text": "isi"},
        value_map={"classification": {"pengaduan": "pengaduan", "usulan": "aspirasi", "info": "permintaan_informasi"}},
    )
    assert_matches_truth(region, world, ("lapor",))


def test_central_complaints_are_routed_by_keyword_or_held_as_belum_terdisposisi(region, sim, world):
    for name in API_STREAMS:
        collect(region, STREAMS[name]())
    unroutable = {
        (c.source, c.native_id) for c in world.visible() if c.unroutable and c.source in ("facebook", "instagram", "x")
    }
    with region.connect() as conn:
        routing = {
            (r["source"], r["complaint_id"]): r for r in conn.execute(select(schema.complaint_routing)).mappings()
        }
        held = set(
            conn.execute(
                select(schema.complaint.c.source, schema.complaint.c.complaint_id).where(
                    schema.complaint.c.opd_code.is_(None)
                )
            ).tuples()
        )
    assert unroutable and held == unroutable  # visible in complaint, with no OPD
    assert {routing[k]["routed_by"] for k in unroutable} == {"belum_terdisposisi"}
    by_rule = [r for r in routing.values() if r["routed_by"] == "kata_kunci"]
    assert by_rule and all(r["keyword"] and r["opd_code"] for r in by_rule)
    road = [r for r in by_rule if r["keyword"] == "jalan rusak"]
    assert road and {r["opd_code"] for r in road} == {"DPUPR"}  # a broken road goes to DPU-PR
    got = stored(region, ("facebook", "instagram", "x"))
    assert all(
        got[(r["source"], r["complaint_id"])]["forwarded_at"]
        for r in by_rule
        if r["source"] in ("facebook", "instagram", "x")
    )


def test_every_complaint_traces_back_to_raw_pages_stored_unchanged(region, sim, world):
    import hashlib
    from pathlib import Path

    collect(region, FacebookComments())
    collect(region, XMentions())
    with region.connect() as conn:
        landed = {r["sha256"]: r for r in conn.execute(select(schema.raw_landing)).mappings()}
        links = conn.execute(select(schema.complaint_raw)).mappings().all()
        complaints = set(conn.execute(select(schema.complaint.c.source, schema.complaint.c.complaint_id)).tuples())
    assert complaints == {(link["source"], link["complaint_id"]) for link in links}
    for sha, row in landed.items():
        body = Path(row["path"]).read_bytes()
        assert hashlib.sha256(body).hexdigest() == sha
        assert "access_token" not in row["request"] and sim.tokens["graph"] not in row["request"]
        assert f"/{row['source']}/" in row["path"]
    # Re-parsing a complaint's raw pages finds it again.
    link = next(link for link in links if link["source"] == "facebook")
    pages = [
        Path(landed[other["raw_sha256"]]["path"]).read_text()
        for other in links
        if other["complaint_id"] == link["complaint_id"]
    ]
    assert any(link["complaint_id"] in page for page in pages)


def test_state_advances_only_with_the_committed_batch(region, sim, world):
    collect(region, XMentions())
    with region.connect() as conn:
        (state,) = conn.execute(select(schema.collector_state.c.state)).scalars().all()
    import json

    newest = json.loads(state)["accounts"]
    # Each account's watermark is its newest mention read: a complaint, or a citizen's
    # Retweet or bare quote of one (read, though not a complaint).
    mentions: dict[str, int] = {}
    read = [(c.extra["account"], int(c.native_id)) for c in world.visible("x")]
    read += [(e["account"], int(e["id"])) for e in world.x_echoes if e["at"] <= world.as_of]
    for account, ident in read:
        mentions[account] = max(ident, mentions.get(account, 0))
    assert {k: int(v["newest_id"]) for k, v in newest.items()} == mentions


def test_facebook_complaints_keep_the_link_that_opens_them_and_a_rerun_keeps_it(region, sim, world):
    def links():
        c = schema.complaint
        with region.connect() as conn:
            return dict(conn.execute(select(c.c.complaint_id, c.c.source_url).where(c.c.source == "facebook")).all())

    collect(region, FacebookComments())
    first = links()
    assert first and all(url.startswith("https://www.facebook.com/") for url in first.values())
    assert all(f"comment_id={ident.split('_')[1]}" in url for ident, url in first.items())
    collect(region, FacebookComments())
    assert links() == first
