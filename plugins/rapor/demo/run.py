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

import sys
from pathlib import Path

from rapor import config
from rapor.demo.airflow_cli import airflow_env, first_instant_after, run_airflow
from rapor.demo.channels import DemoChannels
from rapor.demo.publication import publish_demo
from rapor.demo.region import DEMO_REGION_CODE, generate_demo_region
from rapor.imports import import_files
from rapor.layout import quality_paths, scorecard_path
from rapor.quality.gate import describe
from rapor.quality.status import latest_gate
from rapor.scoring.periods import Period
from rapor.tasks.monthly import score_and_export_region
from rapor.warehouse.db import open_warehouse


def run_demo(use_airflow: bool = True) -> list[Path]:
    home = config.rapor_home()
    files = generate_demo_region(home / "demo-data")
    print(f"demo region written to {files.registry.parent}")
    engine = open_warehouse()
    # Complaints arrive through the simulated channels (apps, social media, hotline), not files.
    results = import_files(engine, [files.registry], [], [files.inspections])

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
        run_airflow([airflow, "db", "migrate"], env, log)
        channels.collect_through_airflow(airflow, env, log, run_airflow)
        for period in periods:
            print(f"  airflow dags test rapor_monthly {first_instant_after(period)}  -> scores {period}")
            run_airflow([airflow, "dags", "test", "rapor_monthly", first_instant_after(period)], env, log)
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

    publish_demo(engine, periods, use_airflow)
    return paths


def _print_gate_verdicts(engine, region_code: str, periods: list[Period]) -> None:
    """The data-quality gate's verdict per month, with the page beside each scorecard."""

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
            for hold in gate.held_opds:
                notes += (
                    f", {hold['opd_code']} held without TPP ({hold['platform']} {hold['account_id']} not collected "
                    f"for {hold['uncollected_days']} days: {hold['outcome']}, connection {hold['conn_id']})"
                )
            print(f"  {period}: {gate.status}{notes}  -> {quality_paths(region_code, period).summary_html}")
