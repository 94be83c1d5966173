"""Stream state (Singer-style bookmarks): where each stream partition stopped.

A state is a small JSON object per ``stream_id`` (e.g. ``facebook:page:1044``): a
watermark, a ``since_id``, an ``updated_since``. It is read before a batch and written
with ``save_state`` inside the transaction that loads the batch's complaints, so a
watermark never moves past data that was not committed: a failed run resumes from the
last committed state and re-reads (idempotently) what it had not finished.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

from sqlalchemy import select

from rapor.warehouse import schema
from rapor.warehouse.db import upsert


def load_state(conn, stream_id: str) -> dict:
    text = conn.execute(
        select(schema.collector_state.c.state).where(schema.collector_state.c.stream_id == stream_id)
    ).scalar_one_or_none()
    return json.loads(text) if text else {}


def load_states(conn, prefix: str) -> dict[str, dict]:
    rows = conn.execute(
        select(schema.collector_state.c.stream_id, schema.collector_state.c.state).where(
            schema.collector_state.c.stream_id.startswith(prefix)
        )
    ).all()
    return {stream_id: json.loads(text) for stream_id, text in rows}


def save_state(conn, stream_id: str, state: dict) -> None:
    row = {
        "stream_id": stream_id,
        "state": json.dumps(state, sort_keys=True),
        "updated_at": datetime.now(UTC),
    }
    upsert(conn, schema.collector_state, [row], ["stream_id"])


def unresolved_complaints(conn, source: str) -> dict[str, dict[str, datetime]]:
    """The source's complaints not yet resolved in the warehouse: region -> {complaint_id: received_at (UTC)}.

    A stream that cannot ask its platform for what changed (Open311) asks for these again
    by id, so a request closed long after it was opened is still seen closed.
    """
    c = schema.complaint.c
    rows = conn.execute(
        select(c.region_code, c.complaint_id, c.received_at)
        .where(c.source == source, c.resolved_at.is_(None))
        .order_by(c.region_code, c.received_at, c.complaint_id)
    ).all()
    out: dict[str, dict[str, datetime]] = {}
    for region, ident, received in rows:
        out.setdefault(region, {})[ident] = received if received.tzinfo else received.replace(tzinfo=UTC)
    return out
