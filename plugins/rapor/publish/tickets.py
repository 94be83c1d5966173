"""The source's own ticket behind a keyed reference, for the Inspektorat's eyes only.

A publication names a complaint by its keyed reference (``k-…``, rapor.publish.fingerprint).
The auditor and the OPD must still be able to open a late complaint at its source: the
complaint's key in the warehouse, ``(source, complaint_id)``, *is* the source's own ticket
(the LAPOR! tracking id, the Open311 ``service_request_id``, the post or comment id, the
hotline log row), the same fact the early warning shows (rapor.publish.early_warning). It is
resolved here, from the warehouse, when a report for authorised readers is rendered (the
revision's report, the web view); it is never copied into the inputs snapshot, the public
site or any other file meant to leave the Inspektorat. Confidential complaints are never
resolved: they are counted, not listed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select

from rapor import config
from rapor.privacy import Keys
from rapor.publish.fingerprint import complaint_refs
from rapor.vocabulary import source_label
from rapor.warehouse import schema


@dataclass(frozen=True)
class SourceTicket:
    """Where a complaint can be opened: its source and the source's own number for it."""

    source: str
    ticket: str
    link: str | None = None  # opens it at the source, where the platform gave one (complaint.source_url)

    @property
    def source_text(self) -> str:
        return source_label(self.source)


def source_tickets(
    engine, region_code: str, period: str, refs: Iterable[str], key: Keys | None = None
) -> dict[str, SourceTicket]:
    """``ref → SourceTicket`` for the given references of a region-month's evidence.

    The month's evidence rows (``score_evidence``) are tried first; a reference no longer
    among them (an older revision, before an appeal excluded the complaint) is looked up among
    the region's complaints. A reference not found (another pseudonym key) is left out, and so
    is every confidential complaint.
    """
    wanted = set(refs)
    if not wanted:
        return {}
    key = key or config.pseudonym_keys()
    ev, c = schema.score_evidence, schema.complaint
    found: dict[str, SourceTicket] = {}
    with engine.connect() as conn:
        month = conn.execute(
            select(ev.c.source, ev.c.complaint_id).where(ev.c.region_code == region_code, ev.c.period == str(period))
        ).all()
        _match(month, wanted, key, found)
        if wanted - found.keys():
            region = conn.execute(select(c.c.source, c.c.complaint_id).where(c.c.region_code == region_code)).all()
            _match(region, wanted, key, found)
        if found:
            confidential = {
                (s, i)
                for s, i in conn.execute(
                    select(c.c.source, c.c.complaint_id).where(c.c.region_code == region_code, c.c.confidential)
                ).all()
            }
            found = {ref: t for ref, t in found.items() if (t.source, t.ticket) not in confidential}
        links = _links(conn, region_code, {(t.source, t.ticket) for t in found.values()})
    return {ref: SourceTicket(t.source, t.ticket, links.get((t.source, t.ticket))) for ref, t in found.items()}


def _links(conn, region_code: str, keys: set[tuple[str, str]]) -> dict[tuple[str, str], str]:
    """The source links of these complaints, where the platform gave one."""
    c = schema.complaint
    links: dict[tuple[str, str], str] = {}
    for source in {s for s, _ in keys}:
        ids = sorted(i for s, i in keys if s == source)
        query = select(c.c.complaint_id, c.c.source_url).where(
            c.c.region_code == region_code, c.c.source == source, c.c.complaint_id.in_(ids), c.c.source_url.is_not(None)
        )
        # Only a web link is a link: anything else a platform sent (javascript:, data:) is not shown.
        links.update({(source, i): url for i, url in conn.execute(query) if url.lower().startswith("https://")})
    return links


def _match(rows, wanted: set[str], key: Keys, found: dict[str, SourceTicket]) -> None:
    for source, complaint_id in rows:
        # Under every prefix of the keyring: a revision published before a key rotation shows an older reference.
        for ref in complaint_refs(source, complaint_id, key):
            if ref in wanted and ref not in found:
                found[ref] = SourceTicket(source, complaint_id)
