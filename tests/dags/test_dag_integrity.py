"""Every DAG file imports cleanly, and parsing one stays light."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

DAGS = Path(__file__).resolve().parents[2] / "dags"


def test_every_dag_file_loads_without_import_errors():
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(DAGS))
    assert bag.import_errors == {}
    assert "rapor_monthly" in bag.dag_ids


def test_monthly_dag_is_documented_and_runs_one_month_at_a_time():
    from airflow.dag_processing.dagbag import DagBag

    dag = DagBag(dag_folder=str(DAGS)).dags["rapor_monthly"]
    assert "idempotent" in dag.doc_md.lower()
    assert dag.max_active_runs == 1
    assert set(dag.task_ids) == {"plan_region_months", "score_region", "gate_region", "publish", "alert_held"}


def test_parsing_dag_files_imports_no_heavy_modules():
    # Airflow re-parses DAG files every few seconds: pandas, GX and Rapor's scoring
    # code must be imported inside tasks only.
    heavy = ["pandas", "great_expectations", "rapor.scoring.scorecard", "rapor.tasks.monthly", "requests"]
    code = (
        "import runpy, sys, pathlib\n"
        f"for f in sorted(pathlib.Path({str(DAGS)!r}).glob('*.py')): runpy.run_path(str(f))\n"
        f"print([m for m in {heavy!r} if m in sys.modules])\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "[]"


def test_publish_dag_runs_on_the_scorecard_asset_and_parses_light():
    from airflow.dag_processing.dagbag import DagBag

    dag = DagBag(dag_folder=str(DAGS)).dags["rapor_publish"]
    assert [a.uri for a in dag.timetable.asset_condition.objects] == ["rapor://warehouse/scorecard"]
    assert dag.max_active_runs == 1 and "correction by hand" in dag.doc_md.lower()
    assert set(dag.task_ids) == {"plan_publications", "publish_month", "notify"}
    assert set(dag.params.keys()) == {"region", "period", "reason", "force"}
    heavy = ["pandas", "reportlab", "openpyxl", "rapor.publish.revisions", "rapor.publish.web", "rapor.tasks.publish"]
    code = (
        "import runpy, sys\n"
        f"runpy.run_path({str(DAGS / 'rapor_publish.py')!r})\n"
        f"print([m for m in {heavy!r} if m in sys.modules])\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "[]"


def test_ingestion_dags_publish_the_assets_the_monthly_dag_waits_for_and_use_pools():
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(DAGS))
    expected = {
        "rapor_ingest_apps": ({"rapor_lapor_api", "rapor_open311_api"}, "rapor://warehouse/complaint/apps"),
        "rapor_ingest_social": ({"rapor_graph_api", "rapor_x_api"}, "rapor://warehouse/complaint/social"),
        "rapor_ingest_hotline": (set(), "rapor://warehouse/complaint/hotline"),
    }
    for dag_id, (pools, asset) in expected.items():
        dag = bag.dags[dag_id]
        doc = dag.doc_md.lower()
        assert "idempotent" in doc and "when it fails" in doc and dag.max_active_runs == 1
        assert {t.pool for t in dag.tasks} - {"default_pool"} == pools
        assert [o.uri for t in dag.tasks for o in t.outlets] == [asset]
    monthly = bag.dags["rapor_monthly"]
    assert monthly.timetable.timetable.expression == "0 1 1 * *"  # still monthly on cron
    assert sorted(a.uri for a in monthly.timetable.asset_condition.objects) == sorted(a for _, a in expected.values())
    pools_file = DAGS.parent / "include" / "airflow" / "pools.json"
    import json

    assert set(json.loads(pools_file.read_text())) == {p for pools, _ in expected.values() for p in pools}
    code = (
        "import runpy, sys, pathlib\n"
        f"for f in sorted(pathlib.Path({str(DAGS)!r}).glob('rapor_ingest_*.py')): runpy.run_path(str(f))\n"
        "print([m for m in ('rapor.collectors', 'rapor.demo.simulator', 'requests', 'pandas') if m in sys.modules])\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "[]"
