"""An SP4N-LAPOR!-style complaint app: ``GET laporan`` (contract in docs/collectors.md).

LAPOR! publishes no API specification, so Rapor defines the contract it reads and a
region maps its own app onto it (``field_map`` / ``value_map`` in the connection's extra;
e.g. Klaten's Matur Ibu). The defaults read:

    {"data": [{"tracking_id", "submitted_at", "updated_at", "classification", "content",
               "anonymous", "confidential", "reporter": {"name", "phone"} | null,
               "target_agency": {"id", "name"} | null,
               "history": [{"type": "diterima" | "verifikasi" | "disposisi" | "tanggapan" | "selesai",
                            "at", "by": "pelapor" | "admin" | "instansi" | "sistem",
                            "agency": {"id", "name"}}]}],
     "meta": {"next_cursor": "..." | null}}

Incremental by ``updated_since`` (the newest ``updated_at`` committed, minus an overlap of
``overlap_minutes``, default 60), cursor-paginated to the end. Each report carries its
whole history, so the complaint is re-derived from it:

- the OPD is the agency of the last ``disposisi`` (``forwarded_at`` is its time: a
  re-disposition to another agency restarts the clock of the OPD it goes to, SCORING.md
  §2), or else the agency the reporter chose (``target_agency``; the clock starts at receipt);
- the first response is the earliest ``tanggapan`` BY THAT OPD (``by`` in ``agency_by``,
  and its ``agency`` that OPD's or absent) from the moment the report reached it: not the
  coordinator's acknowledgement (``by: admin``), not a reply before the disposition, not
  the previous agency's;
- the resolution is that OPD's earliest ``selesai`` from the same moment; one by the
  platform (``by`` in ``auto_completion_by``: an automatic completion after days without
  action) is NOT a resolution.

An anonymous report has no reporter; a confidential one sets ``confidential``. A report
not yet dispositioned, with no agency chosen, is routed by the region's keyword rules,
like any complaint at a central account: the agencies' responses go to the normaliser as
replies, which keeps those of the OPD the rules choose.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo

from rapor.collectors.normalise import Collected, Reply
from rapor.collectors.streams.base import (
    Listing,
    RegionStream,
    RunContext,
    TokenPaginator,
    dig,
    parse_time,
    time_or_text,
)

DEFAULT_FIELDS = {
    "id": "tracking_id",
    "submitted_at": "submitted_at",
    "updated_at": "updated_at",
    "classification": "classification",
    "text": "content",
    "anonymous": "anonymous",
    "confidential": "confidential",
    "reporter": "reporter.name",
    "target_agency": "target_agency",
    "history": "history",
    "event_type": "type",
    "event_at": "at",
    "event_by": "by",
    "event_agency": "agency",
    "agency_id": "id",
    "agency_name": "name",
}
DEFAULT_VALUES = {
    "classification": {
        "pengaduan": "pengaduan",
        "aspirasi": "aspirasi",
        "permintaan_informasi": "permintaan_informasi",
        "permintaan informasi": "permintaan_informasi",
        "informasi": "permintaan_informasi",
    },
    "event_type": {
        "disposisi": "disposisi",
        "tanggapan": "tanggapan",
        "tindak_lanjut": "tanggapan",
        "selesai": "selesai",
    },
    "auto_completion_by": ["sistem", "system", "otomatis"],
    "agency_by": ["instansi", "opd", "agency"],  # ``by`` of an agency's own act (not admin, pelapor, sistem)
}


@dataclass(frozen=True)
class Event:
    """One ``history`` event in the contract's words: its time, type, actor and agency (as the app sent it)."""

    at: datetime
    kind: str  # disposisi | tanggapan | selesai
    by: str
    agency: dict | None


def fields_of(ctx: RunContext) -> dict:
    """The contract's fields -> the region's app's own (dotted) names: ``field_map`` over the defaults."""
    return {**DEFAULT_FIELDS, **(ctx.setting("field_map", {}) or {})}


def values_of(ctx: RunContext) -> dict:
    """The app's labels -> the contract's: ``value_map`` over the defaults."""
    return {**DEFAULT_VALUES, **(ctx.setting("value_map", {}) or {})}


class LaporReports(RegionStream):
    name = "lapor_reports"
    source = "lapor"
    channel = "aplikasi"
    platform = "lapor"
    conn_id = "rapor_lapor"
    primary_key = ("tracking_id",)
    replication_key = "updated_at"
    paginator = TokenPaginator(("meta", "next_cursor"), "cursor")
    schema = {
        "tracking_id": "string",
        "submitted_at": "string (ISO 8601 with offset)",
        "updated_at": "string",
        "classification": "pengaduan | aspirasi | permintaan_informasi",
        "content": "string",
        "anonymous": "boolean",
        "confidential": "boolean",
        "reporter": "object {name, phone} | null",
        "target_agency": "object {id, name} | null",
        "history": "array of {type, at, by, agency}",
    }

    def listings(self, ctx: RunContext, partition: str, state: dict) -> list[Listing]:
        """Reports updated since the newest one committed, less an overlap (``overlap_minutes``)."""
        self.region_code(ctx)  # fail before the first request
        overlap = timedelta(minutes=float(ctx.setting("overlap_minutes", 60)))
        saved = state.get("updated_since")
        since = datetime.fromisoformat(saved) - overlap if saved else ctx.start_date()
        params = {"updated_since": since.isoformat(), "limit": int(ctx.setting("page_size", 50))}
        return [Listing(ctx.setting("endpoint", "laporan"), params, bookmark="updated_since")]

    def record_key(self, record: dict, ctx: RunContext) -> str:
        return str(dig(record, fields_of(ctx)["id"]))  # the app's own name for the tracking id

    def replication_value(self, record: dict, ctx: RunContext):
        # An app sending local time without an offset: the watermark is that instant in the region's zone.
        return parse_time(dig(record, fields_of(ctx)["updated_at"]), ctx.zone(self.region_code(ctx)))

    def _agency_opd(self, agency, region: str, fields: dict, ctx: RunContext) -> str | None:
        if not isinstance(agency, dict):
            return None
        ident, name = dig(agency, fields["agency_id"]), dig(agency, fields["agency_name"])
        account = ctx.registry.account(self.platform, ident)
        if account and account.opd_code and account.region_code == region:  # not another region's agency id
            return account.opd_code
        # An agency the registry does not know stays as named, so the checks quarantine it.
        return ctx.registry.opd_code_for(region, name) or ctx.registry.opd_code_for(region, ident) or (name or ident)

    def events(self, item: dict, fields: dict, values: dict, zone: tzinfo = UTC) -> list[Event]:
        """The report's history events that matter for the clocks, oldest first (no offset: ``zone``)."""
        events = []
        for raw in dig(item, fields["history"]) or []:
            kind = values["event_type"].get(str(dig(raw, fields["event_type"]) or "").casefold())
            at = parse_time(dig(raw, fields["event_at"]), zone)
            if kind and at:
                by = str(dig(raw, fields["event_by"]) or "").casefold()
                agency = dig(raw, fields["event_agency"])
                events.append(Event(at, kind, by, agency if isinstance(agency, dict) else None))
        return sorted(events, key=lambda e: e.at)

    def parse(self, item: dict, sha: str, ctx: RunContext) -> Collected:
        region, fields, values = self.region_code(ctx), fields_of(ctx), values_of(ctx)
        zone = ctx.zone(region)  # a time without an offset is the region's local time (SCORING.md §1)
        events = self.events(item, fields, values, zone)

        def opd_of(agency) -> str | None:
            return self._agency_opd(agency, region, fields, ctx)

        opd, by, forwarded = scored_agency(events, dig(item, fields["target_agency"]), opd_of)
        received = time_or_text(dig(item, fields["submitted_at"]), zone)
        acts = agency_acts(events, values)
        first, resolved, replies = None, None, []
        if opd is not None:
            since = forwarded or (received if isinstance(received, datetime) else None)
            own = [
                e for e in acts if (e.agency is None or opd_of(e.agency) == opd) and (since is None or e.at >= since)
            ]
            first = next((e.at for e in own if e.kind == "tanggapan"), None)
            resolved = next((e.at for e in own if e.kind == "selesai"), None)
        else:  # routed by the keyword rules in the normaliser, which keeps the acts of the OPD they choose
            replies = [Reply(opd_of(e.agency), e.at, e.kind == "selesai") for e in acts if e.agency]
        label = str(dig(item, fields["classification"]) or "")
        anonymous = bool(dig(item, fields["anonymous"]))
        return Collected(
            source=self.source,
            complaint_id=self.complaint_id(dig(item, fields["id"]), ctx),
            region_code=region,
            channel=self.channel,
            kind=values["classification"].get(" ".join(label.casefold().split()), label),
            received_at=received,
            reporter=None if anonymous else dig(item, fields["reporter"]),
            text=dig(item, fields["text"]),
            opd_code=opd,
            attributed_by=by,
            forwarded_at=forwarded,
            first_response_at=first,
            resolved_at=resolved,
            replies=replies,
            confidential=bool(dig(item, fields["confidential"])),
            raw_shas={sha},
        )


def scored_agency(events: list[Event], target_agency, opd_of) -> tuple[str | None, str | None, datetime | None]:
    """(OPD, how it was named, forwarded_at): the last disposition's agency and time, else the
    agency the reporter chose (its clock starts at receipt), else none yet."""
    dispositions = [e for e in events if e.kind == "disposisi"]
    if dispositions:
        return opd_of(dispositions[-1].agency), "disposisi", dispositions[-1].at
    if target_agency:
        return opd_of(target_agency), "akun", None
    return None, None, None


def agency_acts(events: list[Event], values: dict) -> list[Event]:
    """Responses and completions by an agency (``agency_by``): not the admin's, the reporter's or the platform's."""
    agency_by = {str(v).casefold() for v in values["agency_by"]}
    platform = {str(v).casefold() for v in values["auto_completion_by"]}
    return [e for e in events if e.kind in ("tanggapan", "selesai") and e.by in agency_by - platform]
