""" "Explain my score" on the demo region: recomputed from the stored evidence, the points of
every OPD add up to 100 − index exactly, in the warehouse (SQLite and PostgreSQL), the
report (HTML, PDF) and the web page."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal

from pypdf import PdfReader
from sqlalchemy import select

from rapor.publish.inputs import collect_inputs, explain_snapshot, recompute_rows
from rapor.publish.revisions import REPORT_HTML, REPORT_PDF, publish_month
from rapor.publish.web import opd_page
from rapor.scoring.explain import COMPLAINT
from rapor.scoring.periods import Period
from rapor.vocabulary import STATUS_NOT_RATED
from rapor.warehouse import schema

REGION, OCTOBER = "52.05", "2026-10"
MONDAY_MORNING = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)


def _decimal(text: str) -> Decimal:
    return Decimal(text.replace(".", "").replace(",", "."))


def test_points_add_up_to_the_gap_for_every_opd_and_month_of_the_demo(scored):
    n_complaint_lines = n_lifts = 0
    for period in scored.files.periods:
        inputs = collect_inputs(scored.engine, REGION, Period.parse(period))
        explanations = explain_snapshot(inputs.snapshot)
        sc = schema.scorecard
        with scored.engine.connect() as conn:
            stored = {
                r.opd_code: r for r in conn.execute(select(sc).where(sc.c.region_code == REGION, sc.c.period == period))
            }
        assert recompute_rows(inputs.snapshot)  # the snapshot scores as stored (checked by publishing)
        rated = {o for o, r in stored.items() if r.status != STATUS_NOT_RATED}
        assert set(explanations) == rated and len(rated) >= 20
        for opd_code, e in explanations.items():
            index = stored[opd_code].index_score
            assert e.index == index and e.zone == stored[opd_code].zone
            assert sum(c.points for c in e.costs) == Decimal(100) - index, (period, opd_code)
            failing = [c for c in e.costs if c.kind == COMPLAINT]
            row = stored[opd_code]
            late = row.n_first_response - row.n_first_response_on_time
            late += row.n_resolution - row.n_resolution_on_time
            assert sum(len(c.measures) for c in failing) == late + row.n_open_overdue
            n_complaint_lines += len(failing)
            n_lifts += e.lift is not None
    assert n_complaint_lines > 300 and n_lifts > 10  # the demo really has late complaints and lifts


def test_report_and_web_page_show_the_points_that_add_up(scored, pass_gate, monkeypatch):
    pass_gate()
    outcome = publish_month(scored.engine, REGION, OCTOBER, now=MONDAY_MORNING)
    html = (outcome.folder / REPORT_HTML).read_text(encoding="utf-8")

    articles = re.findall(r'<article class="opd" id="opd-([^"]+)">(.*?)</article>', html, re.S)
    assert len(articles) == 26
    n_explained = 0
    for opd_code, article in articles:
        if "poin hilang dari 100" not in article:
            assert "tidak ada selisih poin yang dapat dijelaskan" in article
            continue
        n_explained += 1
        index = re.search(r"Mengapa indeksnya ([\d,]+): ([\d,]+) poin hilang dari 100", article)
        assert _decimal(index.group(2)) == 100 - _decimal(index.group(1))
        table = re.search(r'<table class="explain">(.*?)</table>', article, re.S).group(1)
        lines = [_decimal(v) for v in re.findall(r'<tr><td>[^<]*</td><td class="num">([\d,]+)</td></tr>', table)]
        total = _decimal(re.search(r"<strong>([\d,]+)</strong>", table).group(1))
        assert sum(lines) == total == _decimal(index.group(2)), opd_code
        # Each listed complaint's points (evidence table) add up to the complaints' line.
        evidence = re.search(r'<table class="evidence">(.*?)</table>', article, re.S)
        if evidence:
            points = [_decimal(v) for v in re.findall(r'<td class="num">([\d,]+)</td></tr>', evidence.group(1))]
            listed = re.search(r"(\d+) keluhan terlambat atau menunggak \(poin tiap keluhan di tabel bukti\)", table)
            assert len(points) == int(listed.group(1)) and sum(points) == lines[0], opd_code
        assert "Menuju zona berikutnya: " in article
    assert n_explained == 24
    assert re.search(r"Menuju zona berikutnya: \d+ keluhan lagi dijawab tepat waktu", html)
    assert "Sudah di zona hijau, zona tertinggi." in html
    assert "Penjelasan poin yang hilang" in html  # the rule, in the methodology appendix
    assert "sisa terbesar" in html

    pdf = "\n".join(page.extract_text() for page in PdfReader(str(outcome.folder / REPORT_PDF)).pages)
    assert pdf.count("poin hilang dari 100") == 24 and "Menuju zona berikutnya" in pdf

    monkeypatch.setenv("RAPOR_WAREHOUSE_URL", scored.engine.url.render_as_string(hide_password=False))
    page = opd_page(REGION, OCTOBER, outcome.revision, "DISDUKCAPIL")
    assert "Jelaskan nilai saya" in page and "poin hilang dari 100" in page and "Menuju zona berikutnya" in page
    assert "Poin hilang" in page
