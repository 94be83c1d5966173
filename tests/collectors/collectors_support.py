"""Helpers of the collector tests: run a stream against the simulator, compare with the truth."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from rapor.collectors.http import HttpClient, RetryPolicy, credentials_from_connection
from rapor.collectors.raw import RawLanding
from rapor.collectors.runner import run_stream
from rapor.demo.simulator.world import World
from rapor.warehouse import schema

OPDS = ("DPUPR", "DISDUKCAPIL", "KEC-WOJA")
MONTHS = ("2026-09",)
FIELDS = (
    "opd_code",
    "channel",
    "kind",
    "received_at",
    "forwarded_at",
    "first_response_at",
    "resolved_at",
    "confidential",
)
FAST = RetryPolicy(time_scale=0.001, read_timeout=0.5, connect_timeout=0.5)


def collect(engine, stream, policy: RetryPolicy = FAST, until: datetime | None = None, **settings):
    """Run one stream against the simulator; returns (run summary, client)."""
    credentials = credentials_from_connection(stream.conn_id)
    client = HttpClient(credentials, stream.platform, policy)
    run = run_stream(
        engine,
        stream,
        client,
        until=until or datetime(2026, 11, 2, tzinfo=UTC),
        settings={**credentials.extra, **settings},
        landing=RawLanding(),
    )
    return run, client


def _text(value):
    if value is None:
        return None
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(UTC).isoformat()
    return value


def stored(engine, sources) -> dict[tuple[str, str], dict]:
    with engine.connect() as conn:
        rows = conn.execute(select(schema.complaint).where(schema.complaint.c.source.in_(list(sources)))).mappings()
        return {(r["source"], r["complaint_id"]): {f: _text(r[f]) for f in FIELDS} for r in rows}


def expected(world: World, sources, as_of: datetime | None = None) -> dict[tuple[str, str], dict]:
    return {(r["source"], r["complaint_id"]): {f: r[f] for f in FIELDS} for r in world.truth(as_of, tuple(sources))}


def assert_matches_truth(engine, world: World, sources, as_of: datetime | None = None) -> None:
    """No complaint lost, none duplicated, every field as the simulator's ground truth says."""
    got, want = stored(engine, sources), expected(world, sources, as_of)
    assert want, "the world should have complaints for " + ", ".join(sources)
    missing, extra = sorted(set(want) - set(got)), sorted(set(got) - set(want))
    assert (missing, extra) == ([], [])
    wrong = {key: (got[key], want[key]) for key in want if got[key] != want[key]}
    assert wrong == {}
