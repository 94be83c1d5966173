"""Reading import files (CSV or .xlsx) as text, exactly as the user wrote them."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd

from rapor.errors import InputFileError

# The spreadsheet row of the first data row: row 1 holds the header.
FIRST_DATA_ROW = 2


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_table(path: str | Path, columns: tuple[str, ...]) -> pd.DataFrame:
    """Read a CSV (UTF-8) or .xlsx file with a header row; every cell as a stripped string.

    Raises InputFileError naming the file when it cannot be read or lacks columns.
    Empty cells become "" so that "not happened yet" is explicit, never NaN.
    """
    path = Path(path)
    if not path.is_file():
        raise InputFileError(path, "file not found")
    suffix = path.suffix.lower()
    try:
        if suffix in (".xlsx", ".xlsm"):
            frame = pd.read_excel(path, dtype=str, keep_default_na=False, engine="openpyxl")
        elif suffix in (".csv", ".txt", ""):
            frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
        else:
            raise InputFileError(path, f"unsupported file type {suffix!r}: use .csv or .xlsx")
    except InputFileError:
        raise
    except UnicodeDecodeError as exc:
        raise InputFileError(path, f"not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except Exception as exc:  # pandas raises many parser types; the user needs the file name
        raise InputFileError(path, f"cannot be read as {suffix or 'CSV'}: {exc}") from None
    frame.columns = [str(c).strip().lower() for c in frame.columns]
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise InputFileError(path, f"missing column(s) {', '.join(missing)}; expected header: {', '.join(columns)}")
    frame = frame[list(columns)].fillna("")
    for column in columns:
        frame[column] = frame[column].astype(str).str.strip()
    frame.index = pd.RangeIndex(FIRST_DATA_ROW, FIRST_DATA_ROW + len(frame), name="row_number")
    return frame
