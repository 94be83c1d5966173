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
whole history, so the complaint is re-derived from it: the OPD is the agency of the last
``disposisi`` (forwarded_at is its time) or the agency the reporter chose; the first
``tanggapan`` of an agency is the first response; a ``selesai`` by the agency is the
resolution, while one by the platform (``by`` in ``auto_completion_by``: an automatic
completion after days without action) is NOT a resolution. An anonymous report has no
reporter; a confidential one sets ``confidential``. A report not yet dispositioned is
routed by the region's keyword rules, like any complaint at a central account.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from rapor.collectors.normalise import Collected
from rapor.collectors.streams.base import Listing, RunContext, Stream, TokenPaginator, dig, parse_time, time_or_text

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
}


def fields_of(ctx: RunContext) -> dict:
    """The contract's fields -> the region's app's own (dotted) names: ``field_map`` over the defaults."""
    return {**DEFAULT_FIELDS, **(ctx.setting("field_map", {}) or {})}


def values_of(ctx: RunContext) -> dict:
    """The app's labels -> the contract's: ``value_map`` over the defaults."""
    return {**DEFAULT_VALUES, **(ctx.setting("value_map", {}) or {})}


class LaporReports(Stream):
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

    def partitions(self, registry) -> list[str]:
        return ["laporan"]

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
        return self.watermark.value_of(dig(record, fields_of(ctx)["updated_at"]))

    def _agency_opd(self, agency, region: str, fields: dict, ctx: RunContext) -> str | None:
        if not isinstance(agency, dict):
            return None
        ident, name = dig(agency, fields["agency_id"]), dig(agency, fields["agency_name"])
        account = ctx.registry.account(self.platform, ident)
        if account and account.opd_code:
            return account.opd_code
        # An agency the registry does not know stays as named, so the checks quarantine it.
        return ctx.registry.opd_code_for(region, name) or ctx.registry.opd_code_for(region, ident) or (name or ident)

    def parse(self, item: dict, sha: str, ctx: RunContext) -> Collected:
        region, fields, values = self.region_code(ctx), fields_of(ctx), values_of(ctx)
        types = values["event_type"]
        auto = {str(v).casefold() for v in values["auto_completion_by"]}
        events = []
        for event in dig(item, fields["history"]) or []:
            kind = types.get(str(dig(event, fields["event_type"]) or "").casefold())
            at = parse_time(dig(event, fields["event_at"]))
            if kind and at:
                events.append(
                    (at, kind, str(dig(event, fields["event_by"]) or "").casefold(), dig(event, fields["event_agency"]))
                )
        events.sort(key=lambda e: e[0])
        dispositions = [e for e in events if e[1] == "disposisi"]
        responses = [e[0] for e in events if e[1] == "tanggapan"]
        completions = [e[0] for e in events if e[1] == "selesai" and e[2] not in auto]
        opd, by, forwarded = None, None, None
        if dispositions:
            forwarded, agency = dispositions[-1][0], dispositions[-1][3]
            opd, by = self._agency_opd(agency, region, fields, ctx), "disposisi"
        elif dig(item, fields["target_agency"]):
            opd, by = self._agency_opd(dig(item, fields["target_agency"]), region, fields, ctx), "akun"
        label = str(dig(item, fields["classification"]) or "")
        anonymous = bool(dig(item, fields["anonymous"]))
        return Collected(
            source=self.source,
            complaint_id=str(dig(item, fields["id"])),
            region_code=region,
            channel=self.channel,
            kind=values["classification"].get(" ".join(label.casefold().split()), label),
            received_at=time_or_text(dig(item, fields["submitted_at"])),
            reporter=None if anonymous else dig(item, fields["reporter"]),
            text=dig(item, fields["text"]),
            opd_code=opd,
            attributed_by=by,
            forwarded_at=forwarded,
            first_response_at=min(responses) if responses else None,
            resolved_at=min(completions) if completions else None,
            confidential=bool(dig(item, fields["confidential"])),
            raw_shas={sha},
        )
