"""Import of the registry: regions (with their time zone) and their OPDs."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import available_timezones

from rapor.imports.checks import RowChecks, finish_file_import, malformed_rows, shown
from rapor.imports.files import read_table_file
from rapor.imports.result import ImportResult
from rapor.warehouse import schema
from rapor.warehouse.db import upsert

log = logging.getLogger(__name__)

COLUMNS = ("region_code", "region_name", "timezone", "opd_code", "opd_name")


def import_registry(engine, path: str | Path) -> ImportResult:
    table = read_table_file(path, COLUMNS)
    frame = table.rows
    result = ImportResult("registry", str(path), rows_total=table.rows_total)
    result.count_lines(table)
    checks = RowChecks(frame, frame["region_code"] + "/" + frame["opd_code"])
    checks.fit(schema.region)
    checks.fit(schema.opd)
    checks.require(COLUMNS)
    checks.flag(
        (frame["timezone"] != "") & ~frame["timezone"].isin(available_timezones()),
        "timezone",
        "invalid_timezone",
        "timezone " + shown(frame["timezone"]) + " is not an IANA time zone (e.g. Asia/Makassar)",
    )
    # One OPD code, one OPD: the same code with another name is refused, not silently the last one.
    same_code = frame[checks.good].groupby(["region_code", "opd_code"])["opd_name"].transform("nunique")
    checks.flag(
        (same_code.reindex(frame.index).fillna(1) > 1) & checks.good,
        "opd_code",
        "duplicate_opd_code",
        "opd_code "
        + shown(frame["opd_code"])
        + " appears more than once in region "
        + shown(frame["region_code"])
        + " with different names",
    )
    # A region has one name and one zone: rows that disagree with the region's first row are held.
    first = (
        frame[checks.good].groupby("region_code")[["region_name", "timezone"]].transform("first").reindex(frame.index)
    )
    conflict = checks.good & ((frame["region_name"] != first["region_name"]) | (frame["timezone"] != first["timezone"]))
    checks.flag(
        conflict, "timezone", "conflicting_region", "region name or time zone differs from the region's first row"
    )

    good = frame[checks.good].drop_duplicates(["region_code", "opd_code"], keep="last")
    now = datetime.now(UTC)
    regions = good.drop_duplicates("region_code")[["region_code", "region_name", "timezone"]]
    opds = good[["region_code", "opd_code", "opd_name"]]
    with engine.begin() as conn:
        upsert(conn, schema.region, [{**r, "updated_at": now} for r in regions.to_dict("records")], ["region_code"])
        upsert(
            conn,
            schema.opd,
            [{**r, "active": True, "updated_at": now} for r in opds.to_dict("records")],
            ["region_code", "opd_code"],
        )
        finish_file_import(conn, result, checks, path, malformed_rows(table, COLUMNS))
    log.info(result.summary())
    return result
