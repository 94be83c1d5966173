"""Plain Indonesian for readers: labels instead of the formulas' symbols, no field names, one term per
concept, and the small-number adjustment explained where its numbers appear (HTML, PDF, web page)."""

from __future__ import annotations

import html as html_lib
import re
from datetime import UTC, datetime

from pypdf import PdfReader

from rapor.publish.revisions import REPORT_HTML, REPORT_PDF, publish_month
from rapor.publish.web import opd_page
from rapor.vocabulary import INDICATOR_LABELS, LABEL_R1, LABEL_R2, LABEL_R3, LABEL_S_RESP, LABEL_S_SOP

REGION, OCTOBER = "52.05", "2026-10"
MONDAY_MORNING = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)
# What a reader must not meet: the formulas' symbols, field and column names, the holidays package's words.
IDENTIFIERS = re.compile(
    r"\bS_resp\b|\bS_sop\b|\bR[123]\b|\bR[12]'|_at\b|\bp90\b|\bpublic\b|\bgovernment\b|\bopd_code\b|\bn_\w+"
)
SNAKE_CASE = re.compile(r"\b[a-z]+(?:_[a-z0-9]+)+\b")


def _reader_text(markup: str) -> str:
    """The text a reader sees: no tags, no style sheet, without the GX rule names shown as a detail."""
    markup = re.sub(r"<style>.*?</style>|<title>.*?</title>", "", markup, flags=re.S)
    text = html_lib.unescape(re.sub(r"<[^>]+>", " ", markup))
    return re.sub(r"\(aturan GX: [^)]*\)", "", text)


def _identifiers(text: str) -> list[str]:
    found = IDENTIFIERS.findall(text) + [w for w in SNAKE_CASE.findall(text) if w not in INDICATOR_LABELS]
    return sorted(set(found))


def test_readers_meet_labels_not_identifiers_and_the_adjustment_explained(scored, pass_gate, monkeypatch):
    pass_gate()
    outcome = publish_month(scored.engine, REGION, OCTOBER, now=MONDAY_MORNING)
    html = (outcome.folder / REPORT_HTML).read_text(encoding="utf-8")
    text = _reader_text(html)
    pdf = " ".join(p.extract_text() for p in PdfReader(str(outcome.folder / REPORT_PDF)).pages)
    monkeypatch.setenv("RAPOR_WAREHOUSE_URL", scored.engine.url.render_as_string(hide_password=False))
    page = _reader_text(opd_page(REGION, OCTOBER, outcome.revision, "DISDAG"))

    for name, body in (("report.html", text), ("report.pdf", pdf), ("web OPD page", page)):
        assert _identifiers(body) == [], name
        for label in (LABEL_R1, LABEL_R2, LABEL_R3, LABEL_S_RESP, LABEL_S_SOP):
            assert label in body.replace("\n", " "), (name, label)
    assert "kategori public" not in text and "hari libur nasional dan cuti bersama" in text

    # The adjustment, where its numbers are: DISDAG answered 12 of 12 in time, scored 0,8930.
    article = _reader_text(re.search(r'<article class="opd" id="opd-DISDAG">(.*?)</article>', html, re.S).group(1))
    sentence = "12 dari 12 tepat waktu, disesuaikan menjadi 0,8930 karena data sedikit"
    assert sentence in article and sentence in page and sentence in pdf.replace("\n", " ")
    assert "Penyesuaian karena data sedikit" in text and "angka kecil" not in text

    # One term per concept: "tidak dinilai" is the status (no service-standard score), "belum dinilai" a
    # month never scored; the trend of an OPD without any index says neither.
    assert html.count('<span class="zone zone-none">tidak dinilai</span>') == 2 + 2  # ranking and their sections
    assert html.count(">tidak ada indeks</text>") == 2  # their trend charts
    appendix = text[text.index("Lampiran: metodologi") :]
    assert text.count("belum dinilai") == appendix.count("belum dinilai") == 1
    august = publish_month(scored.engine, REGION, "2026-08", now=MONDAY_MORNING)
    assert "bulan itu belum dinilai" in _reader_text((august.folder / REPORT_HTML).read_text(encoding="utf-8"))
