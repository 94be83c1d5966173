"""Reading import files (CSV, TSV or .xlsx) as text, exactly as the user wrote them.

What Indonesian offices really produce is read as they meant it:

- the delimiter is sniffed from the header line (``,`` ``;`` as Excel writes in an
  Indonesian locale, or tab), whatever the file's suffix;
- header names are normalised (``Region Code``, ``region-code``, `` REGION_CODE`` are
  ``region_code``), and title rows above the header are skipped (in a workbook, the sheet
  is the one whose header holds the expected columns, not the first);
- real Excel date and datetime cells become local-time text (``2026-10-05`` /
  ``2026-10-05 09:30:00``), read in the region's zone by the timestamp parser like any
  other timestamp without an offset;
- NUL and other control characters are dropped from every cell;
- a quote that is opened and never closed would swallow the following rows into one cell:
  such a row is returned as malformed (``unterminated_quote``) and the rows after it are
  read on their own, so nothing vanishes inside a quoted cell.

Every physical line is accounted for (``LineCount``): data rows, lines continuing a quoted
cell, blank lines, title lines.
"""

from __future__ import annotations

import csv
import hashlib
import re
import sys
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path

import pandas as pd

from rapor.errors import InputFileError

# The spreadsheet row of the first data row when row 1 holds the header.
FIRST_DATA_ROW = 2
DELIMITERS = (",", ";", "\t")
DELIMITED_SUFFIXES = (".csv", ".tsv", ".txt", "")
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")
# Title rows above the header that are looked through before giving up.
_HEADER_SEARCH_ROWS = 20
# Control characters other than tab, line feed and carriage return (kept inside free text).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\n|\r|$)")
# One free-text cell may be long (a pasted letter); the csv module's default limit is 128 KiB.
csv.field_size_limit(min(sys.maxsize, 2**31 - 1))


@dataclass(frozen=True)
class MalformedRow:
    """A row that cannot be split into the header's cells: quarantined, never loaded."""

    row_number: int
    cells: list[str]
    rule: str  # "malformed_row" or "unterminated_quote"
    detail: str


@dataclass
class LineCount:
    """Where every physical line of the file went (rows = well-formed + malformed)."""

    lines: int = 0  # physical lines after the header
    blank: int = 0
    in_quoted_cells: int = 0  # lines that continue a quoted cell of the row above
    title: int = 0  # lines above the header (title rows of a workbook or CSV)


@dataclass
class TableFile:
    """A file's well-formed rows (indexed by row number) and its malformed ones."""

    rows: pd.DataFrame
    malformed: list[MalformedRow] = field(default_factory=list)
    header: list[str] = field(default_factory=list)
    lines: LineCount = field(default_factory=LineCount)

    @property
    def rows_total(self) -> int:
        return len(self.rows) + len(self.malformed)


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def normalise_header(name) -> str:
    """``Region Code`` / ``region-code`` / `` REGION_CODE `` -> ``region_code``."""
    text = _CONTROL.sub("", "" if name is None else str(name)).replace("\ufeff", "")
    return re.sub(r"[\s_-]+", "_", text.strip().casefold()).strip("_")


def clean_cell(value: str) -> str:
    """A cell as stored: control characters (NUL, escape, ...) dropped, edges stripped."""
    return _CONTROL.sub("", value).strip()


def _header_index(rows: list[list[str]], columns: tuple[str, ...]) -> int | None:
    """Index of the header among the first rows: the first holding every expected column.

    Without expected columns (a format still to be recognised), the first row with at
    least two non-empty cells (a merged title row has one).
    """
    for index, cells in enumerate(rows[:_HEADER_SEARCH_ROWS]):
        names = {normalise_header(c) for c in cells}
        if columns and set(columns) <= names:
            return index
        if not columns and sum(bool(str(c).strip()) for c in cells) >= 2:
            return index
    return None


# --- delimited text ------------------------------------------------------------------------


def _physical_lines(text: str) -> list[str]:
    lines = _LINE.findall(text)
    return lines[:-1] if lines and lines[-1] == "" else lines


def _one_record(lines: list[str], start: int, delimiter: str) -> tuple[list[str], int]:
    """The record starting at line ``start`` and the number of lines it spans."""
    reader = csv.reader(iter(lines[start:]), delimiter=delimiter)
    cells = next(reader, [])
    return cells, max(reader.line_num, 1)


def _sniff_delimiter(first_lines: list[str], columns: tuple[str, ...], suffix: str) -> str:
    """The delimiter under which a header line holds the most expected columns.

    Then the one splitting the first line into the most cells (a semicolon inside a quoted
    text further down cannot win), then the suffix's own (tab for .tsv, else comma).
    """

    def cells(line: str, delimiter: str) -> list[str]:
        return next(csv.reader([line], delimiter=delimiter), [])

    def score(delimiter: str) -> tuple[int, int, bool]:
        expected = max(len({normalise_header(c) for c in cells(ln, delimiter)} & set(columns)) for ln in first_lines)
        return expected, len(cells(first_lines[0], delimiter)), delimiter == ("\t" if suffix == ".tsv" else ",")

    return max(DELIMITERS, key=score)


def _looks_like_rows(continuation: list[str], delimiter: str, width: int) -> bool:
    """Whether lines inside a quoted cell would, read alone, be rows of the file's width."""
    return width > 1 and any(
        len(next(csv.reader([line], delimiter=delimiter), [])) == width for line in continuation if line.strip()
    )


def _read_delimited(path: Path, columns: tuple[str, ...], suffix: str):
    """Header, well-formed rows, malformed rows and line counts; rows numbered as a spreadsheet shows them."""
    with open(path, newline="", encoding="utf-8-sig") as handle:
        lines = _physical_lines(handle.read())
    if not any(line.strip() for line in lines):
        raise InputFileError(path, "the file is empty (no header row)")
    delimiter = _sniff_delimiter([ln for ln in lines[:_HEADER_SEARCH_ROWS] if ln.strip()], columns, suffix)
    records = _records(lines, delimiter)
    candidates = [(i, cells) for i, (cells, _, _) in enumerate(records[:_HEADER_SEARCH_ROWS]) if cells]
    found = _header_index([cells for _, cells in candidates], columns)
    header_at = candidates[found if found is not None else 0][0]
    header = records[header_at][0]
    count = LineCount(title=sum(spanned for _, spanned, _ in records[:header_at]))
    good, bad = [], []
    for ordinal, (cells, spanned, stray) in enumerate(records[header_at + 1 :], start=header_at + 2):
        count.lines += spanned
        if not any(c.strip() for c in cells):
            count.blank += spanned
        elif stray:
            detail = "a quote opened in this row is never closed (the rows below would be merged into it)"
            bad.append(MalformedRow(ordinal, cells, "unterminated_quote", detail))
        elif len(cells) == len(header):
            count.in_quoted_cells += spanned - 1
            good.append((ordinal, cells))
        else:
            count.in_quoted_cells += spanned - 1
            detail = f"row has {len(cells)} cells but the header has {len(header)}"
            bad.append(MalformedRow(ordinal, cells, "malformed_row", detail))
    return header, good, bad, count


def _records(lines: list[str], delimiter: str) -> list[tuple[list[str], int, bool]]:
    """Every record with the number of lines it spans, and whether it opens a stray quote.

    A quoted cell may hold line breaks (a letter pasted into Excel). But when the lines
    inside it would, read alone, be rows of the file's width, the quote was a typing slip:
    that line becomes a record of its own (quotes dropped, flagged) and the next line
    starts a new record, so the rows it would have swallowed still load.
    """
    records = []
    position = 0
    width = 0
    while position < len(lines):
        cells, spanned = _one_record(lines, position, delimiter)
        if spanned > 1 and _looks_like_rows(lines[position + 1 : position + spanned], delimiter, width):
            alone = next(csv.reader([lines[position].replace('"', "")], delimiter=delimiter), [])
            records.append((alone, 1, True))
            position += 1
            continue
        if any(c.strip() for c in cells):
            width = max(width, len(cells))  # the header's, once past any title rows
        records.append((cells, spanned, False))
        position += spanned
    return records


# --- workbooks -----------------------------------------------------------------------------


def _excel_text(value, number_format: str) -> str:
    """A workbook cell as the text a user typed: dates as ISO local time, integers without ``.0``."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        has_time = value.time() != time(0) or any(t in number_format.lower() for t in ("h", "s"))
        return value.strftime("%Y-%m-%d %H:%M:%S") if has_time else value.strftime("%Y-%m-%d")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return value.isoformat()
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _read_workbook(path: Path, columns: tuple[str, ...]):
    from openpyxl import load_workbook

    book = load_workbook(path, read_only=True, data_only=True)
    try:
        sheets = []
        for sheet in book.worksheets:
            rows = [[_excel_text(c.value, c.number_format or "") for c in row] for row in sheet.iter_rows()]
            sheets.append((sheet.title, rows))
    finally:
        book.close()
    chosen = None
    for title, rows in sheets:
        index = _header_index(rows, columns)
        if index is not None:
            chosen = (title, rows, index)
            break
    if chosen is None:
        if not sheets or not any(any(c for c in r) for r in sheets[0][1]):
            raise InputFileError(path, "the workbook is empty (no header row)")
        chosen = (sheets[0][0], sheets[0][1], 0)  # reported as missing columns by the caller
    _, rows, index = chosen
    header = rows[index]
    while header and not header[-1].strip():
        header = header[:-1]
    count = LineCount(title=index)
    good, bad = [], []
    for offset, cells in enumerate(rows[index + 1 :], start=index + 2):
        count.lines += 1
        if not any(c.strip() for c in cells):
            count.blank += 1
            continue
        extra = cells[len(header) :]
        if any(c.strip() for c in extra):
            detail = f"row has cells beyond the header's {len(header)} columns"
            bad.append(MalformedRow(offset, cells, "malformed_row", detail))
            continue
        good.append((offset, (cells + [""] * len(header))[: len(header)]))
    return header, good, bad, count


# --- the one entry point -------------------------------------------------------------------


def read_table_file(path: str | Path, columns: tuple[str, ...], optional: tuple[str, ...] = ()) -> TableFile:
    """Read a file with a header row; every cell a stripped string, "" when empty.

    ``optional`` columns may be absent from the header (their cells are then "").

    Raises InputFileError naming the file when it cannot be read at all or lacks
    columns. A row with the wrong number of cells is returned as malformed (to be
    quarantined), not raised: the rest of the file still loads.
    """
    path = Path(path)
    if not path.is_file():
        raise InputFileError(path, "file not found")
    suffix = path.suffix.lower()
    try:
        if suffix in WORKBOOK_SUFFIXES:
            header, good, malformed, count = _read_workbook(path, columns)
        elif suffix in DELIMITED_SUFFIXES:
            header, good, malformed, count = _read_delimited(path, columns, suffix)
        else:
            raise InputFileError(path, f"unsupported file type {suffix!r}: use .csv, .tsv or .xlsx")
    except InputFileError:
        raise
    except UnicodeDecodeError as exc:
        line = path.read_bytes()[: exc.start].count(b"\n") + 1
        raise InputFileError(
            path, f"not UTF-8 text ({exc.reason} at byte {exc.start}, line {line}): save it as CSV UTF-8"
        ) from None
    except Exception as exc:  # noqa: BLE001 - openpyxl/csv raise many types; the user needs the file name
        raise InputFileError(path, f"cannot be read as {suffix or 'CSV'}: {exc}") from None
    names = [normalise_header(c) for c in header]
    missing = [c for c in columns if c not in names]
    if missing:
        raise InputFileError(path, f"missing column(s) {', '.join(missing)}; expected header: {', '.join(columns)}")
    duplicated = sorted({c for c in (*columns, *optional) if names.count(c) > 1})
    if duplicated:
        raise InputFileError(path, f"column(s) {', '.join(duplicated)} appear more than once in the header")
    present = [c for c in optional if c in names]
    positions = [names.index(c) for c in (*columns, *present)]
    frame = pd.DataFrame(
        [[clean_cell(cells[i]) for i in positions] for _, cells in good], columns=[*columns, *present], dtype=object
    )
    if not columns:
        frame = pd.DataFrame(index=range(len(good)))
    for column in optional:
        if column not in present:
            frame[column] = ""
    columns = (*columns, *optional)
    for column in columns:
        frame[column] = frame[column].astype(str)
    frame.index = pd.Index([n for n, _ in good], dtype="int64", name="row_number")
    cleaned = [MalformedRow(m.row_number, [clean_cell(c) for c in m.cells], m.rule, m.detail) for m in malformed]
    return TableFile(frame, cleaned, names, count)


def read_table(path: str | Path, columns: tuple[str, ...]) -> pd.DataFrame:
    """The well-formed rows of a file (see read_table_file)."""
    return read_table_file(path, columns).rows
