"""Fixtures for publication tests: the demo region imported and scored, outputs in tmp_path."""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from rapor.demo.region import DEMO_REGION_CODE, DemoFiles, DemoOfficials, generate_demo_officials, generate_demo_region
from rapor.imports import import_files
from rapor.imports.recipients import import_recipients
from rapor.imports.staff import import_staff
from rapor.quality.status import GateResult, record_gate
from rapor.scoring.periods import Period
from rapor.scoring.scorecard import score_region_month

CHROMIUM = Path(os.environ.get("RAPOR_CHROMIUM", "/usr/bin/chromium"))
CHROMEDRIVER = Path(os.environ.get("RAPOR_CHROMEDRIVER", "/usr/bin/chromedriver"))
REGION = DEMO_REGION_CODE
OCTOBER = "2026-10"


@dataclass
class Scored:
    engine: object
    files: DemoFiles
    officials: DemoOfficials
    out_dir: Path


@pytest.fixture
def out_dir(tmp_path, monkeypatch) -> Path:
    """Publications of this test go to its own folder (RAPOR_OUTPUT_DIR)."""
    path = tmp_path / "output"
    monkeypatch.setenv("RAPOR_OUTPUT_DIR", str(path))
    return path


@pytest.fixture
def scored(warehouse, tmp_path, out_dir) -> Scored:
    """The demo region (with officials and recipients) imported and scored for Aug–Oct 2026."""
    files = generate_demo_region(tmp_path / "demo")
    officials = generate_demo_officials(tmp_path / "demo")
    import_files(warehouse, [files.registry], [files.complaints, files.hotline], [files.inspections])
    import_staff(warehouse, officials.staff)
    import_recipients(warehouse, officials.recipients)
    for period in files.periods:
        score_region_month(warehouse, REGION, Period.parse(period))
    return Scored(warehouse, files, officials, out_dir)


@pytest.fixture
def pass_gate(warehouse):
    """Record a passed data-quality gate for a region-month (as the gate of issue 4 would)."""

    def _pass(period: str = OCTOBER, region: str = REGION, **kwargs) -> GateResult:
        with warehouse.begin() as conn:
            return record_gate(conn, GateResult(region, period, True, **kwargs))

    return _pass


@pytest.fixture
def hold_gate(warehouse):
    """Record a held (failed) gate verdict for a region-month."""

    def _hold(period: str = OCTOBER, region: str = REGION) -> GateResult:
        failures = [
            {
                "suite": "complaints",
                "rule": "share_without_opd_under_threshold",
                "expectation": "expect_column_proportion_of_non_null_values_to_be_between",
                "column": "opd_code",
                "detail": "12% of complaints without an OPD",
                "label": "Pangsa keluhan yang belum terdisposisi ke OPD di bawah batas kebijakan",
            }
        ]
        with warehouse.begin() as conn:
            return record_gate(
                conn,
                GateResult(
                    region, period, False, critical_failures=failures, data_docs_path="/srv/rapor/data_docs/index.html"
                ),
            )

    return _hold


@pytest.fixture
def browser(tmp_path):
    """Debian's chromium, headless, with a fresh profile and a download folder."""
    if not CHROMIUM.exists() or not CHROMEDRIVER.exists():
        pytest.fail(
            f"{CHROMIUM} / {CHROMEDRIVER} missing: apt-get install -y chromium chromium-driver "
            "(.ci/run does this in CI)",
            pytrace=False,
        )
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    downloads = tmp_path / "downloads"
    downloads.mkdir()
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--disable-dev-shm-usage",
        f"--user-data-dir={tempfile.mkdtemp(dir=tmp_path)}",
        "--window-size=1400,1000",
    ):
        options.add_argument(flag)
    options.add_experimental_option(
        "prefs",
        {
            "download.default_directory": str(downloads),
            "download.prompt_for_download": False,
            "plugins.always_open_pdf_externally": True,
        },
    )
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    driver.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)})
    driver.set_page_load_timeout(60)
    driver.downloads = downloads
    yield driver
    driver.quit()
