"""The web view in a real browser: Airflow's API server with the Rapor plugin, Debian's chromium.

The API server runs as in production (``airflow api-server``, SimpleAuthManager with a test
user); chromium is driven headless through chromedriver. Without chromium these tests FAIL:
CI installs it (``.ci/run``), a browser cannot be downloaded by the test tools here.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urljoin
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from rapor import config
from rapor.cli import main as cli_main
from rapor.demo.region import generate_demo_late_export, generate_demo_officials, generate_demo_region
from rapor.imports import import_files
from rapor.imports.recipients import import_recipients
from rapor.imports.staff import import_staff
from rapor.publish import appeals_client
from rapor.publish.appeals_client import AirflowApiError
from rapor.publish.fingerprint import complaint_ref
from rapor.publish.revisions import publish_month
from rapor.quality.status import GateResult, record_gate
from rapor.scoring.periods import Period
from rapor.scoring.scorecard import score_region_month
from rapor.warehouse import schema
from rapor.warehouse.db import open_warehouse

pytestmark = pytest.mark.browser

USER, PASSWORD = "inspektorat", "sidak-2026-rahasia"  # role viewer: reads, files and decides nothing
FILER, JUDGE = "opd.dlh", "inspektur.a"  # roles user and op: may file and decide appeals
PROVINCE = "inspektorat.ntb"  # role viewer, the province's Inspektorat: every region of NTB (52)
REGION, OCTOBER, SEPTEMBER = "52.05", "2026-10", "2026-09"
NEIGHBOUR, ELSEWHERE = "52.06", "53.01"  # another kabupaten of NTB, and one of NTT
# The web view's access file (RAPOR_WEB_ACCESS): the kabupaten's users see 52.05, the province 52.
ACCESS = f"user,regions\n{USER},{REGION}\n{FILER},{REGION}\n{JUDGE},{REGION}\n{PROVINCE},52\n"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """A warehouse (SQLite) with the demo region published: October in revisions 1 and 2."""
    root = tmp_path_factory.mktemp("web")
    url = f"sqlite:///{root / 'warehouse.db'}"
    out_dir = root / "output"
    engine = open_warehouse(url)
    files = generate_demo_region(root / "demo")
    officials = generate_demo_officials(root / "demo")
    import_files(engine, [files.registry], [files.complaints, files.hotline], [files.inspections])
    import_staff(engine, officials.staff)
    import_recipients(engine, officials.recipients)
    for period in files.periods:
        score_region_month(engine, REGION, Period.parse(period))
    docs = out_dir / "scorecards" / REGION / "quality-2026-10" / "index.html"  # where the gate keeps Data Docs
    docs.parent.mkdir(parents=True)
    docs.write_text("<html><body><h1>Data Docs: 52.05 2026-10</h1></body></html>", encoding="utf-8")
    with engine.begin() as conn:
        record_gate(conn, GateResult(REGION, OCTOBER, True, data_docs_path=str(docs)))
    first = publish_month(engine, REGION, OCTOBER, now=datetime(2026, 11, 2, 1, tzinfo=UTC), out_dir=out_dir)
    import_files(engine, complaints=[generate_demo_late_export(root / "late")])
    score_region_month(engine, REGION, Period(2026, 10))
    second = publish_month(
        engine,
        REGION,
        OCTOBER,
        "Koreksi: log hotline terlambat",
        now=datetime(2026, 11, 5, 1, tzinfo=UTC),
        out_dir=out_dir,
    )
    assert (first.revision, second.revision) == (1, 2)
    for code, name in ((NEIGHBOUR, "Kabupaten Bima"), (ELSEWHERE, "Kabupaten Sumba Barat")):
        _publish_small_region(engine, root / code, code, name, out_dir)
    return {"url": url, "out_dir": out_dir, "r1": first.folder, "r2": second.folder, "root": root}


def _publish_small_region(engine, folder: Path, code: str, name: str, out_dir: Path) -> None:
    """A region of one OPD with October scored, gated and published (revision 1)."""
    from c_region import DIMENSIONS, write_rows
    from rapor.imports.complaints import COLUMNS

    folder.mkdir()
    registry = write_rows(
        folder / "registry.csv",
        ["region_code", "region_name", "timezone", "opd_code", "opd_name"],
        [[code, name, "Asia/Makassar", "DLH", "Dinas Lingkungan Hidup"]],
    )
    complaints = write_rows(
        folder / "complaints.csv",
        COLUMNS,
        [
            [f"W-{code}-{day}", code, "DLH", "aplikasi", "lapor", "permintaan_informasi"]
            + [f"{OCTOBER}-{day} 09:00", "", f"{OCTOBER}-{day} 09:40", "", "", "Jadwal angkut sampah?"]
            for day in ("13", "20")
        ],
    )
    inspections = write_rows(
        folder / "inspections.csv",
        ["region_code", "opd_code", "inspected_at", "dimension", "indicator", "score"],
        [[code, "DLH", f"{OCTOBER}-14", d, f"{d}_terpenuhi", 2] for d in DIMENSIONS],
    )
    import_files(engine, [registry], [complaints], [inspections])
    score_region_month(engine, code, Period.parse(OCTOBER))
    with engine.begin() as conn:
        record_gate(conn, GateResult(code, OCTOBER, True))
    assert publish_month(engine, code, OCTOBER, now=datetime(2026, 11, 2, 1, tzinfo=UTC), out_dir=out_dir).revision == 1


@pytest.fixture(scope="module")
def server(site, airflow_db):
    """``airflow api-server`` on a loopback port, with Airflow's SimpleAuthManager and one user."""
    port = _free_port()
    passwords = site["root"] / "passwords.json"
    passwords.write_text(json.dumps({USER: PASSWORD, FILER: PASSWORD, JUDGE: PASSWORD, PROVINCE: PASSWORD}))
    access = site["root"] / "access.csv"
    access.write_text(ACCESS, encoding="utf-8")
    env = dict(os.environ)
    env.pop("AIRFLOW__CORE__UNIT_TEST_MODE", None)
    env.update(
        {
            "AIRFLOW__CORE__AUTH_MANAGER": (
                "airflow.api_fastapi.auth.managers.simple.simple_auth_manager.SimpleAuthManager"
            ),
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": f"{USER}:viewer,{FILER}:user,{JUDGE}:op,{PROVINCE}:viewer",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(passwords),
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS": "False",
            "AIRFLOW__API_AUTH__JWT_SECRET": "rapor-browser-test-secret-0123456789",
            "AIRFLOW__API__BASE_URL": f"http://127.0.0.1:{port}",
            "AIRFLOW__CORE__PARALLELISM": "4",
            "RAPOR_WAREHOUSE_URL": site["url"],
            "RAPOR_OUTPUT_DIR": str(site["out_dir"]),
            "RAPOR_WEB_ACCESS": str(access),
        }
    )
    log = open(site["root"] / "api-server.log", "w")
    airflow = str(Path(sys.executable).with_name("airflow"))
    process = subprocess.Popen(
        [airflow, "api-server", "-H", "127.0.0.1", "-p", str(port), "-w", "1"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180  # a loaded machine starts it slowly
        while True:
            try:
                with urllib.request.urlopen(f"{base}/api/v2/monitor/health", timeout=2):
                    break
            except (urllib.error.URLError, ConnectionError, OSError):
                if process.poll() is not None or time.monotonic() > deadline:
                    log.flush()
                    tail = (site["root"] / "api-server.log").read_text()[-3000:]
                    pytest.fail(f"airflow api-server did not start:\n{tail}", pytrace=False)
                time.sleep(0.5)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _get(url: str, headers: dict | None = None):
    opener = urllib.request.build_opener(_NoRedirect)
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with opener.open(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def _wait(condition, timeout: float = 20, what: str = "condition"):
    from selenium.common.exceptions import StaleElementReferenceException

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            value = condition()
        except StaleElementReferenceException:  # the page was replaced while the condition read it
            value = None
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def _login(driver, base: str, start: str, name: str = USER):
    from selenium.webdriver.common.by import By

    driver.get(base + start)
    _wait(lambda: "/auth/login" in driver.current_url, what="Airflow's login page")
    user = _wait(lambda: driver.find_elements(By.NAME, "username"), what="the login form")[0]
    user.send_keys(name)
    driver.find_element(By.NAME, "password").send_keys(PASSWORD)
    driver.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    _wait(lambda: driver.current_url.startswith(base + start), what=f"the redirect back to {start}")


def test_visitors_without_an_airflow_session_are_sent_to_the_login_and_get_no_file(server, browser):
    files = f"{server}/rapor/{REGION}/{OCTOBER}/r2/unduh/bkd-tpp.xlsx"
    status, headers, _ = _get(f"{server}/rapor/", {"Accept": "text/html"})
    assert status == 307 and urljoin(server, headers["location"]).startswith(f"{server}/auth/login?next=")
    status, _, body = _get(files)
    assert status == 401 and json.loads(body) == {"detail": "Not authenticated"}
    status, _, _ = _get(f"{server}/rapor/{REGION}/{OCTOBER}/r2/data-docs/")
    assert status == 401
    status, _, body = _get(files, {"Cookie": "_token=forged.jwt.value"})
    assert status in (401, 403) and b"PK" not in body[:2]

    browser.get(files)
    _wait(lambda: "/auth/login" in browser.current_url, what="the login page")
    time.sleep(1)
    assert list(browser.downloads.iterdir()) == []


def test_after_login_region_month_and_opd_pages_show_the_scorecard_and_files_download(server, browser, site):
    from selenium.webdriver.common.by import By

    _login(browser, server, "/rapor/")
    assert "Rapor yang diterbitkan" in browser.find_element(By.TAG_NAME, "h1").text
    browser.find_element(By.LINK_TEXT, "Kabupaten Dompu").click()

    _wait(lambda: browser.current_url == f"{server}/rapor/{REGION}/", what="the region page")
    months = browser.find_element(By.TAG_NAME, "table").text
    assert "Oktober 2026" in months and "lulus" in months
    browser.find_element(By.LINK_TEXT, "Oktober 2026").click()

    _wait(lambda: browser.current_url == f"{server}/rapor/{REGION}/{OCTOBER}/r2/", what="the month page")
    page = browser.find_element(By.TAG_NAME, "body").text
    assert "Kabupaten Dompu · Oktober 2026 · revisi 2" in page
    assert "Koreksi: log hotline terlambat" in page and "Publikasi pertama." in page  # both revisions listed
    assert "Senin, 16 November 2026" not in page  # r2 was published on 5 November: its own deadline
    ranked = browser.find_elements(By.CSS_SELECTOR, "table.ranked tbody tr")
    assert len(ranked) == 26
    zones = {e.text for e in browser.find_elements(By.CSS_SELECTOR, "table.ranked span.zone")}
    assert {"hijau", "kuning", "merah", "tidak dinilai"} <= zones

    browser.find_element(By.LINK_TEXT, "Dinas Kependudukan dan Pencatatan Sipil").click()
    _wait(lambda: browser.current_url.endswith("/r2/opd/DISDUKCAPIL"), what="the OPD page")
    opd = browser.find_element(By.TAG_NAME, "body").text
    assert "Dinas Kependudukan dan Pencatatan Sipil" in opd and "Tanggapan tepat waktu" in opd
    assert "Bukti: keluhan terlambat atau menunggak" in opd and "k-" in opd
    assert "Nomor tiket di sumber" in opd and "Rincian nilai standar pelayanan" in opd
    assert "Rekomendasi TPP" in opd
    # The live early-warning list: the same duties the morning e-mail would list right now.
    from rapor.publish.early_warning import warnings_at

    live = next(
        w for w in warnings_at(open_warehouse(site["url"]), REGION, datetime.now(UTC)) if w.opd_code == "DISDUKCAPIL"
    )
    shown = [
        r.find_elements(By.TAG_NAME, "td")[1].text for r in browser.find_elements(By.CSS_SELECTOR, "#due-now tbody tr")
    ]
    assert shown == [i.ticket for i in live.listed] and shown
    browser.back()
    _wait(lambda: browser.current_url.endswith("/r2/"), what="the month page again")

    for name in ("bkd-tpp.xlsx", "report.pdf"):
        browser.find_element(By.CSS_SELECTOR, f'a[href="unduh/{name}"]').click()
        expected = f"rapor-{REGION}-{OCTOBER}-r2-{name.replace('.', '.', 1)}"
        target = browser.downloads / expected
        _wait(
            lambda target=target: target.is_file() and not list(browser.downloads.glob("*.crdownload")),
            30,
            f"download of {name}",
        )
        assert target.read_bytes() == (site["r2"] / name).read_bytes()

    browser.find_element(By.LINK_TEXT, "Data Docs gerbang mutu data").click()
    _wait(lambda: "Data Docs: 52.05 2026-10" in browser.find_element(By.TAG_NAME, "body").text, what="the Data Docs")

    browser.get(f"{server}/rapor/{REGION}/{OCTOBER}/r1/")
    old = browser.find_element(By.TAG_NAME, "body").text
    assert "Ini bukan revisi terakhir" in old and "revisi 1" in old
    browser.get(f"{server}/rapor/{REGION}/{OCTOBER}/r2/laporan")
    assert "Rapor Kepatuhan Pelayanan Publik OPD" in browser.find_element(By.TAG_NAME, "h1").text
    shutil.rmtree(browser.downloads, ignore_errors=True)


def test_each_user_sees_only_the_regions_the_access_file_gives_them(server, browser):
    from selenium.webdriver.common.by import By

    def listed() -> set[str]:
        return {a.text for a in browser.find_elements(By.CSS_SELECTOR, "main a, body a") if a.text.startswith("Kab")}

    # The kabupaten's Inspektorat: its own region only; the others' pages do not exist for it.
    browser.delete_all_cookies()
    _login(browser, server, "/rapor/", USER)
    assert listed() == {"Kabupaten Dompu"}
    for path in (f"{NEIGHBOUR}/", f"{NEIGHBOUR}/{OCTOBER}/r1/", f"{ELSEWHERE}/{OCTOBER}/r1/opd/DLH"):
        browser.get(f"{server}/rapor/{path}")
        assert "wilayah tidak dikenal" in browser.find_element(By.TAG_NAME, "body").text, path
    token = appeals_client.login(server, USER, PASSWORD)
    bearer = {"Authorization": f"Bearer {token}"}
    for name in ("report.pdf", "bkd-tpp.xlsx", "scorecard.csv"):  # no file of another region either
        status, _, body = _get(f"{server}/rapor/{NEIGHBOUR}/{OCTOBER}/r1/unduh/{name}", bearer)
        assert (status, json.loads(body)) == (404, {"detail": "wilayah tidak dikenal"})
    assert _get(f"{server}/rapor/{NEIGHBOUR}/{OCTOBER}/banding", bearer)[0] == 404
    assert _get(f"{server}/rapor/{REGION}/{OCTOBER}/banding", bearer)[0] == 200
    assert _get(f"{server}/rapor/{REGION}/{OCTOBER}/r2/unduh/scorecard.csv", bearer)[0] == 200

    # The province's Inspektorat: every region of NTB (52), none of NTT (53).
    browser.delete_all_cookies()
    _login(browser, server, "/rapor/", PROVINCE)
    assert listed() == {"Kabupaten Dompu", "Kabupaten Bima"}
    browser.find_element(By.LINK_TEXT, "Kabupaten Bima").click()
    _wait(lambda: browser.current_url == f"{server}/rapor/{NEIGHBOUR}/", what="the neighbour's region page")
    assert "Oktober 2026" in browser.find_element(By.TAG_NAME, "table").text
    browser.get(f"{server}/rapor/{ELSEWHERE}/")
    assert "wilayah tidak dikenal" in browser.find_element(By.TAG_NAME, "body").text
    browser.delete_all_cookies()


def test_the_public_site_opens_from_a_plain_file_copy_loads_nothing_from_elsewhere_and_is_accessible(
    site, browser, tmp_path
):
    import axe_core_python

    from rapor.publish.public_site import build_public_site

    build_public_site(open_warehouse(site["url"]), REGION, site["out_dir"])
    copy = tmp_path / "copied-to-a-web-host"
    shutil.copytree(site["out_dir"] / "public" / REGION, copy)
    folder = copy.resolve().as_uri() + "/"
    axe = (Path(axe_core_python.__file__).parent / "axe.min.js").read_text(encoding="utf-8")
    browser.get(folder + "index.html")
    browser.find_element("link text", "Oktober 2026").click()
    _wait(lambda: "Peringkat" in browser.page_source, what="the month page")
    for page in ("index.html", f"{OCTOBER}/index.html", "metode.html"):
        browser.get(folder + page)
        loaded = browser.execute_script(
            "return [location.href].concat(performance.getEntriesByType('resource').map(e => e.name));"
        )
        assert all(url.startswith(folder) for url in loaded), loaded  # no request leaves the folder
        browser.execute_script(axe)
        result = browser.execute_async_script(
            "const done = arguments[arguments.length - 1];"
            "axe.run(document, {runOnly: ['wcag2a', 'wcag2aa']}).then(r => done(r.violations.map("
            "v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).join(', '))));"
        )
        assert result == [], (page, result)
    browser.get(folder + f"{OCTOBER}/index.html")
    text = browser.find_element("tag name", "main").text
    assert "Koreksi: log hotline terlambat" in text  # revision 2's reason, with revision 1 kept
    assert "berlaku" in text


@pytest.fixture(scope="module")
def september(site):
    """September published now, its gate passed: its appeal window is open (10 HK from today)."""
    engine = open_warehouse(site["url"])
    with engine.begin() as conn:
        record_gate(conn, GateResult(REGION, SEPTEMBER, True))
    outcome = publish_month(engine, REGION, SEPTEMBER, out_dir=site["out_dir"])
    ev = schema.score_evidence
    with engine.connect() as conn:
        late = conn.execute(
            select(ev.c.opd_code, ev.c.source, ev.c.complaint_id, ev.c.clock_start_at)
            .where(ev.c.region_code == REGION, ev.c.period == SEPTEMBER, ev.c.first_response_on_time.is_(False))
            .order_by(ev.c.opd_code, ev.c.source, ev.c.complaint_id)
        ).all()
    key = config.pseudonym_keys()
    clock = late[-1].clock_start_at.replace(tzinfo=UTC)  # SQLite: the stored UTC instant, naive
    return {
        "engine": engine,
        "revision": outcome.revision,
        "late": [(o, complaint_ref(s, c, key), c) for o, s, c, _ in late],
        # an hour after the last one's clock started, as typed in the region's local time (WITA)
        "answered_at": (clock + timedelta(hours=1)).astimezone(ZoneInfo("Asia/Makassar")).strftime("%Y-%m-%dT%H:%M"),
    }


def _appeal_row(engine, appeal_id: int) -> dict:
    with engine.connect() as conn:
        return dict(conn.execute(select(schema.appeal).where(schema.appeal.c.appeal_id == appeal_id)).mappings().one())


def test_the_cli_files_and_decides_through_the_api_server_as_the_airflow_user_it_logged_in_as(
    server, september, monkeypatch, capsys
):
    (opd, ref, complaint_id), *_ = september["late"]
    url = f"{server}/rapor/{REGION}/{SEPTEMBER}/banding"
    fields = {"opd_code": opd, "item": "keluhan", "complaint_ref": ref, "requested": "keluarkan"}
    fields |= {"ground": "bukan kewenangan kami", "explanation": "Jalan provinsi, bukan kewenangan kami."}
    # Permission is the server's: no token, or a viewer's token, files nothing.
    with pytest.raises(AirflowApiError, match="HTTP 401"):
        appeals_client.file_appeal(server, None, REGION, SEPTEMBER, fields)
    viewer = appeals_client.login(server, USER, PASSWORD)
    with pytest.raises(AirflowApiError, match="HTTP 403"):
        appeals_client.file_appeal(server, viewer, REGION, SEPTEMBER, fields)
    assert url.endswith("/banding")

    monkeypatch.setenv("RAPOR_AIRFLOW_URL", server)
    monkeypatch.setenv("RAPOR_AIRFLOW_USER", FILER)
    monkeypatch.setenv("RAPOR_AIRFLOW_PASSWORD", PASSWORD)
    argv = ["banding", "ajukan", REGION, SEPTEMBER, "--opd", opd, "--keluhan", ref, "--keluarkan"]
    argv += ["--alasan", "bukan kewenangan kami", "--penjelasan", "Jalan provinsi, bukan kewenangan kami."]
    assert cli_main(argv) == 0
    printed = capsys.readouterr().out
    assert f"diajukan oleh {FILER}" in printed
    number = int(printed.split("no. ")[1].split()[0])
    with pytest.raises(AirflowApiError, match="HTTP 403"):  # a viewer decides nothing either
        appeals_client.decide_appeal(server, viewer, REGION, SEPTEMBER, number, "diterima", "Benar, jalan provinsi.")

    monkeypatch.setenv("RAPOR_AIRFLOW_USER", JUDGE)
    assert (
        cli_main(
            ["banding", "putuskan", REGION, SEPTEMBER, str(number), "diterima", "--alasan", "Benar: jalan provinsi."]
        )
        == 0
    )
    assert f"diterima oleh {JUDGE}" in capsys.readouterr().out
    row = _appeal_row(september["engine"], number)
    assert (row["filed_by"], row["decided_by"], row["status"]) == (FILER, JUDGE, "diterima")
    assert cli_main(["banding", "daftar", REGION, SEPTEMBER]) == 0
    listed = capsys.readouterr().out
    assert ref in listed and complaint_id not in listed


def test_the_month_page_files_and_decides_an_appeal_in_the_logged_in_users_name(server, september, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    start = f"/rapor/{REGION}/{SEPTEMBER}/r{september['revision']}/"
    _login(browser, server, start, JUDGE)
    opd, ref, _ = september["late"][-1]
    forms = browser.find_elements(By.CSS_SELECTOR, "form.file-appeal")
    assert forms, browser.find_element(By.TAG_NAME, "body").text[-3000:]
    form = forms[0]
    Select(form.find_element(By.NAME, "opd_code")).select_by_value(opd)
    form.find_element(By.NAME, "complaint_ref").send_keys(ref)
    Select(form.find_element(By.NAME, "ground")).select_by_value("sudah ditanggapi di kanal lain")
    Select(form.find_element(By.NAME, "requested")).select_by_value("koreksi")
    form.find_element(By.NAME, "corrected_first_response_at").send_keys("")
    browser.execute_script(
        "arguments[0].value = arguments[1]",
        form.find_element(By.NAME, "corrected_first_response_at"),
        "2026-09-30T10:00",
    )
    form.find_element(By.NAME, "explanation").send_keys("Dijawab lewat WhatsApp resmi dinas.")
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    _wait(lambda: browser.current_url.endswith(start + "#banding"), what="the month page after filing")
    row = browser.find_element(By.XPATH, f"//table[contains(@class,'appeals')]//tr[td[contains(., '{ref}')]]")
    assert "Diajukan" in row.text and JUDGE in row.text

    row.find_element(By.NAME, "reason").send_keys("Bukti tangkapan layar sah.")
    Select(row.find_element(By.NAME, "decision")).select_by_value("ditolak")
    row.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    _wait(lambda: "Ditolak" in browser.find_element(By.CSS_SELECTOR, "table.appeals").text, what="the decision")
    appeal_id = int(row_id(browser, ref))
    stored = _appeal_row(september["engine"], appeal_id)
    assert (stored["filed_by"], stored["decided_by"], stored["status"]) == (JUDGE, JUDGE, "ditolak")

    # A viewer sees the list but gets no form, and the server refuses a posted one.
    browser.delete_all_cookies()
    _login(browser, server, start)
    assert browser.find_elements(By.CSS_SELECTOR, "form.file-appeal, form.decide") == []
    assert ref in browser.find_element(By.CSS_SELECTOR, "table.appeals").text


def row_id(browser, ref: str) -> str:
    from selenium.webdriver.common.by import By

    row = browser.find_element(By.XPATH, f"//table[contains(@class,'appeals')]//tr[td[contains(., '{ref}')]]")
    return row.get_attribute("id").removeprefix("banding-")
