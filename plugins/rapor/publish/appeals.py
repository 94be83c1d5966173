"""Appeals (banding) of a published month: filing, deciding, and what a decision changes.

Within the appeal window of the month's latest revision (``publication.appeal_deadline_at``,
N working days after it was published, SCORING.md) an OPD contests items of that month:

- a complaint of its evidence, named by the reference the publication shows (``k-…``): to be
  left out of its scoring (``keluarkan``, e.g. "bukan kewenangan kami") or with a corrected
  first response or resolution time (``koreksi``, e.g. "sudah ditanggapi di kanal lain");
- an inspection indicator: a corrected score.

The Inspektorat accepts (``diterima``) or rejects (``ditolak``) each item with a reason. An
accepted item becomes an override (``complaint_override`` / ``inspection_override``) that the
scoring SQL models read over the raw records, which are never edited. The rapor_appeals DAG
then re-scores the month (and the region's later scored months), and rapor_publish publishes
the new revisions; the revision's reason lists the decided appeals.

Every filing and decision names the authenticated Airflow user who made it (the web view's
logged-in user; the CLI goes through the web view with an Airflow token): the functions here
refuse an empty name, they never choose one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import insert, select, update

from rapor import config
from rapor.errors import RaporError
from rapor.privacy import redact
from rapor.publish.fingerprint import complaint_ref, complaint_refs
from rapor.vocabulary import (
    APPEAL_ACCEPTED,
    APPEAL_COMPLAINT,
    APPEAL_CORRECT,
    APPEAL_DECISIONS,
    APPEAL_EXCLUDE,
    APPEAL_FILED,
    APPEAL_GROUNDS,
    APPEAL_INDICATOR,
    APPEAL_ITEMS,
    APPEAL_REQUESTS,
    INDICATOR_SCORES,
)
from rapor.warehouse import schema
from rapor.warehouse.pseudonyms import check_keyring

MIN_REASON = 10  # characters: an explanation, not "ok"


class AppealError(RaporError):
    """An appeal that cannot be filed or decided as asked (window closed, unknown item, …).

    Its message is shown as is on the web page and by the CLI: plain Bahasa Indonesia.
    """


@dataclass(frozen=True)
class AppealRequest:
    """One contested item, as an OPD files it."""

    region_code: str
    period: str
    opd_code: str
    item: str  # APPEAL_COMPLAINT | APPEAL_INDICATOR
    requested: str  # APPEAL_EXCLUDE | APPEAL_CORRECT
    ground: str  # one of APPEAL_GROUNDS
    explanation: str
    complaint_ref: str | None = None  # k-… of the month's evidence
    corrected_first_response_at: datetime | None = None
    corrected_resolved_at: datetime | None = None
    inspected_on: date | None = None
    indicator: str | None = None
    corrected_score: int | None = None


def _aware(instant: datetime | None) -> datetime | None:
    if instant is None or instant.tzinfo is not None:
        return instant
    return instant.replace(tzinfo=UTC)  # SQLite returns the stored UTC value without its zone


def _who(name: str | None, what: str) -> str:
    name = (name or "").strip()
    if not name:
        raise AppealError(f"{what} harus atas nama pengguna Airflow yang masuk (login)")
    return name[:200]


def _text(value: str | None, what: str) -> str:
    value = redact((value or "").strip()) or ""
    if len(value) < MIN_REASON:
        raise AppealError(f"{what} terlalu singkat: jelaskan alasannya (minimal {MIN_REASON} karakter)")
    return value


def appeal_window(conn, region_code: str, period: str) -> tuple[int, datetime]:
    """The latest revision of the month and the end of its appeal window (AppealError if none)."""
    pub = schema.publication
    row = conn.execute(
        select(pub.c.revision, pub.c.appeal_deadline_at)
        .where(pub.c.region_code == region_code, pub.c.period == period)
        .order_by(pub.c.revision.desc())
        .limit(1)
    ).first()
    if row is None:
        raise AppealError(f"{region_code} {period} belum diterbitkan: belum ada yang dapat dibanding")
    if row.appeal_deadline_at is None:
        raise AppealError(
            f"{region_code} {period} revisi {row.revision} belum punya rekomendasi TPP (gerbang mutu data "
            "belum lulus): belum ada masa banding"
        )
    return row.revision, _aware(row.appeal_deadline_at)


def file_appeal(engine, request: AppealRequest, filed_by: str, now: datetime | None = None) -> int:
    """Record one contested item (status ``diajukan``); returns its number."""
    filed_by = _who(filed_by, "Pengajuan banding")
    now = now or datetime.now(UTC)
    if request.item not in APPEAL_ITEMS:
        raise AppealError(f"yang dibanding {request.item!r}: harus salah satu dari {', '.join(APPEAL_ITEMS)}")
    if request.requested not in APPEAL_REQUESTS:
        raise AppealError(f"permintaan {request.requested!r}: harus salah satu dari {', '.join(APPEAL_REQUESTS)}")
    if request.ground not in APPEAL_GROUNDS:
        raise AppealError(f"alasan {request.ground!r}: harus salah satu dari {', '.join(APPEAL_GROUNDS)}")
    explanation = _text(request.explanation, "Penjelasan banding")
    with engine.begin() as conn:
        revision, deadline = appeal_window(conn, request.region_code, request.period)
        if now > deadline:
            raise AppealError(
                f"masa banding {request.region_code} {request.period} (revisi {revision}) "
                f"berakhir pada {deadline.isoformat()}"
            )
        _require_scored_opd(conn, request)
        target = (
            _complaint_target(conn, request) if request.item == APPEAL_COMPLAINT else _indicator_target(conn, request)
        )
        _refuse_duplicate(conn, request, target)
        row = {
            "region_code": request.region_code,
            "period": request.period,
            "revision": revision,
            "opd_code": request.opd_code,
            "item": request.item,
            "requested": request.requested,
            "ground": request.ground,
            "explanation": explanation,
            "filed_by": filed_by,
            "filed_at": now,
            "status": APPEAL_FILED,
            **target,
        }
        return conn.execute(insert(schema.appeal).values(**row)).inserted_primary_key[0]


def _require_scored_opd(conn, request: AppealRequest) -> None:
    sc = schema.scorecard
    found = conn.execute(
        select(sc.c.opd_code).where(
            sc.c.region_code == request.region_code, sc.c.period == request.period, sc.c.opd_code == request.opd_code
        )
    ).first()
    if found is None:
        raise AppealError(f"OPD {request.opd_code!r} tidak punya rapor di {request.region_code} {request.period}")


def _complaint_target(conn, request: AppealRequest) -> dict:
    """The complaint behind the reference, in the OPD's evidence of the month, with its correction."""
    ev = schema.score_evidence
    rows = conn.execute(
        select(ev.c.source, ev.c.complaint_id, ev.c.clock_start_at).where(
            ev.c.region_code == request.region_code, ev.c.period == request.period, ev.c.opd_code == request.opd_code
        )
    ).all()
    key = config.pseudonym_keys()
    check_keyring(conn, key)
    # A revision published before a key rotation shows the reference under the older keys.
    match = next((r for r in rows if request.complaint_ref in complaint_refs(r.source, r.complaint_id, key)), None)
    if match is None:
        raise AppealError(
            f"keluhan {request.complaint_ref!r} tidak ada dalam bukti OPD {request.opd_code} "
            f"di {request.region_code} {request.period}"
        )
    current = complaint_ref(match.source, match.complaint_id, key)
    target = {"source": match.source, "complaint_id": match.complaint_id, "complaint_ref": current}
    if request.requested == APPEAL_EXCLUDE:
        return target
    first, resolved = _aware(request.corrected_first_response_at), _aware(request.corrected_resolved_at)
    if first is None and resolved is None:
        raise AppealError("koreksi keluhan perlu waktu tanggapan pertama atau waktu selesai yang benar")
    for label, instant in (("tanggapan pertama", first), ("selesai", resolved)):
        if instant is not None and instant < _aware(match.clock_start_at):
            raise AppealError(f"waktu {label} yang dikoreksi lebih awal dari mulainya jam keluhan")
    return {**target, "corrected_first_response_at": first, "corrected_resolved_at": resolved}


def _indicator_target(conn, request: AppealRequest) -> dict:
    if request.requested != APPEAL_CORRECT:
        raise AppealError("indikator inspeksi dikoreksi (nilai baru), tidak dikeluarkan")
    if request.corrected_score not in INDICATOR_SCORES:
        raise AppealError(f"nilai koreksi {request.corrected_score!r} bukan salah satu dari {INDICATOR_SCORES}")
    ins = schema.inspection
    found = conn.execute(
        select(ins.c.indicator).where(
            ins.c.region_code == request.region_code,
            ins.c.opd_code == request.opd_code,
            ins.c.inspected_on == request.inspected_on,
            ins.c.indicator == request.indicator,
        )
    ).first()
    if found is None:
        raise AppealError(
            f"tidak ada inspeksi OPD {request.opd_code} tanggal {request.inspected_on} "
            f"dengan indikator {request.indicator!r}"
        )
    return {
        "inspected_on": request.inspected_on,
        "indicator": request.indicator,
        "corrected_score": int(request.corrected_score),
    }


def _refuse_duplicate(conn, request: AppealRequest, target: dict) -> None:
    """One open or accepted appeal per item: a decided override is not overridden again."""
    a = schema.appeal
    same = (
        (a.c.source == target["source"]) & (a.c.complaint_id == target["complaint_id"])
        if request.item == APPEAL_COMPLAINT
        else (a.c.region_code == request.region_code)
        & (a.c.opd_code == request.opd_code)
        & (a.c.inspected_on == target["inspected_on"])
        & (a.c.indicator == target["indicator"])
    )
    other = conn.execute(
        select(a.c.appeal_id, a.c.status).where(same, a.c.status.in_([APPEAL_FILED, APPEAL_ACCEPTED]))
    ).first()
    if other is not None:
        raise AppealError(f"hal ini sudah dibanding (banding no. {other.appeal_id}, {other.status})")


def decide_appeal(
    engine, appeal_id: int, decision: str, reason: str, decided_by: str, now: datetime | None = None
) -> dict:
    """Accept or reject a filed appeal with a reason; an accepted one becomes an override."""
    decided_by = _who(decided_by, "Putusan banding")
    if decision not in APPEAL_DECISIONS:
        raise AppealError(f"putusan {decision!r}: harus salah satu dari {', '.join(APPEAL_DECISIONS)}")
    reason = _text(reason, "Alasan putusan")
    now = now or datetime.now(UTC)
    a = schema.appeal
    with engine.begin() as conn:
        row = conn.execute(select(a).where(a.c.appeal_id == appeal_id)).mappings().first()
        if row is None:
            raise AppealError(f"tidak ada banding no. {appeal_id}")
        if row["status"] != APPEAL_FILED:
            raise AppealError(f"banding no. {appeal_id} sudah diputus ({row['status']} oleh {row['decided_by']})")
        changed = conn.execute(
            update(a)
            .where(a.c.appeal_id == appeal_id, a.c.status == APPEAL_FILED)
            .values(status=decision, decision_reason=reason, decided_by=decided_by, decided_at=now)
        ).rowcount
        if changed != 1:
            raise AppealError(f"banding no. {appeal_id} diputus bersamaan oleh pengguna lain")
        if decision == APPEAL_ACCEPTED:
            _write_override(conn, row, decided_by, now)
    return {**row, "status": decision, "decision_reason": reason, "decided_by": decided_by, "decided_at": now}


def _write_override(conn, row, decided_by: str, now: datetime) -> None:
    common = {"appeal_id": row["appeal_id"], "decided_by": decided_by, "created_at": now}
    if row["item"] == APPEAL_COMPLAINT:
        conn.execute(
            insert(schema.complaint_override).values(
                source=row["source"],
                complaint_id=row["complaint_id"],
                excluded=row["requested"] == APPEAL_EXCLUDE,
                first_response_at=row["corrected_first_response_at"],
                resolved_at=row["corrected_resolved_at"],
                **common,
            )
        )
    else:
        conn.execute(
            insert(schema.inspection_override).values(
                region_code=row["region_code"],
                opd_code=row["opd_code"],
                inspected_on=row["inspected_on"],
                indicator=row["indicator"],
                score=row["corrected_score"],
                **common,
            )
        )


def list_appeals(conn, region_code: str, period: str) -> list[dict]:
    """The month's appeals, oldest first (the warehouse's rows, for the web view and the CLI)."""
    a = schema.appeal
    rows = conn.execute(
        select(a).where(a.c.region_code == region_code, a.c.period == period).order_by(a.c.appeal_id)
    ).mappings()
    out = []
    for r in rows:
        item = dict(r)
        for key in ("filed_at", "decided_at", "applied_at", "corrected_first_response_at", "corrected_resolved_at"):
            item[key] = _aware(item[key])
        out.append(item)
    return out


def decided_unapplied(conn) -> list[dict]:
    """Region-months with decided appeals not re-scored for yet: ``{region_code, period, appeal_ids}``."""
    a = schema.appeal
    rows = conn.execute(
        select(a.c.region_code, a.c.period, a.c.appeal_id)
        .where(a.c.status.in_(APPEAL_DECISIONS), a.c.applied_at.is_(None))
        .order_by(a.c.region_code, a.c.period, a.c.appeal_id)
    ).all()
    months: dict[tuple[str, str], list[int]] = {}
    for region_code, period, appeal_id in rows:
        months.setdefault((region_code, period), []).append(int(appeal_id))
    return [{"region_code": r, "period": p, "appeal_ids": ids} for (r, p), ids in months.items()]


def mark_applied(engine, appeal_ids: list[int], now: datetime | None = None) -> None:
    a = schema.appeal
    with engine.begin() as conn:
        conn.execute(update(a).where(a.c.appeal_id.in_(appeal_ids)).values(applied_at=now or datetime.now(UTC)))


def _iso(instant: datetime | None) -> str | None:
    instant = _aware(instant)
    return None if instant is None else instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def subject(row: dict) -> str:
    """The contested item as the publication names it (never a complaint's own id)."""
    if row["item"] == APPEAL_COMPLAINT:
        return row["complaint_ref"]
    return f"{row['indicator']} ({row['inspected_on']})"


def correction(row: dict) -> str | None:
    if row["requested"] == APPEAL_EXCLUDE:
        return None
    if row["item"] == APPEAL_INDICATOR:
        return f"nilai {row['corrected_score']}"
    parts = [
        f"{label} {_iso(row[key])}"
        for label, key in (
            ("tanggapan pertama", "corrected_first_response_at"),
            ("selesai", "corrected_resolved_at"),
        )
        if row[key] is not None
    ]
    return ", ".join(parts)


def snapshot_appeals(conn, region_code: str, period) -> list[dict]:
    """The month's appeals as a publication's inputs snapshot carries them (JSON, no complaint id)."""
    return [
        {
            "appeal_id": int(r["appeal_id"]),
            "opd_code": r["opd_code"],
            "item": r["item"],
            "subject": subject(r),
            "requested": r["requested"],
            "correction": correction(r),
            "ground": r["ground"],
            "explanation": r["explanation"],
            "filed_by": r["filed_by"],
            "filed_at": _iso(r["filed_at"]),
            "status": r["status"],
            "decision_reason": r["decision_reason"],
            "decided_by": r["decided_by"],
            "decided_at": _iso(r["decided_at"]),
        }
        for r in list_appeals(conn, region_code, str(period))
    ]
