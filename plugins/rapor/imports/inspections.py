"""Import of inspection results (sidak or verified self-assessment), SCORING.md §8."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from rapor.imports.checks import RowChecks, finish_file_import, malformed_rows, shown
from rapor.imports.files import read_table_file
from rapor.imports.result import ImportResult
from rapor.policy import load_policy
from rapor.registry import registry_lookup
from rapor.vocabulary import DIMENSIONS
from rapor.warehouse import schema
from rapor.warehouse.db import upsert

log = logging.getLogger(__name__)

COLUMNS = ("region_code", "opd_code", "inspected_at", "dimension", "indicator", "score")


def import_inspections(engine, path: str | Path) -> ImportResult:
    table = read_table_file(path, COLUMNS)
    frame = table.rows
    result = ImportResult("inspections", str(path), rows_total=table.rows_total)
    result.count_lines(table)
    keys = frame["region_code"] + "/" + frame["opd_code"] + "/" + frame["inspected_at"] + "/" + frame["indicator"]
    checks = RowChecks(frame, keys)
    with engine.connect() as conn:
        zones, known_opds = registry_lookup(conn)
    checks.fit(schema.inspection)
    checks.require(COLUMNS)
    checks.known_to_registry(zones, known_opds)
    checks.one_of("dimension", DIMENSIONS, "invalid_dimension")
    # A workbook's date cell may carry a midnight time ("2026-10-05 00:00:00"): still that day.
    day = frame["inspected_at"].str.replace(r"^(\d{4}-\d{2}-\d{2})[T ]00:00(?::00)?$", r"\1", regex=True)
    inspected_on = pd.to_datetime(day, format="%Y-%m-%d", errors="coerce")
    checks.flag(
        (frame["inspected_at"] != "") & inspected_on.isna(),
        "inspected_at",
        "invalid_date",
        "inspected_at " + shown(frame["inspected_at"]) + " is not a date YYYY-MM-DD",
    )
    earliest = load_policy().quality.earliest_plausible_date
    checks.flag(
        inspected_on < pd.Timestamp(earliest),
        "inspected_at",
        "implausible_date",
        "inspected_at "
        + shown(frame["inspected_at"])
        + f" is before {earliest.isoformat()} (the policy's earliest date)",
    )
    is_score = frame["score"].str.fullmatch(r"[0-3]")  # an integer 0-3, not "2.0" or "3,5"
    score = pd.to_numeric(frame["score"].where(is_score), errors="coerce")
    checks.flag(
        (frame["score"] != "") & ~is_score,
        "score",
        "score_out_of_range",
        "score " + shown(frame["score"]) + " is not an integer 0-3",
    )

    good = checks.good
    loaded = pd.DataFrame(
        {
            "region_code": frame["region_code"],
            "opd_code": frame["opd_code"],
            "inspected_on": inspected_on.dt.date,
            "indicator": frame["indicator"],
            "dimension": frame["dimension"],
            "score": score,
        }
    )[good].drop_duplicates(["region_code", "opd_code", "inspected_on", "indicator"], keep="last")
    now = datetime.now(UTC)
    rows = [{**r, "score": int(r["score"]), "updated_at": now} for r in loaded.to_dict("records")]
    with engine.begin() as conn:
        upsert(conn, schema.inspection, rows, ["region_code", "opd_code", "inspected_on", "indicator"])
        finish_file_import(conn, result, checks, path, malformed_rows(table, COLUMNS))
    log.info(result.summary())
    return result
