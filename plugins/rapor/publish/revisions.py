"""Versioned publication of a region-month: (region, month, revision), never overwritten.

``publish_month`` reads the month's latest data-quality verdict and its inputs, and:

- held (``ditahan``): publishes nothing; the caller sends the "held" notice;
- inputs, policy and gate status unchanged since the latest revision: nothing new (so the
  Asset-triggered DAG can run as often as it likes);
- otherwise: writes revision N+1 into ``output/published/<region>/<YYYY-MM>/r<N+1>/`` with
  the scorecard CSV, the inputs snapshot, the report (HTML, PDF), the BKD file (only when the
  gate passed) and a manifest of SHA-256 hashes chained to the previous revision's manifest,
  and records it in the ``publication`` table with its reason.

Before anything is written the scorecard is recomputed from the snapshot and must be
byte-identical to the stored one, so every revision is reproducible by construction.
A revision is prepared in a local staging folder and put in place whole (``rapor.storage``:
renamed in an output folder, uploaded with its manifest last to an output store on a URL);
the gate's Data Docs are copied from the output store, wherever the gate ran.
A month with no gate verdict yet is published as "belum diperiksa": the report says so and no
BKD file is produced (a TPP recommendation needs a passed gate, SCORING.md §6).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import exc, insert, select

from rapor.layout import published_root, revision_folder
from rapor.policy import Policy
from rapor.publish.bkd import (
    appeal_deadline,
    bkd_csv_bytes,
    bkd_excel_csv_bytes,
    bkd_rows,
    bkd_xlsx_bytes,
    load_officials,
)
from rapor.publish.fingerprint import fingerprint, read_snapshot, sha256_hex, write_snapshot
from rapor.publish.inputs import (
    PublicationError,
    StaleInputsError,
    collect_inputs,
    iso,
    parse_iso,
    recompute_rows,
    snapshot_policy,
)
from rapor.publish.pdf import render_pdf
from rapor.publish.report import RevisionInfo, build_context, render_html
from rapor.publish.tickets import source_tickets
from rapor.quality.datadocs import copy_site
from rapor.quality.status import GateResult, latest_gate
from rapor.scoring.periods import Period
from rapor.scoring.scorecard_csv import scorecard_csv_bytes
from rapor.storage import (
    Location,
    location,
    make_read_only,
    move_into_place,
    relative,
    remove_tree,
    staging_folder,
)
from rapor.vocabulary import APPEAL_DECISIONS, GATE_NOT_CHECKED, GATE_PASSED, HELD, PUBLISHED, UNCHANGED
from rapor.warehouse import schema

log = logging.getLogger(__name__)

SCORECARD, INPUTS, REPORT_HTML, REPORT_PDF = "scorecard.csv", "inputs.json.gz", "report.html", "report.pdf"
BKD_XLSX, BKD_CSV, BKD_EXCEL_CSV = "bkd-tpp.xlsx", "bkd-tpp.csv", "bkd-tpp-excel.csv"
MANIFEST = "manifest.json"
DATA_DOCS = "data-docs"  # the revision's copy of the gate's Data Docs site (folder)
DOWNLOADS = (REPORT_HTML, REPORT_PDF, BKD_XLSX, BKD_EXCEL_CSV, BKD_CSV, SCORECARD, MANIFEST)


@dataclass(frozen=True)
class Outcome:
    """What publishing a region-month did."""

    region_code: str
    period: str
    status: str  # terbit | tidak berubah | ditahan
    revision: int | None = None
    folder: Location | None = None
    reason: str | None = None
    gate: GateResult | None = None

    def as_dict(self) -> dict:
        return {
            "region_code": self.region_code,
            "period": self.period,
            "status": self.status,
            "revision": self.revision,
            "folder": str(self.folder) if self.folder else None,
            "reason": self.reason,
        }


@dataclass(frozen=True)
class NewRevision:
    """A revision ``publish_month`` decided to write: its inputs, the gate's verdict, its number and reason."""

    snapshot: dict  # the inputs snapshot (stored as inputs.json.gz)
    rows: list[dict]  # the scorecard recomputed from the snapshot
    scorecard_bytes: bytes  # the stored scorecard's CSV, byte-identical to the recomputed one
    inputs_sha256: str  # the snapshot's fingerprint
    gate: GateResult | None  # None: the gate has not checked the month yet
    gate_status: str  # lulus | belum diperiksa
    earlier: tuple[dict, ...]  # the month's revisions so far, oldest first
    revision: int
    reason: str
    published_by: str
    published_at: datetime
    out_dir: Location | None = None

    @property
    def data_docs_source(self) -> Location | None:
        """The gate's Data Docs index in the output store, copied into the revision; None without one."""
        path = self.gate.data_docs_path if self.gate else None
        if not path or path.startswith(("http://", "https://")):
            return None
        index = location(path)
        return index if index.is_file() else None

    @property
    def data_docs(self) -> str | None:
        """The link to the revision's copy of the Data Docs, relative to the revision folder."""
        return f"{DATA_DOCS}/{self.data_docs_source.name}" if self.data_docs_source else None

    @property
    def region(self) -> dict:
        return self.snapshot["region"]

    @property
    def region_code(self) -> str:
        return self.region["region_code"]

    @property
    def period(self) -> str:
        return self.snapshot["period"]

    @property
    def passed(self) -> bool:
        """Whether the gate passed: only then is there a TPP recommendation and a BKD file."""
        return self.gate_status == GATE_PASSED

    @property
    def previous_manifest_sha256(self) -> str | None:
        return self.earlier[-1]["manifest_sha256"] if self.earlier else None


def list_revisions(conn, region_code: str | None = None, period: str | None = None) -> list[dict]:
    """Stored revisions (all, or of a region / region-month), oldest first."""
    pub = schema.publication
    stmt = select(pub)
    if region_code:
        stmt = stmt.where(pub.c.region_code == region_code)
    if period:
        stmt = stmt.where(pub.c.period == str(period))
    stmt = stmt.order_by(pub.c.region_code, pub.c.period, pub.c.revision)
    return [_aware(dict(r)) for r in conn.execute(stmt).mappings()]


def _aware(row: dict) -> dict:
    for key in ("published_at", "gate_checked_at", "appeal_deadline_at"):
        if row.get(key) is not None and row[key].tzinfo is None:  # SQLite: stored UTC, returned naive
            row[key] = row[key].replace(tzinfo=UTC)
    return row


def _utc(instant: datetime | None) -> datetime | None:
    if instant is None or instant.tzinfo is not None:
        return instant
    return instant.replace(tzinfo=UTC)


def gate_record(gate: GateResult | None) -> dict | None:
    if gate is None:
        return None
    return {
        "status": gate.status,
        "checked_at": iso(gate.checked_at),
        "critical_failures": gate.critical_failures,
        "warnings": gate.warnings,
        "data_docs_path": gate.data_docs_path,
        "override_reason": gate.override_reason,
        "override_by": gate.override_by,
    }


def publish_month(
    engine,
    region_code: str,
    period: Period | str,
    reason: str | None = None,
    *,
    force: bool = False,
    published_by: str = "rapor",
    now: datetime | None = None,
    out_dir: Location | None = None,
) -> Outcome:
    """Publish the month as a new revision when something changed (see the module doc)."""
    period = Period.parse(period) if isinstance(period, str) else period
    now = now or datetime.now(UTC)
    with engine.connect() as conn:
        gate = latest_gate(conn, region_code, str(period))
        earlier = list_revisions(conn, region_code, str(period))
    if gate is not None and not gate.passed:
        log.info("%s %s is held by the data-quality gate: nothing published", region_code, period)
        return Outcome(region_code, str(period), HELD, gate=gate)
    inputs = collect_inputs(engine, region_code, period)
    snapshot = inputs.snapshot
    inputs_sha = fingerprint(snapshot)
    gate_status = GATE_PASSED if gate is not None else GATE_NOT_CHECKED
    latest = earlier[-1] if earlier else None
    if latest and latest["inputs_sha256"] == inputs_sha and latest["gate_status"] == gate_status and not force:
        return Outcome(
            region_code,
            str(period),
            UNCHANGED,
            latest["revision"],
            revision_folder(region_code, str(period), latest["revision"], out_dir),
            latest["reason"],
            gate,
        )
    if force and not (reason and reason.strip()):
        raise PublicationError("republishing unchanged inputs needs a reason (what is corrected?)")
    if gate_status == GATE_PASSED and not snapshot["gate_passed_at_scoring"]:
        raise PublicationError(
            f"{region_code} {period} passed the gate after it was scored without a TPP recommendation: "
            "re-run rapor_monthly for the month, then publish"
        )
    if gate is not None and gate.passed:
        cut_though_held = [
            r["opd_code"] for r in inputs.rows if r["opd_code"] in gate.held_opd_codes and r["tpp_cut_pct"] is not None
        ]
        if cut_though_held:
            raise PublicationError(
                f"{region_code} {period}: the gate held {', '.join(cut_though_held)} but the stored scorecard still "
                "has their TPP recommendation: re-run rapor_monthly for the month, then publish"
            )
    scorecard_bytes = scorecard_csv_bytes(inputs.rows)
    rows = recompute_rows(snapshot)
    if scorecard_csv_bytes(rows) != scorecard_bytes:
        raise StaleInputsError(
            f"the stored scorecard of {region_code} {period} does not follow from the warehouse's current inputs "
            "(data changed after scoring): re-run rapor_monthly for the month, then publish"
        )
    new = NewRevision(
        snapshot=snapshot,
        rows=rows,
        scorecard_bytes=scorecard_bytes,
        inputs_sha256=inputs_sha,
        gate=gate,
        gate_status=gate_status,
        earlier=tuple(earlier),
        revision=latest["revision"] + 1 if latest else 1,
        reason=_reason(reason, latest, snapshot, gate, gate_status, out_dir),
        published_by=published_by,
        published_at=now,
        out_dir=out_dir,
    )
    return _write_revision(engine, new)


def _reason(
    given: str | None,
    latest: dict | None,
    snapshot: dict,
    gate: GateResult | None,
    gate_status: str,
    out_dir: Location | None,
) -> str:
    """The stated reason, the appeals decided since the previous revision, and what changed."""
    if latest is None:
        changes = "Publikasi pertama."
        before = None
    else:
        before = _previous_snapshot(latest, out_dir)
        parts = []
        if latest["gate_status"] != gate_status:
            parts.append(f"gerbang mutu data: {latest['gate_status']} menjadi {gate_status}")
        if latest["inputs_sha256"] != fingerprint(snapshot):
            parts.append(_input_changes(before, snapshot) if before is not None else "data masukan berubah")
        changes = ("Perubahan sejak revisi " + str(latest["revision"]) + ": " + "; ".join(parts) + ".") if parts else ""
    decided = _decided_appeals(before, snapshot)
    released = _gate_release(gate, latest, out_dir)
    given = " — ".join(p for p in ((given or "").strip(), released, decided, changes) if p)
    return given or "Penerbitan ulang."


def _gate_release(gate: GateResult | None, latest: dict | None, out_dir: Location | None) -> str:
    """A held month released by hand since the previous revision: who, when, why."""
    if gate is None or not gate.override_reason:
        return ""
    if latest is not None:
        folder = revision_folder(latest["region_code"], latest["period"], latest["revision"], out_dir)
        try:
            earlier = read_manifest(folder).get("gate") or {}
        except OSError:
            earlier = {}
        if earlier.get("checked_at") == iso(gate.checked_at):
            return ""
    return (
        f"Gerbang mutu data dilepas oleh {gate.override_by} pada {iso(gate.checked_at)} "
        f"meski {len(gate.critical_failures)} pemeriksaan kritis gagal: {gate.override_reason}."
    )


def _previous_snapshot(latest: dict, out_dir: Location | None) -> dict | None:
    path = revision_folder(latest["region_code"], latest["period"], latest["revision"], out_dir) / INPUTS
    try:
        return read_snapshot(path)
    except OSError:
        return None


def _decided_appeals(before: dict | None, snapshot: dict) -> str:
    """The appeals decided since the previous revision: number, item, ground, decision, reason and who."""
    earlier = {a["appeal_id"]: a["status"] for a in (before or {}).get("appeals", [])}
    decided = [
        a
        for a in snapshot.get("appeals", [])
        if a["status"] in APPEAL_DECISIONS and earlier.get(a["appeal_id"]) != a["status"]
    ]
    if not decided:
        return ""
    return (
        "Banding diputus: "
        + "; ".join(
            f"no. {a['appeal_id']} {a['status']} (OPD {a['opd_code']}, {a['item']} {a['subject']}, "
            f"\u201c{a['ground']}\u201d; alasan: {a['decision_reason']}; oleh {a['decided_by']})"
            for a in decided
        )
        + "."
    )


def _input_changes(before: dict, snapshot: dict) -> str:
    old = {e["ref"]: e for e in before["evidence"]}
    new = {e["ref"]: e for e in snapshot["evidence"]}
    added = len(new.keys() - old.keys())
    removed = len(old.keys() - new.keys())
    changed = sum(1 for k in new.keys() & old.keys() if new[k] != old[k])
    parts = [f"{added} keluhan baru, {changed} keluhan berubah, {removed} keluhan keluar dari bukti"]
    changed_months = _months_with_changed_categories(before.get("history", []), snapshot.get("history", []))
    if changed_months:
        parts.append("kategori bulan " + ", ".join(changed_months) + " berubah")
    for key, label in (
        ("inspections", "inspeksi"),
        ("opds", "daftar OPD"),
        ("trend", "tren bulan sebelumnya"),
        ("channel_duties", "tugas kanal"),
        ("sop", "rincian nilai standar pelayanan"),
    ):
        if before.get(key) != snapshot.get(key):
            parts.append(f"{label} berubah")
    if before["policy"]["sha256"] != snapshot["policy"]["sha256"]:
        parts.append("berkas kebijakan berubah")
    return ", ".join(parts)


def _months_with_changed_categories(before: list[dict], after: list[dict]) -> list[str]:
    """The earlier months whose category changed for some OPD: what a cascaded revision follows from."""
    old = {(h["opd_code"], h["period"]): h["category"] for h in before}
    new = {(h["opd_code"], h["period"]): h["category"] for h in after}
    return sorted(
        {period for (opd, period) in old.keys() | new.keys() if old.get((opd, period)) != new.get((opd, period))}
    )


def _write_revision(engine, new: NewRevision) -> Outcome:
    """Write the revision's files into a staging folder, then record it and move the folder in place."""
    policy = snapshot_policy(new.snapshot)
    deadline = (
        appeal_deadline(new.published_at, new.region_code, new.region["timezone"], policy) if new.passed else None
    )
    files = _revision_files(engine, new, policy, deadline)
    final = revision_folder(new.region_code, new.period, new.revision, new.out_dir)
    if final.exists():
        raise PublicationError(f"{final} already exists: a revision is never overwritten")
    staging = staging_folder(final)
    try:
        manifest_bytes = _stage(new, files, staging, policy, deadline)
        _commit(engine, new, _publication_row(new, policy, deadline, manifest_bytes, final), staging, final)
    finally:
        remove_tree(staging)
    log.info("published %s %s revision %d in %s (%s)", new.region_code, new.period, new.revision, final, new.reason)
    return Outcome(new.region_code, new.period, PUBLISHED, new.revision, final, new.reason, new.gate)


def _revision_files(engine, new: NewRevision, policy: Policy, deadline: datetime | None) -> dict[str, bytes]:
    """Name → bytes of every file of the revision but the inputs snapshot and the manifest."""
    # The report is the Inspektorat's: each listed complaint with its source's own ticket (from the warehouse).
    refs = [e["ref"] for e in new.snapshot["evidence"] if not e["confidential"]]
    tickets = source_tickets(engine, new.region_code, new.period, refs)
    context = build_context(new.snapshot, new.rows, _report_info(new, deadline), tickets)
    files = {
        SCORECARD: new.scorecard_bytes,
        REPORT_HTML: render_html(context).encode("utf-8"),
        REPORT_PDF: render_pdf(context),
    }
    if new.passed:  # a TPP recommendation needs a passed gate
        files.update(_bkd_files(engine, new, policy, deadline))
    return files


def _report_info(new: NewRevision, deadline: datetime | None) -> RevisionInfo:
    return RevisionInfo(
        revision=new.revision,
        published_at=new.published_at,
        published_by=new.published_by,
        reason=new.reason,
        gate_status=new.gate_status,
        gate=gate_record(new.gate),
        inputs_sha256=new.inputs_sha256,
        bkd_produced=new.passed,
        appeal_deadline_at=deadline,
        revisions=_revision_summaries(new.earlier),
        data_docs=new.data_docs,
    )


def _revision_summaries(revisions: Iterable[dict]) -> tuple[dict, ...]:
    """What the report lists of earlier revisions: number, publication time, who published it, reason."""
    return tuple(
        {
            "revision": r["revision"],
            "published_at": r["published_at"],
            "published_by": r["published_by"],
            "reason": r["reason"],
        }
        for r in revisions
    )


def _bkd_files(engine, new: NewRevision, policy: Policy, deadline: datetime) -> dict[str, bytes]:
    """The BKD's TPP file, as workbook, plain CSV and CSV for Excel set to Indonesian."""
    with engine.connect() as conn:
        officials = load_officials(conn, new.region_code)
    held = frozenset(new.snapshot.get("opds_held_by_gate", ()))
    records = bkd_rows(new.rows, officials, policy, new.revision, deadline, held)
    meta = {
        **new.region,
        "period": new.period,
        "revision": new.revision,
        "published_at": new.published_at,
        "reason": new.reason,
        "appeal_deadline_at": deadline,
        "appeal_window_hk": policy.appeal_window_hk,
        "method_version": new.snapshot["method_version"],
        "policy_sha256": policy.source_hash,
        "inputs_sha256": new.inputs_sha256,
    }
    return {
        BKD_XLSX: bkd_xlsx_bytes(records, meta),
        BKD_CSV: bkd_csv_bytes(records),
        BKD_EXCEL_CSV: bkd_excel_csv_bytes(records, new.region["timezone"]),
    }


def _stage(
    new: NewRevision, files: dict[str, bytes], staging: Path, policy: Policy, deadline: datetime | None
) -> bytes:
    """Write the files, the inputs snapshot and the manifest into ``staging``, read-only; the manifest's bytes."""
    for name, data in files.items():
        (staging / name).write_bytes(data)
    write_snapshot(new.snapshot, staging / INPUTS)
    if new.data_docs_source:
        copy_site(new.data_docs_source, staging / DATA_DOCS)
    manifest = _manifest(new, policy, deadline, staging, sorted([*files, INPUTS]))
    manifest_bytes = json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True).encode("utf-8") + b"\n"
    (staging / MANIFEST).write_bytes(manifest_bytes)
    make_read_only(staging)  # a published file is read-only
    return manifest_bytes


def _manifest(new: NewRevision, policy: Policy, deadline: datetime | None, staging: Path, names: list[str]) -> dict:
    """What was published and from what, with the SHA-256 of every file as written, chained to the previous one."""
    return {
        "region_code": new.region_code,
        "region_name": new.region["region_name"],
        "timezone": new.region["timezone"],
        "period": new.period,
        "revision": new.revision,
        "published_at": iso(new.published_at),
        "published_by": new.published_by,
        "reason": new.reason,
        "gate_status": new.gate_status,
        "gate": gate_record(new.gate),
        "method_version": new.snapshot["method_version"],
        "policy_sha256": policy.source_hash,
        "inputs_sha256": new.inputs_sha256,
        "scorecard_sha256": sha256_hex(new.scorecard_bytes),
        "appeal_deadline_at": deadline.isoformat() if deadline else None,
        "appeal_window_hk": policy.appeal_window_hk if new.passed else None,
        "bkd_produced": new.passed,
        "data_docs": new.data_docs,
        "previous_manifest_sha256": new.previous_manifest_sha256,
        "files": {
            name: {"sha256": sha256_hex((staging / name).read_bytes()), "bytes": (staging / name).stat().st_size}
            for name in names
        },
    }


def _publication_row(
    new: NewRevision, policy: Policy, deadline: datetime | None, manifest_bytes: bytes, final: Location
) -> dict:
    """The revision's row of the ``publication`` table."""
    return {
        "region_code": new.region_code,
        "period": new.period,
        "revision": new.revision,
        "published_at": new.published_at,
        "published_by": new.published_by,
        "reason": new.reason,
        "gate_status": new.gate_status,
        "gate_checked_at": _utc(new.gate.checked_at) if new.gate else None,
        "method_version": new.snapshot["method_version"],
        "policy_sha256": policy.source_hash,
        "inputs_sha256": new.inputs_sha256,
        "scorecard_sha256": sha256_hex(new.scorecard_bytes),
        "manifest_sha256": sha256_hex(manifest_bytes),
        "previous_manifest_sha256": new.previous_manifest_sha256,
        "bkd_produced": new.passed,
        "appeal_deadline_at": deadline,
        "folder": relative(final, published_root(new.out_dir).parent),
        "n_opds": len(new.rows),
    }


def _commit(engine, new: NewRevision, row: dict, staging: Path, final: Location) -> None:
    """Record the revision and move its folder in place, together: no row without its folder."""
    try:
        with engine.begin() as conn:
            conn.execute(insert(schema.publication).values(**row))
            move_into_place(staging, final, last=MANIFEST)  # inside the transaction: a failure rolls the row back
    except exc.IntegrityError:
        raise PublicationError(
            f"revision {new.revision} of {new.region_code} {new.period} was published concurrently: run again"
        ) from None


def read_manifest(folder: Location) -> dict:
    return json.loads((folder / MANIFEST).read_text(encoding="utf-8"))


def verify_revision(folder: Location) -> list[str]:
    """Problems found in a published revision (empty when it is intact and reproducible).

    Checks every file against the manifest's SHA-256 and recomputes the scorecard CSV from
    the stored inputs: it must be byte-identical.
    """
    if not (folder / MANIFEST).is_file():
        return [f"{MANIFEST}: missing ({folder} is not a published revision)"]
    problems = []
    manifest = read_manifest(folder)
    for name, expected in manifest["files"].items():
        path = folder / name
        if not path.is_file():
            problems.append(f"{name}: missing")
        elif sha256_hex(path.read_bytes()) != expected["sha256"]:
            problems.append(f"{name}: SHA-256 differs from the manifest")
    snapshot = read_snapshot(folder / INPUTS)
    if fingerprint(snapshot) != manifest["inputs_sha256"]:
        problems.append(f"{INPUTS}: fingerprint differs from the manifest")
    if scorecard_csv_bytes(recompute_rows(snapshot)) != (folder / SCORECARD).read_bytes():
        problems.append(f"{SCORECARD}: recomputing from {INPUTS} does not give the same bytes")
    return problems


def verify_in_warehouse(engine, folder: Location) -> list[str]:
    """Problems between a published revision and the warehouse (after a restore, say).

    The warehouse must hold the revision's ``publication`` row with the same manifest and inputs
    fingerprints, and, for the latest revision of its month, still give the same inputs.
    """
    if not (folder / MANIFEST).is_file():
        return [f"{MANIFEST}: missing ({folder} is not a published revision)"]
    manifest = read_manifest(folder)
    region_code, period, revision = manifest["region_code"], manifest["period"], manifest["revision"]
    with engine.connect() as conn:
        revisions = list_revisions(conn, region_code, period)
    row = next((r for r in revisions if r["revision"] == revision), None)
    if row is None:
        return [f"the warehouse has no record of revision {revision} of {region_code} {period}"]
    problems = []
    if row["manifest_sha256"] != sha256_hex((folder / MANIFEST).read_bytes()):
        problems.append(f"{MANIFEST}: SHA-256 differs from the warehouse's record of revision {revision}")
    if row["inputs_sha256"] != manifest["inputs_sha256"]:
        problems.append(f"inputs fingerprint differs from the warehouse's record of revision {revision}")
    if revision == revisions[-1]["revision"]:
        current = fingerprint(collect_inputs(engine, region_code, Period.parse(period)).snapshot)
        if current != manifest["inputs_sha256"]:
            problems.append(
                f"the warehouse's inputs of {region_code} {period} differ from its latest revision {revision} "
                "(changed since it was published, or restored from another time): rapor_publish will publish anew"
            )
    return problems


def revision_info(manifest: dict, earlier: list[dict]) -> RevisionInfo:
    """The report's RevisionInfo of a stored revision (for the web view)."""
    return RevisionInfo(
        revision=manifest["revision"],
        published_at=parse_iso(manifest["published_at"]),
        published_by=manifest["published_by"],
        reason=manifest["reason"],
        gate_status=manifest["gate_status"],
        gate=manifest["gate"],
        inputs_sha256=manifest["inputs_sha256"],
        bkd_produced=manifest["bkd_produced"],
        appeal_deadline_at=datetime.fromisoformat(manifest["appeal_deadline_at"])
        if manifest["appeal_deadline_at"]
        else None,
        revisions=_revision_summaries(r for r in earlier if r["revision"] < manifest["revision"]),
        data_docs=manifest.get("data_docs"),
    )
