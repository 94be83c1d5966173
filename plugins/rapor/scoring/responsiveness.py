"""Responsiveness per OPD and month: R1, R2, R3 (SCORING.md §2-§3), set-based.

Deadlines are computed for all complaints at once over the region's working-day
calendar; membership of each population and on-time flags are boolean columns, and
the per-OPD counts are one group-by. Deadlines are carried as the exclusive bound
"local midnight after the due day" (see rapor.scoring.workdays).
"""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pandas as pd

from rapor.policy import Policy
from rapor.scoring.workdays import RegionCalendars, WorkdayCalendar

ONE_MICROSECOND = pd.Timedelta(microseconds=1)
COUNT_COLUMNS = (
    "n_first_response",
    "n_first_response_on_time",
    "n_resolution",
    "n_resolution_on_time",
    "n_open",
    "n_open_overdue",
)
TIMESTAMPS = ("received_at", "forwarded_at", "first_response_at", "resolved_at", "clock_start_at")


def with_deadlines(
    complaints: pd.DataFrame, calendar: WorkdayCalendar | RegionCalendars, policy: Policy
) -> pd.DataFrame:
    """Add the OPD clock start and the first-response and resolution deadline bounds.

    ``calendar``: one region's working days, or (``RegionCalendars``) those of every region
    in the frame's ``region_code`` column, each row's deadlines over its own region's days.
    """
    frame = complaints.copy()
    for column in TIMESTAMPS:
        if column in frame:
            frame[column] = pd.to_datetime(frame[column], utc=True)

    def deadline_bound(instants: pd.Series, n):
        if isinstance(calendar, RegionCalendars):
            return calendar.deadline_bound(instants, n, frame.loc[instants.index, "region_code"])
        return calendar.deadline_bound(instants, n)

    frame["clock_start_at"] = frame["forwarded_at"].fillna(frame["received_at"])
    first_hk = frame["channel"].map(policy.first_response_hk).astype("int64")
    frame["first_response_due_before"] = deadline_bound(frame["clock_start_at"], first_hk.to_numpy())
    resolution_hk = frame["kind"].map(policy.resolution_hk)
    has_clock = resolution_hk.notna()
    due = pd.Series(pd.NaT, index=frame.index, dtype=frame["first_response_due_before"].dtype)
    if has_clock.any():
        due[has_clock] = deadline_bound(
            frame.loc[has_clock, "clock_start_at"], resolution_hk[has_clock].astype("int64").to_numpy()
        )
    frame["resolution_due_before"] = due
    # The coordinator's forwarding clock runs from receipt (evidence, not an OPD score).
    forwarded = frame["forwarded_at"].notna()
    forwarding_due = pd.Series(pd.NaT, index=frame.index, dtype=due.dtype)
    if forwarded.any():
        forwarding_due[forwarded] = deadline_bound(frame.loc[forwarded, "received_at"], policy.forwarding_hk)
    frame["forwarding_due_before"] = forwarding_due
    return frame


def month_evidence(
    frame: pd.DataFrame, month_start: datetime | pd.Series, month_end: datetime | pd.Series
) -> pd.DataFrame:
    """Population and on-time flags of each complaint for the month ``[start, end)``.

    The bounds are instants, or Series aligned with ``frame`` giving each row its region's month.
    """
    start, end = (b if isinstance(b, pd.Series) else pd.Timestamp(b) for b in (month_start, month_end))
    first_due, resolution_due = frame["first_response_due_before"], frame["resolution_due_before"]
    has_resolution_clock = resolution_due.notna()
    out = frame.copy()
    # "Deadline falls in M": deadline = bound - 1us lies in [start, end)  <=>  start < bound <= end.
    out["in_first_response"] = (first_due > start) & (first_due <= end)
    out["first_response_on_time"] = out["in_first_response"] & (frame["first_response_at"] < first_due)
    out["in_resolution"] = has_resolution_clock & (resolution_due > start) & (resolution_due <= end)
    out["resolution_on_time"] = out["in_resolution"] & (frame["resolved_at"] < resolution_due)
    resolved_before_end = frame["resolved_at"] < end
    out["open_at_end"] = has_resolution_clock & (frame["clock_start_at"] < end) & ~resolved_before_end
    out["overdue_at_end"] = out["open_at_end"] & (resolution_due <= end)
    for column in ("first_response_on_time", "resolution_on_time", "open_at_end", "overdue_at_end"):
        out[column] = out[column].fillna(False).astype(bool)
    out["first_response_deadline_at"] = first_due - ONE_MICROSECOND
    out["resolution_deadline_at"] = resolution_due - ONE_MICROSECOND
    forwarding_due = frame["forwarding_due_before"]
    out["forwarding_deadline_at"] = forwarding_due - ONE_MICROSECOND
    out["forwarded_on_time"] = (frame["forwarded_at"] < forwarding_due).where(forwarding_due.notna())
    keep = out["in_first_response"] | out["in_resolution"] | out["open_at_end"]
    return out[keep]


def counts_by_opd(evidence: pd.DataFrame, opd_codes) -> pd.DataFrame:
    """The six counts of the scorecard per OPD, zero for OPDs without complaints.

    ``opd_codes``: the OPD codes of one region, or a ``pd.MultiIndex`` of (region_code,
    opd_code) pairs for the counts of several regions at once.
    """
    keys = list(opd_codes.names) if isinstance(opd_codes, pd.MultiIndex) else ["opd_code"]
    flags = pd.DataFrame(
        {
            **{key: evidence[key] for key in keys},
            "n_first_response": evidence["in_first_response"],
            "n_first_response_on_time": evidence["first_response_on_time"],
            "n_resolution": evidence["in_resolution"],
            "n_resolution_on_time": evidence["resolution_on_time"],
            "n_open": evidence["open_at_end"],
            "n_open_overdue": evidence["overdue_at_end"],
        }
    )
    counts = flags.groupby(keys)[list(COUNT_COLUMNS)].sum()
    wanted = opd_codes if isinstance(opd_codes, pd.MultiIndex) else list(opd_codes)
    return counts.reindex(wanted, fill_value=0).astype(np.int64)
