"""Running Airflow's own command line for the demo: a project-local Airflow home on SQLite."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from rapor import config
from rapor.scoring.periods import Period


def airflow_env() -> dict[str, str]:
    """Environment for a project-local Airflow on SQLite (kept under ``.airflow/``)."""
    root = config.project_root()
    home = config.rapor_home()
    return config.process_environment(
        **{
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


def run_airflow(args: list[str], env: dict[str, str], log: Path, may_fail: bool = False) -> str | None:
    """Run an Airflow command, its output to ``log``; a failure ends the demo unless ``may_fail``
    (then the failure is returned, as a short text)."""
    with open(log, "a", encoding="utf-8") as handle:
        handle.write(f"\n$ {' '.join(args)}\n")
        handle.flush()
        done = subprocess.run(args, env=env, stdout=handle, stderr=subprocess.STDOUT)
    if done.returncode != 0 and may_fail:
        return f"`{' '.join(args[1:])}` exit {done.returncode} (log: {log})"
    if done.returncode != 0:
        tail = log.read_text(encoding="utf-8").splitlines()[-40:]
        print("\n".join(tail), file=sys.stderr)
        raise SystemExit(f"demo: `{' '.join(args[1:])}` failed (exit {done.returncode}); full log: {log}")
    return None


def first_instant_after(period: Period) -> str:
    """The logical date of the DAG run that scores ``period``: 01:00 UTC on the next 1st."""
    nxt = period.shift(1)
    return f"{nxt.year:04d}-{nxt.month:02d}-01T01:00:00+00:00"
