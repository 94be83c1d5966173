"""The TPP rule that produced a recommendation, spelled out the way the BKD reads it.

``C, 3 bulan berturut-turut: 2,5 + 2,5 × (3 − 2) = 5,0%`` — the numbers come from the
policy actually used, and the result is checked against the stored recommendation.
"""

from __future__ import annotations

from decimal import Decimal

from rapor.policy import Policy
from rapor.publish.formatting import number
from rapor.scoring.tpp import tpp_cut
from rapor.scoring.zones import round_half_up
from rapor.vocabulary import OPD_HELD_NOTE


def rule_text(category: str | None, run: int, policy: Policy, held: bool = False) -> str:
    """The rule and arithmetic behind the cut for ``category`` after ``run`` weak months.

    ``held``: the gate held the OPD alone (a channel account not collected): no recommendation.
    """
    if held:
        return OPD_HELD_NOTE
    if category is None:
        return "Tidak dinilai: tidak ada rekomendasi"
    rule = policy.tpp_by_category.get(category)
    if rule is None:
        exempt = "/".join(c for c, r in policy.tpp_by_category.items() if r is None)
        return f"{category}: kategori {exempt} tidak dikenai potongan = 0,0%"
    head = f"{category}, {run} bulan berturut-turut"
    if run < rule.r0:
        return f"{head}: belum ada potongan sebelum {rule.r0} bulan berturut-turut = 0,0%"
    raw = rule.base_pct + policy.tpp_step_pct * (run - rule.r0)
    expression = f"{number(rule.base_pct)} + {number(policy.tpp_step_pct)} × ({run} − {rule.r0})"
    if raw > policy.tpp_cap_pct:
        return f"{head}: {expression} = {number(raw)}, dibatasi {number(policy.tpp_cap_pct, None, 1)}%"
    return f"{head}: {expression} = {number(raw, None, 1)}%"


def checked_cut(category: str | None, run: int, stored: Decimal | None, policy: Policy) -> Decimal | None:
    """The stored cut, after checking that the rule gives the same number."""
    if category is None or stored is None:
        return stored
    expected = round_half_up(tpp_cut(category, run, policy), 2)
    if expected != stored:
        raise ValueError(f"stored TPP cut {stored} for {category}/{run} differs from the rule's {expected}")
    return stored
