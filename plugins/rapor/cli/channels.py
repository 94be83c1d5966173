"""The collectors' subcommands of ``rapor``: ``simulate`` and ``collect``.

    rapor simulate --port 8311 --registry-out demo-data/ --hotline-inbox inbox/hotline
    rapor collect lapor_reports facebook_comments ... | all | hotline

Kept apart from ``rapor.cli`` so that the CLI module stays small; nothing heavy at import.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import UTC, datetime
from pathlib import Path

from rapor.collectors.streams import STREAMS
from rapor.demo.simulator.server import Faults, Simulator
from rapor.demo.simulator.world import World
from rapor.errors import ConfigError, RaporError
from rapor.tasks.ingest import collect_stream, load_inbox


def add_parsers(sub) -> None:
    sim = sub.add_parser("simulate", help="serve the channels' APIs (LAPOR!, Open311, Graph, X) on loopback")
    sim.add_argument("--host", default="127.0.0.1", help="address to bind (default: loopback only)")
    sim.add_argument("--port", type=int, default=8311, help="port (0: any free port)")
    sim.add_argument("--seed", type=int, default=2026)
    sim.add_argument("--as-of", help="the world's clock, ISO 8601 (default: the demo's 2026-11-02 08:00 WITA)")
    sim.add_argument("--faults", help='faults as JSON, e.g. \'{"errors": 3, "rate_limited": 2}\'')
    sim.add_argument("--registry-out", type=Path, help="write registry.csv, accounts.csv, routing_rules.csv here")
    sim.add_argument("--hotline-inbox", type=Path, help="write the hotline exports into this inbox")
    sim.add_argument(
        "--connections-out",
        type=Path,
        help="write the AIRFLOW_CONN_* values (JSON, with the simulator's tokens) here, mode 0600",
    )

    col = sub.add_parser("collect", help="collect streams into the warehouse with their Airflow connections")
    col.add_argument(
        "streams", nargs="+", help="stream names (see rapor.collectors.streams.STREAMS), 'all' or 'hotline'"
    )
    col.add_argument("--until", help="end of the collection window, ISO 8601 (default: now)")
    col.add_argument("--inbox", help="hotline inbox (default: RAPOR_HOTLINE_INBOX)")


def run(args: argparse.Namespace) -> int:
    if args.command == "simulate":
        return _simulate(args)
    return _collect(args)


def _simulate(args) -> int:
    world = World(seed=args.seed, **({"as_of": datetime.fromisoformat(args.as_of)} if args.as_of else {}))
    faults = Faults.from_dict(json.loads(args.faults)) if args.faults else None
    sim = Simulator(world, host=args.host, port=args.port, faults=faults)
    if args.registry_out:
        for name, path in world.write_registry(args.registry_out).items():
            print(f"{name}: {path}")
    if args.hotline_inbox:
        for path in world.write_hotline_exports(args.hotline_inbox):
            print(f"hotline export: {path}")
    if args.connections_out:
        args.connections_out.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(args.connections_out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            json.dump(
                {f"AIRFLOW_CONN_{k.upper()}": json.dumps(v) for k, v in sim.connections(region_code="52.05").items()},
                handle,
                indent=2,
            )
        print(f"connections: {args.connections_out}")
    print(
        f"simulator serving {len(world.complaints)} complaints as of {world.as_of.isoformat()} at {sim.url}", flush=True
    )
    try:
        sim.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


def _collect(args) -> int:
    names = list(STREAMS) + ["hotline"] if args.streams == ["all"] else args.streams
    unknown = [n for n in names if n not in STREAMS and n != "hotline"]
    if unknown:
        raise ConfigError(f"unknown stream(s) {', '.join(unknown)}; known: {', '.join([*STREAMS, 'hotline'])}")
    try:
        until = datetime.fromisoformat(args.until) if args.until else datetime.now(UTC)
    except ValueError:
        raise ConfigError(f"--until {args.until!r} is not an ISO 8601 timestamp") from None
    failed = 0
    for name in names:  # one stream failing (an expired token) does not stop the others
        try:
            summary = load_inbox(args.inbox) if name == "hotline" else collect_stream(name, until)
        except Exception as exc:  # noqa: BLE001 - the tasks wrap Rapor's errors for Airflow
            if _rapor_error(exc) is None:
                raise
            failed += 1
            print(f"rapor: error: {name}: {exc}", file=sys.stderr)  # the task's message, every region in it
            continue
        print(f"{name}: " + ", ".join(f"{k}={v}" for k, v in summary.items() if k != "stream"))
    return 2 if failed else 0


def _rapor_error(exc: BaseException) -> RaporError | None:
    """The Rapor error behind ``exc`` (a task raises AirflowFailException from it), if any."""
    while exc is not None:
        if isinstance(exc, RaporError):
            return exc
        exc = exc.__cause__
    return None
