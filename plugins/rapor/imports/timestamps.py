"""Parsing ISO 8601 timestamps of import files into UTC, vectorised.

A timestamp with an offset (``+08:00``, ``+0800``, ``Z``) is that instant; one without
is the region's local time (SCORING.md §1). A space may stand for the ``T``, and a
bare date means local midnight (date-only source systems).
"""

from __future__ import annotations

import pandas as pd

_HAS_OFFSET = r"(?:[zZ]|[+-]\d{2}:?\d{2})$"


def parse_instants(values: pd.Series, timezones: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Return (UTC instants, mask of non-empty values that did not parse).

    ``timezones`` gives each row's IANA zone (its region's); rows whose zone is
    empty are not parsed (their region is unknown and quarantined elsewhere).
    """
    text = values.fillna("").astype(str).str.strip()
    out = pd.Series(pd.NaT, index=values.index, dtype="datetime64[us, UTC]")
    present = text != ""
    aware = present & text.str.contains(_HAS_OFFSET, regex=True)
    if aware.any():
        out[aware] = pd.to_datetime(text[aware], format="ISO8601", utc=True, errors="coerce")
    naive = present & ~aware & (timezones != "")
    for tz in timezones[naive].unique():
        rows = naive & (timezones == tz)
        local = pd.to_datetime(text[rows], format="ISO8601", errors="coerce")
        out[rows] = local.dt.tz_localize(tz).dt.tz_convert("UTC")
    bad = present & out.isna() & (aware | (timezones != ""))
    return out, bad
