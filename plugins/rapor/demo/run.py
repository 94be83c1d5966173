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
from datetime import UTC, date
from pathlib import Path

from rapor import config
from rapor.demo.airflow_cli import airflow_env, first_instant_after, run_airflow
from rapor.demo.channels import DemoChannels
from rapor.demo.publication import publish_demo
from rapor.demo.region import DEMO_REGION_CODE, generate_demo_region
from rapor.imports import import_files
from rapor.layout import early_warning_folder, public_root, quality_paths, scorecard_path
from rapor.policy import load_policy
from rapor.publish.early_warning import warn_region
from rapor.publish.public_site import build_public_site
from rapor.quality.gate import describe
from rapor.quality.status import latest_gate
from rapor.registry import get_region
from rapor.scoring.early_warning import is_warning_day, morning_of
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
    _warn_demo(engine, periods[-1].shift(1), use_airflow)
    return paths


def _warn_demo(engine, month: Period, use_airflow: bool) -> None:
    """The first working morning after the demo months: each OPD's early warning, and the public site."""
    policy = load_policy()
    with engine.connect() as conn:
        region = get_region(conn, DEMO_REGION_CODE)
    day = next(d for d in (date(month.year, month.month, n) for n in range(1, 8)) if is_warning_day(region, d, policy))
    morning = morning_of(region, day, policy).astimezone(UTC).isoformat()
    if use_airflow:
        env, log = airflow_env(), config.state_dir() / "demo-airflow.log"
        airflow = str(Path(sys.executable).with_name("airflow"))
        print(f"  airflow dags test rapor_early_warning {morning}  -> {DEMO_REGION_CODE}'s {day} 07:00 warning")
        run_airflow([airflow, "dags", "test", "rapor_early_warning", morning], env, log)
    else:
        warn_region(engine, DEMO_REGION_CODE, day)
        build_public_site(engine, DEMO_REGION_CODE)  # rapor_publish's last task, done in-process
    folder = early_warning_folder(DEMO_REGION_CODE, day)
    print(f"early warning of {day} (one CSV and JSON per OPD; e-mail needs an SMTP connection):")
    print(f"  {folder} ({len(list(folder.glob('*.csv')))} OPDs with complaints due)")
    print("public open-data site (copy the folder to any static web host):")
    print(f"  {public_root() / DEMO_REGION_CODE / 'index.html'}")


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
