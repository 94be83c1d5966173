"""The inputs of a published region-month, and the scorecard recomputed from them.

``collect_inputs`` reads from the warehouse exactly what scoring read (the same SQL models
and the stored per-complaint evidence) into a JSON snapshot: the region and its OPDs as
scored, the evidence rows with the complaint fields behind them, the inspections, the
earlier categories that make the TPP run, the policy file itself, the six-month trend
the report shows, each OPD's channel duties of the month (rapor.scoring.duties: shown
beside S_sop, not counted by method 2026.1; an older snapshot has none), and per OPD the
inspection its S_sop comes from (date, age, carry-forward factor, dimension values; ``sop``,
an older snapshot has none: ``snapshot_sop_details`` derives it from the inspections).
``recompute_rows`` scores the month again from that snapshot alone with the same pure
functions (rapor.scoring.responsiveness, rapor.scoring.sop, rapor.scoring.scorecard.score_rows),
so a revision's scorecard CSV can be checked byte for byte at any later time.

Complaints appear only under a keyed pseudonymous reference (``k-…``): no complaint id,
reporter or text is copied into a publication.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from fractions import Fraction

import pandas as pd
import yaml
from sqlalchemy import and_, func, select

from rapor import config
from rapor.errors import RaporError
from rapor.policy import Policy, parse_policy
from rapor.privacy import Keys
from rapor.publish.appeals import snapshot_appeals
from rapor.publish.fingerprint import complaint_ref
from rapor.quality.status import latest_gate
from rapor.registry import get_region
from rapor.scoring.duties import channel_duties
from rapor.scoring.early_warning import warning_effect
from rapor.scoring.explain import Explanation, explain_month
from rapor.scoring.periods import Period
from rapor.scoring.responsiveness import counts_by_opd
from rapor.scoring.scorecard import month_inspections, score_rows, scorecard_history
from rapor.scoring.scorecard_csv import scorecard_csv_bytes
from rapor.scoring.sop import SopScore, dimension_values, inspection_score, sop_scores
from rapor.vocabulary import DIMENSIONS
from rapor.warehouse import schema
from rapor.warehouse.pseudonyms import check_keyring

SNAPSHOT_FORMAT = 1
TREND_MONTHS = 6
EVIDENCE_FLAGS = (
    "in_first_response",
    "first_response_on_time",
    "in_resolution",
    "resolution_on_time",
    "open_at_end",
    "overdue_at_end",
)
EVIDENCE_INSTANTS = (
    "received_at",
    "forwarded_at",
    "clock_start_at",
    "first_response_at",
    "resolved_at",
    "first_response_deadline_at",
    "resolution_deadline_at",
)
INSPECTION_COLUMNS = ("opd_code", "inspected_on", "dimension", "indicator", "score")


class PublicationError(RaporError):
    """A month cannot be published as asked (not scored, policy changed, files exist …)."""


class StaleInputsError(PublicationError):
    """The warehouse changed after the month was scored: it must be scored again first."""


@dataclass(frozen=True)
class MonthInputs:
    snapshot: dict  # JSON data; its fingerprint identifies the inputs
    rows: list[dict]  # the scorecard rows stored by the monthly DAG, by opd_code


def iso(instant: datetime | None) -> str | None:
    """UTC, microseconds, ``Z``: one spelling per instant whatever the database returned."""
    if instant is None:
        return None
    if instant.tzinfo is None:  # SQLite returns the stored UTC value without its zone
        instant = instant.replace(tzinfo=UTC)
    return instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_iso(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text.replace("Z", "+00:00"))


def collect_inputs(engine, region_code: str, period: Period, key: Keys | None = None) -> MonthInputs:
    """Everything the stored scorecard of (region, month) was computed from, as a snapshot."""
    key = key or config.pseudonym_keys()
    sc = schema.scorecard
    with engine.connect() as conn:
        check_keyring(conn, key)  # the references must be those the stored appeals use
        region = get_region(conn, region_code)
        rows = [
            dict(r)
            for r in conn.execute(
                select(sc).where(sc.c.region_code == region_code, sc.c.period == str(period))
            ).mappings()
        ]
    if not rows:
        raise PublicationError(
            f"{region_code} {period} has no scorecard: run the rapor_monthly DAG for this month first"
        )
    rows.sort(key=lambda r: r["opd_code"])
    policy_hashes = {r["policy_sha256"] for r in rows}
    methods = {r["method_version"] for r in rows}
    if len(policy_hashes) != 1 or len(methods) != 1:
        raise PublicationError(
            f"{region_code} {period}: scorecard rows come from different policies; re-score the month"
        )
    path = config.policy_path()
    policy_text = path.read_bytes().decode("utf-8")
    policy = load_snapshot_policy_text(policy_text)
    if policy.source_hash != next(iter(policy_hashes)):
        raise PublicationError(
            f"{region_code} {period} was scored with policy {next(iter(policy_hashes))[:12]}…, but the policy "
            f"file now in use ({path}) differs: re-run rapor_monthly for the month or set RAPOR_POLICY to "
            "the file it was scored with"
        )
    with engine.connect() as conn:
        evidence = _evidence(conn, region_code, period, key, min(r["computed_at"] for r in rows))
        inspections = month_inspections(conn, region_code, period, policy)
        history = scorecard_history(conn, region_code, period)
        duties = channel_duties(conn, region_code, region.timezone, period, [r["opd_code"] for r in rows])
        warned = warning_effect(conn, region_code, period)
        trend = conn.execute(
            select(sc.c.opd_code, sc.c.period, sc.c.index_score, sc.c.category, sc.c.zone, sc.c.status).where(
                sc.c.region_code == region_code,
                sc.c.period >= str(period.shift(1 - TREND_MONTHS)),
                sc.c.period < str(period),
            )
        ).all()
    rated = [r for r in rows if r["category"] is not None]
    with engine.connect() as conn:
        gate = latest_gate(conn, region_code, str(period))
    # OPDs the gate held alone (an account uncollected too long) have no TPP cut by rule.
    held = gate.held_opd_codes if gate is not None and gate.passed else frozenset()
    held_rated = sorted(r["opd_code"] for r in rated if r["opd_code"] in held and r["tpp_cut_pct"] is None)
    snapshot = {
        "format": SNAPSHOT_FORMAT,
        "region": {"region_code": region.region_code, "region_name": region.region_name, "timezone": region.timezone},
        "period": str(period),
        "method_version": next(iter(methods)),
        "policy": {"sha256": policy.source_hash, "file_name": path.name, "text": policy_text},
        # score_rows leaves the TPP cut empty when the gate had failed at scoring time.
        "gate_passed_at_scoring": all(r["tpp_cut_pct"] is not None for r in rated if r["opd_code"] not in held),
        "opds": [{"opd_code": r["opd_code"], "opd_name": r["opd_name"]} for r in rows],
        "evidence": evidence,
        "inspections": [
            {"opd_code": str(o), "inspected_on": _day(d), "dimension": str(dim), "indicator": str(i), "score": int(s)}
            for o, d, dim, i, s in sorted(
                inspections[list(INSPECTION_COLUMNS)].itertuples(index=False, name=None),
                key=lambda t: (t[0], _day(t[1]), t[3]),
            )
        ],
        "history": [
            {"opd_code": str(o), "period": str(p), "category": c if isinstance(c, str) else None}  # NULL, not NaN
            for o, p, c in sorted(history.itertuples(index=False, name=None), key=lambda t: (t[0], t[1]))
        ],
        "trend": [
            {
                "opd_code": o,
                "period": p,
                "index_score": None if i is None else format(i, ".2f"),
                "category": c,
                "zone": z,
                "status": s,
            }
            for o, p, i, c, z, s in sorted(trend, key=lambda t: (t[0], t[1]))
        ],
        "channel_duties": [d.as_dict() for d in duties],
    }
    frame = pd.DataFrame(snapshot["inspections"], columns=list(INSPECTION_COLUMNS))
    frame["score"] = frame["score"].astype("int64")
    # Why each S_sop is what it is: the inspection used, its date, age, factor, dimension values
    # (its indicator scores are the rows of "inspections" with that OPD and date).
    snapshot["sop"] = [d.as_dict() for d in sop_details(frame, sop_scores(frame, period, policy), policy).values()]
    with engine.connect() as conn:
        appeals = snapshot_appeals(conn, region_code, period)
    if appeals:  # only then: a month without appeals keeps the fingerprint it always had
        snapshot["appeals"] = appeals
    if held_rated:  # absent when none: the snapshots of months without a held OPD stay as they were
        snapshot["opds_held_by_gate"] = held_rated
    if warned:  # only where the early warning ran: other months' snapshots stay as they were
        snapshot["early_warning"] = warned
    return MonthInputs(snapshot, rows)


def _day(value) -> str:
    return value.isoformat() if isinstance(value, date) else str(value)[:10]


def _evidence(conn, region_code: str, period: Period, key: Keys, scored_at: datetime) -> list[dict]:
    """The stored evidence rows with the complaint fields behind them.

    A complaint of the evidence that changed after the month was scored would make the
    snapshot disagree with the scorecard: refuse, the month must be scored again.
    """
    ev, c, o = schema.score_evidence, schema.complaint, schema.complaint_override
    stmt = (
        select(
            ev.c.source,
            ev.c.complaint_id,
            ev.c.opd_code,
            ev.c.channel,
            ev.c.kind,
            ev.c.clock_start_at,
            ev.c.first_response_deadline_at,
            ev.c.resolution_deadline_at,
            *(ev.c[f] for f in EVIDENCE_FLAGS),
            c.c.received_at,
            c.c.forwarded_at,
            # as scored: an accepted appeal's correction over the recorded event
            func.coalesce(o.c.first_response_at, c.c.first_response_at).label("first_response_at"),
            func.coalesce(o.c.resolved_at, c.c.resolved_at).label("resolved_at"),
            c.c.confidential,
            c.c.updated_at,
            o.c.created_at.label("override_at"),
        )
        .select_from(
            ev.outerjoin(c, and_(c.c.source == ev.c.source, c.c.complaint_id == ev.c.complaint_id)).outerjoin(
                o, and_(o.c.source == ev.c.source, o.c.complaint_id == ev.c.complaint_id)
            )
        )
        .where(ev.c.region_code == region_code, ev.c.period == str(period))
    )
    out, changed = [], 0
    for r in conn.execute(stmt).mappings():
        if r["updated_at"] is None or max(iso(r["updated_at"]), iso(r["override_at"]) or "") > iso(scored_at):
            changed += 1
        item = {
            "ref": complaint_ref(r["source"], r["complaint_id"], key),
            "opd_code": r["opd_code"],
            "channel": r["channel"],
            "kind": r["kind"],
            "confidential": bool(r["confidential"]),
            **{name: iso(r[name]) for name in EVIDENCE_INSTANTS},
            **{name: bool(r[name]) for name in EVIDENCE_FLAGS},
        }
        out.append(item)
    if changed:
        raise StaleInputsError(
            f"{changed} complaint(s) in the evidence of {region_code} {period} changed after the month was scored: "
            "re-run rapor_monthly for the month, then publish"
        )
    out.sort(key=lambda e: (e["opd_code"], e["clock_start_at"], e["ref"]))
    return out


def load_snapshot_policy_text(text: str) -> Policy:
    raw = text.encode("utf-8")
    return parse_policy(yaml.safe_load(raw), source_hash=hashlib.sha256(raw).hexdigest())


def snapshot_policy(snapshot: dict) -> Policy:
    """The policy stored in the snapshot, checked against the hash the scorecard carries."""
    policy = load_snapshot_policy_text(snapshot["policy"]["text"])
    if policy.source_hash != snapshot["policy"]["sha256"]:
        raise PublicationError("the stored policy text does not match its hash: the snapshot was altered")
    return policy


@dataclass(frozen=True)
class SnapshotScoring:
    """What the month is scored from, read from its snapshot alone (no warehouse)."""

    policy: Policy
    period: Period
    opd_names: dict[str, str]
    evidence: pd.DataFrame  # the evidence rows: reference, OPD, population flags
    counts: pd.DataFrame  # the six counts per OPD of the region
    sops: dict[str, SopScore]
    history: dict[str, dict[Period, str | None]]
    inspections: pd.DataFrame  # the inspection rows S_sop may come from (INSPECTION_COLUMNS)


def snapshot_scoring(snapshot: dict) -> SnapshotScoring:
    policy = snapshot_policy(snapshot)
    period = Period.parse(snapshot["period"])
    opd_names = {o["opd_code"]: o["opd_name"] for o in snapshot["opds"]}
    evidence = pd.DataFrame(snapshot["evidence"], columns=["ref", "opd_code", *EVIDENCE_FLAGS])
    for flag in EVIDENCE_FLAGS:
        evidence[flag] = evidence[flag].astype(bool)
    inspections = pd.DataFrame(snapshot["inspections"], columns=list(INSPECTION_COLUMNS))
    inspections["score"] = inspections["score"].astype("int64")
    history: dict[str, dict[Period, str | None]] = {}
    for item in snapshot["history"]:
        history.setdefault(item["opd_code"], {})[Period.parse(item["period"])] = item["category"]
    return SnapshotScoring(
        policy=policy,
        period=period,
        opd_names=opd_names,
        evidence=evidence,
        counts=counts_by_opd(evidence, list(opd_names)),
        sops=sop_scores(inspections, period, policy),
        history=history,
        inspections=inspections,
    )


def recompute_rows(snapshot: dict) -> list[dict]:
    """Score the month again from the snapshot alone (no warehouse): the scorecard rows."""
    parts = snapshot_scoring(snapshot)
    return score_rows(
        parts.counts,
        parts.opd_names,
        parts.sops,
        parts.history,
        parts.period,
        snapshot["region"]["region_code"],
        parts.policy,
        snapshot["gate_passed_at_scoring"],
        frozenset(snapshot.get("opds_held_by_gate", ())),
    )


@dataclass(frozen=True)
class SopDetail:
    """Why an OPD's S_sop is what it is: the inspection used, its dimension values and indicator scores."""

    opd_code: str
    inspected_on: date
    age_months: int
    factor: Fraction  # the carry-forward factor to the power of the inspection's age in months
    inspection_value: Fraction  # S_sop of the inspection itself (0-100), before the factor
    value: Fraction  # the S_sop scored: inspection_value × factor
    dimensions: dict[str, Fraction]  # dimension -> value 0..1 (mean indicator score / 3)
    indicators: tuple[tuple[str, str, int], ...]  # (dimension, indicator, score 0-3) of that inspection

    def as_dict(self) -> dict:
        """The snapshot's record (decimal strings; the indicator scores are the snapshot's inspection rows)."""
        return {
            "opd_code": self.opd_code,
            "inspected_on": self.inspected_on.isoformat(),
            "age_months": self.age_months,
            "carry_forward_factor": _decimal_text(self.factor),
            "s_sop_inspection": _decimal_text(self.inspection_value),
            "s_sop": _decimal_text(self.value),
            "dimensions": {d: _decimal_text(v) for d, v in self.dimensions.items()},
        }


def _decimal_text(value: Fraction, places: int = 4) -> str:
    return format(Decimal(value.numerator) / Decimal(value.denominator), f".{places}f")


def sop_details(inspections: pd.DataFrame, sops: dict[str, SopScore], policy: Policy) -> dict[str, SopDetail]:
    """Per OPD with an S_sop, the inspection it comes from (rapor.scoring.sop, the same functions)."""
    if inspections.empty:
        return {}
    days = pd.to_datetime(inspections["inspected_on"]).dt.date
    out = {}
    for opd_code, sop in sorted(sops.items()):
        rows = inspections[(inspections["opd_code"] == opd_code) & (days == sop.inspected_on)]
        factor = policy.sop_carry_forward_factor**sop.age_months
        out[opd_code] = SopDetail(
            opd_code=opd_code,
            inspected_on=sop.inspected_on,
            age_months=sop.age_months,
            factor=Fraction(factor),
            inspection_value=inspection_score(rows, policy.sop_weights),
            value=sop.value,
            dimensions=dimension_values(rows),
            indicators=tuple(
                sorted(
                    ((str(r.dimension), str(r.indicator), int(r.score)) for r in rows.itertuples(index=False)),
                    key=lambda t: (DIMENSIONS.index(t[0]) if t[0] in DIMENSIONS else len(DIMENSIONS), t[1]),
                )
            ),
        )
    return out


def snapshot_sop_details(snapshot: dict) -> dict[str, SopDetail]:
    """The S_sop details of a snapshot's month, from its inspections (also for snapshots without "sop")."""
    parts = snapshot_scoring(snapshot)
    return sop_details(parts.inspections, parts.sops, parts.policy)


def explain_snapshot(snapshot: dict) -> dict[str, Explanation]:
    """Where each rated OPD's index points went, from the snapshot's evidence (keyed by reference)."""
    parts = snapshot_scoring(snapshot)
    return explain_month(parts.evidence, parts.counts, parts.sops, parts.policy, key="ref")


def recompute_scorecard_csv(snapshot: dict) -> bytes:
    return scorecard_csv_bytes(recompute_rows(snapshot))
