"""From what a channel shows to the canonical complaint (SCORING.md §8).

A stream hands over ``Collected`` complaints: the platform's facts, timestamps already
aware (UTC or with the platform's offset), the reporter and text as received. Here they
get their OPD and their clock events:

- **OPD.** The OPD's own account (its page, its hotline line) or the platform's
  disposition (LAPOR! ``disposisi``, Open311 ``agency_responsible``, the hotline's
  ``opd_tujuan``) names it. A complaint at a central account without one is routed by
  the registry's keyword rules; what no rule matches stays ``belum terdisposisi``
  (opd_code empty), visible in ``complaint`` and ``complaint_routing``, never dropped.
- **forwarded_at.** The platform's disposition time; for a rule-routed complaint, the
  central account's first reply (the coordinator acknowledging and forwarding it), or
  the moment of receipt when the channel shows no such act (routing by rule is
  immediate). Complaints at an OPD's own account were never forwarded.
- **first_response_at / resolved_at.** Given by apps and the hotline; on social media,
  the earliest reply by an account of the complaint's OPD is its first response, and its
  earliest reply carrying a resolution marker (``#selesai``, ``#tuntas``) its resolution.
  Replies by the reporter, other citizens or the central account are neither.
- **kind.** Apps and the hotline classify; social media comments are classified from the
  text (a question is ``permintaan_informasi``; "usul", "saran", "supaya", "sebaiknya" mark
  ``aspirasi``; everything else is a ``pengaduan``).
- **dedup.** The same complaint seen twice in a batch (a page repeated, a ticket in two
  exports) is one complaint: the later sighting wins, its lineage is the union.

Timestamps leave as ISO 8601 in UTC; reporter and text leave as received, so that the
shared loader (``imports.complaints.load_complaint_frame``) pseudonymises, redacts and
checks them exactly as it does for files.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pandas as pd

from rapor.imports.complaints import COLUMNS
from rapor.registry import Registry

RESOLUTION_MARKERS = ("#selesai", "#tuntas")
_ASPIRASI = re.compile(r"(?<!\w)(usul|saran|supaya|sebaiknya|alangkah baiknya)(?!\w)", re.IGNORECASE)
_QUESTION = re.compile(r"\?|(?<!\w)(mohon info|berapa|bagaimana cara|di mana|dimana|apakah)(?!\w)", re.IGNORECASE)


def classify_kind(text: str | None) -> str:
    """The kind of a free-text complaint (social media), by the rule in the module docstring."""
    text = text or ""
    if _QUESTION.search(text):
        return "permintaan_informasi"
    if _ASPIRASI.search(text):
        return "aspirasi"
    return "pengaduan"


def is_resolution(text: str | None, markers: tuple[str, ...] = RESOLUTION_MARKERS) -> bool:
    folded = (text or "").casefold()
    return any(marker in folded for marker in markers)


@dataclass(frozen=True)
class Reply:
    """A reply in a complaint's thread by an account of the registry."""

    opd_code: str | None  # None: the region's central account
    at: datetime
    resolves: bool = False


@dataclass
class Collected:
    source: str
    complaint_id: str
    region_code: str
    channel: str
    kind: str
    received_at: datetime | str  # a string only when the platform sent something unparseable
    reporter: str | None = None
    text: str | None = None
    opd_code: str | None = None  # from the OPD's own account or the platform's disposition
    attributed_by: str | None = None  # "akun" or "disposisi" when opd_code is given
    forwarded_at: datetime | str | None = None
    first_response_at: datetime | str | None = None
    resolved_at: datetime | str | None = None
    replies: list[Reply] = field(default_factory=list)
    confidential: bool = False
    raw_shas: set[str] = field(default_factory=set)
    row: int | None = None  # the row of an export file, for the quarantine

    @property
    def key(self) -> tuple[str, str]:
        return (self.source, self.complaint_id)


def _iso(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("collectors must give aware timestamps")
        return value.astimezone(UTC).isoformat()
    return str(value)


def _earliest(values):
    values = [v for v in values if isinstance(v, datetime)]
    return min(values) if values else None


@dataclass
class Normalised:
    frame: pd.DataFrame  # the §8 columns as text, plus ``confidential``
    routing: list[dict]
    lineage: dict[tuple[str, str], set[str]]


def dedupe(items: list[Collected]) -> list[Collected]:
    """One complaint per (source, complaint_id): the last sighting, with all its raw pages."""
    merged: dict[tuple[str, str], Collected] = {}
    for item in items:
        previous = merged.pop(item.key, None)
        if previous is not None:
            item.raw_shas |= previous.raw_shas
        merged[item.key] = item
    return list(merged.values())


def normalise(items: list[Collected], registry: Registry) -> Normalised:
    now = datetime.now(UTC)
    rows, routing, lineage, numbers = [], [], {}, []
    for number, c in enumerate(dedupe(items), start=1):
        numbers.append(c.row if c.row is not None else number)
        opd, routed_by, keyword = c.opd_code, c.attributed_by or "akun", None
        forwarded = c.forwarded_at
        central_replies = [r.at for r in c.replies if r.opd_code is None]
        if opd is None:
            hit = registry.route(c.region_code, c.text)
            if hit:
                opd, keyword = hit
                routed_by = "kata_kunci"
                forwarded = forwarded or _earliest(central_replies) or c.received_at
            else:
                routed_by, forwarded = "belum_terdisposisi", None
        own = [r for r in c.replies if opd is not None and r.opd_code == opd]
        first = c.first_response_at or _earliest(r.at for r in own)
        resolved = c.resolved_at or _earliest(r.at for r in own if r.resolves)
        rows.append(
            {
                "complaint_id": c.complaint_id,
                "region_code": c.region_code,
                "opd_code": opd or "",
                "channel": c.channel,
                "source": c.source,
                "kind": c.kind,
                "received_at": _iso(c.received_at),
                "forwarded_at": _iso(forwarded),
                "first_response_at": _iso(first),
                "resolved_at": _iso(resolved),
                "reporter": c.reporter or "",
                "text": c.text or "",
                "confidential": bool(c.confidential),
            }
        )
        routing.append(
            {
                "source": c.source,
                "complaint_id": c.complaint_id,
                "region_code": c.region_code,
                "opd_code": opd,
                "routed_by": routed_by,
                "keyword": keyword,
                "updated_at": now,
            }
        )
        lineage[c.key] = set(c.raw_shas)
    frame = pd.DataFrame(rows, columns=[*COLUMNS, "confidential"])
    frame.index = pd.Index(numbers, dtype="int64", name="row_number")
    return Normalised(frame, routing, lineage)
