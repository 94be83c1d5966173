"""Service-standard (SOP) compliance per OPD and month (SCORING.md §4)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from fractions import Fraction

import pandas as pd

from rapor.policy import Policy
from rapor.scoring.periods import Period


@dataclass(frozen=True)
class SopScore:
    value: Fraction  # 0-100, after carry-forward decay
    inspected_on: date
    age_months: int


def dimension_values(rows: pd.DataFrame) -> dict[str, Fraction]:
    """Each dimension's value in one inspection: the mean of its indicators' scores / 3 (0..1)."""
    sums = rows.groupby("dimension")["score"].agg(["sum", "count"])
    return {str(d): Fraction(int(sums.at[d, "sum"]), 3 * int(sums.at[d, "count"])) for d in sums.index}


def inspection_score(rows: pd.DataFrame, weights: dict[str, Fraction]) -> Fraction:
    """S_sop of one inspection: weighted dimension means, weights rescaled to the dimensions present."""
    sums = rows.groupby("dimension")["score"].agg(["sum", "count"])
    return weighted_score({d: (int(sums.at[d, "sum"]), int(sums.at[d, "count"])) for d in sums.index}, weights)


def weighted_score(dimensions: dict[str, tuple[int, int]], weights: dict[str, Fraction]) -> Fraction:
    """S_sop from each dimension's (sum of indicator scores, number of indicators) of one inspection."""
    present = [d for d in weights if d in dimensions]
    total_weight = sum(weights[d] for d in present)
    weighted = sum(weights[d] * Fraction(dimensions[d][0], 3 * dimensions[d][1]) for d in present)
    return weighted * 100 / total_weight


def sop_scores(inspections: pd.DataFrame, period: Period, policy: Policy) -> dict[str, SopScore]:
    """The S_sop each OPD gets in ``period``: its latest inspection in the month, else the
    latest of the carry-forward months decayed by the factor per month of age.

    ``inspections`` holds rows (opd_code, inspected_on, dimension, indicator, score)
    dated from the oldest carry-forward month to the end of ``period``.
    """
    return {opd_code: sop for (opd_code,), sop in _sop_scores(inspections, ["opd_code"], period, policy).items()}


def sop_scores_by_region(inspections: pd.DataFrame, period: Period, policy: Policy) -> dict[str, dict[str, SopScore]]:
    """``sop_scores`` of several regions at once (rows with ``region_code``): region -> OPD -> S_sop."""
    out: dict[str, dict[str, SopScore]] = {}
    for (region_code, opd_code), sop in _sop_scores(inspections, ["region_code", "opd_code"], period, policy).items():
        out.setdefault(region_code, {})[opd_code] = sop
    return out


def _sop_scores(inspections: pd.DataFrame, keys: list[str], period: Period, policy: Policy) -> dict[tuple, SopScore]:
    """S_sop per ``keys`` (an OPD, or a region's OPD): one group-by over every inspection row."""
    if inspections.empty:
        return {}
    frame = inspections[[*keys, "inspected_on", "dimension", "score"]].copy()
    frame["inspected_on"] = pd.to_datetime(frame["inspected_on"]).dt.date
    latest = frame.groupby(keys)["inspected_on"].transform("max")
    chosen = frame[frame["inspected_on"] == latest]
    sums = chosen.groupby([*keys, "inspected_on", "dimension"])["score"].agg(["sum", "count"])
    dimensions: dict[tuple, dict[str, tuple[int, int]]] = {}
    inspected: dict[tuple, object] = {}
    for (*key, inspected_on, dimension), total, count in sums.itertuples(name=None):
        key = tuple(str(k) for k in key)
        dimensions.setdefault(key, {})[dimension] = (int(total), int(count))
        inspected[key] = inspected_on
    out: dict[tuple, SopScore] = {}
    for key, by_dimension in dimensions.items():
        inspected_on = inspected[key]
        age = period.months_after(Period(inspected_on.year, inspected_on.month))
        if not 0 <= age <= policy.sop_carry_forward_months:
            continue
        value = weighted_score(by_dimension, policy.sop_weights) * policy.sop_carry_forward_factor**age
        out[key] = SopScore(value, inspected_on, age)
    return out
