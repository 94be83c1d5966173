"""Why an OPD's service-standard score is what it is: the inspection used (date, carry-forward factor),
the four dimension values and each indicator's score, in the snapshot, the report (HTML, PDF) and the
web OPD page."""

from __future__ import annotations

import html as html_lib
import re
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal

from pypdf import PdfReader
from sqlalchemy import delete, select

from rapor.publish.fingerprint import read_snapshot
from rapor.publish.revisions import INPUTS, REPORT_HTML, REPORT_PDF, publish_month
from rapor.publish.web import opd_page
from rapor.scoring.periods import Period
from rapor.scoring.scorecard import score_region_month
from rapor.vocabulary import DIMENSION_LABELS, indicator_label
from rapor.warehouse import schema

REGION, OCTOBER = "52.05", "2026-10"
MONDAY_MORNING = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)


def _inspection(engine, opd_code: str, day: date) -> list[tuple[str, str, int]]:
    i = schema.inspection
    with engine.connect() as conn:
        return [
            tuple(r)
            for r in conn.execute(
                select(i.c.dimension, i.c.indicator, i.c.score).where(
                    i.c.region_code == REGION, i.c.opd_code == opd_code, i.c.inspected_on == day
                )
            )
        ]


def _latest_inspection_day(engine, opd_code: str, before: date) -> date:
    i = schema.inspection
    with engine.connect() as conn:
        days = conn.execute(
            select(i.c.inspected_on).where(i.c.opd_code == opd_code, i.c.inspected_on < before).distinct()
        ).scalars()
        return max(d if isinstance(d, date) else date.fromisoformat(str(d)[:10]) for d in days)


def test_the_sop_score_is_explained_by_its_inspection_dimensions_and_indicators(scored, pass_gate, monkeypatch):
    # DISDAG's October inspection is withdrawn: its S_sop carries September's forward, × 0.9.
    i = schema.inspection
    with scored.engine.begin() as conn:
        conn.execute(
            delete(i).where(i.c.opd_code == "DISDAG", i.c.inspected_on >= date(2026, 10, 1), i.c.region_code == REGION)
        )
    score_region_month(scored.engine, REGION, Period(2026, 10))
    pass_gate()
    outcome = publish_month(scored.engine, REGION, OCTOBER, now=MONDAY_MORNING)
    snapshot = read_snapshot(outcome.folder / INPUTS)
    sc = schema.scorecard
    with scored.engine.connect() as conn:
        stored = {
            r.opd_code: r for r in conn.execute(select(sc).where(sc.c.region_code == REGION, sc.c.period == OCTOBER))
        }

    # The snapshot: per rated OPD the inspection used, its age and factor, the dimension values.
    sop = {s["opd_code"]: s for s in snapshot["sop"]}
    assert set(sop) == {o for o, r in stored.items() if r.s_sop is not None} and len(sop) == 24
    for opd_code, s in sop.items():
        assert Decimal(s["s_sop"]).quantize(Decimal("0.01"), ROUND_HALF_UP) == stored[opd_code].s_sop
        assert Decimal(s["carry_forward_factor"]) == Decimal("0.9") ** s["age_months"]
        rows = [
            x for x in snapshot["inspections"] if x["opd_code"] == opd_code and x["inspected_on"] == s["inspected_on"]
        ]
        assert rows and set(s["dimensions"]) == {x["dimension"] for x in rows}
        for dimension, value in s["dimensions"].items():
            scores = [x["score"] for x in rows if x["dimension"] == dimension]
            assert Decimal(value) == (Decimal(sum(scores)) / (3 * len(scores))).quantize(Decimal("0.0001"))
    september = _latest_inspection_day(scored.engine, "DISDAG", date(2026, 10, 1))
    assert sop["DISDAG"]["age_months"] == 1 and sop["DISDAG"]["inspected_on"] == september.isoformat()

    # The report: the date, the factor, every dimension's value and every indicator's score.
    html = (outcome.folder / REPORT_HTML).read_text(encoding="utf-8")
    article = re.search(r'<article class="opd" id="opd-DISDAG">(.*?)</article>', html, re.S).group(1)
    table = re.search(r'<table class="compact sop-detail">(.*?)</table>', article, re.S).group(1)
    text = html_lib.unescape(table)
    assert f"inspeksi {september.day} September 2026; inspeksi 1 bulan sebelumnya: dikalikan 0,9 per bulan" in text
    for _dimension, indicator, score in _inspection(scored.engine, "DISDAG", september):
        assert f"{indicator_label(indicator)} ({indicator}): {score}" in re.sub(r"<[^>]+>", "", text)
    for dimension, value in sop["DISDAG"]["dimensions"].items():
        assert f'<td>{DIMENSION_LABELS[dimension]}</td><td class="num">{value.replace(".", ",")}</td>' in table
    assert f"× 0,9 = {stored['DISDAG'].s_sop}".replace(".", ",") in text
    n_tables = html.count('<table class="compact sop-detail">')
    assert n_tables == 24 and html.count("Nilai standar pelayanan tidak dinilai") == 2

    # The PDF, read back.
    pdf = " ".join(p.extract_text() for p in PdfReader(str(outcome.folder / REPORT_PDF)).pages).replace("\n", " ")
    assert pdf.count("Rincian nilai standar pelayanan: inspeksi") == 24
    dimension, indicator, score = _inspection(scored.engine, "DISDAG", september)[0]
    assert f"{indicator_label(indicator)} ({indicator}): {score}" in pdf
    assert f"inspeksi {september.day} September 2026; inspeksi 1 bulan sebelumnya" in pdf

    # The web OPD page.
    monkeypatch.setenv("RAPOR_WAREHOUSE_URL", scored.engine.url.render_as_string(hide_password=False))
    page = html_lib.unescape(re.sub(r"<[^>]+>", "", opd_page(REGION, OCTOBER, outcome.revision, "DISDAG")))
    assert "Rincian nilai standar pelayanan: inspeksi" in page
    assert f"{indicator_label(indicator)} ({indicator}): {score}" in page
