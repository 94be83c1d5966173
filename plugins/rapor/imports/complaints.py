"""Import of complaints (SCORING.md §8) into the canonical complaint table.

Identities are pseudonymised and free text redacted before anything is stored,
including the quarantine copy of a bad row.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd

from rapor import config
from rapor.imports.checks import (
    RowChecks,
    malformed_rows,
    record_import,
    shown,
    unchanged_import,
    write_quarantine,
)
from rapor.imports.files import CHUNK_ROWS, clean_cell, file_sha256, iter_table_chunks
from rapor.imports.result import ImportResult
from rapor.imports.timestamps import parse_timestamps
from rapor.policy import Policy, load_policy
from rapor.privacy import Keys, pseudonymise_series, redact_series
from rapor.registry import registry_lookup
from rapor.vocabulary import CHANNELS, KINDS
from rapor.warehouse import schema
from rapor.warehouse.db import bulk_upsert
from rapor.warehouse.pseudonyms import check_keyring

log = logging.getLogger(__name__)

COLUMNS = (
    "complaint_id",
    "region_code",
    "opd_code",
    "channel",
    "source",
    "kind",
    "received_at",
    "forwarded_at",
    "first_response_at",
    "resolved_at",
    "reporter",
    "text",
)
EVENT_COLUMNS = ("forwarded_at", "first_response_at", "resolved_at")
TIMESTAMP_COLUMNS = ("received_at", *EVENT_COLUMNS)


# Identifiers a malformed row's quarantine copy keeps (never reporter or free text).
KEPT_COLUMNS = ("source", "complaint_id", "region_code", "opd_code", "channel", "kind")


def import_complaints(engine, path: str | Path, key: Keys | None = None, chunk_rows: int = CHUNK_ROWS) -> ImportResult:
    """Import a complaints file, read and loaded ``chunk_rows`` rows at a time in one transaction.

    A file already imported (same checksum) is not read again when nothing its rows were
    checked against changed since (see ``unchanged_import``): the result repeats that import's
    counts and problems, says it was unchanged, and the lineage records the new import time.
    """
    key = key or config.pseudonym_keys()
    chunks = iter_table_chunks(path, COLUMNS, chunk_rows=chunk_rows)  # the header is checked here
    sha256 = file_sha256(Path(path))
    with engine.begin() as conn:
        previous = unchanged_import(conn, "complaints", str(path), sha256, schema.complaint)
        if previous is not None:
            chunks.close()
            record_import(conn, previous, sha256)
            log.info(previous.summary())
            return previous
        result = ImportResult("complaints", str(path), lines=0)
        lookup, policy = registry_lookup(conn), load_policy()  # once for the file, not per chunk
        for chunk in chunks:
            part = load_complaint_frame(
                conn,
                chunk.rows,
                source_file=str(path),
                sha256=sha256,
                key=key,
                malformed=malformed_rows(chunk, KEPT_COLUMNS),
                record=False,
                cleaned=True,
                lookup=lookup,
                policy=policy,
            )
            result.add(part, chunk.lines)
        record_import(conn, result, sha256)
    log.info(result.summary())
    return result


def load_complaint_frame(
    conn,
    raw: pd.DataFrame,
    *,
    source_file: str,
    sha256: str,
    key: Keys,
    malformed: tuple[list, dict] = ((), {}),
    record: bool = True,
    cleaned: bool = False,
    lookup: tuple[dict[str, str], set[tuple[str, str]]] | None = None,
    policy: Policy | None = None,
) -> ImportResult:
    """Check and load canonical complaint rows (the §8 columns, as text) in ``conn``'s transaction.

    The one path into ``complaint`` for the file import and the collectors: pseudonymise
    and redact, check set-wise, quarantine bad rows (keyed by ``sha256`` of the input and
    the row's index), upsert the rest. An optional boolean ``confidential`` column (the
    collectors' LAPOR! reports) is loaded too; without it the stored flag is left as is; so is an
    optional ``source_url`` (the collectors' link to the complaint at its source).
    ``record`` remembers the input in ``import_file`` (files; collectors keep their own index).
    ``cleaned``: the cells are already as ``clean_cell`` leaves them (read by ``imports.files``).
    ``lookup`` (``registry_lookup``) and ``policy``: read once by a caller loading many chunks.
    """
    malformed_problems, malformed_copies = malformed
    check_keyring(conn, key)  # never pseudonyms under another keyring than the stored ones
    # Personal data leaves the raw frame here: even quarantine copies are redacted.
    frame = raw.copy()
    if not cleaned:
        for column in (c for c in COLUMNS if c in frame):  # no NUL or control character reaches the database
            frame[column] = frame[column].map(lambda v: clean_cell(v) if isinstance(v, str) else v)
    raw = frame
    frame["reporter"] = pseudonymise_series(raw["reporter"].where(raw["reporter"] != ""), key)
    frame["text"] = redact_series(raw["text"].where(raw["text"] != ""))
    result = ImportResult("complaints", source_file, rows_total=len(frame) + len(malformed_problems))
    checks = RowChecks(frame, "source=" + frame["source"] + " complaint_id=" + frame["complaint_id"])

    zones, known_opds = lookup or registry_lookup(conn)
    checks.fit(schema.complaint)
    checks.require(("complaint_id", "region_code", "channel", "source", "kind", "received_at"))
    checks.known_to_registry(zones, known_opds)
    checks.one_of("channel", CHANNELS, "invalid_channel")
    checks.one_of("kind", KINDS, "invalid_kind")

    tz = frame["region_code"].map(zones).fillna("")
    policy = policy or load_policy()
    earliest = pd.Timestamp(policy.quality.earliest_plausible_date, tz="UTC")
    instants = {}
    for column in TIMESTAMP_COLUMNS:
        parsed = parse_timestamps(frame[column], tz)

        def value(mask, column=column):
            return column + " " + shown(frame[column][mask])

        checks.flag(
            parsed.unparsable, column, "invalid_timestamp", lambda m: value(m) + " is not an ISO 8601 timestamp"
        )
        checks.flag(
            parsed.nonexistent,
            column,
            "nonexistent_local_time",
            lambda m: value(m) + " does not exist in the region's time zone " + tz[m] + " (skipped by daylight saving)",
        )
        checks.flag(
            parsed.ambiguous,
            column,
            "ambiguous_local_time",
            lambda m: value(m) + " happens twice in the region's time zone " + tz[m] + ": give its offset",
        )
        # 1970 (a Unix zero), 1900 (Excel's zero date), year 1: a placeholder, not a complaint.
        earliest_text = policy.quality.earliest_plausible_date.isoformat()
        checks.flag(
            parsed.instants < earliest,
            column,
            "implausible_timestamp",
            lambda m, earliest_text=earliest_text: (
                value(m) + f" is before {earliest_text} (the policy's earliest date)"
            ),
        )
        instants[column] = parsed.instants.where(parsed.instants >= earliest)
    # Clocks of source systems drift: a few minutes ahead (the policy's tolerance) is not "in the future".
    tolerance = timedelta(minutes=policy.quality.future_tolerance_minutes)
    latest_allowed = pd.Timestamp(datetime.now(UTC) + tolerance)
    for column in TIMESTAMP_COLUMNS:
        checks.flag(instants[column] > latest_allowed, column, "future_timestamp", f"{column} is in the future")
    for column in EVENT_COLUMNS:
        checks.flag(
            instants[column] < instants["received_at"],
            column,
            "event_before_receipt",
            f"{column} is before received_at",
        )

    good = checks.good
    loaded = pd.DataFrame(
        {
            "source": frame["source"],
            "complaint_id": frame["complaint_id"],
            "region_code": frame["region_code"],
            "opd_code": frame["opd_code"].where(frame["opd_code"] != ""),
            "channel": frame["channel"],
            "kind": frame["kind"],
            **{column: instants[column] for column in TIMESTAMP_COLUMNS},
            "reporter_pseudonym": frame["reporter"],
            "text_redacted": frame["text"],
        }
    )
    if "confidential" in raw.columns:
        loaded["confidential"] = raw["confidential"].astype(bool)
    if "source_url" in raw.columns:
        loaded["source_url"] = raw["source_url"].where(raw["source_url"] != "")
    loaded = loaded[good]
    # A later row for the same complaint updates it: keep the last one of the input.
    loaded = loaded.drop_duplicates(["source", "complaint_id"], keep="last")
    loaded = loaded.assign(updated_at=pd.Timestamp(datetime.now(UTC)))
    bulk_upsert(conn, schema.complaint, loaded, ["source", "complaint_id"])
    result.rows_loaded = int(good.sum())
    result.problems = checks.problems + list(malformed_problems)
    write_quarantine(conn, result, sha256, frame, malformed_copies)
    if record:
        record_import(conn, result, sha256)
    return result
