"""Elapsed time in working hours (jam hari kerja), for the report's response-time figures.

Definition used in the report: the hours between two instants that fall on working days of
the region's calendar (SCORING.md §1), in local time. Weekends and holidays do not count;
a working day counts all of its 24 hours, the same days the HK deadlines count. Example:
received Friday 16:00, answered Monday 09:00 → 8 + 9 = 17 jam hari kerja.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from rapor.scoring.workdays import WorkdayCalendar


def _working_seconds_before(instants: pd.Series, calendar: WorkdayCalendar) -> np.ndarray:
    """Working seconds from the calendar's start to each instant (NaN for NaT)."""
    local = pd.to_datetime(instants, utc=True).dt.tz_convert(calendar.timezone).dt.tz_localize(None)
    stamps = local.to_numpy(dtype="datetime64[ns]")
    valid = ~np.isnat(stamps)
    out = np.full(stamps.shape, np.nan)
    days = stamps[valid].astype("datetime64[D]")
    index = np.searchsorted(calendar.workdays, days, side="left")  # working days strictly before
    is_workday = (index < len(calendar.workdays)) & (
        calendar.workdays[np.minimum(index, len(calendar.workdays) - 1)] == days
    )
    since_midnight = (stamps[valid] - days.astype("datetime64[ns]")).astype("int64") / 1e9
    out[valid] = index * 86400.0 + np.where(is_workday, since_midnight, 0.0)
    return out


def working_hours(starts: pd.Series, ends: pd.Series, calendar: WorkdayCalendar) -> np.ndarray:
    """Working hours from each start to its end; NaN where the end has not happened."""
    if len(starts) == 0:
        return np.array([], dtype=float)
    return (_working_seconds_before(ends, calendar) - _working_seconds_before(starts, calendar)) / 3600.0


def median_p90(values: np.ndarray) -> tuple[float | None, float | None, int]:
    """Median and 90th percentile (linear interpolation) of the values that exist, and their count."""
    present = values[~np.isnan(values)] if len(values) else values
    if len(present) == 0:
        return None, None, 0
    return float(np.median(present)), float(np.percentile(present, 90)), int(len(present))
