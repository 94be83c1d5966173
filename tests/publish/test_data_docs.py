"""The gate's Data Docs travel with the revision and render offline; every report link is relative."""

from __future__ import annotations

import json
import os
import re
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pypdf import PdfReader

from rapor.publish.revisions import DATA_DOCS, REPORT_HTML, REPORT_PDF, publish_month, read_manifest
from rapor.quality.datadocs import CDN_ASSETS, external_assets
from rapor.quality.gate import run_gate
from rapor.scoring.periods import Period

REGION, OCTOBER = "52.05", "2026-10"
CHROMIUM = Path(os.environ.get("RAPOR_CHROMIUM", "/usr/bin/chromium"))
CHROMEDRIVER = Path(os.environ.get("RAPOR_CHROMEDRIVER", "/usr/bin/chromedriver"))


@pytest.fixture
def published(scored):
    """October gated by the real GX checkpoints (Data Docs built), then published."""
    gate = run_gate(scored.engine, REGION, Period.parse(OCTOBER))
    assert gate.passed
    outcome = publish_month(scored.engine, REGION, OCTOBER, now=datetime(2026, 11, 2, 1, tzinfo=UTC))
    return outcome.folder, Path(gate.data_docs_path)


def _links(html: str) -> list[str]:
    return re.findall(r'<a\b[^>]*\bhref="([^"]+)"', html)


def test_the_revision_carries_its_data_docs_and_every_report_link_is_relative(published):
    folder, site_index = published
    # The gate's site loads nothing from the internet any more; neither does the revision's copy.
    assert external_assets(site_index.parent) == {}
    copy = folder / DATA_DOCS
    assert (copy / "index.html").is_file() and external_assets(copy) == {}
    assert {p.name for p in copy.rglob("*.html")} == {p.name for p in site_index.parent.rglob("*.html")}
    for file in set(CDN_ASSETS.values()):
        assert (copy / "static" / "vendor" / file).is_file()
    assert read_manifest(folder)["data_docs"] == "data-docs/index.html"

    html = (folder / REPORT_HTML).read_text(encoding="utf-8")
    links = _links(html)
    assert "data-docs/index.html" in links
    local_root = str(folder.parents[3])
    for link in links:
        assert "://" not in link or link.startswith("https://"), link  # no file:// link
        assert local_root not in link and not link.startswith("/"), link
        if not link.startswith("#"):
            assert (folder / link).is_file(), link
    assert local_root not in html and "file://" not in html

    # The gate's warning of the demo (DLH's inspection lacks a dimension), in Bahasa Indonesia, the GX rule as detail.
    warning = (
        "Inspeksi mencakup keempat dimensi standar pelayanan (aturan GX: expect_column_values_to_be_between · "
        "inspections/all_dimensions_inspected"
    )
    assert warning in re.sub(r"<[^>]+>", "", html).replace("&middot;", "·")
    assert warning in " ".join(" ".join(p.extract_text().split()) for p in PdfReader(str(folder / REPORT_PDF)).pages)

    pdf_links = [
        annotation.get_object()["/A"]["/URI"]
        for page in PdfReader(str(folder / REPORT_PDF)).pages
        for annotation in page.get("/Annots", [])
        if "/A" in annotation.get_object() and "/URI" in annotation.get_object()["/A"]
    ]
    assert "data-docs/index.html" in pdf_links
    assert not [u for u in pdf_links if u.startswith("file:") or local_root in u]


@pytest.mark.browser
def test_data_docs_render_styled_with_the_network_disabled(published, tmp_path):
    if not CHROMIUM.exists() or not CHROMEDRIVER.exists():
        pytest.fail(f"{CHROMIUM} / {CHROMEDRIVER} missing: apt-get install -y chromium chromium-driver", pytrace=False)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    folder, _ = published
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        f"--user-data-dir={tempfile.mkdtemp(dir=tmp_path)}",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    try:
        driver.execute_cdp_cmd("Network.enable", {})
        driver.execute_cdp_cmd("Network.setBlockedURLs", {"urls": ["http://*", "https://*"]})
        driver.execute_cdp_cmd(
            "Network.emulateNetworkConditions",
            {"offline": True, "latency": 0, "downloadThroughput": 0, "uploadThroughput": 0},
        )
        for page in (
            "index.html",
            *sorted(
                p.relative_to(folder / DATA_DOCS).as_posix()
                for p in (folder / DATA_DOCS / "validations").rglob("*.html")
            )[:1],
        ):
            driver.get((folder / DATA_DOCS / page).as_uri())
            styled = driver.execute_script(
                """
                const sheets = [...document.styleSheets].filter(s => s.href && s.href.includes('/static/vendor/'));
                const probe = document.createElement('button');
                probe.className = 'btn btn-primary';
                document.body.appendChild(probe);
                const nav = document.querySelector('.navbar');
                return {
                  sheets: sheets.length,
                  button: getComputedStyle(probe).backgroundColor,
                  navbar: nav ? getComputedStyle(nav).display : null,
                  jquery: typeof window.jQuery,
                  table: typeof (window.jQuery && window.jQuery.fn.bootstrapTable),
                  font: getComputedStyle(document.body).fontFamily,
                };
                """
            )
            assert styled["sheets"] >= 5, (page, styled)
            assert styled["button"] == "rgb(0, 123, 255)", (page, styled)  # Bootstrap 4's primary blue
            assert styled["navbar"] == "flex", (page, styled)  # Bootstrap's .navbar; unstyled it is "block"
            assert (styled["jquery"], styled["table"]) == ("function", "function"), (page, styled)
    finally:
        driver.quit()


def test_every_gate_rule_has_an_indonesian_label():
    from rapor import config

    for path in sorted((config.expectations_dir() / "expectations").glob("*.json")):
        for expectation in json.loads(path.read_text(encoding="utf-8"))["expectations"]:
            label = expectation["meta"].get("label_id", "")
            assert label and "_" not in label and "`" not in label, (path.name, expectation["meta"]["rule"])
