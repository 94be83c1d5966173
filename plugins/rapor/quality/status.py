"""Recording and reading the gate's verdict for a (region, month).

Publication and the TPP file read only ``latest_gate``: a month is publishable when
its latest gate row passed (or was explicitly overridden with a logged reason); the OPDs
it names in ``held_opds`` are published without a TPP recommendation.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import insert, select

from rapor.vocabulary import GATE_HELD, GATE_PASSED
from rapor.warehouse import schema


@dataclass(frozen=True)
class GateResult:
    region_code: str
    period: str
    passed: bool
    critical_failures: list[dict] = field(default_factory=list)
    warnings: list[dict] = field(default_factory=list)
    data_docs_path: str | None = None
    override_reason: str | None = None
    override_by: str | None = None
    checked_at: datetime | None = None
    # OPDs held alone (an account uncollected too long): no TPP for them, the others stand.
    # Each: opd_code, platform, account_id, conn_id, outcome, error, uncollected_days, from, to.
    held_opds: list[dict] = field(default_factory=list)

    @property
    def held_opd_codes(self) -> frozenset[str]:
        return frozenset(h["opd_code"] for h in self.held_opds)

    @property
    def status(self) -> str:
        return GATE_PASSED if self.passed else GATE_HELD


def record_gate(conn, result: GateResult) -> GateResult:
    """Append the gate's verdict; earlier verdicts stay as history."""
    checked_at = result.checked_at or datetime.now(UTC)
    conn.execute(
        insert(schema.quality_gate).values(
            region_code=result.region_code,
            period=result.period,
            checked_at=checked_at,
            passed=result.passed,
            status=result.status,
            critical_failures=json.dumps(result.critical_failures, ensure_ascii=False, sort_keys=True),
            warnings=json.dumps(result.warnings, ensure_ascii=False, sort_keys=True),
            data_docs_path=result.data_docs_path,
            override_reason=result.override_reason,
            override_by=result.override_by,
            held_opds=json.dumps(result.held_opds, ensure_ascii=False, sort_keys=True),
        )
    )
    return GateResult(**{**result.__dict__, "checked_at": checked_at})


def latest_gate(conn, region_code: str, period: str) -> GateResult | None:
    """The newest verdict for the month, or None when the gate has not run."""
    g = schema.quality_gate
    row = (
        conn.execute(
            select(g)
            .where(g.c.region_code == region_code, g.c.period == period)
            .order_by(g.c.checked_at.desc(), g.c.gate_id.desc())
            .limit(1)
        )
        .mappings()
        .first()
    )
    if row is None:
        return None
    return GateResult(
        region_code=row["region_code"],
        period=row["period"],
        passed=bool(row["passed"]),
        critical_failures=json.loads(row["critical_failures"]),
        warnings=json.loads(row["warnings"]),
        data_docs_path=row["data_docs_path"],
        override_reason=row["override_reason"],
        override_by=row["override_by"],
        checked_at=row["checked_at"],
        held_opds=json.loads(row["held_opds"] or "[]"),
    )


UNLABELLED_FINDING = "Pemeriksaan mutu data tidak terpenuhi"


def finding_for_readers(finding: dict) -> dict:
    """A stored finding as reports show it: what it checks in Bahasa Indonesia, the GX rule as a detail."""
    where = "/".join(str(finding[k]) for k in ("suite", "rule") if finding.get(k))
    column = f", kolom {finding['column']}" if finding.get("column") else ""
    return {
        "text": finding.get("label") or UNLABELLED_FINDING,
        "gx_rule": f"{finding.get('expectation')} · {where}{column}",
    }
