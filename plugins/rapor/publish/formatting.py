"""Indonesian formatting for everything a reader sees: months, dates, time zones, numbers."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from fractions import Fraction
from zoneinfo import ZoneInfo

from rapor.scoring.periods import Period

MONTHS = (
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
)
MONTHS_SHORT = ("Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des")
DAYS = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")
# Indonesia's three legal zones; other IANA names fall back to their own abbreviation.
ZONE_ABBREVIATIONS = {
    "Asia/Jakarta": "WIB",
    "Asia/Pontianak": "WIB",
    "Asia/Makassar": "WITA",
    "Asia/Ujung_Pandang": "WITA",
    "Asia/Jayapura": "WIT",
}


def zone_abbreviation(tz: str) -> str:
    return ZONE_ABBREVIATIONS.get(tz) or datetime.now(ZoneInfo(tz)).tzname() or tz


def month_name(period: Period | str) -> str:
    """``2026-10`` → ``Oktober 2026``."""
    period = Period.parse(period) if isinstance(period, str) else period
    return f"{MONTHS[period.month - 1]} {period.year}"


def month_short(period: Period | str) -> str:
    """``2026-10`` → ``Okt 2026``."""
    period = Period.parse(period) if isinstance(period, str) else period
    return f"{MONTHS_SHORT[period.month - 1]} {period.year}"


def local(instant: datetime, tz: str) -> datetime:
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=UTC)
    return instant.astimezone(ZoneInfo(tz))


def long_date(day: date) -> str:
    """``2 November 2026``."""
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def long_datetime(instant: datetime | None, tz: str, with_day: bool = False) -> str:
    """``Senin, 2 November 2026 pukul 09.15 WITA`` (local time of the region)."""
    if instant is None:
        return "—"
    moment = local(instant, tz)
    text = f"{long_date(moment.date())} pukul {moment:%H.%M} {zone_abbreviation(tz)}"
    return f"{DAYS[moment.weekday()]}, {text}" if with_day else text


def short_datetime(instant: datetime | None, tz: str) -> str:
    """``5 Okt 2026 14.05`` (local time; the zone is named once per table)."""
    if instant is None:
        return "—"
    moment = local(instant, tz)
    return f"{moment.day} {MONTHS_SHORT[moment.month - 1]} {moment.year} {moment:%H.%M}"


def number(value, places: int | None = None, min_places: int = 0) -> str:
    """Decimal comma: ``72.13`` → ``72,13``; ``places=None`` keeps the significant decimals
    (at least ``min_places``): ``2.5`` → ``2,5``, ``10`` → ``10``."""
    if value is None:
        return "—"
    if isinstance(value, Fraction):
        value = Decimal(value.numerator) / Decimal(value.denominator)
    value = Decimal(str(value)) if not isinstance(value, Decimal) else value
    if places is None:
        text = format(value.normalize(), "f")
        if "." in text:
            text = text.rstrip("0").rstrip(".")
        decimals = len(text.split(".")[1]) if "." in text else 0
        if decimals < min_places:
            text = format(value, f".{min_places}f")
    else:
        text = format(value, f".{places}f")
    return text.replace(".", ",")


def percent(share, places: int = 1) -> str:
    """A share 0..1 as ``81,2%``."""
    if share is None:
        return "—"
    return number(Decimal(str(share)) * 100, places) + "%"


def hours(value: float | None) -> str:
    """Working hours as ``12,5 jam``."""
    if value is None:
        return "—"
    return number(Decimal(str(round(value, 1))), 1) + " jam"
