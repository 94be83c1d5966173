"""The Inspektorat's report: Indonesian, zones, evidence without identities, PDF, methodology."""

from __future__ import annotations

import csv
import re
from datetime import UTC, datetime

import pandas as pd
import pytest
from pypdf import PdfReader
from sqlalchemy import select

from rapor.config import DEFAULT_POLICY_PATH
from rapor.policy import load_policy
from rapor.publish.inputs import complaint_ref
from rapor.publish.revisions import (
    BKD_CSV,
    BKD_EXCEL_CSV,
    INPUTS,
    MANIFEST,
    REPORT_HTML,
    REPORT_PDF,
    SCORECARD,
    publish_month,
)
from rapor.publish.worktime import working_hours
from rapor.scoring.periods import Period
from rapor.scoring.scorecard import score_region_month
from rapor.scoring.workdays import WorkdayCalendar
from rapor.warehouse import schema

REGION, OCTOBER = "52.05", "2026-10"
MONDAY_MORNING = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)


def pdf_text(path) -> list[str]:
    return [page.extract_text() for page in PdfReader(str(path)).pages]


def personal_data(files, with_ids: bool = True) -> set[str]:
    """Every reporter identity and every identifier inside the complaint texts of the demo source
    files, plus (``with_ids``) the complaint ids: none of it may appear in anything published (the
    Inspektorat's report shows the source's ticket of each listed complaint: ids left out there)."""
    rows = list(csv.DictReader(files.complaints.open(encoding="utf-8")))
    rows += pd.read_excel(files.hotline, dtype=str).fillna("").to_dict("records")
    found = set()
    for r in rows:
        if r["reporter"] and r["reporter"] != "Anonim":
            found.add(r["reporter"])
        found.update(re.findall(r"[\w.]+@[\w.]+\.\w+|\+62 8\d{2}-\d{4}-\d{4}|\b08\d{10}\b|\b\d{16}\b", r["text"]))
        if with_ids:
            found.add(r["complaint_id"])
        found.add(r["text"])
    return {f for f in found if len(f) >= 6}


def test_report_is_in_indonesian_with_zones_categories_trends_and_times(scored, pass_gate):
    pass_gate(data_docs_path="/srv/rapor/expectations/uncommitted/data_docs/local_site/index.html")
    outcome = publish_month(scored.engine, REGION, OCTOBER, now=MONDAY_MORNING)
    html = (outcome.folder / REPORT_HTML).read_text(encoding="utf-8")

    assert '<html lang="id">' in html
    assert "Kabupaten Dompu (52.05) &middot; Oktober 2026 &middot; revisi 1" in html
    assert "Senin, 2 November 2026 pukul 09.00 WITA" in html  # published at, local time and zone
    assert "Asia/Makassar (WITA)" in html
    assert "Perubahan dari September 2026" in html
    assert "Mei 2026 – Oktober 2026" in html  # six-month trend window
    assert not re.search(r"\b(October|November 2026 at|Monday)\b", html)
    for zone in ("hijau", "kuning", "merah"):
        assert f'class="zone zone-{zone}"' in html
    assert html.count("<svg") == 1 + 26  # the region's trend and one per OPD
    assert "jam hari kerja" in html and "persentil 90" in html
    assert "Batas banding ke Inspektorat" in html or "batas banding ke Inspektorat" in html
    # The gate's Data Docs are not on this machine: no link at all, and never an absolute local path.
    assert "file://" not in html and "/srv/rapor" not in html
    assert "Lampiran: metodologi" in html
    # Ranked: the first row of the table is the highest index.
    ranked = re.findall(r'<td class="num">(\d+,\d\d)</td>\s*<td class="cat">', html)
    values = [float(v.replace(",", ".")) for v in ranked]
    assert values == sorted(values, reverse=True) and len(values) == 24  # 2 OPDs are not rated


def test_nothing_published_carries_personal_data_or_confidential_reports(scored, pass_gate):
    # A late complaint of October is confidential: it counts, but is never listed.
    ev, c = schema.score_evidence, schema.complaint
    with scored.engine.begin() as conn:
        source, complaint_id = conn.execute(
            select(ev.c.source, ev.c.complaint_id)
            .where(ev.c.period == OCTOBER, ev.c.in_first_response, ~ev.c.first_response_on_time)
            .order_by(ev.c.source, ev.c.complaint_id)
            .limit(1)
        ).one()
        conn.execute(
            c.update()
            .where(c.c.source == source, c.c.complaint_id == complaint_id)
            .values(confidential=True, updated_at=datetime.now(UTC))
        )
    score_region_month(scored.engine, REGION, Period(2026, 10))
    pass_gate()
    outcome = publish_month(scored.engine, REGION, OCTOBER, now=MONDAY_MORNING)

    html = (outcome.folder / REPORT_HTML).read_text(encoding="utf-8")
    texts = {
        REPORT_HTML: html,
        REPORT_PDF: "\n".join(pdf_text(outcome.folder / REPORT_PDF)),
        SCORECARD: (outcome.folder / SCORECARD).read_text(encoding="utf-8"),
        BKD_CSV: (outcome.folder / BKD_CSV).read_text(encoding="utf-8"),
        BKD_EXCEL_CSV: (outcome.folder / BKD_EXCEL_CSV).read_text(encoding="utf-8-sig"),
        MANIFEST: (outcome.folder / MANIFEST).read_text(encoding="utf-8"),
    }
    secrets, without_ids = personal_data(scored.files), personal_data(scored.files, with_ids=False)
    assert len(without_ids) > 1000 and len(secrets) > len(without_ids) + 1000
    for name, text in texts.items():
        report = name in (REPORT_HTML, REPORT_PDF)  # the Inspektorat's: source tickets of listed complaints
        leaked = sorted(s for s in (without_ids if report else secrets) if s in text)
        assert leaked == [], f"{name} leaks {leaked[:5]}"
        assert complaint_id not in text  # the confidential complaint's ticket: nowhere
    refs = set(re.findall(r"k-[0-9a-f]{16}", html))
    assert len(refs) > 100  # the evidence is listed by pseudonymous reference
    hidden = complaint_ref(source, complaint_id, b"test-pseudonym-key")
    assert hidden not in html and hidden not in texts[REPORT_PDF]
    assert "1 laporan rahasia ikut dihitung tetapi tidak ditampilkan" in html


def test_pdf_is_a_valid_pdf_with_the_reports_pages(scored, pass_gate):
    pass_gate()
    outcome = publish_month(scored.engine, REGION, OCTOBER, now=MONDAY_MORNING)
    data = (outcome.folder / REPORT_PDF).read_bytes()
    assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
    pages = pdf_text(outcome.folder / REPORT_PDF)
    reader = PdfReader(str(outcome.folder / REPORT_PDF))
    assert reader.metadata.title == "Rapor Kabupaten Dompu Oktober 2026 revisi 1"
    assert len(pages) >= 5
    first = pages[0]
    assert "Rapor Kepatuhan Pelayanan Publik OPD" in first
    assert "Kabupaten Dompu (52.05) · Oktober 2026 · revisi 1" in first
    assert "Senin, 2 November 2026 pukul 09.00 WITA" in first
    assert "2. Peringkat OPD" in "\n".join(pages[:2])
    assert "Dinas Perdagangan" in "\n".join(pages[:2])
    whole = "\n".join(pages)
    assert "Halaman 1" in first and f"Halaman {len(pages)}" in pages[-1]
    assert "Lampiran: metodologi" in whole
    assert "C, 3 bulan berturut-turut: 2,5 + 2,5 × (3 − 2) = 5,0%" in whole.replace("\n", " ")
    # Same inputs and publication time give the same PDF bytes (reportlab's invariant mode).
    from rapor.publish.fingerprint import read_snapshot
    from rapor.publish.inputs import recompute_rows
    from rapor.publish.pdf import render_pdf
    from rapor.publish.report import build_context
    from rapor.publish.revisions import list_revisions, read_manifest, revision_info
    from rapor.publish.tickets import source_tickets

    snapshot = read_snapshot(outcome.folder / INPUTS)
    with scored.engine.connect() as conn:
        earlier = list_revisions(conn, REGION, OCTOBER)
    tickets = source_tickets(scored.engine, REGION, OCTOBER, [e["ref"] for e in snapshot["evidence"]])
    info = revision_info(read_manifest(outcome.folder), earlier)
    assert render_pdf(build_context(snapshot, recompute_rows(snapshot), info, tickets)) == data
    assert render_pdf(build_context(snapshot, recompute_rows(snapshot), info)) != data  # without the tickets


def test_methodology_appendix_is_generated_from_the_policy_actually_used(scored, tmp_path, monkeypatch):
    text = DEFAULT_POLICY_PATH.read_text(encoding="utf-8")
    changed = (
        text.replace("small_number_k: 5", "small_number_k: 7")
        .replace("appeal_window_hk: 10", "appeal_window_hk: 12")
        .replace("  aplikasi: 5", "  aplikasi: 4")
    )
    assert changed.count("7") > text.count("7") and "appeal_window_hk: 12" in changed and "aplikasi: 4" in changed
    policy_file = tmp_path / "dompu.yaml"
    policy_file.write_text(changed, encoding="utf-8")
    monkeypatch.setenv("RAPOR_POLICY", str(policy_file))
    score_region_month(scored.engine, REGION, Period(2026, 10))
    outcome = publish_month(scored.engine, REGION, OCTOBER, now=MONDAY_MORNING)
    html = (outcome.folder / REPORT_HTML).read_text(encoding="utf-8")
    appendix = html[html.index("Lampiran: metodologi") :]

    assert load_policy().source_hash in appendix and "dompu.yaml" in appendix
    assert "k = 7" in appendix
    assert "Aplikasi 4 HK, Media sosial 1 HK, Hotline 1 HK" in appendix
    assert "Masa banding ke Inspektorat: 12 HK" in appendix
    assert (
        "Nilai responsivitas = 40 × tanggapan tepat waktu + 40 × penyelesaian tepat waktu + 20 × pengaduan tidak "
        "menunggak" in appendix
    )
    assert "Nilai standar pelayanan = 21,85 × Input + 32,37 × Proses + 24,24 × Output + 21,54 × Pengaduan" in appendix
    assert "disesuaikan menjadi 0,9079" in appendix  # the example, with k = 7: (12 + 7 × 0,75) / 19
    assert "A ≥ 88; B ≥ 78; C ≥ 54; D ≥ 32; E &lt; 32" in appendix

    # Scored with another policy than the one now configured: publishing refuses, naming both.
    monkeypatch.delenv("RAPOR_POLICY")
    from rapor.publish.inputs import PublicationError

    with pytest.raises(PublicationError, match="policy"):
        publish_month(scored.engine, REGION, OCTOBER)


def test_working_hours_skip_weekends_and_holidays():
    calendar = WorkdayCalendar.build("Asia/Makassar", 2026, 2026)
    starts = pd.Series(
        pd.to_datetime(
            [
                "2026-10-16T16:00:00+08:00",
                "2026-08-14T15:00:00+08:00",
                "2026-10-12T09:00:00+08:00",
                "2026-10-17T10:00:00+08:00",
            ],
            utc=True,
        )
    )
    ends = pd.Series(
        pd.to_datetime(
            ["2026-10-19T09:00:00+08:00", "2026-08-18T10:00:00+08:00", "2026-10-12T10:30:00+08:00", None], utc=True
        )
    )
    hours = working_hours(starts, ends, calendar)
    # Friday 16:00 → Monday 09:00: 8 h of Friday + 9 h of Monday = 17.
    # Friday 14 Aug 15:00 → Tuesday 18 Aug 10:00, Monday 17 Aug (Kemerdekaan) off: 9 + 10 = 19.
    # Same day 09:00 → 10:30: 1.5. Not answered yet: NaN.
    assert list(hours[:3]) == [17.0, 19.0, 1.5]
    assert pd.isna(hours[3])


def text_runs(path) -> list[dict]:
    """Every piece of text the PDF shows: page, text, position and size in page space, font name."""
    runs: list[dict] = []
    for number, page in enumerate(PdfReader(str(path)).pages):

        def visit(text, cm, tm, font, size, number=number):
            if text.strip():
                a, b, c, d, e, f = cm
                x, y = tm[4] * a + tm[5] * c + e, tm[4] * b + tm[5] * d + f
                scale = (tm[0] * a + tm[1] * c) if tm[0] else 1
                runs.append(
                    {"page": number, "text": text.strip("\n"), "x": x, "y": y, "size": size * scale, "font": font}
                )

        page.extract_text(visitor_text=visit)
    return runs


def test_pdf_has_the_glyphs_bookmarks_metadata_readable_evidence_and_unclipped_cells(scored, pass_gate):
    from reportlab.pdfbase import pdfmetrics

    from rapor.publish.pdf import FONT, FONT_BOLD, register_fonts

    pass_gate()
    outcome = publish_month(scored.engine, REGION, OCTOBER, now=MONDAY_MORNING, published_by="inspektur.dompu")
    path = outcome.folder / REPORT_PDF
    reader = PdfReader(str(path))
    # Metadata: title, author (who published), creation date = the publication instant.
    meta = reader.metadata
    assert meta.title == "Rapor Kabupaten Dompu Oktober 2026 revisi 1"
    assert meta.author == "Rapor, diterbitkan oleh inspektur.dompu"
    assert meta.creation_date == MONDAY_MORNING and meta.modification_date == MONDAY_MORNING
    assert "/CreationDate" in reader.trailer["/Info"] and str(reader.trailer["/Info"]["/CreationDate"]).startswith(
        "D:20261102090000+08'00'"
    )

    # Bookmarks: every section, the OPDs nested under section 4.
    outline = reader.outline
    top = [item.title for item in outline if not isinstance(item, list)]
    assert top[:2] == ["1. Ringkasan Oktober 2026", "2. Peringkat OPD"]
    assert "4. Rincian per OPD" in top and "5. Mutu data" in top and top[-1] == "Lampiran: metodologi"
    nested = outline[top.index("4. Rincian per OPD") + 1]
    assert isinstance(nested, list) and len(nested) == 26
    assert any("Dinas Perdagangan" in item.title for item in nested)
    first_opd_page = reader.get_destination_page_number(nested[0])
    assert first_opd_page >= reader.get_destination_page_number(outline[top.index("4. Rincian per OPD")])

    # p̄ of the methodology: drawn in a font that has the combining macron (Vera has none).
    register_fonts()
    whole = "\n".join(pdf_text(path))
    assert "p̄" in whole
    for name in (FONT, FONT_BOLD):
        face = pdfmetrics.getFont(name).face
        missing = {ch for ch in whole if not ch.isspace() and ord(ch) not in face.charToGlyph}
        assert missing == set(), f"{name} lacks {missing}"

    runs = text_runs(path)
    # Evidence text at 8 pt or more: every run of an evidence row (its reference starts "k-").
    evidence_pages = {r["page"] for r in runs if re.match(r"Bukti .*: keluhan terlambat", r["text"])}
    refs = [r for r in runs if r["page"] in evidence_pages and re.fullmatch(r"k-[0-9a-f]+", r["text"])]
    assert len(refs) > 100
    rows = {(r["page"], round(r["y"])) for r in refs}
    in_rows = [r for r in runs if (r["page"], round(r["y"])) in rows]
    assert min(r["size"] for r in in_rows) >= 8

    # No cell's text runs into the next one (the zone column said "tidak dinilai" over its border).
    fonts = {"RaporSans": FONT, "RaporSans-Bold": FONT_BOLD}
    lines: dict = {}
    for r in runs:
        lines.setdefault((r["page"], round(r["y"], 1)), []).append(r)
    not_rated = [r for r in runs if r["page"] <= 2 and "tidak dinilai" in r["text"].replace("\n", " ")]
    assert not_rated or [r for r in runs if r["text"] == "tidak"]
    for line in lines.values():
        line.sort(key=lambda r: r["x"])
        for left, right in zip(line, line[1:], strict=False):
            base = str(left["font"].get("/BaseFont", "")).split("+")[-1]
            width = pdfmetrics.stringWidth(left["text"], fonts.get(base, FONT), left["size"])
            assert left["x"] + width <= right["x"] + 0.5, (left["text"], right["text"], left["page"])
