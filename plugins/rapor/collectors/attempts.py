"""Collection attempts: every account of the registry is expected to deliver, and every try is kept.

A stream's run tries each partition (a page, a region's X accounts, an app endpoint); for
each account the partition covers, one ``collection_attempt`` row says which window the
attempt was to cover, how it ended and why. The window starts where the account's last
successful attempt ended (the streams read back from their watermarks, so a success after
a failure collects the gap) and ends at the run's end. A failed attempt (an expired token,
a missing permission, an endpoint down) is recorded in its own transaction, so it stays
even though the partition's batch was not committed; the other partitions go on.

The gate reads these rows (``rapor.quality.coverage``): the part of a month that only
failed attempts covered is the account's uncollected time.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, insert, select

from rapor.registry import Account
from rapor.vocabulary import COLLECTED_OK
from rapor.warehouse import schema

MAX_ERROR_CHARS = 1000


def last_successful_ends(conn, stream: str) -> dict[tuple[str, str], datetime]:
    """(platform, account_id) -> the end of the newest window the stream collected successfully."""
    a = schema.collection_attempt
    rows = conn.execute(
        select(a.c.platform, a.c.account_id, func.max(a.c.window_end))
        .where(a.c.stream == stream, a.c.outcome == COLLECTED_OK)
        .group_by(a.c.platform, a.c.account_id)
    ).all()
    return {(platform, account): _aware(end) for platform, account, end in rows}


def attempt_rows(
    stream: str,
    conn_id: str,
    accounts: list[Account],
    starts: dict[tuple[str, str], datetime],
    default_start: datetime,
    until: datetime,
    attempted_at: datetime,
    outcome: str,
    error: str | None = None,
    pages: int = 0,
    complaints: int = 0,
    unidentified_replies: int = 0,
) -> list[dict]:
    """One row per account of the partition: the window it was to cover and how it ended."""
    rows = []
    for account in accounts:
        start = min(starts.get((account.platform, account.account_id), default_start), until)
        rows.append(
            {
                "stream": stream,
                "platform": account.platform,
                "account_id": account.account_id,
                "region_code": account.region_code,
                "opd_code": account.opd_code,
                "conn_id": conn_id,
                "window_start": start,
                "window_end": until,
                "attempted_at": attempted_at,
                "outcome": outcome,
                "error": error[:MAX_ERROR_CHARS] if error else None,
                "pages": pages,
                "complaints": complaints,
                "unidentified_replies": unidentified_replies,
            }
        )
    return rows


def record_attempts(conn, rows: list[dict]) -> None:
    if rows:
        conn.execute(insert(schema.collection_attempt), rows)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
