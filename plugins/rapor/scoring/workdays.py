"""Working-day (hari kerja) calendars and deadlines, vectorised (SCORING.md §1).

A working day is Monday-Friday that is not a holiday; holidays are the ``holidays``
package's Indonesian calendar (public + government, i.e. cuti bersama) plus the
region's own additions, minus its removals. A deadline of N HK from instant t is the
end of the N-th working day *after* t's local date; we represent "end of day D" as the
half-open bound "before local midnight of D+1", which is the same test as
``event <= 23:59:59.999999`` for any timestamp with microsecond precision.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import lru_cache

import numpy as np
import pandas as pd

from rapor.policy import Policy, RegionCalendar


@lru_cache(maxsize=64)
def national_holidays(first_year: int, last_year: int, categories: tuple[str, ...]) -> frozenset[date]:
    """Indonesia's holidays for the years, from the ``holidays`` package."""
    import holidays  # imported lazily: it builds calendars on first use

    cal = holidays.country_holidays("ID", years=range(first_year, last_year + 1), categories=categories)
    return frozenset(cal.keys())


@dataclass(frozen=True)
class WorkdayCalendar:
    """The working days of one region over a span of years."""

    timezone: str
    workdays: np.ndarray  # sorted datetime64[D]
    holidays: frozenset[date]

    @classmethod
    def build(
        cls,
        timezone: str,
        first_year: int,
        last_year: int,
        categories: tuple[str, ...] = ("public", "government"),
        region: RegionCalendar | None = None,
    ) -> WorkdayCalendar:
        region = region or RegionCalendar()
        # One spare year each side: a deadline of a late-December complaint falls in January.
        first_year, last_year = first_year - 1, last_year + 1
        off = set(national_holidays(first_year, last_year, tuple(categories)))
        off |= set(region.holidays_add)
        off -= set(region.holidays_remove)
        days = np.arange(np.datetime64(f"{first_year}-01-01"), np.datetime64(f"{last_year + 1}-01-01"))
        weekday = (days.astype("int64") + 3) % 7  # 1970-01-01 was a Thursday (=3)
        off_days = np.array(sorted(off), dtype="datetime64[D]")
        keep = (weekday < 5) & ~np.isin(days, off_days)
        return cls(timezone=timezone, workdays=days[keep], holidays=frozenset(off))

    @classmethod
    def for_policy(cls, policy: Policy, region_code: str, timezone: str, first_year: int, last_year: int):
        return cls.build(timezone, first_year, last_year, policy.holiday_categories, policy.calendar_for(region_code))

    def is_workday(self, day: date) -> bool:
        d = np.datetime64(day, "D")
        i = np.searchsorted(self.workdays, d)
        return bool(i < len(self.workdays) and self.workdays[i] == d)

    def local_dates(self, instants: pd.Series) -> np.ndarray:
        """Local calendar dates (datetime64[D]) of UTC instants; NaT stays NaT."""
        return local_dates(instants, self.timezone)

    def nth_workday_after(self, days: np.ndarray, n: np.ndarray | int) -> np.ndarray:
        """The N-th working day strictly after each local date (NaT in, NaT out)."""
        days = np.asarray(days, dtype="datetime64[D]")
        spans = np.array([0, len(self.workdays)])
        return _nth_after(self.workdays.astype("int64"), spans, days, n, np.zeros(days.shape, dtype="int64"))

    def workdays_between(self, after: np.ndarray, through: np.ndarray) -> np.ndarray:
        """Working days d with ``after < d <= through`` per pair of local dates (0 when through <= after;
        NaT in either: -1). A deadline's day and the day the duty was met give the working days late."""
        after = np.asarray(after, dtype="datetime64[D]")
        through = np.asarray(through, dtype="datetime64[D]")
        valid = ~(np.isnat(after) | np.isnat(through))
        out = np.full(after.shape, -1, dtype="int64")
        counts = np.searchsorted(self.workdays, through[valid], side="right") - np.searchsorted(
            self.workdays, after[valid], side="right"
        )
        out[valid] = np.maximum(counts, 0)
        return out

    def earliest_clock_day(self, first_day: date, n: int) -> date:
        """The earliest local date whose N-HK deadline can fall on or after ``first_day``.

        Clock starts before this date have all their deadlines (of at most N HK) before it.
        """
        i = int(np.searchsorted(self.workdays, np.datetime64(first_day, "D"), side="left"))
        return self.workdays[i - n].astype(object)

    def deadline_bound(self, instants: pd.Series, n: np.ndarray | int) -> pd.Series:
        """Exclusive UTC bound of the N-HK deadline: local midnight after the deadline day.

        An event is on time when ``event < bound`` (equivalently ``<= 23:59:59.999999``).
        """
        due_day = self.nth_workday_after(self.local_dates(instants), n)
        return midnight_after(due_day, instants.index, self.timezone)


def local_dates(instants: pd.Series, timezone: str) -> np.ndarray:
    """Local calendar dates (datetime64[D]) in ``timezone`` of UTC instants; NaT stays NaT."""
    local = pd.to_datetime(instants, utc=True).dt.tz_convert(timezone).dt.tz_localize(None)
    return local.to_numpy(dtype="datetime64[ns]").astype("datetime64[D]")


def midnight_after(days: np.ndarray, index: pd.Index, timezone: str) -> pd.Series:
    """The UTC instants of local midnight after each date (the exclusive "end of day" bound)."""
    next_midnight = pd.Series(days + np.timedelta64(1, "D"), index=index).astype("datetime64[ns]")
    return next_midnight.dt.tz_localize(timezone).dt.tz_convert("UTC")


def _nth_after(
    keys: np.ndarray, spans: np.ndarray, days: np.ndarray, n: np.ndarray | int, calendar: np.ndarray
) -> np.ndarray:
    """The N-th working day strictly after each date, over several calendars in one search.

    ``keys`` holds every calendar's working days (day numbers) shifted by ``_SPAN`` days per
    calendar, so that one sorted array serves them all; calendar ``i`` owns
    ``keys[spans[i]:spans[i + 1]]``; ``calendar`` names each date's calendar.
    """
    n = np.broadcast_to(np.asarray(n, dtype="int64"), days.shape)
    valid = ~np.isnat(days)
    out = np.full(days.shape, np.datetime64("NaT"), dtype="datetime64[D]")
    if not valid.any():
        return out
    which = calendar[valid]
    shift = which * _SPAN
    idx = np.searchsorted(keys, days[valid].astype("int64") + shift, side="right") + n[valid] - 1
    if (idx >= spans[which + 1]).any() or (idx < spans[which]).any():
        raise ValueError("a deadline falls outside the working-day calendar; build it over more years")
    out[valid] = (keys[idx] - shift).astype("datetime64[D]")
    return out


_SPAN = 1 << 20  # days: more than any calendar's reach (day numbers of years 1970-4840)


@dataclass(frozen=True)
class RegionCalendars:
    """The working-day calendars of several regions, for deadlines of many regions' rows at once.

    Each region keeps its own calendar (time zone, holidays); the working days of all of
    them are one sorted array, so the N-th working day of every row is one search
    (``_nth_after``), and local dates and midnights are converted once per time zone.
    """

    calendars: dict[str, WorkdayCalendar]
    keys: np.ndarray
    spans: np.ndarray

    @classmethod
    def of(cls, calendars: dict[str, WorkdayCalendar]) -> RegionCalendars:
        parts = [c.workdays.astype("int64") + i * _SPAN for i, c in enumerate(calendars.values())]
        spans = np.cumsum([0, *(len(p) for p in parts)])
        keys = np.concatenate(parts) if parts else np.array([], dtype="int64")
        return cls(dict(calendars), keys, spans)

    def _calendar_numbers(self, region_codes: pd.Series) -> np.ndarray:
        numbers = pd.Series(range(len(self.calendars)), index=list(self.calendars))
        found = region_codes.map(numbers)
        if found.isna().any():
            missing = sorted(set(region_codes[found.isna()]))
            raise ValueError(f"no working-day calendar for regions {missing}")
        return found.to_numpy(dtype="int64")

    def deadline_bound(self, instants: pd.Series, n: np.ndarray | int, region_codes: pd.Series) -> pd.Series:
        """Exclusive UTC bounds of N-HK deadlines of rows of several regions (``region_codes`` per row)."""
        timezones = region_codes.map({r: c.timezone for r, c in self.calendars.items()})
        n = np.broadcast_to(np.asarray(n, dtype="int64"), instants.shape)
        out = pd.Series(pd.NaT, index=instants.index, dtype="datetime64[ns, UTC]")
        for timezone in timezones.unique():
            rows = (timezones == timezone).to_numpy()
            days = local_dates(instants[rows], timezone)
            due_day = _nth_after(self.keys, self.spans, days, n[rows], self._calendar_numbers(region_codes[rows]))
            out[rows] = midnight_after(due_day, instants.index[rows], timezone)
        return out
