"""Bodies of the ingestion DAGs' tasks (rapor_ingest_apps, _social, _hotline).

``collect_<stream>`` tasks call ``collect_stream(<stream>)``; ``load_inbox`` is the hotline
DAG's task of that name and ``purge_raw_landing`` every ingestion DAG's (see rapor.tasks).
The DAG files import this module only in tasks.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from rapor.collectors.hotline import HOTLINE_SOURCE, HOTLINE_STREAM, collect_hotline, hotline_inbox
from rapor.collectors.http import (
    AuthError,
    CollectorError,
    Credentials,
    HttpClient,
    NoConnectionError,
    PermissionMissingError,
    credentials_from_connection,
)
from rapor.collectors.raw import purge_expired
from rapor.collectors.runner import run_stream
from rapor.collectors.streams import STREAMS
from rapor.collectors.streams.base import Stream
from rapor.errors import ConfigError
from rapor.policy import load_policy
from rapor.quality.raw_landing import validate_raw_landing
from rapor.registry import list_regions
from rapor.warehouse.db import open_warehouse

log = logging.getLogger(__name__)


def run_until(context) -> datetime:
    """The end of a run's collection window: its logical date (a manual run: when it ran)."""
    return context.get("logical_date") or context["dag_run"].run_after


def validate_landing(name: str, records: list[dict]) -> None:
    """The data-quality suite of landed records (rapor.quality.raw_landing), after the load.

    The records are committed (bad ones quarantined) whatever the verdict; a critical
    failure (a record without id or date, a record twice on one page) fails the task so that
    the platform's problem is seen. Warnings (pages overlapping) are logged.
    """
    if not records:
        return
    import pandas as pd

    outcome = validate_raw_landing(pd.DataFrame(records))
    for finding in outcome.warnings:
        log.warning("%s: raw landing warning: %s", name, finding)
    if not outcome.passed:
        raise CollectorError(f"{name}: landed records failed the raw_landing suite: {outcome.critical}")


def region_connections(stream: Stream, regions: list[str]) -> list[tuple[str, Credentials]]:
    """(region, credentials) of every region a per-region stream serves, in region order.

    A region's connection is ``<conn_id>_<region>`` (``rapor_open311_52_05``); a single
    ``<conn_id>`` with ``region_code`` in its extra serves that one region. A region with
    neither has no such endpoint and is left out; no connection at all is a configuration error.
    """
    found: dict[str, Credentials] = {}
    for region in regions:
        try:
            credentials = credentials_from_connection(stream.region_conn_id(region))
        except NoConnectionError:
            continue
        named = credentials.extra.get("region_code")
        if named and named != region:
            raise ConfigError(
                f"Airflow connection `{credentials.conn_id}` serves region {region} (its name) "
                f"but its extra says region_code {named!r}: correct one of them"
            )
        found[region] = Credentials(
            credentials.conn_id, credentials.base_url, credentials.token, {**credentials.extra, "region_code": region}
        )
    try:
        single = credentials_from_connection(stream.conn_id)
    except NoConnectionError:
        single = None
    if single is not None:
        region = single.extra.get("region_code")
        if not region:
            raise ConfigError(f"{stream.name}: set `region_code` in the extra of connection `{stream.conn_id}`")
        if region in found:
            raise ConfigError(
                f"region {region} has two connections for {stream.name}: `{stream.conn_id}` and "
                f"`{found[region].conn_id}`; keep one"
            )
        found[region] = single
    if not found:
        example = stream.region_conn_id(regions[0]) if regions else stream.region_conn_id("52.05")
        raise ConfigError(
            f"{stream.name}: no connection; define one per region (e.g. `{example}`) or `{stream.conn_id}` "
            "with region_code in its extra"
        )
    return sorted(found.items())


def collect_stream(name: str, until: datetime | None = None, policy=None, validate: bool = False) -> dict:
    """Collect one stream (``STREAMS``) up to ``until`` with its Airflow connection's credentials.

    ``until`` is the run's logical date (never later than now): a re-run of the same
    interval reads the same window again and rewrites the same rows. A per-region stream
    (the complaint app, Open311) is collected region by region, each with its own
    connection: a region that fails does not stop the others, and the task fails after them
    naming every failed region.
    """

    stream = STREAMS[name]()
    now = datetime.now(UTC)
    until = min(until, now) if until else now
    engine = open_warehouse()
    if stream.per_region:
        with engine.connect() as conn:
            regions = [r.region_code for r in list_regions(conn)]
        targets = region_connections(stream, regions)
    else:
        targets = [(None, credentials_from_connection(stream.conn_id))]
    summary = {"stream": name, "partitions": 0, "pages": 0, "complaints": 0, "loaded": 0, "quarantined": 0}
    summary |= {"unrouted": 0, "landed": 0, "requests": 0, "retries": 0, "waits": 0, "until": until.isoformat()}
    records, failures = [], []
    for region, credentials in targets:
        client = HttpClient(credentials, stream.platform, policy)
        try:
            run = run_stream(engine, stream, client, until=until, settings=credentials.extra)
        except CollectorError as exc:
            if region is None:
                _fail(exc)
            log.error("%s: region %s failed: %s", name, region, exc)
            failures.append((region, exc))
            continue
        records += run.records
        for key, value in {**run.as_dict(), "requests": client.stats.requests, "retries": client.stats.retries}.items():
            if isinstance(value, int) and key in summary:
                summary[key] += value
        summary["waits"] += len(client.stats.waits)
        if region is not None:
            summary.setdefault("regions", {})[region] = run.loaded
    if failures:
        # Only when every failure is a token to renew or a permission to grant is a retry pointless.
        cause = next((exc for _, exc in failures if not isinstance(exc, UNRETRYABLE)), failures[0][1])
        _fail(cause, f"{name}: " + "; ".join(f"region {region}: {exc}" for region, exc in failures))
    if validate:
        validate_landing(name, records)
    log.info("collected %s: %s", name, summary)
    return summary


UNRETRYABLE = (AuthError, PermissionMissingError)


def _fail(exc: CollectorError, message: str | None = None):
    """An expired or revoked token, or a missing permission, cannot be fixed by retrying: fail
    now, naming the connection. The other partitions were collected and every attempt is
    recorded (the gate reads them)."""
    if isinstance(exc, UNRETRYABLE):
        from airflow.sdk.exceptions import AirflowFailException

        raise AirflowFailException(message or str(exc)) from exc
    if message is None:
        raise exc
    raise CollectorError(message) from exc


def load_inbox(inbox: str | None = None) -> dict:
    run = collect_hotline(open_warehouse(), inbox or hotline_inbox())
    log.info("hotline inbox %s: %s", inbox or hotline_inbox(), run.as_dict())
    return run.as_dict()


def raw_source(name: str) -> str:
    """The raw-landing source of a stream of ``STREAMS`` or of the hotline inbox."""
    return HOTLINE_SOURCE if name == HOTLINE_STREAM else STREAMS[name].source


def purge_raw_landing(streams: list[str], as_of: datetime, policy=None) -> dict:
    """Delete the raw landings of ``streams`` older than the policy's retention, counted back
    from the run's logical date ``as_of`` (a re-run of the interval purges the same days)."""
    policy = policy or load_policy()
    sources = sorted({raw_source(name) for name in streams})
    purge = purge_expired(open_warehouse(), sources, min(as_of, datetime.now(UTC)), policy.raw_landing.retention_days)
    summary = {"sources": sources, "retention_days": policy.raw_landing.retention_days, **purge.as_dict()}
    log.info("raw landing purge: %s", summary)
    return summary
