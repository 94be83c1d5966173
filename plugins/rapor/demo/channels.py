"""The demo's channels: the demo region's complaints arrive through the simulator.

``make demo`` starts the simulator in-process on a free loopback port, with fresh random
tokens, writes the region's channel accounts and routing rules (imported like any
registry file) and the hotline's exports (into the inbox), then runs the three ingestion
DAGs with ``airflow dags test`` (or, without Airflow, the same collectors in-process), so
that the complaints reach the warehouse the way they would in production.
"""

from __future__ import annotations

import json
import secrets
from datetime import UTC
from pathlib import Path

from sqlalchemy import func, select

from rapor import config
from rapor.collectors.hotline import hotline_inbox
from rapor.collectors.streams import STREAMS
from rapor.demo.simulator.server import Simulator
from rapor.demo.simulator.world import World
from rapor.imports.accounts import import_accounts, import_routing_rules
from rapor.tasks.ingest import collect_stream, load_inbox
from rapor.warehouse import schema

INGESTION_DAGS = ("rapor_ingest_apps", "rapor_ingest_social", "rapor_ingest_hotline")
COLLECT_FROM = "2026-07-01"  # the demo's complaints start on 10 July (deadlines falling in August)


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

    def collect_through_airflow(self, airflow: str, env: dict, log: Path, run) -> None:
        env = {**env, **self.env()}
        pools = config.project_root() / "include" / "airflow" / "pools.json"
        run([airflow, "pools", "import", str(pools)], env, log)
        print(
            f"  simulator at {self.sim.url} ({len(self.world.complaints)} complaints, "
            f"{len(self.exports)} hotline exports in {self.inbox})"
        )
        for dag_id in INGESTION_DAGS:
            print(f"  airflow dags test {dag_id} {self.logical_date()}  -> collects up to {self.logical_date()}")
            run([airflow, "dags", "test", dag_id, self.logical_date()], env, log)

    def collect_in_process(self) -> None:
        with config.environment(self.env()):
            for name in STREAMS:
                collect_stream(name, self.as_of)
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
