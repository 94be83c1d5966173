"""The shared HTTP layer against the simulator over real HTTP: retries, limits, credentials."""

from __future__ import annotations

import io
import json
import logging
from contextlib import contextmanager

import pytest
from collectors_support import FAST

from rapor.collectors.http import (
    AuthError,
    HttpClient,
    RateLimitedError,
    RequestFailedError,
    RetryPolicy,
    credentials_from_connection,
    graph_usage_pause,
    strip_secrets,
)
from rapor.errors import ConfigError

PAGE = "100000000000001/posts"  # the Bupati's Facebook page


@contextmanager
def captured_logs():
    """Everything the collectors log, at every level (pytest's log capture is off in CI)."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    logger = logging.getLogger("rapor")
    old_level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        yield stream
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old_level)


def client(conn_id: str, policy: RetryPolicy = FAST, platform: str = "test") -> HttpClient:
    return HttpClient(credentials_from_connection(conn_id), platform, policy)


def test_a_burst_of_5xx_is_retried_with_growing_jittered_backoff(sim):
    sim.set_faults(errors=3)
    graph = client("rapor_facebook", RetryPolicy(time_scale=0.001, backoff_base=2.0, jitter=0.5))
    fetched = graph.get(PAGE, {"limit": 5})
    assert fetched.status == 200 and fetched.payload["data"]
    assert graph.stats.requests == 4 and graph.stats.retries == 3
    waits = [seconds for reason, seconds in graph.stats.waits]
    # try n waits 2 * 2**(n-1) seconds minus up to half of it at random: [1, 2], [2, 4], [4, 8]
    for n, seconds in enumerate(waits, start=1):
        assert 2**n / 2 <= seconds <= 2**n


def test_retries_are_bounded_and_the_failure_names_the_url_without_the_token(sim):
    sim.set_faults(errors=10)
    graph = client("rapor_facebook", RetryPolicy(time_scale=0.001, max_attempts=3))
    with pytest.raises(RequestFailedError, match="HTTP 503") as caught:
        graph.get(PAGE, {"access_token": "leaked-token"})
    assert "leaked-token" not in str(caught.value) and sim.tokens["graph"] not in str(caught.value)
    assert graph.stats.requests == 3


def test_429_waits_as_long_as_retry_after_says(sim):
    sim.set_faults(rate_limited=2, retry_after=7)
    lapor = client("rapor_lapor")
    assert lapor.get("laporan", {"limit": 5}).status == 200
    assert lapor.stats.waits == [("rate limited", 7.0), ("rate limited", 7.0)]


def test_x_429_waits_until_the_rate_limit_resets(sim):
    sim.set_faults(rate_limited=1, retry_after=30, paths=("/x",))
    x = client("rapor_x")
    assert x.get("users/1500000001/mentions", {"max_results": 5}).status == 200
    ((reason, seconds),) = x.stats.waits
    assert reason == "rate limited" and 28 <= seconds <= 32  # Retry-After, or reset − now + 1


def test_an_exhausted_x_budget_pauses_before_the_next_call(sim):
    sim.set_faults(x_budget_spent=1, retry_after=20, paths=("/x",))
    x = client("rapor_x")
    x.get("users/1500000001/mentions", {"max_results": 5})
    assert x.stats.waits == []  # the call itself succeeded; the budget is spent now
    x.get("users/1500000001/tweets", {"max_results": 5})
    ((reason, seconds),) = x.stats.waits
    assert reason == "x-rate-limit-remaining is 0" and 19 <= seconds <= 22


@pytest.mark.parametrize("throttles", [4])
def test_graph_throttling_codes_wait_for_the_business_use_case_estimate(sim, throttles):
    # Codes 4, 17, 32 and 613 in turn, each with estimated_time_to_regain_access = 1 minute.
    sim.set_faults(graph_throttle=throttles)
    graph = client("rapor_facebook")
    assert graph.get(PAGE).status == 200
    assert [w for w in graph.stats.waits] == [(f"rate limited (code {c})", 60.0) for c in (17, 32, 613, 4)]


def test_high_app_usage_pauses_before_the_next_graph_call(sim):
    sim.set_faults(high_usage=True)
    graph = client("rapor_facebook", RetryPolicy(time_scale=0.001, usage_pause=120))
    graph.get(PAGE)
    graph.get(PAGE)
    assert graph.stats.waits == [("Graph API usage near the limit", 120.0)]
    assert graph_usage_pause({"X-App-Usage": json.dumps({"call_count": 40})}, 90, 120) is None


def test_a_pause_longer_than_the_policy_allows_fails_the_task_for_a_later_retry(sim):
    sim.set_faults(rate_limited=1, retry_after=3600)
    with pytest.raises(RateLimitedError, match="3600"):
        client("rapor_lapor", RetryPolicy(time_scale=0.001, max_wait=900)).get("laporan")


def test_a_slow_response_times_out_and_is_retried(sim):
    sim.set_faults(slow=1, slow_seconds=1.5)
    lapor = client("rapor_lapor", RetryPolicy(time_scale=0.001, read_timeout=0.3))
    assert lapor.get("laporan", {"limit": 5}).status == 200
    assert lapor.stats.retries == 1 and "ReadTimeout" in lapor.stats.waits[0][0]


def test_a_slow_response_within_the_timeout_is_just_slow(sim):
    sim.set_faults(slow=1, slow_seconds=0.2)
    lapor = client("rapor_lapor", RetryPolicy(time_scale=0.001, read_timeout=2))
    assert lapor.get("laporan").status == 200 and lapor.stats.retries == 0


def test_truncated_pages_are_fetched_again(sim):
    # One body is short but well delimited (not JSON), the other is cut mid-transfer.
    sim.set_faults(truncated=2)
    lapor = client("rapor_lapor")
    fetched = lapor.get("laporan", {"limit": 5})
    assert len(fetched.payload["data"]) == 5
    reasons = [reason for reason, _ in lapor.stats.waits]
    assert len(reasons) == 2 and any("truncated" in r for r in reasons)


@pytest.mark.parametrize(
    ("conn_id", "path"),
    [("rapor_facebook", PAGE), ("rapor_x", "users/1500000001/mentions"), ("rapor_lapor", "laporan")],
)
def test_an_expired_token_is_not_retried_and_names_the_connection_to_renew(sim, conn_id, path):
    sim.set_faults(expired_token=True, errors=1)  # a 5xx first: its retry is logged too
    api = client(conn_id)
    with captured_logs() as logs, pytest.raises(AuthError) as caught:
        api.get(path)
    assert api.stats.requests == 2
    message = str(caught.value)
    assert f"`{conn_id}`" in message and f"AIRFLOW_CONN_{conn_id.upper()}" in message and "Renew" in message
    for token in filter(None, sim.tokens.values()):
        assert token not in message and token not in logs.getvalue()


def test_credentials_come_from_the_airflow_connection_and_never_show(sim, monkeypatch):
    credentials = credentials_from_connection("rapor_x")
    assert credentials.base_url == sim.url + "/x/2"
    assert credentials.token == sim.tokens["x"]
    assert sim.tokens["x"] not in repr(credentials)
    monkeypatch.delenv("AIRFLOW_CONN_RAPOR_X")
    with pytest.raises(ConfigError, match="AIRFLOW_CONN_RAPOR_X"):
        credentials_from_connection("rapor_x")


def test_a_wrong_token_is_refused_like_an_expired_one(sim, monkeypatch):
    conn = json.loads(__import__("os").environ["AIRFLOW_CONN_RAPOR_LAPOR"])
    monkeypatch.setenv("AIRFLOW_CONN_RAPOR_LAPOR", json.dumps({**conn, "password": "not-the-token"}))
    with pytest.raises(AuthError, match="rapor_lapor"):
        client("rapor_lapor").get("laporan")


def test_links_are_followed_on_the_connections_host_only_and_without_tokens(sim):
    graph = client("rapor_facebook")
    foreign = "https://graph.facebook.com/v21.0/100000000000001/posts?access_token=abc&limit=2&after=xyz"
    assert graph.url_for(foreign) == sim.url + "/graph/v21.0/100000000000001/posts?access_token=abc&limit=2&after=xyz"
    assert strip_secrets(foreign) == "https://graph.facebook.com/v21.0/100000000000001/posts?limit=2&after=xyz"
    fetched = graph.get(foreign.replace("&after=xyz", ""))
    assert "access_token" not in fetched.url and fetched.payload["data"]
