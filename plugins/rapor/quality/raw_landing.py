"""The raw-landing suite: pages of records as the collectors landed them, before mapping.

A collector calls ``validate_raw_landing`` on a DataFrame of landed records, one row
per record, with these columns (all text, as landed; other columns are ignored):

- ``source``: the source system, e.g. ``facebook``, ``lapor``, ``hotline-wa``;
- ``page_id``: the API page or batch the record came in (cursor, page number, file);
- ``record_id``: the platform's id of the record;
- ``received_at``: the record's creation timestamp as text (ISO 8601; offset optional,
  a space may stand for the ``T``; without an offset it is read as UTC here, since
  this suite only asks whether it parses).

Critical: every required field present (empty text is missing), ``received_at``
parses, a record id appears once per page. Warning: a record id appears on one page
only (overlapping pages point at pagination drift; the upsert loads it once).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pandas as pd

from rapor import config
from rapor.imports.timestamps import parse_instants
from rapor.quality.suites import SuiteOutcome, run_suites

COLUMNS = ("source", "page_id", "record_id", "received_at")


def prepare_raw_landing(frame: pd.DataFrame) -> pd.DataFrame:
    """The landed records as the suite reads them: empty text as missing, plus ``received_at_parses``."""
    out = pd.DataFrame(index=frame.index)
    for column in COLUMNS:
        if column not in frame.columns:
            continue  # the suite's not-null expectation on it reports the missing column
        text = frame[column].astype("string").str.strip()
        out[column] = text.astype(object).where(text.fillna("") != "", None)
    received = out["received_at"] if "received_at" in out.columns else pd.Series(None, index=frame.index, dtype=object)
    _, unparsable = parse_instants(received.fillna(""), pd.Series("UTC", index=frame.index))
    out["received_at_parses"] = ~unparsable.astype(bool)
    return out


def validate_raw_landing(
    frame: pd.DataFrame, docs_dir: Path | None = None, work_dir: Path | None = None
) -> SuiteOutcome:
    """Run the ``raw_landing`` suite on landed records; ``.passed`` is False on a critical failure.

    Without ``work_dir`` the GX working copy is a private temporary folder (collectors may
    run in parallel); give one, with ``docs_dir``, to keep results and Data Docs.
    """
    prepared = prepare_raw_landing(frame)
    if work_dir is not None:
        (outcome,) = run_suites({"raw_landing": prepared}, {}, work_dir, docs_dir, run_name="raw-landing")
        return outcome
    with tempfile.TemporaryDirectory(prefix="gx-raw-", dir=config.state_dir()) as tmp:
        (outcome,) = run_suites({"raw_landing": prepared}, {}, Path(tmp), docs_dir, run_name="raw-landing")
    return outcome
