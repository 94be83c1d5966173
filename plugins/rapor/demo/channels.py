"""The demo's channels: the demo region's complaints arrive through the simulator.

``make demo`` starts the simulator in-process on a free loopback port, with fresh random
tokens, writes the region's channel accounts and routing rules (imported like any
registry file) and the hotline's exports (into the inbox), then runs the three ingestion
DAGs with ``airflow dags test`` (or, without Airflow, the same collectors in-process), so
that the complaints reach the warehouse the way they would in production.

One thing goes wrong, as it does in production: the Facebook page token of DLH (Dinas
Lingkungan Hidup) stops working on 15 October 2026, 08:00 WITA, and nobody renews it before
October is scored. The page was collected until then (``collect_until_token_expiry``, the
hourly runs before it broke); from then on the simulator refuses the page (Graph API code
190), the social DAG's ``collect_facebook_comments`` fails naming the connection, every
other page is still collected, and the gate holds DLH alone for October: no TPP
recommendation for DLH, the other OPDs published, the fix in the quality summary.
"""

from __future__ import annotations

import json
import secrets
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, select

from rapor import config
from rapor.collectors.hotline import hotline_inbox
from rapor.collectors.http import AuthError, HttpClient, credentials_from_connection
from rapor.collectors.runner import run_stream
from rapor.collectors.streams import STREAMS, FacebookComments
from rapor.demo.simulator.server import Simulator
from rapor.demo.simulator.world import WITA, World, opd_account
from rapor.imports.accounts import import_accounts, import_routing_rules
from rapor.tasks.ingest import collect_stream, load_inbox
from rapor.warehouse import schema

INGESTION_DAGS = ("rapor_ingest_apps", "rapor_ingest_social", "rapor_ingest_hotline")
COLLECT_FROM = "2026-07-01"  # the demo's complaints start on 10 July (deadlines falling in August)
TOKEN_LOST_OPD = "DLH"  # its Facebook page token stops working mid-October and is not renewed
TOKEN_LOST_AT = datetime(2026, 10, 15, 8, tzinfo=WITA)


class _OnePage(FacebookComments):
    """The Facebook stream for one page (the runs before its token broke); same name, state, attempts."""

    def __init__(self, page: str):
        self.page = page

    def partitions(self, registry) -> list[str]:
        return [self.page]


class DemoChannels:
    def __init__(self, engine, registry_dir: Path):
        self.engine = engine
        self.world = World()
        paths = self.world.write_registry(registry_dir)
        self.registry_results = [
            import_accounts(engine, paths["accounts"]),
            import_routing_rules(engine, paths["routing_rules"]),
        ]
        tokens = {
            "graph": secrets.token_urlsafe(24),
            "x": secrets.token_urlsafe(24),
            "lapor": secrets.token_urlsafe(24),
        }
        self.sim = Simulator(self.world, tokens=tokens)
        self.sim.start()
        self.inbox = hotline_inbox()
        self.exports = self.world.write_hotline_exports(Path(self.inbox))
        self.as_of = self.world.as_of.astimezone(UTC)

    def env(self) -> dict[str, str]:
        """AIRFLOW_CONN_* for the simulated APIs, and the inbox (for the Airflow subprocesses)."""
        conns = self.sim.connections(start_date=COLLECT_FROM, region_code="52.05")
        out = {f"AIRFLOW_CONN_{conn_id.upper()}": json.dumps(conn) for conn_id, conn in conns.items()}
        out["RAPOR_HOTLINE_INBOX"] = self.inbox
        return out

    def logical_date(self) -> str:
        return self.as_of.isoformat()

    @property
    def lost_page(self) -> str:
        return opd_account("facebook", TOKEN_LOST_OPD)

    def collect_until_token_expiry(self) -> None:
        """DLH's page as the hourly runs collected it until its token broke; then the token fails."""
        with config.environment(self.env()):
            credentials = credentials_from_connection(FacebookComments.conn_id)
            self.sim.set_clock(TOKEN_LOST_AT.astimezone(UTC))
            try:
                client = HttpClient(credentials, FacebookComments.platform)
                run_stream(
                    self.engine,
                    _OnePage(self.lost_page),
                    client,
                    until=TOKEN_LOST_AT.astimezone(UTC),
                    settings=credentials.extra,
                )
            finally:
                self.sim.set_clock(self.as_of)
        self.sim.set_faults(expired_accounts=(self.lost_page,))
        print(
            f"  facebook page {self.lost_page} ({TOKEN_LOST_OPD}) collected until {TOKEN_LOST_AT.isoformat()}; "
            "its token is refused from then on (not renewed before October is scored)"
        )

    def collect_through_airflow(self, airflow: str, env: dict, log: Path, run) -> None:
        env = {**env, **self.env()}
        pools = config.project_root() / "include" / "airflow" / "pools.json"
        run([airflow, "pools", "import", str(pools)], env, log)
        print(
            f"  simulator at {self.sim.url} ({len(self.world.complaints)} complaints, "
            f"{len(self.exports)} hotline exports in {self.inbox})"
        )
        self.collect_until_token_expiry()
        for dag_id in INGESTION_DAGS:
            print(f"  airflow dags test {dag_id} {self.logical_date()}  -> collects up to {self.logical_date()}")
            failed = run([airflow, "dags", "test", dag_id, self.logical_date()], env, log, may_fail=True)
            if failed:  # the social DAG: DLH's page token; every other page was collected
                print(f"    {dag_id} failed as expected: {failed}")

    def collect_in_process(self) -> None:
        self.collect_until_token_expiry()
        with config.environment(self.env()):
            for name in STREAMS:
                try:
                    collect_stream(name, self.as_of)
                except Exception as exc:  # DLH's page; the other pages were collected
                    # The task body raises Airflow's "fail, do not retry" for an expired token.
                    if not (isinstance(exc, AuthError) or isinstance(exc.__cause__, AuthError)):
                        raise
                    print(f"    {name} failed as expected: {exc}")
            load_inbox(self.inbox)

    def summary(self) -> list[str]:
        c = schema.complaint.c
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(c.source, func.count(), func.count(c.opd_code)).group_by(c.source).order_by(c.source)
            ).all()
        return [f"{source}: {n} complaints ({n - routed} belum terdisposisi)" for source, n, routed in rows]

    def stop(self) -> None:
        self.sim.stop()
