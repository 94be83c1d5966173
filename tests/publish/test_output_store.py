"""The output store on an fsspec URL: every task reads what an earlier task wrote from the store, not its disk.

The store is fsspec's memory:// filesystem, and a bucket of an S3 server on loopback (moto's,
speaking S3's REST API to s3fs, as S3 or MinIO do in production).
A "worker" is a RAPOR_HOME: its own local disk (GX working folder, scratch); the warehouse and the
store are shared, as on CeleryExecutor workers on several hosts.
"""

from __future__ import annotations

import io
import json
import re
import shutil
import zipfile
from datetime import UTC, datetime

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import delete, select

from rapor import config
from rapor.layout import gx_results_folder, quality_paths, revision_folder, scorecard_path
from rapor.publish import web
from rapor.publish.notify import build_message
from rapor.publish.public_site import build_public_site
from rapor.publish.revisions import (
    BKD_CSV,
    BKD_EXCEL_CSV,
    BKD_XLSX,
    DATA_DOCS,
    INPUTS,
    MANIFEST,
    PUBLISHED,
    REPORT_HTML,
    SCORECARD,
    publish_month,
    read_manifest,
    verify_revision,
)
from rapor.quality.gate import GateRequest, run_gate, run_gates
from rapor.scoring.periods import Period
from rapor.storage import files_under, is_store, location
from rapor.tasks.monthly import export_region
from rapor.warehouse import schema

REGION, OCTOBER = "52.05", "2026-10"
PUBLISHED_AT = datetime(2026, 11, 2, 1, tzinfo=UTC)
# Files of a revision that carry neither the gate's own clock nor the site's location: equal bytes
# (the workbook: equal sheets; openpyxl stamps its zip headers and docProps/core.xml's "modified"
# with the time it was written, on any run).
UNTIMED = (SCORECARD, INPUTS, BKD_XLSX, BKD_CSV, BKD_EXCEL_CSV)


@pytest.fixture
def store(object_store):
    """RAPOR_OUTPUT_DIR in a fresh object-store folder (memory://, then an S3 bucket)."""
    return location(f"{object_store}/output")


def _worker(monkeypatch, tmp_path, name: str, output: str):
    """Switch this process to another worker: its own RAPOR_HOME (local disk), the given output store."""
    home = tmp_path / name
    monkeypatch.setenv("RAPOR_HOME", str(home))
    monkeypatch.setenv("RAPOR_OUTPUT_DIR", output)
    return home


def _run_month(engine):
    """The monthly DAG's gate and export of October, then rapor_publish's revision."""
    gate = run_gate(engine, REGION, Period.parse(OCTOBER))
    assert gate.passed
    export_region(engine, REGION, Period.parse(OCTOBER))
    outcome = publish_month(engine, REGION, OCTOBER, now=PUBLISHED_AT)
    assert (outcome.status, outcome.revision) == (PUBLISHED, 1)
    return gate, outcome


def _content(path):
    """A file's bytes; a workbook's members and their bytes (but the time it was written)."""
    if path.name != BKD_XLSX:
        return path.read_bytes()
    with zipfile.ZipFile(io.BytesIO(path.read_bytes())) as workbook:
        return {name: workbook.read(name) for name in workbook.namelist() if name != "docProps/core.xml"}


def _tree(folder) -> dict[str, bytes]:
    return {name: folder.joinpath(*name.split("/")).read_bytes() for name in files_under(folder)}


def _untimed_gate_text(html: str) -> str:
    """The page without the gate's own clock (each run of the gate records when it ran)."""
    return re.sub(r"(diperiksa|checked) [^)<]*", r"\1 …", html)


def test_score_gate_and_publish_in_an_object_store_write_the_bytes_of_a_local_folder_run(
    scored, store, tmp_path, monkeypatch
):
    engine = scored.engine
    local_home = _worker(monkeypatch, tmp_path, "local-worker", str(scored.out_dir))
    _, local = _run_month(engine)
    local_paths = quality_paths(REGION, Period.parse(OCTOBER))
    # The store run publishes October afresh as revision 1 (same warehouse; a real deployment has one or the other).
    with engine.begin() as conn:
        conn.execute(delete(schema.publication))

    home = _worker(monkeypatch, tmp_path, "store-worker", str(store))
    gate, outcome = _run_month(engine)
    paths = quality_paths(REGION, Period.parse(OCTOBER))
    assert is_store(outcome.folder) and str(outcome.folder) == f"{store}/published/{REGION}/{OCTOBER}/r1"
    assert gate.data_docs_path == f"{store}/scorecards/{REGION}/quality-{OCTOBER}/index.html"  # in the warehouse

    # The scorecard CSV and the revision's untimed files: the same bytes as the local folder's.
    csv = scorecard_path(REGION, Period.parse(OCTOBER))
    assert is_store(csv) and csv.read_bytes() == (scored.out_dir / "scorecards" / REGION / csv.name).read_bytes()
    for name in UNTIMED:
        assert _content(outcome.folder / name) == _content(local.folder / name), name
    # Files with the gate's time: the same but for that time (and the manifest for the site's location).
    summary, local_summary = (json.loads(p.summary_json.read_text()) for p in (paths, local_paths))
    assert summary.pop("checked_at") != local_summary.pop("checked_at")
    assert summary == local_summary and summary["data_docs"] == f"quality-{OCTOBER}/index.html"
    assert _untimed_gate_text(paths.summary_html.read_text()) == _untimed_gate_text(
        local_paths.summary_html.read_text()
    )
    assert _untimed_gate_text((outcome.folder / REPORT_HTML).read_text()) == _untimed_gate_text(
        (local.folder / REPORT_HTML).read_text()
    )
    manifest, local_manifest = read_manifest(outcome.folder), read_manifest(local.folder)
    for m in (manifest, local_manifest):
        m["gate"].pop("checked_at"), m["gate"].pop("data_docs_path")
        for name in [n for n in m["files"] if n not in UNTIMED or n == BKD_XLSX]:
            m["files"].pop(name)
    assert manifest == local_manifest and manifest["data_docs"] == "data-docs/index.html"
    with engine.connect() as conn:
        assert conn.execute(select(schema.publication.c.folder)).scalar_one() == f"published/{REGION}/{OCTOBER}/r1"

    # Data Docs: the store's site is the one GX built on the worker, the revision carries it, and
    # it has the same pages and assets as a local run's site (its validation pages are its own run's).
    built = home / "var" / "gx" / REGION / OCTOBER / "uncommitted" / "data_docs"
    site = _tree(paths.docs_dir)
    assert "index.html" in site and site == _tree(built)
    assert _tree(outcome.folder / DATA_DOCS) == site
    local_site = _tree(local_paths.docs_dir)

    def _assets(tree):
        return {n: b for n, b in tree.items() if n.startswith("static/")}

    assert _assets(site) == _assets(local_site) and len(site) == len(local_site)
    assert verify_revision(outcome.folder) == []

    # Nothing of the store run was written under the worker's own output folder.
    assert not (home / "output").exists() and not (local_home / "output").exists()


def test_publish_on_another_worker_reads_the_gates_data_docs_from_the_store(scored, store, tmp_path, monkeypatch):
    engine = scored.engine
    gate_home = _worker(monkeypatch, tmp_path, "worker1", str(store))
    gate = run_gate(engine, REGION, Period.parse(OCTOBER))
    export_region(engine, REGION, Period.parse(OCTOBER))
    shutil.rmtree(gate_home)  # the gate's worker is gone: nothing of its disk is reachable any more

    publish_home = _worker(monkeypatch, tmp_path, "worker2", str(store))
    outcome = publish_month(engine, REGION, OCTOBER, now=PUBLISHED_AT)
    assert (outcome.status, outcome.revision) == (PUBLISHED, 1)
    site = location(gate.data_docs_path).parent
    assert _tree(outcome.folder / DATA_DOCS) == _tree(site) and "index.html" in _tree(site)
    assert read_manifest(outcome.folder)["data_docs"] == "data-docs/index.html"
    assert 'href="data-docs/index.html"' in (outcome.folder / REPORT_HTML).read_text()

    # The e-mail and the public site are built on a third worker, from the store's revision.
    _worker(monkeypatch, tmp_path, "worker3", str(store))
    message = build_message(engine, outcome.as_dict(), base_url="https://rapor.example/rapor")
    assert message is not None and message.revision == 1 and "26 OPD" in message.html
    written = build_public_site(engine, REGION)
    public_csv = next(p for p in written if p.name.endswith(".csv"))
    assert is_store(public_csv) and public_csv.read_bytes() == (outcome.folder / SCORECARD).read_bytes()

    # The web view (the API server is a host of its own) serves the revision's files from the store.
    api_home = _worker(monkeypatch, tmp_path, "api-server", str(store))
    app = FastAPI()  # the routes alone; Airflow's login in front of them is tested in test_web_browser.py
    app.add_api_route("/{region_code}/{period}/r{revision}/unduh/{name}", web.download, methods=["GET"])
    app.add_api_route("/{region_code}/{period}/r{revision}/data-docs/{path:path}", web.data_docs, methods=["GET"])
    client = TestClient(app)
    response = client.get(f"/{REGION}/{OCTOBER}/r1/unduh/{SCORECARD}")
    assert response.status_code == 200 and response.content == (outcome.folder / SCORECARD).read_bytes()
    assert response.headers["content-type"].startswith("text/csv")
    assert f'filename="rapor-{REGION}-{OCTOBER}-r1-scorecard.csv"' in response.headers["content-disposition"]
    page = client.get(f"/{REGION}/{OCTOBER}/r1/data-docs/index.html")
    assert page.status_code == 200 and page.content == (outcome.folder / DATA_DOCS / "index.html").read_bytes()
    assert page.headers["content-type"].startswith("text/html")
    assert client.get(f"/{REGION}/{OCTOBER}/r1/data-docs/..%2F{MANIFEST}").status_code == 404
    assert client.get(f"/{REGION}/{OCTOBER}/r1/unduh/{INPUTS}").status_code == 404  # not a download

    assert revision_folder(REGION, OCTOBER, 1) == outcome.folder and config.output_dir() == store
    for home in (publish_home, api_home):
        assert not (home / "output").exists()


def test_the_batch_gate_uploads_each_regions_data_docs_before_recording_its_verdict(
    scored, store, tmp_path, monkeypatch
):
    # gate_regions runs run_gates (one GX pass per suite for the batch); the sites go to the store as well.
    home = _worker(monkeypatch, tmp_path, "worker1", str(store))
    (result,) = run_gates(scored.engine, [GateRequest(REGION, Period.parse(OCTOBER))])
    assert result.passed and result.data_docs_path == f"{store}/scorecards/{REGION}/quality-{OCTOBER}/index.html"
    built = home / "var" / "gx" / REGION / OCTOBER / "uncommitted" / "data_docs"
    site = _tree(quality_paths(REGION, Period.parse(OCTOBER)).docs_dir)
    assert "index.html" in site and site == _tree(built)
    assert not (home / "output").exists()


def test_a_months_data_docs_list_its_runs_on_every_worker(scored, store, tmp_path, monkeypatch):
    # A month gated on one worker, then again on another (a re-run after a fix, say): the store keeps
    # the month's GX validation results, so the site lists both runs wherever the last one ran.
    runs = re.compile(rf"validations/complaints/gate-{REGION}-{OCTOBER}/([0-9TZ.]+)/")
    first = _worker(monkeypatch, tmp_path, "worker1", str(store))
    site = quality_paths(REGION, Period.parse(OCTOBER)).docs_dir
    run_gate(scored.engine, REGION, Period.parse(OCTOBER))
    (first_run,) = set(runs.findall((site / "index.html").read_text()))
    shutil.rmtree(first)
    _worker(monkeypatch, tmp_path, "worker2", str(store))
    run_gate(scored.engine, REGION, Period.parse(OCTOBER))
    listed = set(runs.findall((site / "index.html").read_text()))
    assert len(listed) == 2 and first_run in listed
    for run in listed:
        assert (site / "validations" / "complaints" / f"gate-{REGION}-{OCTOBER}" / run).is_dir()
    assert files_under(gx_results_folder(REGION, Period.parse(OCTOBER)))  # the results, in the store
