"""What every stream shares (Singer SDK style): endpoint, keys, paginator, state and the sync loop.

A stream is one endpoint of one platform read for one partition (an account, a page, an
inbox). It declares only what is its own: its listings (endpoint path and parameters, as
Singer SDK's ``path`` and ``get_url_params``), its paginator, its ``primary_key`` and
``replication_key``, and how records become complaints (``parse``, or ``collect`` where a
complaint is a whole thread). ``Stream.sync`` is the one loop every stream runs:

1. each listing is walked to its last page by its paginator, and every page is landed
   unchanged before it is read (``read``, Singer SDK's ``request_records``);
2. each record is kept once by its primary key (``Records``): a record repeated across
   pages (a provider's paging drift, the halves of an Open311 window sharing a second) is
   one record, and the later sighting, the fresher view, wins;
3. the newest replication value of every listing with a bookmark is tracked;
4. the records become complaints;
5. each bookmark moves once, at the end of the partition: to the greater of the saved
   watermark and the newest value read.

The result is a ``Batch``: the complaints, the pages they came from and the state to save
once the batch is committed. Auth, retries and rate limits live in the HTTP client.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, tzinfo
from urllib.parse import parse_qsl, urlsplit
from zoneinfo import ZoneInfo

from rapor.collectors.http import CollectorError, HttpClient
from rapor.collectors.normalise import Collected
from rapor.collectors.raw import Landed, RawLanding
from rapor.registry import Account, Registry


@dataclass
class RunContext:
    client: HttpClient | None
    landing: RawLanding
    registry: Registry
    until: datetime  # the end of the collection window (the run's logical date, or now)
    settings: dict = field(default_factory=dict)  # the connection's extra: start_date, lookback_days, ...
    # The stream's complaints still unresolved in the warehouse: region -> {complaint_id: received_at}
    # (read by the runner for streams with ``repolls_unresolved``).
    unresolved: dict[str, dict[str, datetime]] = field(default_factory=dict)

    def setting(self, name: str, default):
        value = self.settings.get(name)
        return default if value in (None, "") else value

    def start_date(self) -> datetime:
        """Where a stream with no state starts: ``start_date`` of the connection, else 30 days back."""
        value = self.settings.get("start_date")
        if value:
            moment = datetime.fromisoformat(str(value))
            return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
        return self.until - timedelta(days=30)

    def lookback(self, default_days: float) -> timedelta:
        return timedelta(days=float(self.setting("lookback_days", default_days)))

    def zone(self, region_code: str) -> tzinfo:
        """The region's time zone (the registry's): a platform time without an offset is local time there."""
        name = self.registry.timezones.get(region_code)
        if not name:
            raise CollectorError(f"region {region_code!r} is not in the registry: import the registry first")
        return ZoneInfo(name)


@dataclass(frozen=True)
class Post:
    """One post of an official account (not a complaint): the posting duty counts them."""

    account: Account
    post_id: str
    posted_at: datetime

    def as_row(self) -> dict:
        a = self.account
        return {
            "platform": a.platform,
            "post_id": self.post_id,
            "account_id": a.account_id,
            "region_code": a.region_code,
            "opd_code": a.opd_code,
            "posted_at": self.posted_at,
        }


@dataclass
class Batch:
    stream_id: str
    state: dict
    items: list[Collected] = field(default_factory=list)
    landed: list[Landed] = field(default_factory=list)
    pages: int = 0
    posts: list[Post] = field(default_factory=list)  # the accounts' own posts the partition listed


@dataclass(frozen=True)
class Page:
    payload: object
    landed: Landed


class Paginator:
    """Finds the requests of a listing: the first one, then the next from each page; None after the last."""

    def first_request(self, path: str, params: dict) -> tuple[str, dict] | None:
        return path, dict(params)

    def next_request(self, path: str, params: dict, payload) -> tuple[str, dict] | None:
        raise NotImplementedError

    def superseded(self, payload) -> bool:
        """True when the page's records are read again by the requests that follow (nothing to keep)."""
        return False


class GraphPaginator(Paginator):
    """Graph API cursors: follow ``paging.next`` while it is present and the page has data.

    ``paging.cursors.after`` alone (no ``next``) means the last page, as the Graph API docs say.
    """

    def next_request(self, path, params, payload):
        if not isinstance(payload, dict):
            return None
        paging = payload.get("paging") or {}
        if not payload.get("data") or not paging.get("next"):
            return None
        return paging["next"], {}


class TokenPaginator(Paginator):
    """A token in the body names the next page: X API ``meta.next_token`` -> ``pagination_token``,
    the complaint app's ``meta.next_cursor`` -> ``cursor``."""

    def __init__(self, body_path: tuple[str, ...], param: str):
        self.body_path = body_path
        self.param = param

    def next_request(self, path, params, payload):
        value = payload
        for part in self.body_path:
            value = value.get(part) if isinstance(value, dict) else None
        if not value:
            return None
        return path, {**params, self.param: value}


class Watermark:
    """How a stream's replication values are compared and kept in its state."""

    def value_of(self, raw):
        """The comparable value of a record's replication key; None when it has none."""
        raise NotImplementedError

    def load(self, text: str):
        raise NotImplementedError

    def dump(self, value) -> str:
        raise NotImplementedError

    def advance(self, saved: str | None, newest) -> str:
        """The one watermark rule: the greater of the saved watermark and the newest value read."""
        return self.dump(max(newest, self.load(saved)) if saved else newest)


class TimeWatermark(Watermark):
    """Platform timestamps, kept as ISO 8601 with the offset the platform sent."""

    def value_of(self, raw):
        return parse_time(raw)

    def load(self, text):
        return datetime.fromisoformat(text)

    def dump(self, value):
        return value.isoformat()


class IdWatermark(Watermark):
    """Time-ordered integer ids (X snowflakes: ``since_id``), kept as decimal text."""

    def value_of(self, raw):
        return None if raw in (None, "") else int(raw)

    def load(self, text):
        return int(text)

    def dump(self, value):
        return str(value)


@dataclass(frozen=True)
class Listing:
    """One request of a partition (an endpoint and its parameters), read to its last page.

    ``bookmark`` is where its watermark lives in the state, a dotted path (``updated_since``,
    ``accounts.<user id>.newest_id``); None when it moves none. A listing of a
    closed time window (an endpoint with no updated-since filter) sets ``until``: having
    read everything before that instant, the instant is its watermark, whatever the records
    say. ``context`` tells ``collect`` what the listing was (Singer SDK's partition context).
    """

    path: str
    params: dict = field(default_factory=dict)
    bookmark: str | None = None
    until: datetime | None = None
    paginator: Paginator | None = None  # None: the stream's own
    context: dict = field(default_factory=dict)


class Records:
    """The records of a listing, each once by primary key, and the newest replication value read.

    The one dedup rule of every stream: a record seen again (on a later page, in the next
    window) replaces the earlier sighting, as the fresher view, and keeps its place, so the
    records stay in the order the platform first listed them.
    """

    def __init__(self):
        self._by_key: dict[str, tuple[dict, str]] = {}
        self.newest = None

    def add(self, key: str | None, record: dict, sha: str, value=None) -> None:
        if key is None:
            return  # nothing tells it apart: it cannot become (or belong to) a complaint
        self._by_key[key] = (record, sha)
        if value is not None and (self.newest is None or value > self.newest):
            self.newest = value

    def keys(self) -> list[str]:
        return list(self._by_key)

    def __iter__(self) -> Iterator[tuple[dict, str]]:
        return iter(self._by_key.values())

    def __len__(self) -> int:
        return len(self._by_key)


Read = list[tuple[Listing, Records]]  # what the listings of a partition read, in order


class Stream:
    """One endpoint of one platform: subclasses declare the class attributes, ``listings`` and
    ``parse`` (or ``collect``); ``sync``, ``read`` and ``move_bookmark`` are the shared loop."""

    name: str = ""  # stream name, prefix of its state ids
    source: str = ""  # the canonical ``source`` of its complaints
    channel: str = ""  # aplikasi, media_sosial, hotline
    platform: str = ""  # platform of its accounts in the registry
    conn_id: str = ""  # Airflow connection with its base URL and token
    primary_key: tuple[str, ...] = ("id",)
    replication_key: str | None = None
    watermark: Watermark = TimeWatermark()
    records_path: str = "data"  # where a page holds its records (dotted); "" for a bare list
    schema: dict = {}  # the fields of a raw item it reads: name -> JSON type (documentation)
    paginator: Paginator | None = None
    repolls_unresolved: bool = False  # the runner gives it the warehouse's unresolved complaints (ctx.unresolved)
    per_region: bool = False  # one connection per region (RegionStream), else one connection for all

    def partitions(self, registry: Registry) -> list[str]:
        """Partition keys: by default one per registry account of the platform."""
        return [a.account_id for a in registry.accounts_of(self.platform)]

    def partitions_for(self, registry: Registry, settings: dict) -> list[str]:
        """The partitions one connection (its ``settings``: the extra) serves: by default all of them."""
        return self.partitions(registry)

    def partition_accounts(self, ctx: RunContext, partition: str) -> list[Account]:
        """The registry accounts a partition collects (whose attempts it records).

        A partition named by an account id is that account; one named by a region code is the
        region's accounts of the platform (X); an endpoint-wide partition (an app) is the
        accounts of the connection's ``region_code``, or all accounts of the platform.
        """
        accounts = ctx.registry.accounts_of(self.platform)
        own = [a for a in accounts if a.account_id == partition]
        if own:
            return own
        in_region = [a for a in accounts if a.region_code == partition]
        if in_region:
            return in_region
        region = ctx.setting("region_code", None)
        return [a for a in accounts if region is None or a.region_code == region]

    def stream_id(self, partition: str) -> str:
        return f"{self.name}:{partition}"

    # -- what a stream declares ----------------------------------------------------------
    def listings(self, ctx: RunContext, partition: str, state: dict) -> Iterable[Listing]:
        """The requests of one partition, from where its state says it stopped."""
        raise NotImplementedError

    def parse(self, record: dict, sha: str, ctx: RunContext) -> Collected:
        """One record (read from the page ``sha``) as a complaint."""
        raise NotImplementedError

    def collect(self, ctx: RunContext, partition: str, read: Read, batch: Batch) -> list[Collected]:
        """The partition's complaints: by default one per record. Threads override it (and read their children)."""
        return [self.parse(record, sha, ctx) for _, records in read for record, sha in records]

    def record_key(self, record: dict, ctx: RunContext) -> str | None:
        """A record's identity across pages (its ``primary_key``), as text like complaint ids."""
        return "/".join(str(dig(record, name)) for name in self.primary_key)

    def replication_value(self, record: dict, ctx: RunContext):
        return self.watermark.value_of(dig(record, self.replication_key)) if self.replication_key else None

    def initial_state(self, state: dict) -> dict:
        """The state a batch starts from (the saved one; its bookmarks move at the end)."""
        return copy.deepcopy(state)

    def region_code(self, ctx: RunContext) -> str:
        """The region an app's endpoint serves: required in the connection's extra."""
        region = ctx.setting("region_code", None)
        if not region:
            raise CollectorError(f"{self.name}: set `region_code` in the extra of connection `{self.conn_id}`")
        return region

    # -- the sync loop -------------------------------------------------------------------
    def sync(self, ctx: RunContext, partition: str, state: dict) -> Batch:
        """Read every listing of the partition, parse its records, then move its bookmarks once."""
        batch = Batch(self.stream_id(partition), state=self.initial_state(state))
        read = [(listing, self.read(ctx, listing, batch)) for listing in self.listings(ctx, partition, state)]
        batch.items = self.collect(ctx, partition, read, batch)
        for listing, records in read:
            self.move_bookmark(batch.state, listing, records)
        return batch

    def read(self, ctx: RunContext, listing: Listing, batch: Batch, records: Records | None = None) -> Records:
        """Every record of a listing, once each (``records``, when given, is continued: nested replies)."""
        records = Records() if records is None else records
        paginator = listing.paginator or self.paginator
        # Replication values are read only where they move a watermark (so a bad one fails only there).
        tracked = listing.bookmark is not None and listing.until is None
        for page in self.pages(ctx, listing.path, listing.params, batch, paginator):
            if paginator is None or not paginator.superseded(page.payload):
                self.keep(ctx, records, self.records_of(page.payload), page.landed.sha256, tracked)
        return records

    def keep(self, ctx: RunContext, records: Records, items: list, sha: str, tracked: bool = False) -> None:
        """Add the items of one page (or of a block nested in one) to ``records``."""
        for record in items:
            value = self.replication_value(record, ctx) if tracked else None
            records.add(self.record_key(record, ctx), record, sha, value)

    def records_of(self, payload) -> list:
        """The records of a page, at ``records_path``; none when the page has no list there."""
        value = dig(payload, self.records_path) if self.records_path else payload
        return value if isinstance(value, list) else []

    def move_bookmark(self, state: dict, listing: Listing, records: Records) -> None:
        """The one watermark update of a listing, at the end of its partition."""
        if listing.bookmark is None:
            return
        if listing.until is not None:
            value = self.watermark.dump(listing.until)
        elif records.newest is not None:
            value = self.watermark.advance(dig(state, listing.bookmark), records.newest)
        else:
            return  # no record said when it was made: the watermark stays where it was
        *holders, name = listing.bookmark.split(".")
        for key in holders:
            state = state.setdefault(key, {})
        state[name] = value

    # -- HTTP ----------------------------------------------------------------------------
    def fetch(self, ctx: RunContext, path: str, params: dict | None, batch: Batch) -> Page:
        if ctx.client is None:
            raise CollectorError(f"{self.name}: no HTTP client")
        fetched = ctx.client.get(path, params)
        landed = ctx.landing.land(self.source, self.name, fetched.body, fetched.url)
        batch.landed.append(landed)
        batch.pages += 1
        return Page(fetched.payload, landed)

    def pages(
        self, ctx: RunContext, path: str, params: dict, batch: Batch, paginator: Paginator | None
    ) -> Iterator[Page]:
        """Every page of a listing, to the end (one request without a paginator); a repeated request is a loop."""
        seen: set[str] = set()
        request = paginator.first_request(path, params) if paginator else (path, dict(params))
        while request is not None:
            path_now, params_now = request
            marker = json.dumps([_request_key(path_now), sorted((params_now or {}).items())], default=str)
            if marker in seen:
                raise CollectorError(f"{self.name}: pagination returned to an earlier page ({path_now})")
            seen.add(marker)
            page = self.fetch(ctx, path_now, params_now, batch)
            yield page
            request = paginator.next_request(path_now, params_now, page.payload) if paginator else None


class RegionStream(Stream):
    """A region's own endpoint (the complaint app, Open311): one connection per region, whose
    one partition is the region (``region_code``: from the connection's name or its extra).

    ``<conn_id>_<region>`` (the region code with ``_`` for ``.``: ``rapor_open311_52_05``) is
    the region's connection; a single ``<conn_id>`` with ``region_code`` in its extra serves
    one region. ``id_prefix`` (extra) keeps two regions' servers that number alike apart.
    """

    per_region = True

    def partitions(self, registry: Registry) -> list[str]:
        """Every region of the registry could have an endpoint of its own."""
        return sorted(registry.timezones)

    def partitions_for(self, registry: Registry, settings: dict) -> list[str]:
        region = settings.get("region_code")
        if not region:
            raise CollectorError(f"{self.name}: set `region_code` in the extra of connection `{self.conn_id}`")
        return [region]

    def region_conn_id(self, region_code: str) -> str:
        return f"{self.conn_id}_{region_code.replace('.', '_')}"

    def complaint_id(self, native, ctx: RunContext) -> str:
        return f"{ctx.setting('id_prefix', '')}{native}"

    def native_id(self, complaint_id: str, ctx: RunContext) -> str | None:
        """The server's id of a stored complaint of this connection (None: another server's)."""
        prefix = ctx.setting("id_prefix", "")
        return complaint_id[len(prefix) :] if complaint_id.startswith(prefix) else None


def _request_key(path: str) -> str:
    """A request's identity without credentials or volatile parameters."""
    parts = urlsplit(path)
    query = sorted((k, v) for k, v in parse_qsl(parts.query) if k != "access_token")
    return parts.path + "?" + "&".join(f"{k}={v}" for k, v in query)


def dig(item, path: str):
    """``a.b.c`` of nested dicts; None when any part is missing."""
    for part in path.split("."):
        if not isinstance(item, dict):
            return None
        item = item.get(part)
    return item


def own_posts(account: Account, listed: Iterable[tuple[str | None, str | None]]) -> list[Post]:
    """The account's posts from (id, platform time) pairs; one without an id or a readable time is left out."""
    posts = []
    for post_id, at in listed:
        posted_at = time_or_text(at)
        if post_id and isinstance(posted_at, datetime):
            posts.append(Post(account, str(post_id), posted_at))
    return posts


def parse_time(value: str | None, zone: tzinfo = UTC) -> datetime | None:
    """Platform timestamps: ISO 8601 with ``Z``, ``+0000`` or ``+08:00``; None when absent.

    A time without an offset is read in ``zone``: an app of a region passes the region's zone
    (SCORING.md §1: no offset = the region's local time); the global platforms send UTC.
    """
    if not value:
        return None
    text = str(value).strip()
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    elif len(text) > 5 and text[-5] in "+-" and text[-4:].isdigit():
        text = text[:-2] + ":" + text[-2:]
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=zone)


def time_or_text(value, zone: tzinfo = UTC) -> datetime | str:
    """A platform timestamp (no offset: read in ``zone``), or the text as sent when it does not parse (quarantined)."""
    try:
        return parse_time(value, zone) or ""
    except (TypeError, ValueError):
        return str(value)
