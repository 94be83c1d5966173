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

import codecs
import csv
import hashlib
import re
import sys
from collections import deque
from collections.abc import Iterator
from contextlib import closing, contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import date, datetime, time
from itertools import chain, islice
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


class _Lines:
    """The file's physical lines, read as needed, with lines pushed back to be read again."""

    def __init__(self, handle):
        self._lines = iter(handle)
        self._back: deque[str] = deque()

    def __iter__(self):
        return self

    def __next__(self) -> str:
        return self._back.popleft() if self._back else next(self._lines)

    def push_back(self, lines: list[str]) -> None:
        self._back.extendleft(reversed(lines))


def _check_utf8(path: Path) -> None:
    """Refuse a file that is not UTF-8 before any of it is read as rows (streamed, in blocks)."""
    decoder = codecs.getincrementaldecoder("utf-8-sig")()
    try:
        with open(path, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                decoder.decode(block)
            decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        # The error as reading the whole file reports it (its byte offset and line are the file's).
        with open(path, newline="", encoding="utf-8-sig") as handle:
            handle.read()
        raise


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


def _open_delimited(path: Path, columns: tuple[str, ...], suffix: str):
    """Header, title line count and the rows after the header as events (see ``_row_events``).

    The file is read line by line as the events are consumed: never whole.
    """
    _check_utf8(path)
    handle = open(path, newline="", encoding="utf-8-sig")  # noqa: SIM115 - closed by the caller, after the rows
    try:
        lines = _Lines(handle)
        first = list(islice(lines, _HEADER_SEARCH_ROWS))
        lines.push_back(first)
        if not any(line.strip() for line in first) and not any(line.strip() for line in lines):
            raise InputFileError(path, "the file is empty (no header row)")
        delimiter = _sniff_delimiter([ln for ln in first if ln.strip()], columns, suffix)
        records = _records(lines, delimiter)
        head = list(islice(records, _HEADER_SEARCH_ROWS))
        candidates = [(i, cells) for i, (cells, _, _) in enumerate(head) if cells]
        found = _header_index([cells for _, cells in candidates], columns)
        header_at = candidates[found if found is not None else 0][0]
    except BaseException:
        handle.close()
        raise
    header = head[header_at][0]
    title = sum(spanned for _, spanned, _ in head[:header_at])
    events = _row_events(chain(head[header_at + 1 :], records), header, header_at + 2)
    return header, title, events, handle


def _row_events(records, header: list[str], first_ordinal: int):
    """("good" | "bad" | "blank", row number, cells or MalformedRow, lines spanned, lines in quoted cells)."""
    for ordinal, (cells, spanned, stray) in enumerate(records, start=first_ordinal):
        if not "".join(cells).strip():
            yield "blank", ordinal, cells, spanned, 0
        elif stray:
            detail = "a quote opened in this row is never closed (the rows below would be merged into it)"
            yield "bad", ordinal, MalformedRow(ordinal, cells, "unterminated_quote", detail), spanned, 0
        elif len(cells) == len(header):
            yield "good", ordinal, cells, spanned, spanned - 1
        else:
            detail = f"row has {len(cells)} cells but the header has {len(header)}"
            yield "bad", ordinal, MalformedRow(ordinal, cells, "malformed_row", detail), spanned, spanned - 1


def _records(lines: _Lines, delimiter: str):
    """Every record with the number of lines it spans, and whether it opens a stray quote.

    A quoted cell may hold line breaks (a letter pasted into Excel). But when the lines
    inside it would, read alone, be rows of the file's width, the quote was a typing slip:
    that line becomes a record of its own (quotes dropped, flagged) and the next line
    starts a new record, so the rows it would have swallowed still load.
    """
    width = 0
    for line in lines:
        if '"' not in line:  # no quote: the record is this line
            cells, spanned = next(csv.reader([line], delimiter=delimiter), []), 1
        else:
            consumed = [line]

            def feed(first=line, consumed=consumed):
                yield first
                for more in lines:
                    consumed.append(more)
                    yield more

            reader = csv.reader(feed(), delimiter=delimiter)
            cells = next(reader, [])
            spanned = max(reader.line_num, 1)
            lines.push_back(consumed[spanned:])
            if spanned > 1 and _looks_like_rows(consumed[1:spanned], delimiter, width):
                lines.push_back(consumed[1:spanned])
                yield next(csv.reader([line.replace('"', "")], delimiter=delimiter), []), 1, True
                continue
        if "".join(cells).strip():
            width = max(width, len(cells))  # the header's, once past any title rows
        yield cells, spanned, False


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
    events = []
    for offset, cells in enumerate(rows[index + 1 :], start=index + 2):
        if not any(c.strip() for c in cells):
            events.append(("blank", offset, cells, 1, 0))
        elif any(c.strip() for c in cells[len(header) :]):
            detail = f"row has cells beyond the header's {len(header)} columns"
            events.append(("bad", offset, MalformedRow(offset, cells, "malformed_row", detail), 1, 0))
        else:
            events.append(("good", offset, (cells + [""] * len(header))[: len(header)], 1, 0))
    return header, index, iter(events), None


# --- the one entry point -------------------------------------------------------------------


# Rows per chunk of a streamed file: a few tens of MiB of cells.
CHUNK_ROWS = 50_000


def _reading_errors(path: Path, suffix: str):
    """Turn what reading a file can raise into an ``InputFileError`` naming the file."""

    @contextmanager
    def guard():
        try:
            yield
        except InputFileError:
            raise
        except UnicodeDecodeError as exc:
            line = path.read_bytes()[: exc.start].count(b"\n") + 1
            raise InputFileError(
                path, f"not UTF-8 text ({exc.reason} at byte {exc.start}, line {line}): save it as CSV UTF-8"
            ) from None
        except Exception as exc:  # noqa: BLE001 - openpyxl/csv raise many types; the user needs the file name
            raise InputFileError(path, f"cannot be read as {suffix or 'CSV'}: {exc}") from None

    return guard


def iter_table_chunks(
    path: str | Path, columns: tuple[str, ...], optional: tuple[str, ...] = (), chunk_rows: int = CHUNK_ROWS
) -> Iterator[TableFile]:
    """Read a file with a header row in chunks of at most ``chunk_rows`` rows (see read_table_file).

    The header is read and checked at once (a missing column raises here, before any row);
    the rows follow as they are read: a delimited file is never held whole in memory. Each
    chunk's ``lines`` counts its own lines (the first chunk also the title lines); there is
    always at least one chunk.
    """
    path = Path(path)
    if not path.is_file():
        raise InputFileError(path, "file not found")
    suffix = path.suffix.lower()
    guard = _reading_errors(path, suffix)
    with guard():
        if suffix in WORKBOOK_SUFFIXES:
            header, title, events, handle = _read_workbook(path, columns)
        elif suffix in DELIMITED_SUFFIXES:
            header, title, events, handle = _open_delimited(path, columns, suffix)
        else:
            raise InputFileError(path, f"unsupported file type {suffix!r}: use .csv, .tsv or .xlsx")
    names = [normalise_header(c) for c in header]
    missing = [c for c in columns if c not in names]
    duplicated = sorted({c for c in (*columns, *optional) if names.count(c) > 1})
    if missing or duplicated:
        if handle is not None:
            handle.close()
        if missing:
            raise InputFileError(path, f"missing column(s) {', '.join(missing)}; expected header: {', '.join(columns)}")
        raise InputFileError(path, f"column(s) {', '.join(duplicated)} appear more than once in the header")
    present = [c for c in optional if c in names]
    positions = [names.index(c) for c in (*columns, *present)]
    return _chunks(guard, handle, events, names, columns, optional, present, positions, title, chunk_rows)


def _chunks(
    guard, handle, events, names, columns, optional, present, positions, title, chunk_rows
) -> Iterator[TableFile]:
    count = LineCount(title=title)
    good: list[tuple[int, list[str]]] = []
    malformed: list[MalformedRow] = []
    yielded = False
    with closing(handle) if handle is not None else nullcontext(), guard():
        for kind, ordinal, payload, spanned, in_quoted in events:
            count.lines += spanned
            count.in_quoted_cells += in_quoted
            if kind == "blank":
                count.blank += spanned
                continue
            if kind == "good":
                good.append((ordinal, payload))
            else:
                malformed.append(payload)
            if len(good) + len(malformed) >= chunk_rows:
                yield _table_chunk(good, malformed, names, columns, optional, present, positions, count)
                yielded = True
                count, good, malformed = LineCount(), [], []
    if good or malformed or count.lines or not yielded:
        yield _table_chunk(good, malformed, names, columns, optional, present, positions, count)


def _clean_row(cells: list[str], positions: list[int]) -> list[str]:
    """The row's cells at ``positions``, as ``clean_cell`` leaves them (one search for the row)."""
    if _CONTROL.search("\t".join(cells)):  # tab is kept: it cannot be a false alarm
        return [clean_cell(cells[i]) for i in positions]
    return [cells[i].strip() for i in positions]


def _table_chunk(good, malformed, names, columns, optional, present, positions, count) -> TableFile:
    rows = [_clean_row(cells, positions) for _, cells in good]
    frame = pd.DataFrame(rows, columns=[*columns, *present], dtype=object)
    if not columns:
        frame = pd.DataFrame(index=range(len(good)))
    for column in optional:
        if column not in present:
            frame[column] = ""
    for column in (*columns, *optional):
        frame[column] = frame[column].astype(str)
    frame.index = pd.Index([n for n, _ in good], dtype="int64", name="row_number")
    cleaned = [MalformedRow(m.row_number, [clean_cell(c) for c in m.cells], m.rule, m.detail) for m in malformed]
    return TableFile(frame, cleaned, names, count)


def read_table_file(path: str | Path, columns: tuple[str, ...], optional: tuple[str, ...] = ()) -> TableFile:
    """Read a file with a header row; every cell a stripped string, "" when empty.

    ``optional`` columns may be absent from the header (their cells are then "").

    Raises InputFileError naming the file when it cannot be read at all or lacks
    columns. A row with the wrong number of cells is returned as malformed (to be
    quarantined), not raised: the rest of the file still loads.
    """
    (table,) = iter_table_chunks(path, columns, optional, chunk_rows=sys.maxsize)
    return table


def read_table(path: str | Path, columns: tuple[str, ...]) -> pd.DataFrame:
    """The well-formed rows of a file (see read_table_file)."""
    return read_table_file(path, columns).rows
