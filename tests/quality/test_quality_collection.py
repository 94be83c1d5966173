"""Silent or broken channels, per account: the gate holds the OPD whose account was not collected.

The attempts are what the runner records (``rapor.collectors.attempts``), with the error
messages the HTTP client raises for the Graph API's real code 190 and code 100 answers.
"""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlalchemy import select

from rapor.collectors.attempts import attempt_rows, record_attempts
from rapor.collectors.http import AuthError, PermissionMissingError
from rapor.demo.region import DEMO_REGION_CODE, generate_demo_region
from rapor.imports import import_files
from rapor.layout import quality_paths
from rapor.quality.coverage import uncollected_time
from rapor.quality.gate import run_gate
from rapor.registry import Account
from rapor.scoring.periods import Period
from rapor.scoring.scorecard import score_region_month
from rapor.tasks.monthly import export_region
from rapor.vocabulary import GATE_PASSED, OPD_HELD_NOTE
from rapor.warehouse import schema

OCTOBER = Period(2026, 10)
GATE_AT = datetime(2026, 11, 2, 1, tzinfo=UTC)
DLH_PAGE = Account("facebook", "100000000000109", DEMO_REGION_CODE, "DLH")
RSUD_PAGE = Account("facebook", "100000000000103", DEMO_REGION_CODE, "RSUD")
CENTRAL_PAGE = Account("facebook", "100000000000001", DEMO_REGION_CODE, None)
EXPIRED = str(AuthError("rapor_facebook", "facebook", "Error validating access token: Session has expired"))
UNREADABLE = str(
    PermissionMissingError(
        "rapor_facebook", "facebook", 100, "(#100) ... requires the 'pages_read_engagement' permission", "posts"
    )
)


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.fixture(scope="session")
def demo_files(tmp_path_factory):
    return generate_demo_region(tmp_path_factory.mktemp("demo-files"))


@pytest.fixture
def demo_warehouse(warehouse, demo_files, tmp_path, monkeypatch):
    monkeypatch.setenv("RAPOR_OUTPUT_DIR", str(tmp_path / "output"))
    import_files(
        warehouse, [demo_files.registry], [demo_files.complaints, demo_files.hotline], [demo_files.inspections]
    )
    for period in demo_files.periods:
        score_region_month(warehouse, DEMO_REGION_CODE, Period.parse(period))
    return warehouse


def attempt(engine, account, start, end, outcome="ok", error=None, **counts):
    with engine.begin() as conn:
        rows = attempt_rows(
            "facebook_comments", "rapor_facebook", [account], {}, start, end, end, outcome, error, **counts
        )
        record_attempts(conn, rows)


def tpp(engine) -> dict[str, Decimal | None]:
    sc = schema.scorecard
    with engine.connect() as conn:
        rows = conn.execute(select(sc.c.opd_code, sc.c.tpp_cut_pct).where(sc.c.period == str(OCTOBER))).all()
    return dict(rows)


def test_uncollected_time_is_what_only_failed_attempts_covered():
    ok = {"outcome": "ok", "window_start": utc(2026, 10, 1), "window_end": utc(2026, 10, 15)}
    failed = {"outcome": "token_expired", "window_start": utc(2026, 10, 15), "window_end": utc(2026, 10, 20)}
    renewed = {"outcome": "ok", "window_start": utc(2026, 10, 15), "window_end": utc(2026, 10, 25)}
    # Failing from the 15th to the 20th, within October (ends 31 Oct 16:00 UTC in WITA)...
    month = (utc(2026, 9, 30, 16), utc(2026, 10, 31, 16))
    assert uncollected_time([ok, failed], *month) == [(utc(2026, 10, 15), utc(2026, 10, 20))]
    # ... and nothing once a renewed token read the gap back from the last success.
    assert uncollected_time([ok, failed, renewed], *month) == []


def test_an_opd_whose_page_was_not_collected_for_weeks_gets_no_tpp_and_the_others_keep_theirs(demo_warehouse):
    before = tpp(demo_warehouse)
    assert before["DLH"] == Decimal("10.00")  # DLH's October would be cut 10%
    # DLH's page: collected until 15 October 00:00 UTC, then its token was refused every run.
    attempt(demo_warehouse, DLH_PAGE, utc(2026, 7, 1), utc(2026, 10, 15), pages=12, complaints=7)
    attempt(demo_warehouse, DLH_PAGE, utc(2026, 10, 15), utc(2026, 10, 20), "token_expired", EXPIRED)
    attempt(demo_warehouse, DLH_PAGE, utc(2026, 10, 15), utc(2026, 11, 2), "token_expired", EXPIRED)
    # RSUD's page: refused for the last 2.2 days of the month only (not more than 3): not held.
    attempt(demo_warehouse, RSUD_PAGE, utc(2026, 7, 1), utc(2026, 10, 29, 12))
    attempt(demo_warehouse, RSUD_PAGE, utc(2026, 10, 29, 12), utc(2026, 11, 2), "permission_missing", UNREADABLE)
    # The Bupati's page: uncollected all month, no OPD of its own: a warning.
    attempt(demo_warehouse, CENTRAL_PAGE, utc(2026, 7, 1), utc(2026, 11, 2), "endpoint_down", "HTTP 503")

    result = run_gate(demo_warehouse, DEMO_REGION_CODE, OCTOBER, now=GATE_AT)

    assert result.status == GATE_PASSED and result.critical_failures == []  # the month is published
    (hold,) = result.held_opds
    # 15 Oct 00:00 UTC to the month's end, 31 Oct 16:00 UTC: 16 days 16 hours.
    assert (hold["opd_code"], hold["account_id"], hold["outcome"], hold["uncollected_days"]) == (
        "DLH",
        "100000000000109",
        "token_expired",
        "16.67",
    )
    after = tpp(demo_warehouse)
    assert after["DLH"] is None
    assert {k: v for k, v in after.items() if k != "DLH"} == {k: v for k, v in before.items() if k != "DLH"}
    assert "central_account_uncollected" in {w["rule"] for w in result.warnings}

    csv_path = export_region(demo_warehouse, DEMO_REGION_CODE, OCTOBER)
    with open(csv_path, newline="", encoding="utf-8") as handle:
        rows = {r["opd_code"]: r for r in csv.DictReader(handle)}
    assert rows["DLH"]["tpp_cut_pct"] == "" and rows["DLH"]["category"] == "D"  # scores still shown
    assert rows["DISKOMINFO"]["tpp_cut_pct"] == "0.00"
    paths = quality_paths(DEMO_REGION_CODE, OCTOBER)
    summary = json.loads(paths.summary_json.read_text(encoding="utf-8"))
    (shown,) = summary["held_opds"]
    assert shown["opd_name"] == "Dinas Lingkungan Hidup"
    assert shown["fix"].startswith("Perbarui token koneksi rapor_facebook untuk akun facebook 100000000000109")
    accounts = {a["account_id"]: a for a in summary["coverage"]["accounts"]}
    assert accounts["100000000000103"]["uncollected_days"] == 2.17 and not accounts["100000000000103"]["flagged"]
    page = paths.summary_html.read_text(encoding="utf-8")
    assert "OPD ditahan tanpa rekomendasi TPP" in page and "Perbarui token koneksi rapor_facebook" in page
    assert OPD_HELD_NOTE  # the BKD file and the report say it (tests/publish)


def test_a_renewed_token_that_read_the_gap_back_releases_the_opd_on_the_next_run(demo_warehouse):
    attempt(demo_warehouse, DLH_PAGE, utc(2026, 7, 1), utc(2026, 10, 15))
    attempt(demo_warehouse, DLH_PAGE, utc(2026, 10, 15), utc(2026, 11, 1), "token_expired", EXPIRED)
    assert run_gate(demo_warehouse, DEMO_REGION_CODE, OCTOBER, now=GATE_AT).held_opd_codes == {"DLH"}
    attempt(demo_warehouse, DLH_PAGE, utc(2026, 10, 15), utc(2026, 11, 2, 6))  # token renewed, gap read back
    score_region_month(demo_warehouse, DEMO_REGION_CODE, OCTOBER)
    released = run_gate(demo_warehouse, DEMO_REGION_CODE, OCTOBER, now=GATE_AT)
    assert released.held_opds == [] and tpp(demo_warehouse)["DLH"] == Decimal("10.00")


def test_a_page_read_without_its_page_token_is_counted_as_replies_not_identifiable(demo_warehouse):
    attempt(demo_warehouse, DLH_PAGE, utc(2026, 7, 1), utc(2026, 11, 2), unidentified_replies=4)
    result = run_gate(demo_warehouse, DEMO_REGION_CODE, OCTOBER, now=GATE_AT)
    assert result.held_opds == []
    export_region(demo_warehouse, DEMO_REGION_CODE, OCTOBER)
    summary = json.loads(quality_paths(DEMO_REGION_CODE, OCTOBER).summary_json.read_text(encoding="utf-8"))
    assert summary["coverage"]["accounts_with_unidentified_replies"] == [
        {"platform": "facebook", "account_id": "100000000000109", "opd_code": "DLH", "unidentified_replies": 4}
    ]
