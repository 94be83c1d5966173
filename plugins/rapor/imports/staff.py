"""Import of the OPD officials named in the BKD file: heads and complaint handlers.

Format (CSV or .xlsx, UTF-8, header row): ``region_code, opd_code, role, name, nip`` and an
optional ``email``, with ``role`` ∈ {kepala, pengelola_pengaduan}, ``nip`` the 18-digit
civil-servant number and ``email`` a work address (the early warning goes to the complaint
handlers' addresses). Officials' names and work addresses are public-office data (unlike
complainants'), so they are stored as given.

The file is the region's current list: for every region with at least one good row, the
stored officials are replaced by the file's, so a head who left disappears. Rows that
break a rule are quarantined like any other import.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import and_, delete, select

from rapor.imports.checks import RowChecks, finish_file_import, malformed_rows, shown
from rapor.imports.files import read_table_file
from rapor.imports.result import ImportResult
from rapor.registry import registry_lookup
from rapor.warehouse import schema
from rapor.warehouse.db import insert_ignoring_duplicates, upsert

log = logging.getLogger(__name__)

COLUMNS = ("region_code", "opd_code", "role", "name", "nip")
OPTIONAL_COLUMNS = ("email",)
ROLES = ("kepala", "pengelola_pengaduan")
HANDLER = "pengelola_pengaduan"
EMAIL_PATTERN = r"[^@\s]+@[^@\s]+\.[^@\s]+"


def import_staff(engine, path: str | Path) -> ImportResult:
    table = read_table_file(path, COLUMNS, OPTIONAL_COLUMNS)
    frame = table.rows
    result = ImportResult("staff", str(path), rows_total=table.rows_total)
    result.count_lines(table)
    checks = RowChecks(frame, frame["region_code"] + "/" + frame["opd_code"] + "/" + frame["role"] + "/" + frame["nip"])
    with engine.connect() as conn:
        zones, known_opds = registry_lookup(conn)
    checks.fit(schema.opd_staff)
    checks.require(COLUMNS)
    checks.known_to_registry(zones, known_opds)
    checks.one_of("role", ROLES, "invalid_role")
    checks.flag(
        (frame["nip"] != "") & ~frame["nip"].str.fullmatch(r"\d{18}"),
        "nip",
        "invalid_nip",
        "nip " + frame["nip"].pipe(shown) + " is not an 18-digit NIP",
    )
    checks.flag(
        (frame["email"] != "") & ~frame["email"].str.fullmatch(EMAIL_PATTERN),
        "email",
        "invalid_email",
        "email " + frame["email"].map(repr) + " is not an e-mail address",
    )
    good = frame[checks.good].drop_duplicates(["region_code", "opd_code", "role", "nip"], keep="last")
    now = datetime.now(UTC)
    rows = [
        {**r, "email": r["email"] or None, "updated_at": now}
        for r in good[[*COLUMNS, *OPTIONAL_COLUMNS]].to_dict("records")
    ]
    with engine.begin() as conn:
        replace_region_rows(conn, schema.opd_staff, rows, ["region_code", "opd_code", "role", "nip"])
        finish_file_import(conn, result, checks, path, malformed_rows(table, ("region_code", "opd_code", "role")))
    log.info(result.summary())
    return result


def replace_region_rows(conn, table, rows: list[dict], keys: list[str]) -> None:
    """Make the stored rows of each region in ``rows`` equal to ``rows``.

    Rows whose key is no longer listed are deleted; the rest are upserted, so an
    identical re-import leaves every row (and its ``updated_at``) untouched.
    """
    wanted = {tuple(r[k] for k in keys) for r in rows}
    for region_code in sorted({r["region_code"] for r in rows}):
        stored = conn.execute(select(*(table.c[k] for k in keys)).where(table.c.region_code == region_code)).all()
        for key in (tuple(s) for s in stored):
            if key not in wanted:
                conn.execute(delete(table).where(and_(*(table.c[k] == v for k, v in zip(keys, key, strict=True)))))
    if rows and set(rows[0]) - set(keys) - {"updated_at"}:
        upsert(conn, table, rows, keys)
    else:  # every column is part of the key: a stored row is already equal
        insert_ignoring_duplicates(conn, table, rows, keys)
