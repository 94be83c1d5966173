"""TPP cut recommendation from an OPD's run of weak months (SCORING.md §6)."""

from __future__ import annotations

from fractions import Fraction

from rapor.policy import Policy
from rapor.scoring.periods import Period
from rapor.vocabulary import WEAK_CATEGORIES


def weak_run(category: str | None, period: Period, earlier: dict[Period, str | None]) -> int:
    """Consecutive months, ending with ``period``, whose category is C, D or E.

    A month that is not rated, or has no scorecard, breaks the run.
    """
    if category not in WEAK_CATEGORIES:
        return 0
    run, month = 1, period.shift(-1)
    while earlier.get(month) in WEAK_CATEGORIES:
        run += 1
        month = month.shift(-1)
    return run


def tpp_cut(category: str, run: int, policy: Policy) -> Fraction:
    """Cut = base + step x (r - r0), capped; 0 for A/B and while r < r0."""
    rule = policy.tpp_by_category.get(category)
    if rule is None or run < rule.r0:
        return Fraction(0)
    return min(rule.base_pct + policy.tpp_step_pct * (run - rule.r0), policy.tpp_cap_pct)
