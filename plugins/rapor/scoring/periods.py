"""Scoring periods: calendar months in a region's own time zone (SCORING.md §1)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from rapor.errors import PeriodError

_PERIOD_RE = re.compile(r"^(\d{4})-(\d{2})$")


@dataclass(frozen=True, order=True)
class Period:
    """A calendar month, e.g. ``Period(2026, 10)`` printed as ``2026-10``."""

    year: int
    month: int

    @classmethod
    def parse(cls, text: str) -> Period:
        match = _PERIOD_RE.match(str(text).strip())
        if not match or not 1 <= int(match.group(2)) <= 12:
            raise PeriodError(f"period {text!r} is not of the form YYYY-MM (e.g. 2026-10)")
        return cls(int(match.group(1)), int(match.group(2)))

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    def shift(self, months: int) -> Period:
        index = self.year * 12 + (self.month - 1) + months
        return Period(index // 12, index % 12 + 1)

    def months_after(self, other: Period) -> int:
        """How many months this period lies after ``other`` (negative if before)."""
        return (self.year - other.year) * 12 + (self.month - other.month)

    def start_local(self, tz: str) -> datetime:
        return datetime(self.year, self.month, 1, tzinfo=ZoneInfo(tz))

    def end_local(self, tz: str) -> datetime:
        nxt = self.shift(1)
        return datetime(nxt.year, nxt.month, 1, tzinfo=ZoneInfo(tz))

    def bounds_utc(self, tz: str) -> tuple[datetime, datetime]:
        """``[start, end)`` of the month in ``tz``, as UTC instants."""
        return (
            self.start_local(tz).astimezone(UTC),
            self.end_local(tz).astimezone(UTC),
        )


def period_ended_before(instant: datetime, tz: str) -> Period:
    """The month that had just ended, in zone ``tz``, at ``instant``.

    The monthly DAG runs early on the 1st (UTC); each region scores the month before
    its own local date at that instant, so WIB, WITA and WIT regions agree.
    """
    if instant.tzinfo is None:
        raise PeriodError("instant must carry a time zone")
    local = instant.astimezone(ZoneInfo(tz))
    return Period(local.year, local.month).shift(-1)


def period_of_instant(instant: datetime, tz: str) -> Period:
    local = instant.astimezone(ZoneInfo(tz))
    return Period(local.year, local.month)


def local_midnight_after(day, tz: str) -> datetime:
    """The instant that ends local date ``day``: midnight of the next day in ``tz``."""
    nxt = day + timedelta(days=1)
    return datetime(nxt.year, nxt.month, nxt.day, tzinfo=ZoneInfo(tz))
