"""The §7 scorecard CSV (SCORING.md §7): its columns and its one writer.

The monthly export (``scorecard-YYYY-MM.csv``), every published revision (``scorecard.csv``)
and the re-computation that verifies a revision all spell the CSV through
``scorecard_csv_bytes``: a revision stays byte-identical only because they agree.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from sqlalchemy import select

from rapor.cells import safe_text
from rapor.scoring.periods import Period
from rapor.storage import Location, write_atomically
from rapor.warehouse import schema

CSV_COLUMNS = (
    "period",
    "region_code",
    "opd_code",
    "opd_name",
    "n_first_response",
    "n_first_response_on_time",
    "r1",
    "n_resolution",
    "n_resolution_on_time",
    "r2",
    "n_open",
    "n_open_overdue",
    "r3",
    "s_resp",
    "s_sop",
    "index",
    "category",
    "zone",
    "status",
    "tpp_cut_pct",
    "method_version",
)
# The stored field behind each CSV column, and its decimal places (None: as it is).
_FIELDS = {"index": "index_score"}
_PLACES = {"r1": 4, "r2": 4, "r3": 4, "s_resp": 2, "s_sop": 2, "index": 2, "tpp_cut_pct": 2}


# The text columns (names, codes, words): neutralised against formula injection (rapor.cells).
_TEXT = ("period", "region_code", "opd_code", "opd_name", "category", "zone", "status", "method_version")


def _cell(value, places: int | None, text: bool) -> str:
    if value is None:
        return ""
    if text:
        return safe_text(str(value))
    return str(value) if places is None else format(value, f".{places}f")


def csv_cells(row: dict) -> list[str]:
    """One scorecard row (stored, or computed by ``score_rows``) as its §7 CSV cells."""
    return [_cell(row[_FIELDS.get(column, column)], _PLACES.get(column), column in _TEXT) for column in CSV_COLUMNS]


def scorecard_csv_rows(rows: Iterable[dict]) -> list[list[str]]:
    """The cells of ``rows`` ordered by region and OPD code (code-point order on every database)."""
    return [csv_cells(r) for r in sorted(rows, key=lambda r: (r["region_code"], r["opd_code"]))]


def scorecard_csv_bytes(rows: Iterable[dict]) -> bytes:
    """The §7 CSV of ``rows``: header, one line per OPD, UTF-8, ``\\n`` line ends."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    writer.writerows(scorecard_csv_rows(rows))
    return buffer.getvalue().encode("utf-8")


def read_scorecard_rows(engine, period: Period, region_codes: list[str]) -> list[dict]:
    """The stored scorecard rows of ``period`` for the regions."""
    sc = schema.scorecard
    with engine.connect() as conn:
        result = conn.execute(select(sc).where(sc.c.period == str(period), sc.c.region_code.in_(region_codes)))
        return [dict(r) for r in result.mappings()]


def write_scorecard_csv(engine, period: Period, region_codes: list[str], path: Location) -> Location:
    """Write the §7 CSV of the stored rows for the regions and month (a folder's file or the output store's),
    replaced whole."""
    write_atomically(path, scorecard_csv_bytes(read_scorecard_rows(engine, period, region_codes)))
    return path
