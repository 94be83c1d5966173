"""Parsing ISO 8601 timestamps of import files into UTC, vectorised.

A timestamp with an offset (``+08:00``, ``+0800``, ``Z``) is that instant; one without
is the region's local time (SCORING.md §1). A space may stand for the ``T``, and a
bare date means local midnight (date-only source systems).

Rapor accepts any IANA zone, so a region's zone may have daylight saving: a local time
that does not exist (the hour skipped in spring) or that exists twice (the hour repeated
in autumn) names no instant. Such values are told apart from unparsable ones, so the
row is quarantined with the rule that says why.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

_HAS_OFFSET = r"(?:[zZ]|[+-]\d{2}:?\d{2})$"


@dataclass(frozen=True)
class ParsedInstants:
    instants: pd.Series  # UTC, NaT where empty or not an instant
    unparsable: pd.Series  # not a timestamp at all
    nonexistent: pd.Series  # a local time skipped by a daylight-saving change
    ambiguous: pd.Series  # a local time that happens twice


def parse_timestamps(values: pd.Series, timezones: pd.Series) -> ParsedInstants:
    """Parse ``values`` (text) in each row's IANA zone; see the module's docstring."""
    text = values.fillna("").astype(str).str.strip()
    out = pd.Series(pd.NaT, index=values.index, dtype="datetime64[us, UTC]")
    nonexistent = pd.Series(False, index=values.index)
    ambiguous = pd.Series(False, index=values.index)
    present = text != ""
    aware = present & text.str.contains(_HAS_OFFSET, regex=True)
    if aware.any():
        out[aware] = pd.to_datetime(text[aware], format="ISO8601", utc=True, errors="coerce")
    naive = present & ~aware & (timezones != "")
    for tz in timezones[naive].unique():
        rows = naive & (timezones == tz)
        local = pd.to_datetime(text[rows], format="ISO8601", errors="coerce")
        localised = local.dt.tz_localize(tz, nonexistent="NaT", ambiguous="NaT")
        gap_or_fold = local.notna() & localised.isna()
        if gap_or_fold.any():
            # A skipped time is NaT whichever side is assumed; a repeated one only without a side.
            shifted = local[gap_or_fold].dt.tz_localize(tz, nonexistent="NaT", ambiguous=True)
            nonexistent[shifted.index[shifted.isna()]] = True
            ambiguous[shifted.index[shifted.notna()]] = True
        out[rows] = localised.dt.tz_convert("UTC")
    bad = present & out.isna() & (aware | (timezones != "")) & ~nonexistent & ~ambiguous
    return ParsedInstants(out, bad, nonexistent, ambiguous)


def parse_instants(values: pd.Series, timezones: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Return (UTC instants, mask of non-empty values that name no instant).

    ``timezones`` gives each row's IANA zone (its region's); rows whose zone is
    empty are not parsed (their region is unknown and quarantined elsewhere).
    """
    parsed = parse_timestamps(values, timezones)
    return parsed.instants, parsed.unparsable | parsed.nonexistent | parsed.ambiguous
