"""`make demo`: a demo region scored through a real Airflow run on the embedded defaults.

Steps: generate the demo region (Kabupaten Dompu, WITA, three months), import its
registry, channel accounts, routing rules and inspections into the warehouse (SQLite
under ``var/``), start the channel simulator on loopback, initialise a project-local
Airflow home on SQLite, run the ingestion DAGs (apps, social media, hotline) with
``airflow dags test`` so the complaints are collected from the simulator, then run the
``rapor_monthly`` DAG once per month, in order, and print where the scorecards are.
Re-running it changes nothing.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from rapor import config
from rapor.demo.region import DEMO_REGION_CODE, generate_demo_region
from rapor.imports import import_files
from rapor.layout import scorecard_path
from rapor.scoring.periods import Period
from rapor.tasks.monthly import score_and_export_region
from rapor.warehouse.db import open_warehouse


def airflow_env() -> dict[str, str]:
    """Environment for a project-local Airflow on SQLite (kept under ``.airflow/``)."""
    root = config.project_root()
    home = config.rapor_home()
    env = dict(os.environ)
    env.update(
        {
            "AIRFLOW_HOME": str(home / ".airflow"),
            "AIRFLOW__CORE__DAGS_FOLDER": str(root / "dags"),
            "AIRFLOW__CORE__PLUGINS_FOLDER": str(root / "plugins"),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__PARALLELISM": "4",
            "GX_ANALYTICS_ENABLED": "False",
            "RAPOR_HOME": str(home),
            "RAPOR_WAREHOUSE_URL": config.warehouse_url(),
        }
    )
    return env


def _run(args: list[str], env: dict[str, str], log: Path) -> None:
    with open(log, "a", encoding="utf-8") as handle:
        handle.write(f"\n$ {' '.join(args)}\n")
        handle.flush()
        done = subprocess.run(args, env=env, stdout=handle, stderr=subprocess.STDOUT)
    if done.returncode != 0:
        tail = log.read_text(encoding="utf-8").splitlines()[-40:]
        print("\n".join(tail), file=sys.stderr)
        raise SystemExit(f"demo: `{' '.join(args[1:])}` failed (exit {done.returncode}); full log: {log}")


def first_instant_after(period: Period) -> str:
    """The logical date of the DAG run that scores ``period``: 01:00 UTC on the next 1st."""
    nxt = period.shift(1)
    return f"{nxt.year:04d}-{nxt.month:02d}-01T01:00:00+00:00"


def run_demo(use_airflow: bool = True) -> list[Path]:
    home = config.rapor_home()
    files = generate_demo_region(home / "demo-data")
    print(f"demo region written to {files.registry.parent}")
    engine = open_warehouse()
    # Complaints arrive through the simulated channels (apps, social media, hotline), not files.
    results = import_files(engine, [files.registry], [], [files.inspections])
    from rapor.demo.channels import DemoChannels

    channels = DemoChannels(engine, files.registry.parent / "channels")
    for result in results + channels.registry_results:
        print(f"  {result.summary()}")
    periods = [Period.parse(p) for p in files.periods]
    region_code = DEMO_REGION_CODE
    if use_airflow:
        env = airflow_env()
        log = config.state_dir() / "demo-airflow.log"
        airflow = str(Path(sys.executable).with_name("airflow"))
        print(f"initialising Airflow in {env['AIRFLOW_HOME']} (log: {log})")
        _run([airflow, "db", "migrate"], env, log)
        channels.collect_through_airflow(airflow, env, log, _run)
        for period in periods:
            print(f"  airflow dags test rapor_monthly {first_instant_after(period)}  -> scores {period}")
            _run([airflow, "dags", "test", "rapor_monthly", first_instant_after(period)], env, log)
    else:
        channels.collect_in_process()
        for period in periods:
            score_and_export_region(engine, region_code, period)
    channels.stop()
    print("collected:")
    for line in channels.summary():
        print(f"  {line}")
    paths = [scorecard_path(region_code, p) for p in periods]
    missing = [p for p in paths if not p.is_file()]
    if missing:
        raise SystemExit(f"demo: expected scorecards were not written: {', '.join(map(str, missing))}")
    print("scorecards:")
    for path in paths:
        print(f"  {path}")
    _print_gate_verdicts(engine, region_code, periods)
    from rapor.demo.publication import publish_demo  # publication, report, BKD file, correction (issue 5)

    publish_demo(engine, periods, use_airflow)
    return paths


def _print_gate_verdicts(engine, region_code: str, periods: list[Period]) -> None:
    """The data-quality gate's verdict per month, with the page beside each scorecard."""
    from rapor.layout import quality_paths
    from rapor.quality.gate import describe
    from rapor.quality.status import latest_gate

    print("data-quality gate:")
    with engine.connect() as conn:
        for period in periods:
            gate = latest_gate(conn, region_code, str(period))
            if gate is None:
                print(f"  {period}: not run")
                continue
            notes = f", {len(gate.warnings)} warnings" if gate.warnings else ""
            if gate.critical_failures:
                notes += f", failed: {describe(gate.critical_failures)}"
            print(f"  {period}: {gate.status}{notes}  -> {quality_paths(region_code, period).summary_html}")
