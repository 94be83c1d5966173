"""What each OPD owes this morning: overdue answers and deadlines of the next working days.

The early warning uses the scoring clocks themselves (``with_deadlines`` over the region's
working-day calendar, SCORING.md §1-§2), so a complaint is announced as due on exactly the
deadline its scorecard will judge it by. Nothing here changes a score.

A complaint owes its OPD a first response until it has one, and (``pengaduan`` only) a
resolution until it is resolved. Each duty still owed is one row: ``overdue`` when its
deadline has passed at ``as_of``, otherwise listed when the deadline falls by the end of the
``horizon_hk``-th working day after the morning's local date (0: today only).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pandas as pd
from sqlalchemy import Date

from rapor.policy import Policy
from rapor.registry import Region
from rapor.scoring.periods import Period
from rapor.scoring.responsiveness import ONE_MICROSECOND, with_deadlines
from rapor.scoring.workdays import WorkdayCalendar
from rapor.sql import query_frame
from rapor.vocabulary import DUTY_FIRST_RESPONSE, DUTY_RESOLUTION
from rapor.warehouse.schema import Instant

TIMESTAMP_COLUMNS = ("received_at", "forwarded_at", "first_response_at", "resolved_at")
DUE_COLUMNS = (
    "opd_code",
    "source",
    "complaint_id",
    "channel",
    "kind",
    "confidential",
    "duty",
    "clock_start_at",
    "deadline_at",
    "overdue",
)


def warning_calendar(region: Region, as_of: datetime, policy: Policy) -> WorkdayCalendar:
    """The region's working days around ``as_of`` (a complaint may be years overdue)."""
    year = as_of.astimezone(ZoneInfo(region.timezone)).year
    return WorkdayCalendar.for_policy(policy, region.region_code, region.timezone, year - 5, year + 1)


def morning_of(region: Region, day: date, policy: Policy) -> datetime:
    """The instant of ``day``'s early warning in the region's zone (``local_hour``:00)."""
    return datetime.combine(day, time(policy.early_warning.local_hour), ZoneInfo(region.timezone))


def is_warning_day(region: Region, day: date, policy: Policy) -> bool:
    """Warnings go out on the region's working days only (no weekend, no holiday of that region)."""
    return warning_calendar(region, morning_of(region, day, policy), policy).is_workday(day)


def open_complaints(conn, region: Region, as_of: datetime) -> pd.DataFrame:
    """Complaints with an OPD that still owed it an answer at ``as_of`` (later events ignored)."""
    frame = query_frame(
        conn,
        "staging/stg_open_complaints_at",
        {"region_code": region.region_code, "as_of": as_of.astimezone(UTC)},  # stored instants are UTC
        types={"as_of": Instant},
        columns={c: Instant for c in TIMESTAMP_COLUMNS},
    )
    for column in TIMESTAMP_COLUMNS:
        frame[column] = pd.to_datetime(frame[column], utc=True)
    frame["confidential"] = frame["confidential"].astype(bool)
    return frame


def due_duties(
    complaints: pd.DataFrame, calendar: WorkdayCalendar, policy: Policy, as_of: datetime, horizon_hk: int
) -> pd.DataFrame:
    """One row per duty still owed that is overdue or due within the horizon, oldest deadline first."""
    if complaints.empty:
        return pd.DataFrame(columns=list(DUE_COLUMNS))
    frame = with_deadlines(complaints, calendar, policy)
    now = pd.Timestamp(as_of).tz_convert("UTC")
    horizon_bound = calendar.deadline_bound(pd.Series([now]), horizon_hk).iloc[0] if horizon_hk else None
    if horizon_bound is None:  # today only: local midnight after the morning's date
        local_day = now.tz_convert(calendar.timezone).normalize()
        horizon_bound = (local_day + pd.Timedelta(days=1)).tz_convert("UTC")
    parts = []
    for duty, bound_column, done_column in (
        (DUTY_FIRST_RESPONSE, "first_response_due_before", "first_response_at"),
        (DUTY_RESOLUTION, "resolution_due_before", "resolved_at"),
    ):
        bound = frame[bound_column]
        # A resolved complaint owes no first response any more: nobody is to be chased for it.
        owed = frame[done_column].isna() & frame["resolved_at"].isna() & bound.notna() & (bound <= horizon_bound)
        part = frame.loc[owed, ["opd_code", "source", "complaint_id", "channel", "kind", "confidential"]].copy()
        part["duty"] = duty
        part["clock_start_at"] = frame.loc[owed, "clock_start_at"]
        part["deadline_at"] = bound[owed] - ONE_MICROSECOND
        part["overdue"] = bound[owed] <= now
        parts.append(part)
    due = pd.concat(parts, ignore_index=True)
    due = due.sort_values(["opd_code", "deadline_at", "source", "complaint_id", "duty"], kind="stable")
    return due.reset_index(drop=True)[list(DUE_COLUMNS)]


def due_at(conn, region: Region, as_of: datetime, policy: Policy) -> pd.DataFrame:
    """The region's duties owed at ``as_of`` (see ``due_duties``), with the policy's horizon."""
    calendar = warning_calendar(region, as_of, policy)
    return due_duties(open_complaints(conn, region, as_of), calendar, policy, as_of, policy.early_warning.horizon_hk)


def warning_effect(conn, region_code: str, period: Period) -> dict[str, dict[str, int]]:
    """{opd_code: {n_warned, n_answered_in_time}} of the month's warnings (only OPDs that had some).

    A duty counts once if a warning day of the month named it while it was still ahead of
    its deadline; answered in time when its event came by that deadline.
    """
    frame = query_frame(
        conn,
        "marts/early_warning_effect",
        {
            "region_code": region_code,
            "first_day": date(period.year, period.month, 1),
            "next_first_day": date(period.shift(1).year, period.shift(1).month, 1),
            "first_response": DUTY_FIRST_RESPONSE,
        },
        types={"first_day": Date, "next_first_day": Date},
    )
    return {
        str(r.opd_code): {"n_warned": int(r.n_warned), "n_answered_in_time": int(r.n_answered_in_time or 0)}
        for r in frame.itertuples(index=False)
    }
