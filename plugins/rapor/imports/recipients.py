"""Import of the addresses that receive the publication e-mails of a region.

Format (CSV or .xlsx, UTF-8, header row): ``region_code, recipient, email`` with
``recipient`` ∈ {inspektorat, bkd}: institutional mailboxes, one row per address. Like the
staff list, the file replaces the stored addresses of every region it names.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path

from rapor.imports.checks import RowChecks, finish_file_import, malformed_rows, shown
from rapor.imports.files import read_table_file
from rapor.imports.result import ImportResult
from rapor.imports.staff import replace_region_rows
from rapor.registry import registry_lookup
from rapor.warehouse import schema

log = logging.getLogger(__name__)

COLUMNS = ("region_code", "recipient", "email")
RECIPIENTS = ("inspektorat", "bkd")
_EMAIL = r"[^@\s,;<>]+@[^@\s,;<>]+\.[^@\s,;<>]+"


def import_recipients(engine, path: str | Path) -> ImportResult:
    table = read_table_file(path, COLUMNS)
    frame = table.rows
    result = ImportResult("recipients", str(path), rows_total=table.rows_total)
    result.count_lines(table)
    checks = RowChecks(frame, frame["region_code"] + "/" + frame["recipient"] + "/" + frame["email"])
    with engine.connect() as conn:
        zones, _ = registry_lookup(conn)
    checks.fit(schema.notification_recipient)
    checks.require(COLUMNS)
    checks.flag(
        (frame["region_code"] != "") & ~frame["region_code"].isin(list(zones)),
        "region_code",
        "unknown_region",
        "region_code " + frame["region_code"].pipe(shown) + " is not in the registry",
    )
    checks.one_of("recipient", RECIPIENTS, "invalid_recipient")
    checks.flag(
        (frame["email"] != "") & ~frame["email"].str.fullmatch(_EMAIL),
        "email",
        "invalid_email",
        "email " + frame["email"].pipe(shown) + " is not an e-mail address",
    )
    good = frame[checks.good].drop_duplicates(list(COLUMNS), keep="last")
    now = datetime.now(UTC)
    rows = [{**r, "updated_at": now} for r in good[list(COLUMNS)].to_dict("records")]
    with engine.begin() as conn:
        replace_region_rows(conn, schema.notification_recipient, rows, list(COLUMNS))
        finish_file_import(conn, result, checks, path, malformed_rows(table, ("region_code", "recipient")))
    log.info(result.summary())
    return result
