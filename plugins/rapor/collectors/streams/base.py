"""What every stream shares (Singer SDK style): endpoint, schema, key, paginator, state.

A stream is one endpoint of one platform read for one partition (an account, a page, an
inbox). Its ``sync`` walks the pages with its paginator, lands each page unchanged
before parsing it, drops items repeated across pages (by primary key), and returns a
``Batch``: the collected complaints, the pages they came from and the state to save
once the batch is committed. Auth, retries and rate limits live in the HTTP client.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl, urlsplit

from rapor.collectors.http import CollectorError, HttpClient
from rapor.collectors.normalise import Collected
from rapor.collectors.raw import Landed, RawLanding
from rapor.registry import Registry


@dataclass
class RunContext:
    client: HttpClient | None
    landing: RawLanding
    registry: Registry
    until: datetime  # the end of the collection window (the run's logical date, or now)
    settings: dict = field(default_factory=dict)  # the connection's extra: start_date, lookback_days, ...

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


@dataclass
class Batch:
    stream_id: str
    state: dict
    items: list[Collected] = field(default_factory=list)
    landed: list[Landed] = field(default_factory=list)
    pages: int = 0


@dataclass(frozen=True)
class Page:
    payload: object
    landed: Landed


class Paginator:
    """Finds the next request from a page; None when the last page has been read."""

    def next_request(self, path: str, params: dict, payload) -> tuple[str, dict] | None:
        raise NotImplementedError


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


class Stream:
    """One endpoint of one platform. Subclasses set the class attributes and ``sync``."""

    name: str = ""  # stream name, prefix of its state ids
    source: str = ""  # the canonical ``source`` of its complaints
    channel: str = ""  # aplikasi, media_sosial, hotline
    platform: str = ""  # platform of its accounts in the registry
    conn_id: str = ""  # Airflow connection with its base URL and token
    primary_key: tuple[str, ...] = ("id",)
    replication_key: str | None = None
    schema: dict = {}  # the fields of a raw item it reads: name -> JSON type (documentation)
    paginator: Paginator | None = None

    def partitions(self, registry: Registry) -> list[str]:
        """Partition keys: by default one per registry account of the platform."""
        return [a.account_id for a in registry.accounts_of(self.platform)]

    def stream_id(self, partition: str) -> str:
        return f"{self.name}:{partition}"

    def sync(self, ctx: RunContext, partition: str, state: dict) -> Batch:
        raise NotImplementedError

    # -- helpers ------------------------------------------------------------------------
    def fetch(self, ctx: RunContext, path: str, params: dict | None, batch: Batch) -> Page:
        if ctx.client is None:
            raise CollectorError(f"{self.name}: no HTTP client")
        fetched = ctx.client.get(path, params)
        landed = ctx.landing.land(self.source, self.name, fetched.body, fetched.url)
        batch.landed.append(landed)
        batch.pages += 1
        return Page(fetched.payload, landed)

    def pages(
        self, ctx: RunContext, path: str, params: dict, batch: Batch, paginator: Paginator | None = None
    ) -> Iterator[Page]:
        """Every page of a listing, to the end; a page that repeats a request is a loop."""
        paginator = paginator or self.paginator
        seen: set[str] = set()
        request: tuple[str, dict] | None = (path, dict(params))
        while request is not None:
            path_now, params_now = request
            marker = json.dumps([_request_key(path_now), sorted((params_now or {}).items())], default=str)
            if marker in seen:
                raise CollectorError(f"{self.name}: pagination returned to an earlier page ({path_now})")
            seen.add(marker)
            page = self.fetch(ctx, path_now, params_now, batch)
            yield page
            request = paginator.next_request(path_now, params_now, page.payload) if paginator else None


def _request_key(path: str) -> str:
    """A request's identity without credentials or volatile parameters."""
    parts = urlsplit(path)
    query = sorted((k, v) for k, v in parse_qsl(parts.query) if k != "access_token")
    return parts.path + "?" + "&".join(f"{k}={v}" for k, v in query)


def unique_items(pages_items: list[tuple[dict, str]], key: str = "id") -> list[tuple[dict, str]]:
    """Items repeated across pages (a provider's paging drift) are kept once: the first sighting."""
    seen: set = set()
    out = []
    for item, sha in pages_items:
        ident = item.get(key)
        if ident in seen:
            continue
        seen.add(ident)
        out.append((item, sha))
    return out


def parse_time(value: str | None) -> datetime | None:
    """Platform timestamps: ISO 8601 with ``Z``, ``+0000`` or ``+08:00``; None when absent."""
    if not value:
        return None
    text = str(value).strip()
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    elif len(text) > 5 and text[-5] in "+-" and text[-4:].isdigit():
        text = text[:-2] + ":" + text[-2:]
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def time_or_text(value) -> datetime | str:
    """A platform timestamp, or the text as sent when it does not parse (so it is quarantined)."""
    try:
        return parse_time(value) or ""
    except (TypeError, ValueError):
        return str(value)
