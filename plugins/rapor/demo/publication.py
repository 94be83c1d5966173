"""The publication part of ``make demo``: officials, the rapor_publish DAG, a correction, the web view.

After the monthly runs: import the demo officials (staff.csv) and e-mail recipients, run
``airflow dags test rapor_publish`` (publishes every scored month), then bring in a late
hotline export for October, re-score October with ``rapor_monthly`` and publish the
correction by hand (revision 2 with a reason), then file and decide two appeals of October
through Airflow's API server (rapor.demo.appeal) and apply them: revision 3, whose reason lists
the decisions. Re-running the demo publishes nothing new.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from rapor import config
from rapor.demo.airflow_cli import airflow_env, first_instant_after, run_airflow
from rapor.demo.appeal import appeal_demo
from rapor.demo.region import DEMO_REGION_CODE, generate_demo_late_export, generate_demo_officials
from rapor.imports import import_files
from rapor.imports.recipients import import_recipients
from rapor.imports.staff import import_staff
from rapor.layout import revision_folder
from rapor.publish.revisions import DOWNLOADS, list_revisions, publish_month
from rapor.scoring.periods import Period
from rapor.tasks.monthly import score_and_export_region
from rapor.vocabulary import HELD

CORRECTION_REASON = "Koreksi: log hotline Oktober 2026 terlambat masuk (10 keluhan)"


def publish_demo(engine, periods: list[Period], use_airflow: bool = True) -> Path | None:
    """Publish the demo months and a correction of the last one; print where everything is."""

    home = config.rapor_home()
    officials = generate_demo_officials(home / "demo-data")
    for result in (import_staff(engine, officials.staff), import_recipients(engine, officials.recipients)):
        print(f"  {result.summary()}")
    last = periods[-1]
    late = generate_demo_late_export(home / "demo-data")
    publish_at = f"{last.shift(1).year:04d}-{last.shift(1).month:02d}-02T01:00:00+00:00"
    if use_airflow:
        env, log = airflow_env(), config.state_dir() / "demo-airflow.log"
        airflow = str(Path(sys.executable).with_name("airflow"))
        print(f"  airflow dags test rapor_publish {publish_at}  -> publishes every scored month")
        run_airflow([airflow, "dags", "test", "rapor_publish", publish_at, "-c", json.dumps({})], env, log)
        print(f"  late data: {late.name}; airflow dags test rapor_monthly (period {last}) -> re-scores {last}")
        import_files(engine, complaints=[late])
        run_airflow(
            [
                airflow,
                "dags",
                "test",
                "rapor_monthly",
                first_instant_after(last),
                "-c",
                json.dumps({"period": str(last)}),
            ],
            env,
            log,
        )
        conf = {"region": DEMO_REGION_CODE, "period": str(last), "reason": CORRECTION_REASON}
        print(f"  airflow dags test rapor_publish -c '{json.dumps(conf)}'  -> correction")
        run_airflow(
            [airflow, "dags", "test", "rapor_publish", publish_at.replace("-02T", "-05T"), "-c", json.dumps(conf)],
            env,
            log,
        )
        if appeal_demo(engine, last, airflow, env, log):
            print(
                "  airflow dags test rapor_appeals; airflow dags test rapor_publish  -> the appealed month's revision"
            )
            run_airflow([airflow, "dags", "test", "rapor_appeals", publish_at.replace("-02T", "-06T")], env, log)
            run_airflow(
                [airflow, "dags", "test", "rapor_publish", publish_at.replace("-02T", "-07T"), "-c", json.dumps({})],
                env,
                log,
            )
    else:
        for period in periods:
            publish_month(engine, DEMO_REGION_CODE, period)
        import_files(engine, complaints=[late])
        score_and_export_region(engine, DEMO_REGION_CODE, last)
        publish_month(engine, DEMO_REGION_CODE, last, CORRECTION_REASON)

    with engine.connect() as conn:
        revisions = list_revisions(conn, DEMO_REGION_CODE)
    if not revisions:
        raise SystemExit("demo: nothing was published (see the log of rapor_publish)")
    print("published (output/published/<region>/<month>/r<revision>/):")
    for r in revisions:
        print(f"  {r['period']} r{r['revision']}  gerbang: {r['gate_status']:<15}  {r['reason']}")
    latest = [r for r in revisions if r["period"] == str(last)]
    if not latest:
        print(f"  {last}: {HELD} by the data-quality gate: no report, no BKD file")
        return None
    folder = revision_folder(DEMO_REGION_CODE, str(last), latest[-1]["revision"])
    print(f"{last}, revision {latest[-1]['revision']}:")
    for name in DOWNLOADS:
        path = folder / name
        print(f"  {path}" if path.is_file() else f"  ({name}: not produced, gate {latest[-1]['gate_status']})")
    if len(latest) > 1:
        earlier = ", ".join(f"r{r['revision']}" for r in latest[:-1])
        print(f"  earlier revisions stay beside it: {earlier}")
    airflow_home = home / ".airflow"
    print("web view (behind Airflow's login):")
    if not use_airflow:
        print(f"  (first: AIRFLOW_HOME={airflow_home} airflow db migrate)")
    print(
        f"  AIRFLOW_HOME={airflow_home} AIRFLOW__CORE__PLUGINS_FOLDER={config.project_root() / 'plugins'} "
        f"RAPOR_HOME={home} {Path(sys.executable).with_name('airflow')} api-server -p 8080"
    )
    print(
        f"  then open http://localhost:8080/rapor/{DEMO_REGION_CODE}/{last}/ "
        f"(user admin, password in {airflow_home / 'simple_auth_manager_passwords.json.generated'})"
    )
    return folder
