"""Open311 GeoReport v2: ``GET requests.json`` of a city (region) endpoint.

The standard has no paging and servers cap a response ("Default query limit is a span of
90 days or first 1000 requests returned, whichever is smallest"), so the stream reads time
windows (``start_date``/``end_date``, which select on ``requested_datetime``, a week at a
time) and splits a window in half whenever a response comes back full.

The standard has no "updated since" filter either (``updated_datetime`` is returned, never
selected on; the servers that filter on it do so with parameters of their own). So two
listings bring what changed:

- the look-back window: the requests made from ``lookback_days`` (default 30) before the
  last watermark up to the run's end are read again;
- the unresolved requests: every request of the region still unresolved in the warehouse
  and made before that window is asked for again by id (``service_request_id``, "multiple
  service_request_id can be declared; comma delimited", ``ids_per_request`` at a time,
  default 50). A request closed months after it was opened is seen closed, so R3 does not
  count it overdue forever, and the calls grow with the open backlog, not with history.

Events come from the activity ``notes`` that servers return with ``extensions=true``
(``assigned``: forwarded to the agency; the first ``follow_on``/``comment``/``response``:
first response; ``closed``: resolved). A ``closed`` request without a ``closed`` note is
resolved at its ``updated_datetime``. ``expected_datetime`` (the server's own SLA) is not
read: the deadlines are the region's (SCORING.md). A time without an offset (servers that
send local time, against the standard) is read in the region's time zone (SCORING.md §1).
``agency_responsible`` names the OPD (an ``open311`` account of the region in the registry,
or the OPD's code or name); a request not yet assigned is routed by the region's keyword
rules. ``service_code`` prefixes give the kind (``kind_by_service_code``).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from rapor.collectors.http import CollectorError
from rapor.collectors.normalise import Collected
from rapor.collectors.streams.base import Listing, Paginator, RegionStream, RunContext, parse_time, time_or_text

DEFAULT_KINDS = {"PGD": "pengaduan", "ASP": "aspirasi", "INF": "permintaan_informasi"}
RESPONSE_NOTES = ("follow_on", "comment", "response", "in_progress")


def _w3c(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class HalvingWindows(Paginator):
    """Time windows instead of pages: ``start``..``end`` is read ``step`` at a time, and a window
    whose response holds ``cap`` requests (the server's cap: some may be missing) is read again
    in two halves, until every window fits.

    One instance per listing: it keeps the windows still to read, earliest first.
    """

    def __init__(self, start: datetime, end: datetime, *, step: timedelta, cap: int, stream: str):
        self.cap, self.stream = cap, stream
        self.params: dict = {}  # what every window's request carries besides its bounds
        self.pending: list[tuple[datetime, datetime]] = []
        while start < end:
            self.pending.append((start, min(end, start + step)))
            start = self.pending[-1][1]
        self.current: tuple[datetime, datetime] | None = None

    def first_request(self, path, params):
        self.params = dict(params)
        return self._next(path)

    def next_request(self, path, params, payload):
        if self.superseded(payload):
            self.pending[:0] = self._halves(*self.current)
        return self._next(path)

    def superseded(self, payload) -> bool:
        return isinstance(payload, list) and len(payload) >= self.cap

    def _halves(self, start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
        if end - start <= timedelta(seconds=2):
            raise CollectorError(f"{self.stream}: more than {self.cap} requests between {_w3c(start)} and {_w3c(end)}")
        # end_date is inclusive on most servers: the halves share their boundary second, and
        # a request seen in both is kept once.
        middle = (start + (end - start) / 2).replace(microsecond=0)
        return [(start, middle), (middle, end)]

    def _next(self, path: str) -> tuple[str, dict] | None:
        if not self.pending:
            return None
        self.current = self.pending.pop(0)
        start, end = self.current
        return path, {"start_date": _w3c(start), "end_date": _w3c(end), **self.params}


class IdBatches(Paginator):
    """Requests by id, ``size`` ids a request (``service_request_id=a,b,c``); one instance per listing."""

    def __init__(self, ids: list[str], size: int):
        self.batches = [ids[i : i + size] for i in range(0, len(ids), max(1, size))]
        self.params: dict = {}

    def first_request(self, path, params):
        self.params = dict(params)
        return self._next(path)

    def next_request(self, path, params, payload):
        return self._next(path)

    def _next(self, path: str) -> tuple[str, dict] | None:
        if not self.batches:
            return None
        return path, {**self.params, "service_request_id": ",".join(self.batches.pop(0))}


class Open311Requests(RegionStream):
    name = "open311_requests"
    source = "open311"
    channel = "aplikasi"
    platform = "open311"
    conn_id = "rapor_open311"
    primary_key = ("service_request_id",)
    replication_key = "requested_datetime"
    records_path = ""  # the response is a bare JSON array
    repolls_unresolved = True
    schema = {
        "service_request_id": "string",
        "status": "string",
        "status_notes": "string|null",
        "service_code": "string",
        "service_name": "string",
        "description": "string",
        "agency_responsible": "string|null",
        "requested_datetime": "string (ISO 8601; without offset: the region's local time)",
        "updated_datetime": "string (ISO 8601)|null",
        "expected_datetime": "string (ISO 8601)|null (not read)",
        "notes": "array (extensions=true)|null",
    }

    def listings(self, ctx: RunContext, partition: str, state: dict) -> list[Listing]:
        """The look-back window before the watermark up to the run's end (a window at a time), then
        the region's requests still unresolved in the warehouse and made before it, by id."""
        region = self.region_code(ctx)  # fail before the first request
        end = ctx.until
        saved = state.get("watermark")
        start = datetime.fromisoformat(saved) - ctx.lookback(30) if saved else ctx.start_date()
        windows = HalvingWindows(
            start,
            end,
            step=timedelta(days=float(ctx.setting("window_days", 7))),
            cap=int(ctx.setting("max_results", 1000)),
            stream=self.name,
        )
        # No "updated since" filter: the watermark is where the windows end, not a request's time.
        listings = [
            Listing("requests.json", {"extensions": "true"}, bookmark="watermark", until=end, paginator=windows)
        ]
        unresolved = ctx.unresolved.get(region, {})
        older = [self.native_id(i, ctx) for i, received in unresolved.items() if received < start]
        older = [ident for ident in older if ident]  # another server's (another id_prefix) are not asked
        if older:
            ids = IdBatches(older, int(ctx.setting("ids_per_request", 50)))
            listings.append(Listing("requests.json", {"extensions": "true"}, paginator=ids))
        return listings

    def parse(self, item: dict, sha: str, ctx: RunContext) -> Collected:
        region = self.region_code(ctx)
        zone = ctx.zone(region)
        kinds = {**DEFAULT_KINDS, **(ctx.setting("kind_by_service_code", {}) or {})}
        notes = sorted(
            (
                (parse_time(n["datetime"], zone), str(n.get("type", "")).lower())
                for n in (item.get("notes") or [])
                if isinstance(n, dict) and n.get("datetime")
            ),
            key=lambda note: note[0],
        )
        by_type: dict[str, list[datetime]] = {}
        for at, kind in notes:
            by_type.setdefault(kind, []).append(at)
        assigned = by_type.get("assigned", [None])[-1] if "assigned" in by_type else None
        responses = [t for kind in RESPONSE_NOTES for t in by_type.get(kind, [])]
        closed = by_type.get("closed", [None])[-1] if "closed" in by_type else None
        if closed is None and str(item.get("status") or "").lower() == "closed":
            closed = parse_time(item.get("updated_datetime"), zone)
        agency = (item.get("agency_responsible") or "").strip()
        opd = None
        if agency:
            account = ctx.registry.account(self.platform, agency)
            account = account if account and account.region_code == region else None  # another region's agency id
            opd = (account.opd_code if account else None) or ctx.registry.opd_code_for(region, agency) or agency
        code = str(item.get("service_code") or "")
        kind = next((k for prefix, k in kinds.items() if code.upper().startswith(prefix.upper())), "pengaduan")
        return Collected(
            source=self.source,
            complaint_id=self.complaint_id(item.get("service_request_id"), ctx),
            region_code=region,
            channel=self.channel,
            kind=kind,
            received_at=time_or_text(item.get("requested_datetime"), zone),
            reporter=None,  # GeoReport v2 never returns the requester's identity
            text=item.get("description"),
            opd_code=opd,
            attributed_by=("disposisi" if assigned else "akun") if opd else None,
            forwarded_at=assigned if opd else None,
            first_response_at=min(responses) if responses else None,
            resolved_at=closed,
            raw_shas={sha},
        )
