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


def inspection_score(rows: pd.DataFrame, weights: dict[str, Fraction]) -> Fraction:
    """S_sop of one inspection: weighted dimension means, weights rescaled to the dimensions present."""
    sums = rows.groupby("dimension")["score"].agg(["sum", "count"])
    present = [d for d in weights if d in sums.index]
    total_weight = sum(weights[d] for d in present)
    weighted = sum(weights[d] * Fraction(int(sums.at[d, "sum"]), 3 * int(sums.at[d, "count"])) for d in present)
    return weighted * 100 / total_weight


def sop_scores(inspections: pd.DataFrame, period: Period, policy: Policy) -> dict[str, SopScore]:
    """The S_sop each OPD gets in ``period``: its latest inspection in the month, else the
    latest of the carry-forward months decayed by the factor per month of age.

    ``inspections`` holds rows (opd_code, inspected_on, dimension, indicator, score)
    dated from the oldest carry-forward month to the end of ``period``.
    """
    if inspections.empty:
        return {}
    frame = inspections.copy()
    frame["inspected_on"] = pd.to_datetime(frame["inspected_on"]).dt.date
    latest = frame.groupby("opd_code")["inspected_on"].transform("max")
    chosen = frame[frame["inspected_on"] == latest]
    out: dict[str, SopScore] = {}
    for opd_code, rows in chosen.groupby("opd_code"):
        inspected_on = rows["inspected_on"].iloc[0]
        age = period.months_after(Period(inspected_on.year, inspected_on.month))
        if not 0 <= age <= policy.sop_carry_forward_months:
            continue
        value = inspection_score(rows, policy.sop_weights) * policy.sop_carry_forward_factor**age
        out[str(opd_code)] = SopScore(value, inspected_on, age)
    return out
