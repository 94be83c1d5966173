"""The command line never shows a traceback, and one bad input never stops the others (issue 14)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from sqlalchemy import func, select
from test_cli import COMPLAINTS, INSPECTIONS, REGISTRY

from rapor.cli import main
from rapor.demo.simulator.server import Simulator
from rapor.demo.simulator.world import World
from rapor.imports.accounts import import_accounts, import_routing_rules
from rapor.imports.registry import import_registry
from rapor.warehouse import schema


def complaint_count(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(schema.complaint)).scalar_one()


def test_a_refused_file_does_not_stop_the_files_after_it(warehouse, write_csv, tmp_path, capsys):
    registry = write_csv("registry.csv", REGISTRY)
    broken = tmp_path / "ekspor-lama.csv"
    broken.write_bytes(COMPLAINTS.strip().replace("C1,", "C\xe91,").encode("latin-1"))
    good = write_csv("complaints.csv", COMPLAINTS)
    code = main(["import", "--registry", str(registry), "--complaints", str(broken), "--complaints", str(good)])
    out, err = capsys.readouterr()
    assert code == 2  # something was refused
    assert f"{broken}: not UTF-8 text" in err and "line 2" in err and "Traceback" not in err + out
    assert "complaints.csv: 7 rows, 7 loaded, 0 quarantined" in out
    assert complaint_count(warehouse) == 7


def test_score_skips_a_quarantined_region_and_scores_the_others(warehouse, write_csv, tmp_path, capsys):
    registry = write_csv("registry.csv", REGISTRY.strip() + "\n52.06,Kabupaten Bima,WITA,DINKES,Dinas Kesehatan\n")
    inputs = ["--registry", str(registry), "--complaints", str(write_csv("complaints.csv", COMPLAINTS))]
    inputs += ["--inspections", str(write_csv("inspections.csv", INSPECTIONS))]
    out_dir = tmp_path / "out"
    code = main(["score", *inputs, "--period", "2026-10", "--out", str(out_dir)])
    out, err = capsys.readouterr()
    assert code == 0
    assert "row 4, field timezone: invalid_timezone" in out
    assert "region '52.06' of the registry was quarantined" in err
    lines = (out_dir / "scorecard-2026-10.csv").read_text(encoding="utf-8").splitlines()
    assert [line.split(",")[1] for line in lines[1:]] == ["52.71", "52.71"]


def test_a_summary_names_row_and_field_of_the_first_quarantined_rules(warehouse, write_csv, capsys):
    registry = write_csv("registry.csv", REGISTRY)
    bad = COMPLAINTS.replace("C2,52.71,DISHUB,hotline", "C2,52.71,DISHUB,email").replace(
        "2026-10-20 09:00", "1970-01-01"
    )
    main(["import", "--registry", str(registry), "--complaints", str(write_csv("complaints.csv", bad))])
    out = capsys.readouterr().out
    assert "row 3, field channel: invalid_channel: channel 'email'" in out
    assert "row 7, field received_at: implausible_timestamp" in out


@pytest.fixture
def simulator(monkeypatch, tmp_path, warehouse):
    world = World(months=("2026-09",))
    paths = world.write_registry(tmp_path / "registry")
    import_registry(warehouse, paths["registry"])
    import_accounts(warehouse, paths["accounts"])
    import_routing_rules(warehouse, paths["routing_rules"])
    server = Simulator(world)
    server.start()
    for conn_id, conn in server.connections(start_date="2026-09-01", region_code="52.05").items():
        monkeypatch.setenv(f"AIRFLOW_CONN_{conn_id.upper()}", json.dumps(conn))
    monkeypatch.setenv("RAPOR_RAW_DIR", str(tmp_path / "raw"))
    yield server
    server.stop()


def test_collect_with_an_expired_token_says_so_and_goes_on_with_the_next_stream(simulator):
    # The real command in its own process, as an operator runs it: stderr must hold no traceback.
    simulator.set_faults(expired_token=True)
    argv = ["collect", "lapor_reports", "open311_requests", "--until", "2026-10-01T00:00:00+00:00"]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    done = subprocess.run(
        [sys.executable, "-c", f"import sys; from rapor.cli import main; sys.exit(main({argv!r}))"],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 2
    assert "rapor: error: lapor_reports:" in done.stderr and "rapor_lapor" in done.stderr  # the connection to renew
    assert "Traceback" not in done.stdout + done.stderr
    assert "\nopen311_requests: " in "\n" + done.stdout  # the public Open311 stream still ran


def test_an_unexpected_error_is_a_message_not_a_traceback(capsys, tmp_path):
    # A warehouse URL whose dialect does not exist: SQLAlchemy's error, not one of Rapor's.
    code = main(["import", "--warehouse", "nosuchdb://nowhere/x", "--registry", str(tmp_path / "r.csv")])
    err = capsys.readouterr().err
    assert code == 3
    assert "rapor: unexpected error (NoSuchModuleError)" in err and "re-run with -v" in err
    assert "Traceback" not in err
