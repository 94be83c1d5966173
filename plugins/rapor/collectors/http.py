"""The one HTTP layer of the collectors: a requests.Session with the platforms' manners.

- A (connect, read) timeout on every call.
- Retries with exponential backoff and jitter on connection errors, timeouts, 5xx and
  payloads that arrive cut off (a truncated page is not JSON).
- Rate limits: 429 with ``Retry-After``; X API ``x-rate-limit-remaining`` /
  ``x-rate-limit-reset`` (a pause until the reset before the next call, when the budget
  is spent); Graph API throttling error codes 4, 17, 32, 613 and 80001–80014, and the
  ``X-App-Usage`` / ``X-Business-Use-Case-Usage`` headers (a pause when usage passes
  ``usage_threshold`` percent, for ``estimated_time_to_regain_access`` when given).
- Credentials come from an Airflow Connection (``Credentials``), are sent in the
  ``Authorization`` header only, and are never logged: URLs are logged and landed
  without their ``access_token`` parameter.
- A rejected token (HTTP 401, Graph API code 190) raises ``AuthError`` naming the
  connection to renew; it is never retried.
- A Graph API permission or configuration error (code 100 "Object does not exist, cannot
  be loaded due to missing permission ...", 10 "permission denied", 200-299 "permission",
  3 "capability") raises ``PermissionMissingError``: a configuration error (the app lacks
  ``pages_read_engagement`` or a feature, or the registry names a wrong page), distinct
  from an expired token; never retried.

Waits are real sleeps. ``RetryPolicy.time_scale`` shortens them (tests use 0.001); the
client records every wait unscaled in ``stats.waits``, so the behaviour stays visible.
"""

from __future__ import annotations

import json
import logging
import random
import re
import time
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

import requests

from rapor.errors import ConfigError, RaporError
from rapor.vocabulary import ENDPOINT_DOWN, PERMISSION_MISSING, RATE_LIMITED, TOKEN_EXPIRED

log = logging.getLogger(__name__)

GRAPH_THROTTLE_CODES = frozenset({4, 17, 32, 613, *range(80001, 80015)})
GRAPH_TRANSIENT_CODES = frozenset({1, 2})
GRAPH_EXPIRED_TOKEN = 190
# Graph API "Handling Errors": 3 API method (capability), 10 permission denied, 100 invalid
# parameter (also a missing permission, as in the real error_data.json), 200-299 permissions.
GRAPH_PERMISSION_CODES = frozenset({3, 10, 100, *range(200, 300)})
SECRET_PARAMS = frozenset({"access_token", "token", "api_key", "key", "client_secret"})


class CollectorError(RaporError):
    """A collection could not complete; the stream's state was not advanced."""

    outcome = ENDPOINT_DOWN  # how a collection attempt ending with it is recorded (vocabulary)


class AuthError(CollectorError):
    """The platform rejected the connection's credentials: renew them, then re-run."""

    outcome = TOKEN_EXPIRED

    def __init__(self, conn_id: str, platform: str, detail: str):
        self.conn_id = conn_id
        super().__init__(
            f"{platform}: the access token of Airflow connection `{conn_id}` was rejected ({detail}). "
            f"Renew the token in connection `{conn_id}` (Admin > Connections, or "
            f"AIRFLOW_CONN_{conn_id.upper()}), then clear the failed task."
        )


class NoConnectionError(ConfigError):
    """The Airflow connection is not defined (a region without that channel, or a missing setup)."""


class PermissionMissingError(CollectorError):
    """The connection may not read what was asked: a configuration error, not an expired token."""

    outcome = PERMISSION_MISSING

    def __init__(self, conn_id: str, platform: str, code, detail: str, url: str):
        self.conn_id = conn_id
        wanted = sorted(set(re.findall(r"'([a-z_]+)' permission", detail)))
        grant = f"grant the app the permission {', '.join(wanted)} " if wanted else "grant the app the permission "
        super().__init__(
            f"{platform}: configuration error on {url} (Graph API code {code}): {detail[:300]} "
            f"The token of Airflow connection `{conn_id}` is valid but may not read this object: {grant}"
            f"(or the feature the message names) and use a Page access token, or correct the account id in "
            f"the account registry; then clear the failed task. Renewing the token alone does not help."
        )


class RateLimitedError(CollectorError):
    """The platform asked for a longer pause than the policy allows: retry the task later."""

    outcome = RATE_LIMITED


class RequestFailedError(CollectorError):
    """A request failed for good (retries spent, or a client error that retrying cannot fix)."""


@dataclass(frozen=True)
class Credentials:
    """Where a platform is and the token to reach it, from one Airflow Connection."""

    conn_id: str
    base_url: str
    token: str = field(repr=False)
    extra: dict = field(default_factory=dict, repr=False)


def credentials_from_connection(conn_id: str) -> Credentials:
    """Read an Airflow Connection (any secrets backend, or ``AIRFLOW_CONN_<ID>`` as JSON).

    ``host`` is the API's base URL, or a host name with ``schema`` (http/https), ``port``
    and ``extra.base_path``; ``password`` holds the token; other settings are in ``extra``.
    """
    from airflow.sdk import Connection

    try:
        conn = Connection.get(conn_id)
    except Exception as exc:  # noqa: BLE001 - AirflowNotFoundException and backend errors alike
        raise NoConnectionError(
            f"Airflow connection `{conn_id}` is not available ({exc.__class__.__name__}): define it in "
            f"Admin > Connections or as AIRFLOW_CONN_{conn_id.upper()} (JSON)"
        ) from None
    extra = conn.extra_dejson or {}
    host = (conn.host or "").strip()
    if not host:
        raise ConfigError(f"Airflow connection `{conn_id}` has no host: set it to the API's base URL")
    if "://" in host:
        base = host
    else:
        base = f"{conn.schema or 'https'}://{host}" + (f":{conn.port}" if conn.port else "")
    base = base.rstrip("/") + "/" + str(extra.get("base_path", "")).strip("/")
    token = conn.password or ""
    return Credentials(conn_id, base.rstrip("/"), token, {k: v for k, v in extra.items() if k != "token"})


@dataclass(frozen=True)
class RetryPolicy:
    """How patient a client is. Defaults suit production; tests pass a small ``time_scale``."""

    max_attempts: int = 6  # tries per request on errors (connection, timeout, 5xx, truncated)
    max_throttle_waits: int = 12  # rate-limit waits per request before giving up
    backoff_base: float = 1.0  # seconds; try n waits base * 2**(n-1), jittered, capped
    backoff_max: float = 60.0
    jitter: float = 0.5  # up to this fraction of each backoff is taken off at random
    max_wait: float = 900.0  # a platform asking for a longer pause fails the task (retried later)
    usage_threshold: float = 90.0  # percent of Graph app / business usage that triggers a pause
    usage_pause: float = 300.0  # pause when usage is high and the platform gives no time
    connect_timeout: float = 10.0
    read_timeout: float = 60.0
    time_scale: float = 1.0  # multiplies every sleep (tests); waits are recorded unscaled


@dataclass
class ClientStats:
    requests: int = 0
    retries: int = 0
    waits: list[tuple[str, float]] = field(default_factory=list)  # (reason, seconds asked)


@dataclass(frozen=True)
class Fetched:
    """One successful response: the body exactly as received, and its parsed JSON."""

    url: str  # without credentials: safe to log and to land
    status: int
    body: bytes
    payload: object
    headers: dict


def strip_secrets(url: str) -> str:
    """The URL without credential parameters (Graph API ``paging.next`` links carry the token)."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k.lower() not in SECRET_PARAMS]
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), ""))


def _retry_after_seconds(value: str | None, now: float) -> float | None:
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - now)
    except (TypeError, ValueError):
        return None


def _graph_error(payload) -> dict | None:
    if isinstance(payload, dict) and isinstance(payload.get("error"), dict):
        return payload["error"]
    return None


def graph_usage_pause(headers, threshold: float, default_pause: float) -> float | None:
    """Seconds to pause from Graph API usage headers, or None when usage is below the threshold.

    ``X-App-Usage``: ``{"call_count": %, "total_cputime": %, "total_time": %}``.
    ``X-Business-Use-Case-Usage``: ``{business_id: [{"type", "call_count", "total_cputime",
    "total_time", "estimated_time_to_regain_access" (minutes)}]}``.
    """
    pause = None
    for name in ("X-App-Usage", "X-Ad-Account-Usage", "X-Business-Use-Case-Usage"):
        raw = headers.get(name)
        if not raw:
            continue
        try:
            data = json.loads(raw)
        except ValueError:
            continue
        entries = [data] if name != "X-Business-Use-Case-Usage" else [e for v in data.values() for e in (v or [])]
        for entry in entries:
            if not isinstance(entry, dict):
                continue
            regain = float(entry.get("estimated_time_to_regain_access") or 0) * 60
            usage = max(float(entry.get(k) or 0) for k in ("call_count", "total_cputime", "total_time"))
            if regain > 0:
                pause = max(pause or 0, regain)
            elif usage >= threshold:
                pause = max(pause or 0, default_pause)
    return pause


class HttpClient:
    """GET JSON from one platform with one connection's credentials."""

    def __init__(
        self,
        credentials: Credentials,
        platform: str,
        policy: RetryPolicy | None = None,
        session: requests.Session | None = None,
        rng: random.Random | None = None,
    ):
        self.credentials = credentials
        self.platform = platform
        self.policy = policy or RetryPolicy()
        self.session = session or requests.Session()
        self.session.headers.update({"Accept": "application/json", "User-Agent": "rapor-collector/1"})
        self.rng = rng or random.Random()
        self.stats = ClientStats()
        self._pause_before_next: tuple[str, float] | None = None

    # -- URLs ---------------------------------------------------------------------------
    def url_for(self, path_or_url: str) -> str:
        """An absolute URL on the connection's host; a link to another host is re-based.

        Pagination links (``paging.next``) are followed only on the connection's own host, so
        the token is never sent anywhere else.
        """
        base = urlsplit(self.credentials.base_url)
        if "://" not in path_or_url:
            return urljoin(self.credentials.base_url.rstrip("/") + "/", path_or_url.lstrip("/"))
        parts = urlsplit(path_or_url)
        if (parts.scheme, parts.netloc) != (base.scheme, base.netloc):
            # https://graph.facebook.com/v21.0/x on a base .../graph/v21.0 -> .../graph/v21.0/x
            base_parts = [p for p in base.path.split("/") if p]
            link_parts = [p for p in parts.path.split("/") if p]
            keep = base_parts
            for k in range(len(base_parts), 0, -1):
                if link_parts[:k] == base_parts[-k:]:
                    keep = base_parts[:-k]
                    break
            path = "/" + "/".join(keep + link_parts)
            return urlunsplit((base.scheme, base.netloc, path, parts.query, ""))
        return path_or_url

    # -- waiting ------------------------------------------------------------------------
    def _wait(self, reason: str, seconds: float) -> None:
        self.stats.waits.append((reason, round(seconds, 3)))
        if seconds > 0:
            time.sleep(seconds * self.policy.time_scale)

    def _backoff(self, attempt: int) -> float:
        delay = min(self.policy.backoff_max, self.policy.backoff_base * 2 ** (attempt - 1))
        return delay * (1 - self.policy.jitter * self.rng.random())

    def _throttle(self, reason: str, seconds: float, label: str) -> None:
        if seconds > self.policy.max_wait:
            raise RateLimitedError(
                f"{self.platform}: rate limited on {label}; the platform asks to wait {seconds:.0f}s, "
                f"more than {self.policy.max_wait:.0f}s: the task will be retried later"
            )
        log.warning("%s: %s on %s, waiting %.1fs", self.platform, reason, label, seconds)
        self._wait(reason, seconds)

    # -- the call -----------------------------------------------------------------------
    def get(self, path_or_url: str, params: dict | None = None) -> Fetched:
        url = self.url_for(path_or_url)
        # Credentials travel only in the header; a token left in a link is dropped.
        if params:
            query = dict(parse_qsl(urlsplit(url).query, keep_blank_values=True))
            query.update({k: v for k, v in params.items() if v is not None})
            url = urlunsplit((*urlsplit(url)[:3], urlencode(query), ""))
        url = strip_secrets(url)
        label = url
        headers = {"Authorization": f"Bearer {self.credentials.token}"} if self.credentials.token else {}
        errors = throttles = 0
        while True:
            if self._pause_before_next:
                reason, seconds = self._pause_before_next
                self._pause_before_next = None
                self._throttle(reason, seconds, label)
            self.stats.requests += 1
            try:
                response = self.session.get(
                    url, headers=headers, timeout=(self.policy.connect_timeout, self.policy.read_timeout)
                )
                body = response.content  # reads the whole body: a cut connection raises here
            except (
                requests.ConnectionError,
                requests.Timeout,
                requests.exceptions.ChunkedEncodingError,
                requests.exceptions.ContentDecodingError,
            ) as exc:
                errors += 1
                self._retry_or_fail(errors, f"{exc.__class__.__name__}", label)
                continue
            now = time.time()
            status = response.status_code
            try:
                payload = json.loads(body) if body else None
                parsed = True
            except ValueError:
                payload, parsed = None, False
            graph_error = _graph_error(payload)
            self._note_limits(response.headers, now)

            if status == 401 or (graph_error and graph_error.get("code") == GRAPH_EXPIRED_TOKEN):
                detail = (graph_error or {}).get("message") or f"HTTP {status}"
                raise AuthError(self.credentials.conn_id, self.platform, str(detail)[:200])
            if graph_error and graph_error.get("code") in GRAPH_PERMISSION_CODES:
                detail = str(graph_error.get("message") or f"HTTP {status}")
                raise PermissionMissingError(
                    self.credentials.conn_id, self.platform, graph_error.get("code"), detail, label
                )
            if status == 429 or (graph_error and graph_error.get("code") in GRAPH_THROTTLE_CODES):
                throttles += 1
                if throttles > self.policy.max_throttle_waits:
                    raise RateLimitedError(
                        f"{self.platform}: still rate limited after {throttles - 1} waits on {label}"
                    )
                self._pause_before_next = None
                seconds = self._rate_limit_wait(response.headers, now, throttles)
                code = f" (code {graph_error.get('code')})" if graph_error else ""
                self._throttle(f"rate limited{code}", seconds, label)
                continue
            if status >= 500 or (graph_error and graph_error.get("code") in GRAPH_TRANSIENT_CODES):
                errors += 1
                self._retry_or_fail(errors, f"HTTP {status}", label)
                continue
            if status >= 400:
                detail = (graph_error or {}).get("message") or (payload if parsed else body[:200])
                raise RequestFailedError(f"{self.platform}: HTTP {status} on {label}: {str(detail)[:300]}")
            if not parsed:
                errors += 1
                self._retry_or_fail(errors, "truncated or malformed JSON payload", label)
                continue
            return Fetched(label, status, body, payload, dict(response.headers))

    def _retry_or_fail(self, errors: int, what: str, label: str) -> None:
        if errors >= self.policy.max_attempts:
            raise RequestFailedError(f"{self.platform}: {what} on {label}; gave up after {errors} tries")
        self.stats.retries += 1
        delay = self._backoff(errors)
        log.warning(
            "%s: %s on %s, retry %d/%d in %.1fs",
            self.platform,
            what,
            label,
            errors,
            self.policy.max_attempts - 1,
            delay,
        )
        self._wait(f"backoff after {what}", delay)

    def _rate_limit_wait(self, headers, now: float, throttles: int) -> float:
        """Retry-After, else the X reset time, else the Graph usage estimate, else a backoff."""
        seconds = _retry_after_seconds(headers.get("Retry-After"), now)
        if seconds is None and headers.get("x-rate-limit-reset"):
            try:
                seconds = max(0.0, float(headers["x-rate-limit-reset"]) - now) + 1
            except ValueError:
                seconds = None
        if seconds is None:
            seconds = graph_usage_pause(headers, 0.0, 0.0) or None
        if seconds is None:
            seconds = max(self._backoff(throttles), min(self.policy.usage_pause, 60.0))
        return seconds

    def _note_limits(self, headers, now: float) -> None:
        """Plan a pause before the next call when the platform says the budget is spent."""
        remaining = headers.get("x-rate-limit-remaining")
        if remaining is not None and remaining.strip() == "0" and headers.get("x-rate-limit-reset"):
            try:
                seconds = max(0.0, float(headers["x-rate-limit-reset"]) - now) + 1
            except ValueError:
                seconds = self.policy.usage_pause
            self._pause_before_next = ("x-rate-limit-remaining is 0", seconds)
            return
        pause = graph_usage_pause(headers, self.policy.usage_threshold, self.policy.usage_pause)
        if pause:
            self._pause_before_next = ("Graph API usage near the limit", pause)
