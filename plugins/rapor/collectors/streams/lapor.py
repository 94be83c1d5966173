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

from rapor.collectors.http import CollectorError
from rapor.collectors.normalise import Collected
from rapor.collectors.streams.base import Batch, RunContext, Stream, TokenPaginator, parse_time, time_or_text

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


def dig(item, path: str):
    """``a.b.c`` of nested dicts; None when any part is missing."""
    for part in path.split("."):
        if not isinstance(item, dict):
            return None
        item = item.get(part)
    return item


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

    def sync(self, ctx: RunContext, partition: str, state: dict) -> Batch:
        region = ctx.setting("region_code", None)
        if not region:
            raise CollectorError(f"{self.name}: set `region_code` in the extra of connection `{self.conn_id}`")
        fields = {**DEFAULT_FIELDS, **(ctx.setting("field_map", {}) or {})}
        values = {**DEFAULT_VALUES, **(ctx.setting("value_map", {}) or {})}
        overlap = timedelta(minutes=float(ctx.setting("overlap_minutes", 60)))
        since = (
            datetime.fromisoformat(state["updated_since"]) - overlap if state.get("updated_since") else ctx.start_date()
        )
        batch = Batch(self.stream_id(partition), state=dict(state))
        params = {"updated_since": since.isoformat(), "limit": int(ctx.setting("page_size", 50))}
        reports: dict[str, tuple[dict, str]] = {}
        newest = None
        for page in self.pages(ctx, ctx.setting("endpoint", "laporan"), params, batch):
            for item in (page.payload or {}).get("data", []):
                ident = str(dig(item, fields["id"]))
                reports[ident] = (item, page.landed.sha256)  # repeated across pages: one report
                updated = parse_time(dig(item, fields["updated_at"]))
                newest = max(newest, updated) if newest and updated else (updated or newest)
        for item, sha in reports.values():
            batch.items.append(self.parse(item, sha, region, fields, values, ctx))
        if newest:
            old = state.get("updated_since")
            batch.state["updated_since"] = (
                max(newest, datetime.fromisoformat(old)).isoformat() if old else newest.isoformat()
            )
        return batch

    def _agency_opd(self, agency, region: str, fields: dict, ctx: RunContext) -> str | None:
        if not isinstance(agency, dict):
            return None
        ident, name = dig(agency, fields["agency_id"]), dig(agency, fields["agency_name"])
        account = ctx.registry.account(self.platform, ident)
        if account and account.opd_code:
            return account.opd_code
        # An agency the registry does not know stays as named, so the checks quarantine it.
        return ctx.registry.opd_code_for(region, name) or ctx.registry.opd_code_for(region, ident) or (name or ident)

    def parse(self, item: dict, sha: str, region: str, fields: dict, values: dict, ctx: RunContext) -> Collected:
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
