"""Open311 GeoReport v2: ``GET requests.json`` of a city (region) endpoint.

The standard has no paging and servers cap a response (often at 1000 requests), so the
stream reads time windows (``start_date``/``end_date`` on ``requested_datetime``, a week
at a time) and splits a window in half whenever a response comes back full. It has no
"updated since" filter either: each run re-reads a look-back window (``lookback_days``,
default 30) before the last watermark so that status changes of recent requests arrive.

Events come from the activity ``notes`` that servers return with ``extensions=true``
(``assigned``: forwarded to the agency; the first ``follow_on``/``comment``/``response``:
first response; ``closed``: resolved). Without notes, a ``closed`` request is resolved at
its ``updated_datetime``. ``agency_responsible`` names the OPD (an ``open311`` account of
the registry, or the OPD's code or name); a request not yet assigned is routed by the
region's keyword rules. ``service_code`` prefixes give the kind (``kind_by_service_code``).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from rapor.collectors.http import CollectorError
from rapor.collectors.normalise import Collected
from rapor.collectors.streams.base import Batch, RunContext, Stream, parse_time, time_or_text

DEFAULT_KINDS = {"PGD": "pengaduan", "ASP": "aspirasi", "INF": "permintaan_informasi"}
RESPONSE_NOTES = ("follow_on", "comment", "response", "in_progress")


def _w3c(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class Open311Requests(Stream):
    name = "open311_requests"
    source = "open311"
    channel = "aplikasi"
    platform = "open311"
    conn_id = "rapor_open311"
    primary_key = ("service_request_id",)
    replication_key = "requested_datetime"
    schema = {
        "service_request_id": "string",
        "status": "string",
        "status_notes": "string|null",
        "service_code": "string",
        "service_name": "string",
        "description": "string",
        "agency_responsible": "string|null",
        "requested_datetime": "string (ISO 8601)",
        "updated_datetime": "string (ISO 8601)|null",
        "notes": "array (extensions=true)|null",
    }

    def partitions(self, registry) -> list[str]:
        return ["requests"]

    def sync(self, ctx: RunContext, partition: str, state: dict) -> Batch:
        region = ctx.setting("region_code", None)
        if not region:
            raise CollectorError(f"{self.name}: set `region_code` in the extra of connection `{self.conn_id}`")
        cap = int(ctx.setting("max_results", 1000))
        chunk = timedelta(days=float(ctx.setting("window_days", 7)))
        end = ctx.until
        if state.get("watermark"):
            start = datetime.fromisoformat(state["watermark"]) - ctx.lookback(30)
        else:
            start = ctx.start_date()
        batch = Batch(self.stream_id(partition), state={"watermark": end.isoformat()})
        seen: dict[str, tuple[dict, str]] = {}
        window_start = start
        while window_start < end:
            window_end = min(end, window_start + chunk)
            for item, sha in self._window(ctx, window_start, window_end, cap, batch):
                seen[str(item.get("service_request_id"))] = (item, sha)  # a request listed twice is one
            window_start = window_end
        kinds = {**DEFAULT_KINDS, **(ctx.setting("kind_by_service_code", {}) or {})}
        for item, sha in seen.values():
            batch.items.append(self.parse(item, sha, region, kinds, ctx))
        return batch

    def _window(self, ctx, start: datetime, end: datetime, cap: int, batch: Batch) -> list[tuple[dict, str]]:
        params = {"start_date": _w3c(start), "end_date": _w3c(end), "extensions": "true"}
        page = self.fetch(ctx, "requests.json", params, batch)
        items = page.payload if isinstance(page.payload, list) else []
        if len(items) < cap:
            return [(item, page.landed.sha256) for item in items]
        if end - start <= timedelta(seconds=2):
            raise CollectorError(f"{self.name}: more than {cap} requests between {_w3c(start)} and {_w3c(end)}")
        middle = start + (end - start) / 2
        middle = middle.replace(microsecond=0)
        # end_date is inclusive on most servers: the halves share their boundary second, and
        # a request seen in both is kept once.
        return self._window(ctx, start, middle, cap, batch) + self._window(ctx, middle, end, cap, batch)

    def parse(self, item: dict, sha: str, region: str, kinds: dict, ctx: RunContext) -> Collected:
        notes = sorted(
            (n for n in (item.get("notes") or []) if isinstance(n, dict) and n.get("datetime")),
            key=lambda n: parse_time(n["datetime"]),
        )
        by_type: dict[str, list[datetime]] = {}
        for note in notes:
            by_type.setdefault(str(note.get("type", "")).lower(), []).append(parse_time(note["datetime"]))
        assigned = by_type.get("assigned", [None])[-1] if "assigned" in by_type else None
        responses = [t for kind in RESPONSE_NOTES for t in by_type.get(kind, [])]
        closed = by_type.get("closed", [None])[-1] if "closed" in by_type else None
        if not notes and item.get("status") == "closed":
            closed = parse_time(item.get("updated_datetime"))
        agency = (item.get("agency_responsible") or "").strip()
        opd = None
        if agency:
            account = ctx.registry.account(self.platform, agency)
            opd = (account.opd_code if account else None) or ctx.registry.opd_code_for(region, agency) or agency
        code = str(item.get("service_code") or "")
        kind = next((k for prefix, k in kinds.items() if code.upper().startswith(prefix.upper())), "pengaduan")
        return Collected(
            source=self.source,
            complaint_id=str(item.get("service_request_id")),
            region_code=region,
            channel=self.channel,
            kind=kind,
            received_at=time_or_text(item.get("requested_datetime")),
            reporter=None,  # GeoReport v2 never returns the requester's identity
            text=item.get("description"),
            opd_code=opd,
            attributed_by=("disposisi" if assigned else "akun") if opd else None,
            forwarded_at=assigned if opd else None,
            first_response_at=min(responses) if responses else None,
            resolved_at=closed,
            raw_shas={sha},
        )
