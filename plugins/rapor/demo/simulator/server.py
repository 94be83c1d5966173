"""``rapor simulate``: the channels' APIs on loopback, served from a seeded ``World``.

Paths (one server, one prefix per API, so each Airflow connection has its own base URL):

- ``/graph/v21.0/{page-id}/posts``, ``/graph/v21.0/{post-id}/comments`` (``filter=stream``),
  ``/graph/v21.0/{ig-user-id}/media``, ``/graph/v21.0/{media-id}/comments`` — Graph API
  shapes (``data``, ``paging.cursors``, ``paging.next``), errors as ``OAuthException``.
- ``/x/2/users/{id}/mentions``, ``/x/2/users/{id}/tweets`` — X API v2 (``since_id``,
  ``pagination_token``, ``meta.next_token``, ``x-rate-limit-*`` headers).
- ``/lapor/api/v1/laporan`` — the complaint-app contract (docs/collectors.md).
- ``/open311/v2/requests.json`` — GeoReport v2, at most ``open311_cap`` requests per call;
  ``start_date``/``end_date`` select on ``requested_datetime``, ``service_request_id`` (comma
  delimited) asks for requests by id whatever their date; with ``open311_local_times`` the
  times carry no offset (the region's local time, as some real servers send them).
- ``/_sim/truth`` (GET), ``/_sim/faults`` and ``/_sim/clock`` (POST JSON), ``/_sim/stats``.

Faults (``Faults``) are switched per run through the constructor, ``set_faults`` or
``POST /_sim/faults``: bursts of 5xx, 429 with ``Retry-After``, Graph throttling codes with
usage headers, an exhausted X budget, slow responses, truncated or cut-off bodies, items
repeated across pages, an expired token. Counted faults are used up as they fire.
"""

from __future__ import annotations

import base64
import json
import logging
import socket
import threading
import time
from collections import Counter
from dataclasses import asdict, dataclass, field, fields
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit

from rapor.demo.simulator.world import (
    CENTRAL,
    CENTRAL_NAMES,
    OPD_CODES,
    OPD_NAMES,
    SERVICE_CODES,
    WITA,
    World,
    graph_time,
    opd_account,
    opd_username,
)

log = logging.getLogger(__name__)

# "graph" is a Page access token (comments carry ``from`` and ``id``); "graph_user" a token
# without the page's MODERATE task (Page Public Content Access): comments come without them,
# as in the real api-samples/facebook/comments_p1.json.
DEFAULT_TOKENS = {
    "graph": "sim-graph-token",
    "graph_user": "sim-graph-user-token",
    "x": "sim-x-token",
    "lapor": "sim-lapor-token",
    "open311": None,
}
# The real error_data.json: what the Graph API answers a token that may not read a page.
GRAPH_PERMISSION_MESSAGE = (
    "(#100) Object does not exist, cannot be loaded due to missing permission or reviewable feature, or does "
    "not support this operation. This endpoint requires the 'pages_read_engagement' permission or the 'Page "
    "Public Content Access' feature or the 'Page Public Metadata Access' feature. Refer to "
    "https://developers.facebook.com/docs/apps/review/login-permissions#manage-pages, "
    "https://developers.facebook.com/docs/apps/review/feature#reference-PAGES_ACCESS and "
    "https://developers.facebook.com/docs/apps/review/feature#page-public-metadata-access for details."
)


@dataclass
class Faults:
    errors: int = 0  # the next N requests answer 503
    rate_limited: int = 0  # the next N requests answer 429 with Retry-After (and X's headers on /x)
    retry_after: float = 2.0
    graph_throttle: int = 0  # the next N Graph requests answer error code 4/17/32/613 with usage headers
    x_budget_spent: int = 0  # the next N X responses say x-rate-limit-remaining: 0 (reset in retry_after)
    slow: int = 0  # the next N responses wait slow_seconds before answering
    slow_seconds: float = 1.0
    truncated: int = 0  # the next N responses are cut in half (odd: short body; even: connection cut)
    repeat_items: int = 0  # every page after the first starts with this many items of the page before
    expired_token: bool = False  # every authenticated request is refused (401 / Graph code 190)
    # Graph accounts (page / IG user ids) whose own token was invalidated: their requests get code 190
    expired_accounts: tuple[str, ...] = ()
    # Graph accounts the app may not read: code 100 with the real "missing permission" message
    unreadable_accounts: tuple[str, ...] = ()
    high_usage: bool = False  # Graph responses report 95% app usage (X-App-Usage)
    after: int = 0  # requests that pass before the counted faults start
    every: int = 1  # counted faults fire on every n-th request only (spread over a run)
    paths: tuple[str, ...] = ()  # only requests under these path prefixes (empty: all APIs)

    @classmethod
    def from_dict(cls, data: dict) -> Faults:
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        for name in ("paths", "expired_accounts", "unreadable_accounts"):
            if name in values:
                values[name] = tuple(values[name])
        return cls(**values)


@dataclass
class _Reply:
    status: int
    payload: object
    headers: dict = field(default_factory=dict)


def _cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(f"o:{offset}".encode()).decode().rstrip("=")


def _offset(cursor: str | None) -> int:
    if not cursor:
        return 0
    padded = cursor + "=" * (-len(cursor) % 4)
    try:
        text = base64.urlsafe_b64decode(padded.encode()).decode()
        return int(text.split(":", 1)[1])
    except (ValueError, IndexError):
        return -1


class Simulator:
    """The loopback server. ``start()`` returns its base URL (``http://127.0.0.1:PORT``)."""

    def __init__(
        self,
        world: World | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        tokens: dict | None = None,
        faults: Faults | None = None,
        open311_cap: int = 1000,
        max_page: int = 100,
        open311_local_times: bool = False,
    ):
        self.world = world or World()
        self.tokens = {**DEFAULT_TOKENS, **(tokens or {})}
        self.faults = faults or Faults()
        self.open311_cap = open311_cap
        self.open311_local_times = open311_local_times
        self.max_page = max_page
        # {"fields": {ours: theirs}, "values": {field: {ours: theirs}}}: how another app words it
        self.lapor_dialect: dict = {}
        self.stats: Counter = Counter()
        self._lock = threading.Lock()
        self._seen_in_scope = 0
        self._httpd = ThreadingHTTPServer((host, port), _Handler)
        self._httpd.daemon_threads = True
        self._httpd.sim = self  # type: ignore[attr-defined]
        self._thread: threading.Thread | None = None
        self._index()

    # -- life cycle -----------------------------------------------------------------------
    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> str:
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, args=(0.05,), name="rapor-simulator", daemon=True
        )
        self._thread.start()
        return self.url

    def serve_forever(self) -> None:
        self._httpd.serve_forever()

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def __enter__(self) -> Simulator:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    # -- control --------------------------------------------------------------------------
    def set_faults(self, faults: Faults | None = None, **values) -> None:
        """Switch to these faults (``set_faults()`` with nothing: none), counting from now."""
        with self._lock:
            self.faults = faults or Faults(**values)
            self._seen_in_scope = 0

    def set_clock(self, as_of: datetime) -> None:
        with self._lock:
            self.world.as_of = as_of
            self._index()

    def connections(self, start_date: str = "2026-06-01", **extra) -> dict[str, dict]:
        """Airflow connections (JSON form of ``AIRFLOW_CONN_<ID>``) for every API it serves."""
        base = {"start_date": start_date, **extra}

        def conn(path: str, token: str | None) -> dict:
            return {"conn_type": "http", "host": self.url + path, "password": token or "", "extra": base}

        return {
            "rapor_facebook": conn("/graph/v21.0", self.tokens["graph"]),
            "rapor_instagram": conn("/graph/v21.0", self.tokens["graph"]),
            "rapor_x": conn("/x/2", self.tokens["x"]),
            "rapor_lapor": conn("/lapor/api/v1", self.tokens["lapor"]),
            "rapor_open311": conn("/open311/v2", self.tokens["open311"]),
        }

    # -- the world as the APIs show it ------------------------------------------------------
    def _index(self) -> None:
        """Objects visible at the world's clock, by platform id."""
        w = self.world
        as_of = w.as_of
        self.fb_posts: dict[str, list[tuple[str, datetime]]] = {}
        self.ig_media: dict[str, list[tuple[str, datetime]]] = {}
        for (platform, account), posts in w.posts.items():
            visible = [p for p in posts if p[1] <= as_of]
            (self.fb_posts if platform == "facebook" else self.ig_media)[account] = visible
        self.post_comments: dict[str, list] = {}
        self.x_mentions: dict[str, list] = {}
        self.x_timeline: dict[str, list] = {}
        self.x_users: dict[str, dict] = {}
        for c in w.visible():
            if c.source in ("facebook", "instagram"):
                self.post_comments.setdefault(c.extra["post"], []).append(c)
            elif c.source == "x":
                self.x_mentions.setdefault(c.extra["account"], []).append(_x_mention(c))
                self._x_user(c.extra["user_id"], c.extra["username"])
                for reply in c.extra["replies"]:
                    if reply["at"] <= as_of and reply["role"] != "citizen":
                        self.x_timeline.setdefault(reply["author_id"], []).append(_x_reply(c, reply))
        for echo in w.x_echoes:  # citizens' Retweets and bare quotes: mentions, not complaints
            if echo["at"] <= as_of:
                self.x_mentions.setdefault(echo["account"], []).append(_x_echo(echo))
                self._x_user(echo["author_id"], echo["username"])
        for items in (*self.x_mentions.values(), *self.x_timeline.values()):
            items.sort(key=lambda tweet: -int(tweet["id"]))
        self.x_users[CENTRAL["x"]] = {"id": CENTRAL["x"], "username": CENTRAL_NAMES["x"], "name": "Pemkab Dompu"}
        for opd in w.opds:
            uid = opd_account("x", opd)
            self.x_users[uid] = {"id": uid, "username": opd_username(opd), "name": OPD_NAMES[opd]}

    def graph_account_of(self, ident: str) -> str | None:
        """The page or IG account an object belongs to (itself, or the account of its post / media)."""
        if ident in self.fb_posts or ident in self.ig_media:
            return ident
        if "_" in ident:
            return ident.split("_")[0]
        for account, media in self.ig_media.items():
            if any(m == ident for m, _ in media):
                return account
        return None

    def _x_user(self, user_id: str, username: str) -> None:
        self.x_users[user_id] = {"id": user_id, "username": username, "name": username.title()}

    def truth(self) -> list[dict]:
        return self.world.truth()

    # -- fault gate -----------------------------------------------------------------------
    def _in_scope(self, path: str) -> bool:
        return not self.faults.paths or any(path.startswith(p) for p in self.faults.paths)

    def take_fault(self, path: str) -> str | None:
        """The counted fault this request meets, if any (used up)."""
        with self._lock:
            f = self.faults
            if path.startswith("/_sim") or not self._in_scope(path):
                return None
            self._seen_in_scope += 1
            if self._seen_in_scope <= f.after or (self._seen_in_scope - f.after - 1) % max(1, f.every):
                return None
            for name in ("errors", "rate_limited", "graph_throttle", "slow", "truncated", "x_budget_spent"):
                if name == "graph_throttle" and not path.startswith("/graph"):
                    continue
                if name == "x_budget_spent" and not path.startswith("/x"):
                    continue
                if getattr(f, name) > 0:
                    setattr(f, name, getattr(f, name) - 1)
                    self.stats[f"fault:{name}"] += 1
                    return name
            return None


class _Handler(BaseHTTPRequestHandler):
    server_version = "RaporSimulator/1"
    page_token = True  # set per request by _auth: was the Graph token the page's own?
    protocol_version = "HTTP/1.1"

    def setup(self):
        super().setup()
        # Headers and body go out in two writes: without this, Nagle's algorithm and the
        # client's delayed ACK add 40 ms to every keep-alive response.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, fmt, *args):  # quiet: the tests and the demo log what matters
        log.debug("simulator: " + fmt, *args)

    @property
    def sim(self) -> Simulator:
        return self.server.sim  # type: ignore[attr-defined]

    # -- plumbing -------------------------------------------------------------------------
    def _send(self, reply: _Reply, fault: str | None = None) -> None:
        body = json.dumps(reply.payload, ensure_ascii=False).encode("utf-8")
        declared = len(body)
        if fault == "truncated":
            cut = self.sim.stats["fault:truncated"] % 2 == 0  # alternate the two ways a page breaks
            body = body[: max(1, len(body) // 2)]
            declared = declared if cut else len(body)
        self.send_response(reply.status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(declared))
        for name, value in reply.headers.items():
            self.send_header(name, str(value))
        if fault == "truncated" and declared != len(body):
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        try:
            self.wfile.write(body)
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            pass

    def _read_json(self) -> dict:
        length = int(self.headers.get("Content-Length") or 0)
        return json.loads(self.rfile.read(length) or b"{}") if length else {}

    def do_POST(self):  # noqa: N802
        path = urlsplit(self.path).path
        data = self._read_json()
        if path == "/_sim/faults":
            self.sim.set_faults(Faults.from_dict(data))
            return self._send(_Reply(200, asdict(self.sim.faults)))
        if path == "/_sim/clock":
            self.sim.set_clock(datetime.fromisoformat(data["as_of"]))
            return self._send(_Reply(200, {"as_of": self.sim.world.as_of.isoformat()}))
        return self._send(_Reply(404, {"error": "not found"}))

    def do_GET(self):  # noqa: N802
        parts = urlsplit(self.path)
        path = parts.path
        params = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        sim = self.sim
        sim.stats[path.split("/")[1] if "/" in path else path] += 1
        sim.stats["requests"] += 1
        if path.startswith("/_sim/"):
            if path == "/_sim/truth":
                return self._send(_Reply(200, sim.truth()))
            if path == "/_sim/stats":
                return self._send(_Reply(200, dict(sim.stats)))
            return self._send(_Reply(404, {"error": "not found"}))
        family = path.split("/")[1]
        fault = sim.take_fault(path)
        if fault == "errors":  # the gateway fails before the API looks at the token
            return self._send(_Reply(503, {"error": "service unavailable"}))
        refused = self._auth(family, params)
        if refused:
            return self._send(refused)
        if fault == "rate_limited":
            headers = {"Retry-After": f"{sim.faults.retry_after:g}"}
            if family == "x":
                headers |= {
                    "x-rate-limit-limit": "450",
                    "x-rate-limit-remaining": "0",
                    "x-rate-limit-reset": str(int(time.time() + sim.faults.retry_after)),
                }
            return self._send(
                _Reply(
                    429,
                    {"title": "Too Many Requests", "detail": "Too Many Requests", "type": "about:blank", "status": 429},
                    headers,
                )
            )
        if fault == "graph_throttle":
            code = (4, 17, 32, 613)[sim.stats["fault:graph_throttle"] % 4]
            usage = json.dumps({"call_count": 100, "total_cputime": 40, "total_time": 55})
            buc = json.dumps(
                {
                    "1234567890": [
                        {
                            "type": "pages",
                            "call_count": 100,
                            "total_cputime": 20,
                            "total_time": 30,
                            "estimated_time_to_regain_access": 1,
                        }
                    ]
                }
            )
            return self._send(
                _Reply(
                    403,
                    {
                        "error": {
                            "message": "(#4) Application request limit reached",
                            "type": "OAuthException",
                            "is_transient": True,
                            "code": code,
                            "fbtrace_id": "SimTrace",
                        }
                    },
                    {"X-App-Usage": usage, "X-Business-Use-Case-Usage": buc},
                )
            )
        if fault == "slow":
            time.sleep(sim.faults.slow_seconds)
        try:
            reply = self._route(path, params)
        except _NotFoundError as exc:
            reply = _Reply(404, _not_found(family, str(exc)))
        except _BadRequestError as exc:
            reply = _Reply(400, {"error": str(exc)})
        if family == "graph" and sim.faults.high_usage:
            reply.headers["X-App-Usage"] = json.dumps({"call_count": 95, "total_cputime": 10, "total_time": 12})
        if family == "x":
            spent = fault == "x_budget_spent"
            reply.headers |= {
                "x-rate-limit-limit": "450",
                "x-rate-limit-remaining": "0" if spent else "440",
                "x-rate-limit-reset": str(int(time.time() + (sim.faults.retry_after if spent else 900))),
            }
        self._send(reply, fault if fault == "truncated" else None)

    def _auth(self, family: str, params: dict) -> _Reply | None:
        expected = self.sim.tokens.get(family)
        if family not in self.sim.tokens or expected is None:
            return None
        header = self.headers.get("Authorization", "")
        given = header[7:] if header.startswith("Bearer ") else params.get("access_token", "")
        self.page_token = family == "graph" and given == expected
        if family == "graph" and given and given == self.sim.tokens.get("graph_user"):
            given = expected  # a valid token, but not the page's: comments come without `from`
        if given == expected and not self.sim.faults.expired_token:
            return None
        if family == "graph":
            return _Reply(400, _graph_expired())
        if family == "x":
            return _Reply(
                401, {"title": "Unauthorized", "type": "about:blank", "status": 401, "detail": "Unauthorized"}
            )
        return _Reply(401, {"error": "token_expired", "message": "Token tidak valid atau kedaluwarsa"})

    # -- APIs -------------------------------------------------------------------------------
    def _graph_refusal(self, ident: str) -> _Reply | None:
        """A page's own token invalidated (code 190) or the page not readable by the app (code 100)."""
        account = self.sim.graph_account_of(ident)
        if account in self.sim.faults.expired_accounts:
            return _Reply(400, _graph_expired())
        if account in self.sim.faults.unreadable_accounts:
            return _Reply(
                400,
                {
                    "error": {
                        "message": GRAPH_PERMISSION_MESSAGE,
                        "type": "OAuthException",
                        "code": 100,
                        "fbtrace_id": "SimTrace",
                    }
                },
            )
        return None

    def _route(self, path: str, params: dict) -> _Reply:
        segments = [s for s in path.split("/") if s]
        if segments[:1] == ["graph"] and len(segments) == 4:
            _, _version, ident, edge = segments
            refused = self._graph_refusal(ident)
            if refused:
                return refused
            if edge == "posts":
                return self._graph_list(path, params, self._fb_posts(ident, params))
            if edge == "media":
                return self._graph_list(path, params, self._ig_media(ident, params))
            if edge == "comments":
                comments = self._comments(ident, params)
                if not self.page_token and "_" in ident:  # a FB post read without its Page token: no author, no id
                    comments = [{k: v for k, v in c.items() if k not in ("from", "id")} for c in comments]
                return self._graph_list(path, params, [_graph_fields(c, params.get("fields")) for c in comments])
            raise _NotFoundError(ident)
        if segments[:3] == ["x", "2", "users"] and len(segments) == 5:
            return self._x_list(segments[3], segments[4], params)
        if segments == ["lapor", "api", "v1", "laporan"]:
            return self._lapor(params)
        if segments == ["open311", "v2", "requests.json"]:
            return self._open311(params)
        raise _NotFoundError(path)

    def _page(
        self, items: list, params: dict, cursor_param: str, limit_param: str, default: int
    ) -> tuple[list, int | None]:
        """One page by offset; with ``repeat_items``, a later page re-sends the end of the one before."""
        limit = max(1, min(int(params.get(limit_param) or default), self.sim.max_page))
        start = _offset(params.get(cursor_param))
        if start < 0:
            raise _BadRequestError(f"invalid {cursor_param}")
        begin = max(0, start - self.sim.faults.repeat_items) if start > 0 else 0
        end = start + limit
        return items[begin:end], (end if end < len(items) else None)

    # Graph API ---------------------------------------------------------------------------
    def _graph_list(self, path: str, params: dict, items: list) -> _Reply:
        page, nxt = self._page(items, params, "after", "limit", 25)
        paging = {"cursors": {"before": _cursor(0), "after": _cursor(nxt or len(items))}}
        if nxt is not None:
            query = {k: v for k, v in params.items() if k != "after"}
            query["after"] = _cursor(nxt)
            host = self.headers.get("Host") or "127.0.0.1"
            paging["next"] = f"http://{host}{path}?{urlencode(query)}"
        return _Reply(200, {"data": page, "paging": paging})

    def _fb_posts(self, page_id: str, params: dict) -> list:
        if page_id not in self.sim.fb_posts:
            raise _NotFoundError(page_id)
        since, until = _unix(params.get("since")), _unix(params.get("until"))
        posts = [
            p
            for p in self.sim.fb_posts[page_id]
            if (since is None or p[1] >= since) and (until is None or p[1] < until)
        ]
        return [
            {"id": ident, "message": "Info layanan minggu ini.", "created_time": graph_time(at)}
            for ident, at in sorted(posts, key=lambda p: p[1], reverse=True)
        ]

    def _ig_media(self, user_id: str, params: dict) -> list:
        if user_id not in self.sim.ig_media:
            raise _NotFoundError(user_id)
        since, until = _unix(params.get("since")), _unix(params.get("until"))
        media = [
            m
            for m in self.sim.ig_media[user_id]
            if (since is None or m[1] >= since) and (until is None or m[1] < until)
        ]
        return [
            {"id": ident, "caption": "Info layanan minggu ini.", "timestamp": graph_time(at), "media_type": "IMAGE"}
            for ident, at in sorted(media, key=lambda m: m[1], reverse=True)
        ]

    def _comments(self, object_id: str, params: dict) -> list:
        as_of = self.sim.world.as_of
        complaints = self.sim.post_comments.get(object_id)
        if complaints is None:
            known = object_id in {p for posts in self.sim.fb_posts.values() for p, _ in posts} | {
                m for media in self.sim.ig_media.values() for m, _ in media
            }
            if not known:
                raise _NotFoundError(object_id)
            return []
        facebook = complaints[0].source == "facebook"
        out = []
        for c in complaints:
            replies = [r for r in c.extra["replies"] if r["at"] <= as_of]
            if facebook:
                page = object_id.split("_")[0]
                top = {
                    "id": c.native_id,
                    "created_time": graph_time(c.received_at),
                    "message": c.text,
                    "from": {"id": c.extra["user_id"], "name": c.extra["username"].title()},
                    "comment_count": len(replies),
                    "like_count": 0,
                    "permalink_url": f"https://www.facebook.com/{page}/posts/{object_id.split('_')[1]}/?comment_id={c.native_id.split('_')[1]}",
                }
                out.append(top)
                if params.get("filter") == "stream":
                    for r in replies:
                        out.append(
                            {
                                "id": r["id"],
                                "created_time": graph_time(r["at"]),
                                "message": r["text"],
                                "from": _fb_author(r["author_id"]),
                                "parent": {"id": c.native_id},
                                "comment_count": 0,
                                "like_count": 0,
                                "permalink_url": top["permalink_url"] + f"&reply_comment_id={r['id'].split('_')[1]}",
                            }
                        )
            else:
                out.append(
                    {
                        "id": c.native_id,
                        "text": c.text,
                        "timestamp": graph_time(c.received_at),
                        "username": c.extra["username"],
                        "from": {"id": c.extra["user_id"], "username": c.extra["username"]},
                        "like_count": 0,
                        "hidden": False,
                        "replies": {
                            "data": [
                                {
                                    "id": r["id"],
                                    "text": r["text"],
                                    "timestamp": graph_time(r["at"]),
                                    "username": _ig_username(r["author_id"]),
                                    "from": {"id": r["author_id"], "username": _ig_username(r["author_id"])},
                                }
                                for r in replies
                            ]
                        },
                    }
                )
        key = "created_time" if facebook else "timestamp"
        return sorted(out, key=lambda item: (item[key], item["id"]))

    # X API v2 -----------------------------------------------------------------------------
    def _x_list(self, user_id: str, edge: str, params: dict) -> _Reply:
        sim = self.sim
        if user_id not in sim.x_users:
            raise _NotFoundError(user_id)
        since_id = int(params.get("since_id") or 0)
        if edge == "mentions":
            tweets = [t for t in sim.x_mentions.get(user_id, []) if int(t["id"]) > since_id]
        elif edge == "tweets":
            tweets = [t for t in sim.x_timeline.get(user_id, []) if int(t["id"]) > since_id]
        else:
            raise _NotFoundError(edge)
        max_results = int(params.get("max_results") or 10)
        if not 5 <= max_results <= 100:
            raise _BadRequestError("max_results must be between 5 and 100")
        page, nxt = self._page(tweets, params, "pagination_token", "max_results", 10)
        if not page:
            return _Reply(200, {"meta": {"result_count": 0}})
        authors = {t["author_id"] for t in page}
        meta = {"result_count": len(page), "newest_id": page[0]["id"], "oldest_id": page[-1]["id"]}
        if nxt is not None:
            meta["next_token"] = _cursor(nxt)
        body = {"data": page, "meta": meta}
        if "author_id" in (params.get("expansions") or ""):
            body["includes"] = {"users": [sim.x_users[a] for a in sorted(authors) if a in sim.x_users]}
        return _Reply(200, body)

    # the complaint app (SP4N-LAPOR!-style) --------------------------------------------------
    def _lapor(self, params: dict) -> _Reply:
        sim = self.sim
        as_of = sim.world.as_of
        since = datetime.fromisoformat(params["updated_since"]) if params.get("updated_since") else None
        reports = []
        for c in sim.world.visible("lapor"):
            report = _lapor_report(c, as_of)
            if since is None or datetime.fromisoformat(report["updated_at"]) > since:
                reports.append(report)
        reports.sort(key=lambda r: (r["updated_at"], r["tracking_id"]))
        page, nxt = self._page(reports, params, "cursor", "limit", 50)
        if sim.lapor_dialect:  # another region's app: its own field names and labels
            page = [_dialect(report, sim.lapor_dialect) for report in page]
        return _Reply(
            200, {"data": page, "meta": {"count": len(page), "next_cursor": _cursor(nxt) if nxt is not None else None}}
        )

    # Open311 GeoReport v2 -------------------------------------------------------------------
    def _open311(self, params: dict) -> _Reply:
        sim = self.sim
        as_of = sim.world.as_of
        try:
            start = datetime.fromisoformat(params["start_date"]) if params.get("start_date") else None
            end = datetime.fromisoformat(params["end_date"]) if params.get("end_date") else None
        except ValueError as exc:
            raise _BadRequestError(f"start_date/end_date must be ISO 8601: {exc}") from None
        wanted = {i for i in (params.get("service_request_id") or "").split(",") if i}
        zone = sim.world.zone
        stamp = (lambda moment: _local_time(moment, zone)) if sim.open311_local_times else _iso_wita
        out = []
        for c in sim.world.visible("open311"):
            if wanted:  # by id: the dates do not apply
                if c.native_id not in wanted:
                    continue
            elif (start and c.received_at < start) or (end and c.received_at > end):
                continue
            out.append(_open311_request(c, as_of, params.get("extensions") == "true", stamp))
        if params.get("status"):
            out = [r for r in out if r["status"] in params["status"].split(",")]
        out.sort(key=lambda r: r["requested_datetime"], reverse=True)
        out = out[: sim.open311_cap]  # servers cap a response; the standard has no paging
        if sim.faults.repeat_items and out:
            out = out + out[: sim.faults.repeat_items]  # a sloppy server lists some requests twice
        return _Reply(200, out)


class _NotFoundError(Exception):
    pass


class _BadRequestError(Exception):
    pass


def _graph_expired() -> dict:
    return {
        "error": {
            "message": "Error validating access token: Session has expired on Sunday, 01-Nov-26 00:00:00 PST.",
            "type": "OAuthException",
            "code": 190,
            "error_subcode": 463,
            "fbtrace_id": "SimTrace",
        }
    }


def _field_names(spec: str) -> dict[str, str | None]:
    """``id,from{id,name},replies{id,text}`` -> {"id": None, "from": "id,name", "replies": "id,text"}."""
    out, depth, name, inner = {}, 0, "", ""
    for ch in spec + ",":
        if ch == "{":
            depth += 1
            if depth == 1:
                continue
        elif ch == "}":
            depth -= 1
            if depth == 0:
                continue
        if depth == 0 and ch == ",":
            if name.strip():
                out[name.strip()] = inner or None
            name, inner = "", ""
        elif depth == 0:
            name += ch
        else:
            inner += ch
    return out


def _graph_fields(item: dict, spec: str | None) -> dict:
    """An object as the Graph API returns it for ``fields``: only the fields asked for (and had)."""
    if not spec:
        return item
    out = {}
    for name, inner in _field_names(spec).items():
        if name not in item:
            continue
        value = item[name]
        if inner and isinstance(value, dict) and isinstance(value.get("data"), list):
            value = {**value, "data": [_graph_fields(v, inner) for v in value["data"]]}
        elif inner and isinstance(value, dict):
            value = _graph_fields(value, inner)
        out[name] = value
    return out


def _not_found(family: str, what: str) -> dict:
    if family == "graph":
        return {"error": {"message": f"(#100) Object {what} does not exist", "type": "OAuthException", "code": 100}}
    return {"error": "not_found", "detail": what}


def _unix(value: str | None) -> datetime | None:
    if value in (None, ""):
        return None
    return datetime.fromtimestamp(int(value), UTC)


def _x_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _x_tweet(ident: str, author: str, at: datetime, text: str, conversation: str, **optional) -> dict:
    """A tweet as X API v2 returns it with our ``tweet.fields``: fields it does not have are absent."""
    tweet = {
        "id": ident,
        "text": text,
        "author_id": author,
        "created_at": _x_time(at),
        "conversation_id": conversation,
        "edit_history_tweet_ids": [ident],
    }
    return tweet | {name: value for name, value in optional.items() if value}


def _x_mention(c) -> dict:
    return _x_tweet(
        c.native_id,
        c.extra["user_id"],
        c.received_at,
        c.text,
        c.extra["conversation_id"],
        in_reply_to_user_id=c.extra["in_reply_to_user_id"],
        referenced_tweets=c.extra["referenced_tweets"],
    )


def _x_reply(c, reply: dict) -> dict:
    """An account's reply: to the complaint, or under its own earlier answer (then to itself)."""
    to_own = reply["replied_to"] != c.native_id
    return _x_tweet(
        reply["id"],
        reply["author_id"],
        reply["at"],
        reply["text"],
        c.extra["conversation_id"],
        in_reply_to_user_id=reply["author_id"] if to_own else c.extra["user_id"],
        referenced_tweets=[{"type": "replied_to", "id": reply["replied_to"]}],
    )


def _x_echo(echo: dict) -> dict:
    return _x_tweet(
        echo["id"],
        echo["author_id"],
        echo["at"],
        echo["text"],
        echo["conversation_id"],
        referenced_tweets=echo["referenced_tweets"],
    )


def _fb_author(account_id: str) -> dict:
    if account_id == CENTRAL["facebook"]:
        return {"id": account_id, "name": "Pemkab Dompu"}
    for opd in OPD_CODES:
        if opd_account("facebook", opd) == account_id:
            return {"id": account_id, "name": OPD_NAMES[opd]}
    return {"id": account_id, "name": "Warga Dompu"}


def _ig_username(account_id: str) -> str:
    if account_id == CENTRAL["instagram"]:
        return CENTRAL_NAMES["instagram"]
    for opd in OPD_CODES:
        if opd_account("instagram", opd) == account_id:
            return opd_username(opd)
    return f"warga{account_id[-4:]}"


def _iso_wita(moment: datetime) -> str:
    return moment.astimezone(WITA).isoformat()


def _local_time(moment: datetime, zone) -> str:
    """The region's wall-clock time with no offset (``2026-09-03T10:15:00``)."""
    return moment.astimezone(zone).replace(tzinfo=None).isoformat()


def _lapor_report(c, as_of: datetime) -> dict:
    agency = {"id": opd_account("lapor", c.opd_code), "name": OPD_NAMES[c.opd_code]}
    history = [{"type": "diterima", "at": _iso_wita(c.received_at), "by": "pelapor"}]
    disposed = c.central and c.forwarded_at is not None and c.forwarded_at <= as_of
    verified_at = (c.received_at + (c.forwarded_at - c.received_at) / 2) if c.forwarded_at else None
    if verified_at and verified_at <= as_of:
        history.append(
            {"type": "verifikasi", "at": _iso_wita(verified_at), "by": "admin", "note": "Laporan terverifikasi"}
        )
    if disposed:
        history.append({"type": "disposisi", "at": _iso_wita(c.forwarded_at), "by": "admin", "agency": agency})
    if c.first_response_at and c.first_response_at <= as_of:
        history.append(
            {
                "type": "tanggapan",
                "at": _iso_wita(c.first_response_at),
                "by": "instansi",
                "agency": agency,
                "text": "Terima kasih, laporan sedang kami tindak lanjuti.",
            }
        )
    if c.resolved_at and c.resolved_at <= as_of:
        history.append({"type": "selesai", "at": _iso_wita(c.resolved_at), "by": "instansi", "agency": agency})
    elif c.auto_closed_at and c.auto_closed_at <= as_of:
        history.append(
            {
                "type": "selesai",
                "at": _iso_wita(c.auto_closed_at),
                "by": "sistem",
                "note": "Ditutup otomatis: tidak ada tindak lanjut",
            }
        )
    for extra in c.extra.get("lapor_events", []):  # acknowledgements, misrouted dispositions
        if extra["at"] <= as_of:
            history.append(_lapor_history_event(extra))
    history.sort(key=lambda h: datetime.fromisoformat(h["at"]))
    status = {
        "diterima": "menunggu_verifikasi",
        "verifikasi": "terverifikasi",
        "disposisi": "didisposisi",
        "tanggapan": "ditindaklanjuti",
        "selesai": "selesai",
    }[history[-1]["type"]]
    return {
        "tracking_id": c.native_id,
        "submitted_at": _iso_wita(c.received_at),
        "updated_at": max((h["at"] for h in history), key=datetime.fromisoformat),
        "classification": c.kind,
        "title": c.text[:60],
        "content": c.text,
        "anonymous": c.anonymous,
        "confidential": c.confidential,
        "reporter": None if c.anonymous else {"name": c.reporter, "phone": c.extra["phone"]},
        "target_agency": None if c.central else agency,
        "status": status,
        "history": history,
    }


def _lapor_history_event(extra: dict) -> dict:
    event = {"type": extra["type"], "at": _iso_wita(extra["at"]), "by": extra["by"]}
    if extra["opd"]:
        event["agency"] = {"id": opd_account("lapor", extra["opd"]), "name": OPD_NAMES[extra["opd"]]}
    if extra["text"]:
        event["text"] = extra["text"]
    return event


def _dialect(report: dict, dialect: dict) -> dict:
    values = dialect.get("values", {})
    out = {}
    for name, value in report.items():
        value = values.get(name, {}).get(value, value) if isinstance(value, str) else value
        out[dialect.get("fields", {}).get(name, name)] = value
    return out


def _open311_request(c, as_of: datetime, extensions: bool, stamp=_iso_wita) -> dict:
    assigned = not c.central or (c.forwarded_at is not None and c.forwarded_at <= as_of)
    first = c.first_response_at if c.first_response_at and c.first_response_at <= as_of else None
    closed = c.resolved_at if c.resolved_at and c.resolved_at <= as_of else None
    events = [c.received_at] + [m for m in (c.forwarded_at if assigned and c.central else None, first, closed) if m]
    request = {
        "service_request_id": c.native_id,
        "status": "closed" if closed else "open",
        "status_notes": "Sudah ditangani." if closed else ("Sedang ditindaklanjuti." if first else None),
        "service_name": {
            "pengaduan": "Pengaduan layanan",
            "aspirasi": "Aspirasi",
            "permintaan_informasi": "Permintaan informasi",
        }[c.kind],
        "service_code": SERVICE_CODES[c.kind],
        "description": c.text,
        "agency_responsible": OPD_NAMES[c.opd_code] if assigned else "",
        "service_notice": "",
        "requested_datetime": stamp(c.received_at),
        "updated_datetime": stamp(max(events)),
        "expected_datetime": None,
        "address": f"{c.extra['place']}, Kabupaten Dompu",
        "address_id": None,
        "zipcode": "84211",
        "lat": -8.53,
        "long": 118.46,
        "media_url": None,
    }
    if extensions:
        notes = [{"type": "opened", "datetime": stamp(c.received_at), "summary": "Laporan diterima"}]
        if c.central and assigned:
            notes.append(
                {
                    "type": "assigned",
                    "datetime": stamp(c.forwarded_at),
                    "summary": f"Diteruskan ke {OPD_NAMES[c.opd_code]}",
                }
            )
        if first:
            notes.append({"type": "follow_on", "datetime": stamp(first), "summary": "Sedang ditindaklanjuti"})
        if closed:
            notes.append({"type": "closed", "datetime": stamp(closed), "summary": "Selesai"})
        request["notes"] = notes
    return request
