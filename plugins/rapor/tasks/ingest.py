"""Bodies of the ingestion DAGs' tasks (rapor_ingest_apps, _social, _hotline).

``collect_<stream>`` tasks call ``collect_stream(<stream>)``; ``load_inbox`` is the hotline
DAG's task of that name and ``purge_raw_landing`` every ingestion DAG's (see rapor.tasks).
The DAG files import this module only in tasks.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from rapor.collectors.hotline import HOTLINE_SOURCE, HOTLINE_STREAM, collect_hotline, hotline_inbox
from rapor.collectors.http import AuthError, CollectorError, HttpClient, credentials_from_connection
from rapor.collectors.raw import purge_expired
from rapor.collectors.runner import run_stream
from rapor.collectors.streams import STREAMS
from rapor.policy import load_policy
from rapor.quality.raw_landing import validate_raw_landing
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


def collect_stream(name: str, until: datetime | None = None, policy=None, validate: bool = False) -> dict:
    """Collect one stream (``STREAMS``) up to ``until`` with its Airflow connection's credentials.

    ``until`` is the run's logical date (never later than now): a re-run of the same
    interval reads the same window again and rewrites the same rows.
    """

    stream = STREAMS[name]()
    now = datetime.now(UTC)
    until = min(until, now) if until else now
    credentials = credentials_from_connection(stream.conn_id)
    client = HttpClient(credentials, stream.platform, policy)
    try:
        run = run_stream(open_warehouse(), stream, client, until=until, settings=credentials.extra)
    except AuthError as exc:
        # Retrying cannot renew a token: fail now, with the connection to renew in the message.
        from airflow.sdk.exceptions import AirflowFailException

        raise AirflowFailException(str(exc)) from exc
    if validate:
        validate_landing(name, run.records)
    summary = {
        **run.as_dict(),
        "requests": client.stats.requests,
        "retries": client.stats.retries,
        "waits": len(client.stats.waits),
        "until": until.isoformat(),
    }
    log.info("collected %s: %s", name, summary)
    return summary


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
