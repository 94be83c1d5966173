"""Every DAG file imports cleanly, and parsing one stays light."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

DAGS = Path(__file__).resolve().parents[2] / "dags"


def test_every_dag_file_loads_without_import_errors():
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(DAGS))
    assert bag.import_errors == {}
    assert "rapor_monthly" in bag.dag_ids


def _task_functions(path: Path):
    """The @task functions of a DAG file, with what each imports from rapor."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for fn in ast.walk(tree):
        if not isinstance(fn, ast.FunctionDef):
            continue
        decorators = [d.func if isinstance(d, ast.Call) else d for d in fn.decorator_list]
        if any(isinstance(d, ast.Name) and d.id == "task" for d in decorators):
            yield fn, [n for n in ast.walk(fn) if isinstance(n, ast.ImportFrom) and n.module.startswith("rapor")]


def _bodies_called(fn: ast.FunctionDef, imports: list[ast.ImportFrom]) -> set[str]:
    """Names of rapor.tasks functions a task calls: imported by name, or as module.attribute."""
    names = {a.name for i in imports if i.module != "rapor.tasks" for a in i.names}
    modules = {a.asname or a.name for i in imports if i.module == "rapor.tasks" for a in i.names}
    for call in ast.walk(fn):
        if isinstance(call, ast.Attribute) and isinstance(call.value, ast.Name) and call.value.id in modules:
            names.add(call.attr)
    return names


def test_dag_files_reach_the_package_only_through_task_bodies_named_like_their_tasks():
    # The top layer of the architecture: dags -> rapor.tasks -> domain packages -> warehouse.
    # The layers below are kept by the import-linter contract in pyproject.toml (make lint).
    helpers = {"run_until"}  # the collection window of a run, shared by the collect_<stream> tasks
    for path in sorted(DAGS.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        top_level = {n.module for n in tree.body if isinstance(n, ast.ImportFrom) and n.module.startswith("rapor")}
        assert top_level <= {"rapor.assets"}, f"{path.name} imports {sorted(top_level)} at parse time"
        for fn, imports in _task_functions(path):
            assert all(i.module == "rapor.tasks" or i.module.startswith("rapor.tasks.") for i in imports), (
                f"{path.name}:{fn.name} imports {[i.module for i in imports]}: only rapor.tasks"
            )
            bodies = _bodies_called(fn, imports) - helpers
            expected = {"collect_stream"} if fn.name.startswith("collect_") else {fn.name}
            assert not bodies or bodies == expected, f"{path.name}:{fn.name} calls {sorted(bodies)}"


def test_monthly_dag_is_documented_and_runs_one_month_at_a_time():
    from airflow.dag_processing.dagbag import DagBag

    dag = DagBag(dag_folder=str(DAGS)).dags["rapor_monthly"]
    assert "idempotent" in dag.doc_md.lower()
    assert dag.max_active_runs == 1
    assert set(dag.task_ids) == {
        "plan_region_batches",
        "score_regions",
        "gate_regions",
        "publish",
        "rescore_later_months",
        "alert_held",
    }


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
    assert set(dag.task_ids) == {"plan_publications", "publish_month", "notify", "publish_public_site"}
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
        # The raw-landing purge stands alone: a failed collection does not stop it, and its
        # success does not hide a failed collection from the run's state.
        purge = dag.get_task("purge_raw_landing")
        assert not purge.upstream_task_ids and not purge.downstream_task_ids
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


def test_early_warning_dag_runs_hourly_and_parses_light():
    from airflow.dag_processing.dagbag import DagBag

    dag = DagBag(dag_folder=str(DAGS)).dags["rapor_early_warning"]
    assert dag.timetable.summary == "0 * * * *" and dag.max_active_runs == 1
    assert "when it fails" in dag.doc_md.lower()
    assert set(dag.task_ids) == {"plan_warnings", "warn_region"}
    heavy = ["pandas", "rapor.tasks.early_warning", "rapor.publish.early_warning"]
    code = (
        "import runpy, sys\n"
        f"runpy.run_path({str(DAGS / 'rapor_early_warning.py')!r})\n"
        f"print([m for m in {heavy!r} if m in sys.modules])\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "[]"
