"""Rounding, categories and zones (SCORING.md §5), in exact arithmetic."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from rapor.vocabulary import CATEGORY_FLOORS, CLASSIC_ZONE_FLOORS, CLASSIC_ZONE_TABLE, ZONE_OF_CATEGORY


def round_half_up(value: Fraction, places: int) -> Decimal:
    """Round a non-negative exact value half up: 72.125 -> 72.13, 0.33335 -> 0.3334."""
    value = value if isinstance(value, Fraction) else Fraction(value)
    # floor(value * 10^places + 1/2) in integers: floor((2·n·10^places + d) / 2d) for value = n/d
    units = (2 * value.numerator * 10**places + value.denominator) // (2 * value.denominator)
    return Decimal(units).scaleb(-places).quantize(Decimal(1).scaleb(-places))


def category_for(index: Decimal) -> str:
    for category, floor in CATEGORY_FLOORS:
        if index >= floor:
            return category
    return "E"


def zone_for(index: Decimal, category: str, zone_table: str) -> str:
    if zone_table == CLASSIC_ZONE_TABLE:
        return next(zone for zone, floor in CLASSIC_ZONE_FLOORS if index >= floor)
    return ZONE_OF_CATEGORY[category]
