"""Findings an auditor can act on: each late complaint traceable to its source's own ticket (for the
Inspektorat only), grouped per OPD and finding by how late, with what changed since last time."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import numpy as np
from pypdf import PdfReader
from sqlalchemy import select

from rapor.publish.fingerprint import complaint_ref, read_snapshot
from rapor.publish.public_site import build_public_site
from rapor.publish.revisions import INPUTS, REPORT_HTML, REPORT_PDF, publish_month
from rapor.publish.web import opd_page
from rapor.scoring.periods import Period
from rapor.scoring.scorecard import score_region_month
from rapor.scoring.workdays import WorkdayCalendar
from rapor.vocabulary import FINDINGS, SOURCE_LABELS
from rapor.warehouse import schema

REGION, OCTOBER = "52.05", "2026-10"
MONDAY_MORNING = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)
KEY = b"test-pseudonym-key"


def _late_evidence(engine) -> list[tuple[str, str, str]]:
    """(source, complaint_id, opd_code) of October's complaints answered late or not at all."""
    ev = schema.score_evidence
    with engine.connect() as conn:
        return [
            tuple(r)
            for r in conn.execute(
                select(ev.c.source, ev.c.complaint_id, ev.c.opd_code)
                .where(ev.c.period == OCTOBER, ev.c.in_first_response, ~ev.c.first_response_on_time)
                .order_by(ev.c.source, ev.c.complaint_id)
            )
        ]


def _make_confidential(engine, source: str, complaint_id: str) -> None:
    c = schema.complaint
    with engine.begin() as conn:
        conn.execute(
            c.update()
            .where(c.c.source == source, c.c.complaint_id == complaint_id)
            .values(confidential=True, updated_at=datetime.now(UTC))
        )


def _pdf_pages(path) -> list[str]:
    return [page.extract_text() for page in PdfReader(str(path)).pages]


def test_authorised_readers_see_each_complaints_source_ticket_public_files_never(scored, pass_gate, monkeypatch):
    late = _late_evidence(scored.engine)
    secret_source, secret_id, _ = late[0]
    _make_confidential(scored.engine, secret_source, secret_id)
    score_region_month(scored.engine, REGION, Period(2026, 10))
    pass_gate()
    outcome = publish_month(scored.engine, REGION, OCTOBER, now=MONDAY_MORNING)
    html = (outcome.folder / REPORT_HTML).read_text(encoding="utf-8")
    pdf = "\n".join(_pdf_pages(outcome.folder / REPORT_PDF))

    # Every listed late complaint: its reference, its source and the source's own ticket on one row.
    listed = [(s, i, o) for s, i, o in late[1:]]
    assert len(listed) > 100 and {s for s, _, _ in listed} >= {"lapor", "open311", "facebook", "hotline-call"}
    for source, ticket, _ in listed:
        ref = complaint_ref(source, ticket, KEY)
        row = re.search(rf'<tr><td class="code">{ref}</td>(.*?)</tr>', html)
        assert row, ref
        assert f"<td>{SOURCE_LABELS[source]}</td>" in row.group(1) and f">{ticket}</td>" in row.group(1)
        assert ticket in pdf
    assert "Nomor tiket di sumber" in html and "Sumber, nomor tiket di sumber" in pdf.replace("\n", " ")
    # The confidential one: counted, neither its reference nor its ticket anywhere.
    secret_ref = complaint_ref(secret_source, secret_id, KEY)
    for text in (html, pdf):
        assert secret_ref not in text and secret_id not in text
    assert "1 laporan rahasia ikut dihitung tetapi tidak ditampilkan" in html

    # The web view (behind Airflow's login) shows the same.
    monkeypatch.setenv("RAPOR_WAREHOUSE_URL", scored.engine.url.render_as_string(hide_password=False))
    source, ticket, opd_code = listed[0]
    page = opd_page(REGION, OCTOBER, outcome.revision, opd_code)
    assert complaint_ref(source, ticket, KEY) in page and f">{ticket}</td>" in page

    # What leaves the Inspektorat carries no ticket: the public site, and the snapshot (the keyed reference only).
    every_ticket = {t for _, t, _ in late}
    public = build_public_site(scored.engine, REGION, scored.out_dir)
    assert public
    for path in public:
        text = path.read_bytes().decode("utf-8")
        assert not [t for t in every_ticket if t in text], path
    snapshot = (outcome.folder / INPUTS).read_bytes()
    text = str(read_snapshot(outcome.folder / INPUTS))
    assert not [t for t in every_ticket if t in text] and snapshot
    assert complaint_ref(source, ticket, KEY) in text


def test_evidence_is_grouped_by_finding_sorted_by_working_days_late_with_counts_and_buckets(scored, pass_gate):
    pass_gate()
    outcome = publish_month(scored.engine, REGION, OCTOBER, now=MONDAY_MORNING)
    html = (outcome.folder / REPORT_HTML).read_text(encoding="utf-8")
    articles = dict(re.findall(r'<article class="opd" id="opd-([^"]+)">(.*?)</article>', html, re.S))
    calendar = WorkdayCalendar.build("Asia/Makassar", 2026, 2026)
    checked = 0
    for opd_code, article in articles.items():
        table = re.search(r'<table class="evidence">(.*?)</table>', article, re.S)
        if not table:
            continue
        groups = re.findall(
            r'<tr class="group"><th colspan="\d+">([^<]+) \((\d+)\)</th></tr>(.*?)</tbody>', table.group(1), re.S
        )
        order = [FINDINGS.index(g[0].lower()) for g in groups]
        assert order == sorted(order), opd_code  # most urgent finding first
        for finding, count, body in groups:
            rows = re.findall(r"<tr>(.*?)</tr>", body, re.S)
            assert len(rows) == int(count)
            cells = [re.findall(r"<td[^>]*>(.*?)</td>", r) for r in rows]
            days = [int(c[9]) for c in cells]
            assert days == sorted(days, reverse=True), (opd_code, finding)  # the latest first
            assert all(finding.lower() == c[10].split(", ")[0] for c in cells)
            checked += len(rows)
        # Counts per finding, by how late: each bucket row adds up; the total counts each complaint once.
        counts = re.search(r'<table class="compact findings">(.*?)</table>', article, re.S).group(1)
        for name, total, buckets in re.findall(
            r'<tr(?: class="total")?><t[dh]>([^<]+)</t[dh]><td class="num">(\d+)</td>'
            r'((?:<td class="num">\d+</td>)+)</tr>',
            counts,
        ):
            assert sum(int(n) for n in re.findall(r"\d+", buckets)) == int(total), (opd_code, name)
        assert f'<td class="num">{sum(len(re.findall(r"<tr>", g[2])) for g in groups)}</td>' in counts
    assert checked > 300

    # Working days late = working days after the deadline's day up to the day it was met (or the month's end).
    row = re.search(
        r"<tr><td class=\"code\">k-[0-9a-f]+</td><td>[^<]+</td><td class=\"code ticket\">[^<]+</td><td>[^<]+</td>"
        r"<td>[^<]+</td><td>(\d+) (\w+) 2026 23\.59</td><td>(\d+) (\w+) 2026 [\d.]+</td><td>[^<]+</td><td>[^<]+</td>"
        r'<td class="num">(\d+)</td><td>tanggapan pertama terlambat</td>',
        html,
    )
    months = {"Agu": 8, "Sep": 9, "Okt": 10, "Nov": 11}
    deadline = np.datetime64(date(2026, months[row.group(2)], int(row.group(1))), "D")
    answered = np.datetime64(date(2026, months[row.group(4)], int(row.group(3))), "D")
    expected = calendar.workdays_between(np.array([deadline]), np.array([answered]))[0]
    assert int(row.group(5)) == expected and expected >= 0


def test_pdf_continuation_pages_of_an_evidence_table_repeat_the_opd(scored, pass_gate):
    pass_gate()
    outcome = publish_month(scored.engine, REGION, OCTOBER, now=MONDAY_MORNING)
    pages = _pdf_pages(outcome.folder / REPORT_PDF)
    refs_pages = [p for p in pages if re.search(r"^k-[0-9a-f]{6}", p, re.M)]
    assert len(refs_pages) > 10
    for page in refs_pages:
        # Every page with evidence rows names the OPD they belong to in the table's repeated title row.
        assert re.search(r"Bukti [^\n]+\(([A-Z0-9-]+)\): keluhan terlambat atau menunggak", page), page[:300]
    # RSUD's evidence runs over several pages: each of them says so.
    rsud = [p for p in pages if "Bukti RSUD Dompu (RSUD): keluhan terlambat" in p]
    assert len(rsud) >= 2


def test_report_says_what_changed_since_the_last_revision_and_the_last_month(scored, pass_gate):
    pass_gate()
    first = publish_month(scored.engine, REGION, OCTOBER, now=MONDAY_MORNING)
    html = (first.folder / REPORT_HTML).read_text(encoding="utf-8")
    changes = re.search(r'<h3 id="yang-berubah">Yang berubah</h3>(.*?)</ul>', html, re.S).group(1)
    assert "Sejak revisi sebelumnya: Revisi pertama bulan ini." in changes
    assert "Sejak September 2026: median indeks daerah" in changes and "naik zona" in changes
    assert "Kecamatan Dompu: kuning → hijau" in changes  # C in September, B in October

    august = publish_month(scored.engine, REGION, "2026-08", now=MONDAY_MORNING)
    text = (august.folder / REPORT_HTML).read_text(encoding="utf-8")
    assert "Sejak Juli 2026: bulan itu belum dinilai" in text

    late = _late_evidence(scored.engine)
    _make_confidential(scored.engine, *late[0][:2])
    score_region_month(scored.engine, REGION, Period(2026, 10))
    second = publish_month(scored.engine, REGION, OCTOBER, now=MONDAY_MORNING)
    pdf = " ".join(_pdf_pages(second.folder / REPORT_PDF)).replace("\n", " ")
    assert "Yang berubah" in pdf and "Sejak revisi sebelumnya: " in pdf and "Perubahan sejak revisi 1" in pdf


def _set_source_url(engine, source: str, complaint_id: str, url: str) -> None:
    c = schema.complaint
    with engine.begin() as conn:
        conn.execute(c.update().where(c.c.source == source, c.c.complaint_id == complaint_id).values(source_url=url))


def test_a_complaint_with_a_link_at_its_source_opens_there_for_authorised_readers_only(scored, pass_gate):
    # A collected Facebook comment keeps the Graph API's permalink_url (complaint.source_url).
    late = [(s, i) for s, i, _ in _late_evidence(scored.engine)]
    (linked_source, linked), (hostile_source, hostile) = late[0], late[1]
    link = "https://www.facebook.com/19292868552/posts/10158407654328553/?comment_id=10158407835073553"
    _set_source_url(scored.engine, linked_source, linked, link)
    _set_source_url(scored.engine, hostile_source, hostile, "javascript:alert(1)")
    pass_gate()
    outcome = publish_month(scored.engine, REGION, OCTOBER, now=MONDAY_MORNING)
    html = (outcome.folder / REPORT_HTML).read_text(encoding="utf-8")
    assert f'<a href="{link.replace("&", "&amp;")}" rel="noreferrer noopener">{linked}</a>' in html
    assert f'<td class="code ticket">{hostile}</td>' in html and "javascript:" not in html  # only web links
    uris = [
        a.get_object()["/A"]["/URI"]
        for page in PdfReader(str(outcome.folder / REPORT_PDF)).pages
        for a in page.get("/Annots") or []
        if "/A" in a.get_object() and "/URI" in a.get_object()["/A"]
    ]
    assert link in uris and not [u for u in uris if u.startswith("javascript")]
    # Never in what leaves the Inspektorat.
    for path in build_public_site(scored.engine, REGION, scored.out_dir):
        assert "facebook.com/19292868552" not in path.read_bytes().decode("utf-8"), path
    assert "facebook.com/19292868552" not in str(read_snapshot(outcome.folder / INPUTS))
