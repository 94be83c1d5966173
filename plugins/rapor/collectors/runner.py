"""Running a stream: partition by partition, each batch committed with its state.

For every partition: read its state, sync (HTTP, raw landing), normalise, then in ONE
transaction load the complaints through the shared loader, record routing decisions,
index the landed pages, save the new state and record the attempt of each account it
covers (``collectors/attempts.py``). A partition that fails with a ``CollectorError`` (an
expired token, a missing permission, an endpoint down) keeps its state where it was, its
failed attempt is recorded with the error, and the other partitions are still collected:
one page's broken token does not silence the others. The run then raises the first
failure, so the task fails and names what to fix; the next run resumes where each
partition stopped.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime

from rapor import config
from rapor.collectors.attempts import attempt_rows, last_successful_ends, record_attempts
from rapor.collectors.http import CollectorError
from rapor.collectors.normalise import normalise
from rapor.collectors.raw import RawLanding, record_landings
from rapor.collectors.state import load_states, save_state, unresolved_complaints
from rapor.collectors.streams.base import Batch, RunContext, Stream
from rapor.imports.complaints import load_complaint_frame
from rapor.privacy import Keys
from rapor.registry import Registry
from rapor.vocabulary import COLLECTED_OK
from rapor.warehouse import schema
from rapor.warehouse.db import upsert

log = logging.getLogger(__name__)


@dataclass
class StreamRun:
    """What one run of a stream did, for logs, XCom and tests."""

    stream: str
    partitions: int = 0
    pages: int = 0
    complaints: int = 0
    loaded: int = 0
    quarantined: int = 0
    unrouted: int = 0
    unidentified_replies: int = 0  # replies whose author the platform did not say
    failed: list[str] = field(default_factory=list)  # "<partition>: <outcome>" of partitions not collected
    landed: list[str] = field(default_factory=list)  # sha256 of every page or file landed
    # One row per collected record as landed (for the raw_landing quality suite).
    records: list[dict] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if k not in ("landed", "records")} | {"landed": len(self.landed)}


def commit_batch(
    engine,
    batch: Batch,
    registry: Registry,
    key: Keys,
    run: StreamRun,
    source_file: str | None = None,
    sha256: str | None = None,
    record: bool = False,
    malformed: tuple[list, dict] = ((), {}),
    attempts: list[dict] = (),
) -> None:
    """Load one batch and save its state in one transaction (see the module docstring).

    Files (the hotline) pass their own name and checksum and are recorded in ``import_file``;
    an API batch is identified by the checksums of its pages.
    """
    normalised = normalise(batch.items, registry)
    batch_sha = (
        sha256
        or hashlib.sha256(
            (batch.stream_id + "\n" + "\n".join(sorted(item.sha256 for item in batch.landed))).encode()
        ).hexdigest()
    )
    with engine.begin() as conn:
        if len(normalised.frame) or record:
            result = load_complaint_frame(
                conn,
                normalised.frame,
                source_file=source_file or f"collector:{batch.stream_id}",
                sha256=batch_sha,
                key=key,
                record=record,
                malformed=malformed,
            )
            run.loaded += result.rows_loaded
            run.quarantined += result.rows_quarantined
            upsert(conn, schema.complaint_routing, normalised.routing, ["source", "complaint_id"])
        record_landings(conn, batch.landed, normalised.lineage)
        upsert(conn, schema.account_post, _unique_post_rows(batch), ["platform", "post_id"])
        save_state(conn, batch.stream_id, batch.state)
        record_attempts(conn, list(attempts))
    run.partitions += 1
    run.pages += batch.pages
    run.complaints += len(normalised.frame)
    run.unrouted += sum(1 for r in normalised.routing if r["opd_code"] is None)
    run.landed += [item.sha256 for item in batch.landed]
    run.records += [
        {
            "source": c.source,
            "page_id": min(c.raw_shas)[:16] if c.raw_shas else "",
            "record_id": c.complaint_id,
            "received_at": c.received_at.isoformat() if hasattr(c.received_at, "isoformat") else str(c.received_at),
        }
        for c in batch.items
    ]


def _unique_post_rows(batch: Batch) -> list[dict]:
    """One row per post (a post listed on two pages of a run is one post)."""
    return list({(p.account.platform, p.post_id): p.as_row() for p in batch.posts}.values())


def run_stream(
    engine,
    stream: Stream,
    client=None,
    *,
    until: datetime | None = None,
    landing: RawLanding | None = None,
    settings: dict | None = None,
    key: Keys | None = None,
) -> StreamRun:
    """Collect the partitions the connection (``settings``) serves, up to ``until`` (default: now)."""
    key = key or config.pseudonym_keys()
    until = until or datetime.now(UTC)
    with engine.connect() as conn:
        registry = Registry.load(conn)
        states = load_states(conn, stream.name + ":")
        unresolved = unresolved_complaints(conn, stream.source) if stream.repolls_unresolved else {}
        starts = last_successful_ends(conn, stream.name)
    ctx = RunContext(client, landing or RawLanding(), registry, until, dict(settings or {}), unresolved)
    run = StreamRun(stream.name)
    conn_id = getattr(getattr(client, "credentials", None), "conn_id", None) or stream.conn_id
    failures: list[CollectorError] = []
    for partition in stream.partitions_for(registry, ctx.settings):
        stream_id = stream.stream_id(partition)
        accounts = stream.partition_accounts(ctx, partition)

        def attempts(outcome: str, accounts=accounts, **counts) -> list[dict]:
            return attempt_rows(
                stream.name, conn_id, accounts, starts, ctx.start_date(), until, datetime.now(UTC), outcome, **counts
            )

        try:
            batch = stream.sync(ctx, partition, dict(states.get(stream_id, {})))
        except CollectorError as exc:
            with engine.begin() as conn:
                record_attempts(conn, attempts(exc.outcome, error=str(exc)))
            run.failed.append(f"{partition}: {exc.outcome}")
            failures.append(exc)
            log.error("%s: not collected (%s): %s", stream_id, exc.outcome, exc)
            continue
        unidentified = sum(item.unidentified_replies for item in batch.items)
        done = attempts(COLLECTED_OK, pages=batch.pages, complaints=len(batch.items), unidentified_replies=unidentified)
        commit_batch(engine, batch, registry, key, run, attempts=done)
        run.unidentified_replies += unidentified
        if unidentified:
            log.warning(
                "%s: %d replies without their author (no `from`: read without a Page token?); the first "
                "responses of their complaints stay unknown",
                stream_id,
                unidentified,
            )
        log.info("%s: %d pages, %d complaints", stream_id, batch.pages, len(batch.items))
    log.info("%s: %s", stream.name, run.as_dict())
    if failures:
        raise failures[0]
    return run
