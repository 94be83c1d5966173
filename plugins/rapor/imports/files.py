"""Reading import files (CSV, TSV or .xlsx) as text, exactly as the user wrote them."""

from __future__ import annotations

import csv
import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from rapor.errors import InputFileError

# The spreadsheet row of the first data row: row 1 holds the header.
FIRST_DATA_ROW = 2


@dataclass
class TableFile:
    """A file's well-formed rows (indexed by row number) and its malformed ones."""

    rows: pd.DataFrame
    malformed: list[tuple[int, list[str]]] = field(default_factory=list)  # (row number, cells)
    header: list[str] = field(default_factory=list)


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _read_delimited(
    path: Path, delimiter: str
) -> tuple[list[str], list[tuple[int, list[str]]], list[tuple[int, list[str]]]]:
    """Header, well-formed rows and malformed rows (wrong number of cells), with row numbers."""
    good, bad = [], []
    with open(path, newline="", encoding="utf-8-sig") as handle:
        reader = csv.reader(handle, delimiter=delimiter)
        header = next(reader, None)
        if header is None:
            raise InputFileError(path, "the file is empty (no header row)")
        for number, cells in enumerate(reader, start=FIRST_DATA_ROW):
            if not any(c.strip() for c in cells):
                continue  # blank line
            (good if len(cells) == len(header) else bad).append((number, cells))
    return header, good, bad


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
    malformed: list[tuple[int, list[str]]] = []
    try:
        if suffix in (".xlsx", ".xlsm"):
            frame = pd.read_excel(path, dtype=str, keep_default_na=False, engine="openpyxl")
            header = [str(c) for c in frame.columns]
            frame.index = pd.RangeIndex(FIRST_DATA_ROW, FIRST_DATA_ROW + len(frame))
        elif suffix in (".csv", ".tsv", ".txt", ""):
            header, good, malformed = _read_delimited(path, "\t" if suffix == ".tsv" else ",")
            frame = pd.DataFrame([cells for _, cells in good], columns=header, dtype=str)
            frame.index = pd.Index([n for n, _ in good], dtype="int64")
        else:
            raise InputFileError(path, f"unsupported file type {suffix!r}: use .csv, .tsv or .xlsx")
    except InputFileError:
        raise
    except UnicodeDecodeError as exc:
        raise InputFileError(path, f"not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except Exception as exc:  # noqa: BLE001 - openpyxl/csv raise many types; the user needs the file name
        raise InputFileError(path, f"cannot be read as {suffix or 'CSV'}: {exc}") from None
    frame.columns = [str(c).strip().lower() for c in frame.columns]
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise InputFileError(path, f"missing column(s) {', '.join(missing)}; expected header: {', '.join(columns)}")
    for column in optional:
        if column not in frame.columns:
            frame[column] = ""
    columns = (*columns, *optional)
    frame = frame[list(columns)].fillna("")
    for column in columns:
        frame[column] = frame[column].astype(str).str.strip()
    frame.index.name = "row_number"
    return TableFile(frame, malformed, [str(c).strip().lower() for c in header])


def read_table(path: str | Path, columns: tuple[str, ...]) -> pd.DataFrame:
    """The well-formed rows of a file (see read_table_file)."""
    return read_table_file(path, columns).rows
