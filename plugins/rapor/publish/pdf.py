"""The Inspektorat's report as PDF, from the same context as the HTML (rapor.publish.report).

Pure Python (reportlab), so ``make demo`` makes it on a laptop without a browser. Text is
set in DejaVu Sans (``publish/fonts/``, Bitstream Vera licence), which covers the characters
the report uses (− × ≥ — → … the combining macron of p̄, and Indonesian text); reportlab's
own Vera lacks p̄ and the arrows. Every section heading is a bookmark (OPDs nested under
section 4); the document's creation date is the publication instant, so the output stays
``invariant``: the same context gives the same bytes.
"""

from __future__ import annotations

import io
import os
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

from rapor.publish.charts import Geometry, trend_geometry
from rapor.vocabulary import (
    GATE_NOT_CHECKED,
    GATE_PASSED,
    LABEL_R1,
    LABEL_R2,
    LABEL_R3,
    LABEL_S_RESP,
    LABEL_S_SOP,
    NOT_RATED_COLOUR,
    NOT_RATED_TINT,
    STATUS_NOT_RATED,
    ZONE_COLOURS,
    ZONE_TINTS,
    ZONES,
)

if TYPE_CHECKING:  # reportlab itself is imported where a PDF is made
    from reportlab.lib.styles import ParagraphStyle

FONT = "RaporSans"
FONT_BOLD = "RaporSans-Bold"
ZONE_FILL = {**ZONE_COLOURS, None: NOT_RATED_COLOUR}
ZONE_TINT = {**ZONE_TINTS, None: NOT_RATED_TINT}
FONT_DIR = Path(__file__).with_name("fonts")
FONT_FILES = {FONT: "DejaVuSans.ttf", FONT_BOLD: "DejaVuSans-Bold.ttf"}
EVIDENCE_SIZE = 8  # pt: the evidence tables are read, not glanced at
HEADING_COLOUR, GRID_LINE, HEADER_FILL = "#1f3b73", "#c8c8c8", "#eef1f6"
RANKING_HEAD = (
    "#",
    "OPD",
    "Indeks",
    "Kat.",
    "Zona",
    "Perubahan dari {previous_month}",
    LABEL_S_RESP,
    LABEL_S_SOP,
    f"{LABEL_R1} (tepat/dinilai)",
    f"{LABEL_R2} (tepat/dinilai)",
    f"{LABEL_R3} (menunggak/terbuka)",
    "Status",
    "TPP",
)
RANKING_WIDTHS = (0.8, 5.6, 1.4, 0.9, 2.1, 2.5, 1.3, 1.3, 2.3, 2.3, 2.6, 2.0, 1.2)  # cm
# The evidence table: (heading, key of the item, width in cm); the ticket columns only for authorised readers.
EVIDENCE_COLUMNS = (
    ("Rujukan", "ref", 3.6),
    ("Sumber, nomor tiket di sumber", "source_ticket", 2.6),
    ("Kanal, jenis", "channel_kind", 2.3),
    ("Mulai", "clock_start", 2.3),
    ("Batas tanggapan", "first_deadline", 2.3),
    ("Tanggapan pertama", "first_response", 2.3),
    ("Batas selesai", "resolution_deadline", 2.3),
    ("Selesai", "resolved", 2.3),
    ("Lewat batas (HK)", "days_late", 1.4),
    ("Temuan", "findings", 3.7),
    ("Poin hilang", "points", 1.5),
)
TICKET_KEY = "source_ticket"


@lru_cache(maxsize=1)
def register_fonts() -> None:
    """Register DejaVu Sans (regular, bold) under FONT and FONT_BOLD, once per process."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    for name, file in FONT_FILES.items():
        pdfmetrics.registerFont(TTFont(name, os.fspath(FONT_DIR / file)))
    pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=FONT_BOLD, italic=FONT, boldItalic=FONT_BOLD)


def _t(text) -> str:
    """Text for a reportlab Paragraph: markup characters escaped."""
    return escape("" if text is None else str(text))


def render_pdf(context: dict) -> bytes:
    """The report as PDF bytes (A4 landscape): the sections in order, a footer on every page."""
    register_fonts()
    styles = _styles()
    story = [
        *_title(context, styles),
        *_summary(context, styles),
        *_ranking(context, styles),
        *_trends(context, styles),
        *_opd_details(context, styles),
        *_data_quality(context, styles),
        *_revision_history(context, styles),
        *_appendix(context, styles),
    ]
    return _build(story, context)


@dataclass(frozen=True)
class _Styles:
    """The paragraph styles and the table grid the sections share."""

    base: ParagraphStyle
    small: ParagraphStyle
    tiny: ParagraphStyle
    zone: ParagraphStyle  # white on the zone's colour, wrapped inside its cell
    evidence: ParagraphStyle
    evidence_head: ParagraphStyle
    h1: ParagraphStyle
    h2: ParagraphStyle
    h3: ParagraphStyle
    grid: tuple  # TableStyle commands: thin grid, bold header row


def _styles() -> _Styles:
    from reportlab.lib import colors
    from reportlab.lib.styles import ParagraphStyle

    base = ParagraphStyle("base", fontName=FONT, fontSize=8.5, leading=11)
    return _Styles(
        base=base,
        small=ParagraphStyle("small", parent=base, fontSize=7, leading=8.6),
        tiny=ParagraphStyle("tiny", parent=base, fontSize=6.3, leading=7.6),
        zone=ParagraphStyle("zone", parent=base, fontSize=6.3, leading=7.6, textColor=colors.white),
        evidence=ParagraphStyle("evidence", parent=base, fontSize=EVIDENCE_SIZE, leading=EVIDENCE_SIZE * 1.2),
        evidence_head=ParagraphStyle(
            "evidence_head", parent=base, fontName=FONT_BOLD, fontSize=EVIDENCE_SIZE, leading=EVIDENCE_SIZE * 1.2
        ),
        h1=ParagraphStyle("h1", parent=base, fontName=FONT_BOLD, fontSize=16, leading=20, spaceAfter=2),
        h2=ParagraphStyle(
            "h2",
            parent=base,
            fontName=FONT_BOLD,
            fontSize=12,
            leading=15,
            spaceBefore=10,
            spaceAfter=4,
            textColor=colors.HexColor(HEADING_COLOUR),
        ),
        h3=ParagraphStyle("h3", parent=base, fontName=FONT_BOLD, fontSize=9.5, leading=12, spaceBefore=8, spaceAfter=3),
        grid=(
            ("FONT", (0, 0), (-1, -1), FONT, 7),
            ("FONT", (0, 0), (-1, 0), FONT_BOLD, 7),
            ("GRID", (0, 0), (-1, -1), 0.3, colors.HexColor(GRID_LINE)),
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor(HEADER_FILL)),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("TOPPADDING", (0, 0), (-1, -1), 1.5),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
        ),
    )


# --- the sections, in the order of the report ------------------------------------------------


def _title(ctx: dict, st: _Styles) -> list:
    """The report's name, the publication facts and the data-quality gate banner."""
    from reportlab.lib.units import cm
    from reportlab.platypus import Paragraph, Table

    region, tz = ctx["region"], ctx["region"]["zone_abbr"]
    facts = [
        ["Terbit", Paragraph(_t(ctx["published_at"]), st.small)],
        [
            "Zona waktu",
            Paragraph(_t(f"{region['timezone']} ({tz}); semua waktu dalam laporan ini waktu setempat"), st.small),
        ],
        ["Alasan revisi", Paragraph(_t(ctx["reason"]), st.small)],
        ["Metode", Paragraph(_t(f"versi {ctx['method_version']}; kebijakan SHA-256 {ctx['policy_sha256']}"), st.small)],
        ["Sidik jari masukan", Paragraph(_t(ctx["inputs_sha256"]), st.small)],
    ]
    heading = f"{region['region_name']} ({region['region_code']}) · {ctx['month']} · revisi {ctx['revision']}"
    return [
        Paragraph("LAPORAN UNTUK INSPEKTORAT DAERAH", st.small),
        Paragraph("Rapor Kepatuhan Pelayanan Publik OPD", st.h1),
        Paragraph(_t(heading), st.h3),
        Table(
            facts,
            colWidths=[3.2 * cm, 22 * cm],
            style=[("FONT", (0, 0), (0, -1), FONT_BOLD, 7.5), ("VALIGN", (0, 0), (-1, -1), "TOP")],
        ),
        *_gate_banner(ctx, st),
    ]


def _gate_banner(ctx: dict, st: _Styles) -> list:
    """Green when the gate passed (TPP recommendation in force), yellow while the month is unchecked."""
    from reportlab.lib import colors
    from reportlab.lib.units import cm
    from reportlab.platypus import Paragraph, Spacer, Table

    if ctx["gate_status"] == GATE_PASSED:
        banner = f"Gerbang mutu data: LULUS (diperiksa {ctx['gate_checked_at']})."
        if ctx["appeal_deadline"]:
            banner += f" Rekomendasi TPP diterbitkan untuk BKD; batas banding ke Inspektorat: {ctx['appeal_deadline']}."
        fill, edge = "#e3f2e5", "#2e7d32"
    else:
        banner = (
            f"Gerbang mutu data: {ctx['gate_label'].upper()}. Bulan ini belum diperiksa gerbang mutu data, sehingga "
            "rekomendasi potongan TPP belum berlaku dan berkas BKD tidak diterbitkan. Rapor ini untuk pemantauan."
        )
        fill, edge = "#fff3c4", "#b58900"
    return [
        Spacer(1, 6),
        Table(
            [[Paragraph(_t(banner), st.base)]],
            colWidths=[25.5 * cm],
            style=[
                ("BACKGROUND", (0, 0), (-1, -1), colors.HexColor(fill)),
                ("BOX", (0, 0), (-1, -1), 0.8, colors.HexColor(edge)),
            ],
        ),
    ]


def _summary(ctx: dict, st: _Styles) -> list:
    """1. The region's figures beside the six-month trend of its median index."""
    from reportlab.lib import colors
    from reportlab.lib.units import cm
    from reportlab.platypus import Paragraph, Table

    chart = to_drawing(
        trend_geometry(
            ctx["trend_labels"], ctx["region_trend_values"], ctx["zone_table"], width=330, height=130, show_values=True
        )
    )
    figures = Table(
        [[Paragraph(_t(a), st.small), Paragraph(_t(b), st.small)] for a, b in _summary_rows(ctx)],
        colWidths=[5 * cm, 8.2 * cm],
        style=[("GRID", (0, 0), (-1, -1), 0.3, colors.HexColor(GRID_LINE))],
    )
    caption = f"Tren median indeks daerah, {ctx['trend_months'][0]} – {ctx['trend_months'][-1]}"
    return [
        Paragraph(_t(f"1. Ringkasan {ctx['month']}"), st.h2),
        Table(
            [[figures, [chart, Paragraph(_t(caption), st.tiny)]]],
            colWidths=[13.6 * cm, 12 * cm],
            style=[("VALIGN", (0, 0), (-1, -1), "TOP")],
        ),
        Paragraph("Yang berubah", st.h3),
        *(Paragraph("• " + _t(line), st.small) for line in change_lines(ctx)),
    ]


def change_lines(ctx: dict) -> list[str]:
    """The "what changed" lines: since the previous revision, since the previous month (as the HTML says)."""
    c, previous = ctx["changes"], ctx["previous_month"]
    lines = [f"Sejak revisi sebelumnya: {c['since_revision']}"]
    if not c["previous_scored"]:
        return [*lines, f"Sejak {previous}: bulan itu belum dinilai, jadi belum ada pembanding."]
    head = f"Sejak {previous}:" + (f" median indeks daerah {c['median']};" if c["median"] else "")
    head += f" {len(c['better'])} OPD naik zona, {len(c['worse'])} OPD turun zona"
    if c["rated"]:
        head += f", {len(c['rated'])} OPD kini dinilai"
    if c["unrated"]:
        head += f", {len(c['unrated'])} OPD kini {STATUS_NOT_RATED}"
    lines.append(head + ".")
    for label, items in (
        ("Naik zona", c["better"]),
        ("Turun zona", c["worse"]),
        ("Kini dinilai", c["rated"]),
        (f"Kini {STATUS_NOT_RATED}", c["unrated"]),
    ):
        if items:
            lines.append(f"{label}: " + "; ".join(items) + ".")
    return lines


def _summary_rows(ctx: dict) -> list[tuple[str, object]]:
    s = ctx["summary"]
    zones_line = ", ".join(f"{s['zones'][z]} zona {z}" for z in ZONES)
    times = s["times"]
    first = f"{s['r1_region']} ({s['n_first_response_on_time']} dari {s['n_first_response']})"
    resolution = f"{s['r2_region']} ({s['n_resolution_on_time']} dari {s['n_resolution']})"
    first_time = f"{times['first_median']} / {times['first_p90']} hari kerja"
    resolution_time = f"{times['resolution_median']} / {times['resolution_p90']} hari kerja"
    return [
        ("OPD dalam registri", f"{s['n_opds']} ({zones_line}; {s['n_not_rated']} {STATUS_NOT_RATED})"),
        ("Median indeks daerah", s["median_index"]),
        (f"{LABEL_R1} seluruh daerah (sebelum penyesuaian)", first),
        (f"{LABEL_R2} seluruh daerah (sebelum penyesuaian)", resolution),
        ("Terbuka / menunggak akhir bulan", f"{s['n_open']} / {s['n_open_overdue']}"),
        ("Waktu tanggapan pertama (median / persentil 90)", first_time),
        ("Waktu penyelesaian (median / persentil 90)", resolution_time),
        ("OPD dengan potongan TPP > 0", f"{s['n_tpp']}" + ("" if ctx["bkd_produced"] else " (belum berlaku)")),
    ]


def _ranking(ctx: dict, st: _Styles) -> list:
    """2. Every OPD by rank, its zone cell in the zone's colour."""
    from reportlab.lib import colors
    from reportlab.lib.units import cm
    from reportlab.platypus import CondPageBreak, Paragraph, Table, TableStyle

    head = [h.format(previous_month=ctx["previous_month"]) for h in RANKING_HEAD]
    data = [[Paragraph(_t(h), st.tiny) for h in head]]
    style = list(st.grid)
    for i, e in enumerate(ctx["entries"], start=1):
        data.append(_ranking_row(e, st))
        style += [
            ("BACKGROUND", (4, i), (4, i), colors.HexColor(ZONE_FILL[e["zone"]])),
            ("TEXTCOLOR", (4, i), (4, i), colors.white),
            ("BACKGROUND", (0, i), (0, i), colors.HexColor(ZONE_TINT[e["zone"]])),
        ]
    return [
        CondPageBreak(6 * cm),
        Paragraph("2. Peringkat OPD", st.h2),
        Table(data, colWidths=[w * cm for w in RANKING_WIDTHS], repeatRows=1, style=TableStyle(style)),
        Paragraph(
            f"{LABEL_R1} dan {LABEL_R2.lower()}: pangsa yang disesuaikan karena data sedikit (ditarik ke rata-rata "
            "daerah; lampiran); di kurung jumlah yang menjadi dasarnya.",
            st.tiny,
        ),
    ]


def _ranking_row(e: dict, st: _Styles) -> list:
    from reportlab.platypus import Paragraph

    change = e["change"]
    if e["previous_category"] and e["previous_category"] != e["category"]:
        change += f" (sebelumnya {e['previous_category']})"
    return [
        str(e["rank"] or "—"),
        Paragraph(_t(f"{e['opd_name']} ({e['opd_code']})"), st.tiny),
        e["index_text"],
        e["category"],
        Paragraph(_t(e["zone_text"]), st.zone),
        Paragraph(_t(change), st.tiny),
        e["s_resp"],
        e["s_sop"],
        f"{e['r1']} ({e['n1_on_time']}/{e['n1']})",
        f"{e['r2']} ({e['n2_on_time']}/{e['n2']})",
        f"{e['r3']} ({e['n_open_overdue']}/{e['n_open']})",
        Paragraph(_t(e["status"]), st.tiny),
        e["tpp"],
    ]


def _trends(ctx: dict, st: _Styles) -> list:
    """3. One small trend chart per OPD, four to a row."""
    from reportlab.lib.units import cm
    from reportlab.platypus import PageBreak, Paragraph, Table

    cells = []
    for e in ctx["entries"]:
        drawing = to_drawing(
            trend_geometry(ctx["trend_labels"], e["trend_values"], ctx["zone_table"], width=175, height=70)
        )
        cells.append([Paragraph(_t(e["opd_name"]), st.tiny), drawing])
    rows = [cells[i : i + 4] + [""] * (4 - len(cells[i : i + 4])) for i in range(0, len(cells), 4)]
    return [
        PageBreak(),
        Paragraph("3. Tren enam bulan per OPD", st.h2),
        Table(rows, colWidths=[6.4 * cm] * 4, style=[("VALIGN", (0, 0), (-1, -1), "TOP")]),
    ]


def _opd_details(ctx: dict, st: _Styles) -> list:
    """4. Per OPD: its figures, then the late or overdue complaints behind them."""
    from reportlab.platypus import PageBreak, Paragraph

    story: list = [PageBreak(), Paragraph("4. Rincian per OPD", st.h2)]
    for e in ctx["entries"]:
        story.append(_opd_card(e, st))
        story += _sop_detail(e, st)
        story += _explanation(e, st)
        story += _evidence(e, ctx, st)
    return story


def _explanation(e: dict, st: _Styles) -> list:
    """Where the OPD's index points went (they add up to 100 − index) and the lift to the next zone."""
    from reportlab.lib.units import cm
    from reportlab.platypus import Paragraph

    explain = e["explain"]
    if not explain["rated"]:
        return [Paragraph(_t(explain["note"]), st.small)]
    data = [[Paragraph(_t("Penyebab"), st.tiny), Paragraph(_t("Poin hilang"), st.tiny)]]
    data += [[Paragraph(_t(x["label"]), st.tiny), x["points"]] for x in explain["lines"]]
    data.append([Paragraph(_t(f"Jumlah (100 − indeks {explain['index']})"), st.tiny), explain["gap"]])
    caption = f"Mengapa indeksnya {explain['index']}: {explain['gap']} poin hilang dari 100"
    style = [*st.grid, ("ALIGN", (1, 1), (1, -1), "RIGHT"), ("FONT", (0, -1), (-1, -1), FONT_BOLD, 7)]
    after = Paragraph(_t(f"Menuju zona berikutnya: {explain['lift']}"), st.small)
    return [_captioned_table(caption, data, [16.0 * cm, 2.2 * cm], style, st, after)]


def _captioned_table(caption: str, data: list, widths: list, style: list, st: _Styles, *after) -> object:
    """A caption, its table and what follows it, kept on one page."""
    from reportlab.platypus import KeepTogether, Paragraph, Table, TableStyle

    return KeepTogether(
        [Paragraph(_t(caption), st.small), Table(data, colWidths=widths, style=TableStyle(style)), *after]
    )


def _sop_detail(e: dict, st: _Styles) -> list:
    """Why the S_sop is what it is: the inspection used, each dimension's value and weight, each indicator's score."""
    from reportlab.lib.units import cm
    from reportlab.platypus import Paragraph

    s = e["sop_detail"]
    if s is None:
        return [
            Paragraph(
                _t(
                    f"Nilai standar pelayanan {STATUS_NOT_RATED}: tidak ada inspeksi dalam bulan ini atau bulan-bulan "
                    "yang boleh dipakai sebelumnya."
                ),
                st.small,
            )
        ]
    head = ("Dimensi", "Nilai dimensi (0–1)", "Bobot", "Skor indikator (0–3)")
    data = [[Paragraph(_t(h), st.tiny) for h in head]]
    for d in s["dimensions"]:
        scores = "; ".join(f"{i['label']} ({i['code']}): {i['score']}" for i in d["indicators"])
        data.append([Paragraph(_t(d["label"]), st.small), d["value"], d["weight"], Paragraph(_t(scores), st.small)])
    total = s["inspection_value"] + (f" × {s['factor']} = {s['value']}" if s["age_months"] else "")
    if s["rescaled"]:
        total += " (dimensi tanpa indikator dikeluarkan, bobot lainnya diskalakan ke 100)"
    data.append([Paragraph(_t("Nilai inspeksi"), st.small), Paragraph(_t(total), st.small), "", ""])
    caption = f"Rincian nilai standar pelayanan: inspeksi {s['inspected_on']}; {s['factor_text']}"
    style = [*st.grid, ("SPAN", (1, -1), (-1, -1)), ("ALIGN", (1, 1), (2, -2), "RIGHT")]
    return [_captioned_table(caption, data, [2.6 * cm, 2.6 * cm, 1.4 * cm, 18.9 * cm], style, st)]


def _opd_card(e: dict, st: _Styles):
    """The OPD's heading and figures, kept on one page."""
    from reportlab.lib import colors
    from reportlab.lib.units import cm
    from reportlab.platypus import KeepTogether, Paragraph, Table

    heading = f"{e['rank'] or '—'}. {e['opd_name']} ({e['opd_code']}) · {e['zone_text']}"
    if e["category"] != "—":
        heading += f" · {e['category']}"
    figures = Table(
        [[Paragraph(_t(c), st.small) for c in row] for row in _opd_figures(e)],
        colWidths=[3.2 * cm, 9.6 * cm, 3.0 * cm, 9.7 * cm],
        style=[
            ("GRID", (0, 0), (-1, -1), 0.3, colors.HexColor(GRID_LINE)),
            ("BACKGROUND", (0, 0), (0, -1), colors.HexColor(HEADER_FILL)),
            ("BACKGROUND", (2, 0), (2, -1), colors.HexColor(HEADER_FILL)),
        ],
    )
    title = Paragraph(_t(heading), st.h3)
    title._rapor_opd = True  # a bookmark under section 4
    return KeepTogether([title, figures])


def _opd_figures(e: dict) -> list[list[str]]:
    """Label, value, label, value: the index, its components with their counts, the TPP rule, the times,
    and the channel duties shown beside S_sop."""
    t = e["times"]
    duties = (
        [
            [
                "Tugas kanal",
                "; ".join(f"{d['label']}: {d['text']}" for d in e["duties"]),
                "Dalam nilai",
                e["duties_in_score"],
            ]
        ]
        if e["duties"]
        else []
    )
    return [
        ["Indeks", e["index_text"], "Status", e["status"]],
        [LABEL_S_RESP, e["s_resp"], LABEL_S_SOP, f"{e['s_sop']} (inspeksi {e['sop_inspected_on']})"],
        [LABEL_R1, e["r1_text"], LABEL_R2, e["r2_text"]],
        [
            LABEL_R3,
            e["r3_text"],
            "TPP",
            f"{e['tpp']}: {e['tpp_rule']}",
        ],
        [
            "Tanggapan pertama",
            f"median {t['first_median']}, persentil 90 {t['first_p90']} ({t['first_n']} dari {t['first_pop']} "
            "ditanggapi)",
            "Penyelesaian",
            f"median {t['resolution_median']}, persentil 90 {t['resolution_p90']} ({t['resolution_n']} dari "
            f"{t['resolution_pop']} selesai)",
        ],
        *duties,
        *([["Peringatan dini", e["warned"], "", ""]] if e.get("warned") else []),
    ]


def _evidence(e: dict, ctx: dict, st: _Styles) -> list:
    """The OPD's late or overdue complaints for triage: counts per finding by how late, then the complaints
    under their most urgent finding (latest first), in one table whose first two rows (the OPD, the column
    headings) repeat on every continuation page; and how many confidential ones were only counted."""
    from reportlab.lib import colors
    from reportlab.lib.units import cm
    from reportlab.platypus import Paragraph, Table, TableStyle

    tz = ctx["region"]["zone_abbr"]
    story: list = []
    if e["evidence"]:
        story.append(_finding_counts(e, st))
        columns = [c for c in EVIDENCE_COLUMNS if ctx.get("tickets_shown") or c[1] != TICKET_KEY]
        if not ctx.get("tickets_shown"):  # the ticket column's width goes to the findings
            columns = [(h, k, w + 2.6 if k == "findings" else w) for h, k, w in columns]
        title = (
            f"Bukti {e['opd_name']} ({e['opd_code']}): keluhan terlambat atau menunggak ({len(e['evidence'])}; "
            f"waktu {tz}), dikelompokkan menurut temuan terberat, yang paling terlambat di atas"
        )
        data = [[Paragraph(_t(title), st.evidence_head)] + [""] * (len(columns) - 1)]
        data.append([Paragraph(_t(h), st.evidence_head) for h, _, _ in columns])
        style = [*st.grid, ("SPAN", (0, 0), (-1, 0)), ("BACKGROUND", (0, 1), (-1, 1), colors.HexColor(HEADER_FILL))]
        for group in e["evidence_groups"]:
            style += [
                ("SPAN", (0, len(data)), (-1, len(data))),
                ("BACKGROUND", (0, len(data)), (-1, len(data)), colors.HexColor("#f7f7f7")),
            ]
            data.append(
                [Paragraph(_t(f"{group['finding'].capitalize()} ({group['count']})"), st.evidence_head)]
                + [""] * (len(columns) - 1)
            )
            data += [_evidence_row(x, columns, st) for x in group["items"]]
        story.append(Table(data, colWidths=[w * cm for _, _, w in columns], repeatRows=2, style=TableStyle(style)))
    else:
        story = [Paragraph("Tidak ada keluhan yang terlambat atau menunggak.", st.small)]
    if e["evidence_hidden"]:
        story.append(
            Paragraph(_t(f"{e['evidence_hidden']} laporan rahasia ikut dihitung tetapi tidak ditampilkan."), st.small)
        )
    return story


def _finding_counts(e: dict, st: _Styles):
    """Per finding, how many complaints, by how many working days late."""
    from reportlab.lib.units import cm
    from reportlab.platypus import Paragraph, Table, TableStyle

    counts = e["finding_counts"]
    data = [[Paragraph(_t(h), st.evidence_head) for h in ("Temuan", "Jumlah", *counts["buckets"])]]
    data += [
        [Paragraph(_t(r["finding"]), st.evidence), str(r["count"]), *(str(n) for n in r["buckets"])]
        for r in counts["rows"]
    ]
    data.append(
        [
            Paragraph(_t("Keluhan (tiap keluhan sekali)"), st.evidence_head),
            str(counts["total"]),
            *(str(n) for n in counts["total_buckets"]),
        ]
    )
    widths = [6.0, 1.6, *([1.8] * len(counts["buckets"]))]
    return Table(
        data,
        colWidths=[w * cm for w in widths],
        hAlign="LEFT",
        style=TableStyle(
            [*st.grid, ("FONT", (1, 1), (-1, -1), FONT, EVIDENCE_SIZE), ("ALIGN", (1, 1), (-1, -1), "RIGHT")]
        ),
    )


def _ticket(x: dict) -> str:
    """The source's ticket, a link to it where the platform gave one."""
    if not x.get("link"):
        return _t(x["ticket"])
    href = escape(x["link"], {'"': "&quot;"})
    return f'<a href="{href}" color="blue">{_t(x["ticket"])}</a>'


def _evidence_row(x: dict, columns, st: _Styles) -> list:
    from reportlab.platypus import Paragraph

    values = {
        **{k: _t(v) for k, v in x.items() if isinstance(v, str | int)},
        "channel_kind": _t(f"{x['channel']}, {x['kind'].lower()}"),
        "source_ticket": f"{_t(x['source'])}<br/>{_ticket(x)}",
    }
    return [Paragraph(values[k], st.evidence) for _, k, _ in columns]


def _data_quality(ctx: dict, st: _Styles) -> list:
    """5. The gate's verdict, its failures and warnings, the Data Docs link and what was left out."""
    from reportlab.lib.units import cm
    from reportlab.platypus import CondPageBreak, Paragraph

    s = ctx["summary"]
    line = f"Status gerbang mutu data: {ctx['gate_label']}"
    if ctx["gate_status"] != GATE_NOT_CHECKED:
        line += f" (diperiksa {ctx['gate_checked_at']})"
    story = [CondPageBreak(5 * cm), Paragraph("5. Mutu data", st.h2), Paragraph(_t(line + "."), st.base)]
    if ctx["gate_override"]:
        by = f" oleh {ctx['gate_override_by']} ({ctx['gate_checked_at']})" if ctx.get("gate_override_by") else ""
        story.append(Paragraph(_t(f"Dilanjutkan dengan pengecualian{by}: {ctx['gate_override']}"), st.base))
    for title, items in (("Kegagalan kritis", ctx["gate_failures"]), ("Peringatan", ctx["gate_warnings"])):
        if items:
            story.append(Paragraph(_t(f"{title}: " + "; ".join(_check_name(f) for f in items)), st.small))
    if ctx["data_docs"]:
        story.append(
            Paragraph(
                f'Rincian pemeriksaan: <link href="{_t(ctx["data_docs"])}" color="blue">Data Docs</link> '
                f"({_t(ctx['data_docs'])})",
                st.small,
            )
        )
    if ctx["gate_status"] == GATE_NOT_CHECKED:
        story.append(
            Paragraph(
                "Belum ada hasil gerbang mutu data untuk bulan ini; setelah gerbang dijalankan dan lulus, revisi baru "
                "diterbitkan bersama berkas BKD.",
                st.small,
            )
        )
    story.append(
        Paragraph(
            _t(
                f"{s['n_evidence']} keluhan terlambat atau menunggak ditampilkan; {s['n_evidence_hidden']} laporan "
                "rahasia hanya dihitung."
            ),
            st.small,
        )
    )
    return story


def _check_name(finding: dict) -> str:
    """What a failed or warning check checks, with its GX rule as a detail."""
    return f"{finding['text']} (aturan GX: {finding['gx_rule']})"


def _revision_history(ctx: dict, st: _Styles) -> list:
    """6. Every revision of the month, this one last."""
    from reportlab.lib.units import cm
    from reportlab.platypus import Paragraph, Table, TableStyle

    rows = [[Paragraph(h, st.tiny) for h in ("Revisi", "Terbit", "Oleh", "Alasan")]]
    for r in [*ctx["revisions"], {**ctx, "published_at_text": ctx["published_at"]}]:
        rows.append(
            [
                str(r["revision"]),
                Paragraph(_t(r["published_at_text"]), st.small),
                Paragraph(_t(r.get("published_by") or ""), st.small),
                Paragraph(_t(r["reason"]), st.small),
            ]
        )
    story = [
        Paragraph("6. Riwayat revisi", st.h2),
        Table(rows, colWidths=[1.5 * cm, 5.5 * cm, 4 * cm, 14.5 * cm], style=TableStyle(st.grid)),
    ]
    if ctx.get("appeals"):
        counts = [[Paragraph(h, st.tiny) for h in ("OPD", "Diajukan", "Diterima", "Ditolak")]]
        counts += [
            [Paragraph(_t(c["opd_name"]), st.small), c["filed"], c["accepted"], c["rejected"]]
            for c in ctx["appeal_counts"]
        ]
        story += [
            Paragraph("Banding", st.h3),
            Table(counts, colWidths=[12 * cm, 3 * cm, 3 * cm, 3 * cm], style=TableStyle(st.grid)),
        ]
        for a in ctx["appeals"]:
            decision = f"{a['status_label']}" + (
                f" oleh {a['decided_by']}: {a['decision_reason']}" if a["decided_by"] else ""
            )
            line = f"No. {a['appeal_id']} · {a['opd_code']} · {a['item']} {a['subject']} · {a['ground']}"
            story.append(Paragraph(_t(f"{line} · diajukan oleh {a['filed_by']} · {decision}"), st.small))
    return story


def _appendix(ctx: dict, st: _Styles) -> list:
    """The methodology appendix, one heading and its bullet points per block."""
    from reportlab.platypus import PageBreak, Paragraph

    story: list = [PageBreak(), Paragraph("Lampiran: metodologi", st.h2)]
    for block in ctx["methodology"]:
        story.append(Paragraph(_t(block["title"]), st.h3))
        story += [Paragraph("• " + _t(item), st.small) for item in block["items"]]
    return story


# --- the document ------------------------------------------------------------------------------


def _build(story: list, ctx: dict) -> bytes:
    """Lay the story out on A4 landscape pages with the footer (invariant: same story, same bytes)."""
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.units import cm

    region = ctx["region"]
    on_page = _footer(ctx)
    buffer = io.BytesIO()
    doc = _bookmarked_document(
        buffer,
        pagesize=landscape(A4),
        leftMargin=1.5 * cm,
        rightMargin=1.5 * cm,
        topMargin=1.3 * cm,
        bottomMargin=1.4 * cm,
        title=f"Rapor {region['region_name']} {ctx['month']} revisi {ctx['revision']}",
        author=f"Rapor, diterbitkan oleh {ctx['published_by']}",
        subject="Rapor kepatuhan pelayanan publik OPD untuk Inspektorat Daerah",
        keywords=[region["region_code"], ctx["period"], f"revisi {ctx['revision']}"],
        creator="Rapor",
        lang="id",
        invariant=1,
    )
    created = _pdf_date(datetime.fromisoformat(ctx["published_at_iso"]).astimezone(ZoneInfo(region["timezone"])))

    def first_page(canvas, document):
        canvas.setDateFormatter(lambda *_: created)  # creation and modification date: the publication instant
        on_page(canvas, document)

    doc.build(story, onFirstPage=first_page, onLaterPages=on_page)
    return buffer.getvalue()


def _pdf_date(instant: datetime) -> str:
    """A PDF date string (``D:YYYYMMDDHHmmSS+HH'mm'``) of an aware instant, in its own offset."""
    offset = int(instant.utcoffset().total_seconds() // 60)
    sign = "+" if offset >= 0 else "-"
    return f"D:{instant:%Y%m%d%H%M%S}{sign}{abs(offset) // 60:02d}'{abs(offset) % 60:02d}'"


def _bookmark_level(flowable) -> int | None:
    """0 for a section heading (h2), 1 for an OPD heading inside section 4 (h3 with a rank), else None."""
    style = getattr(flowable, "style", None)
    name = getattr(style, "name", None)
    if name == "h2":
        return 0
    if name == "h3" and getattr(flowable, "_rapor_opd", False):
        return 1
    return None


def _bookmarked_document(*args, **kwargs):
    """A SimpleDocTemplate whose section and OPD headings become the PDF's outline (bookmarks)."""
    from reportlab.platypus import SimpleDocTemplate

    class BookmarkedDocument(SimpleDocTemplate):
        """A SimpleDocTemplate whose section and OPD headings become the PDF's outline (bookmarks)."""

        def afterFlowable(self, flowable):  # noqa: N802 (reportlab's hook name)
            level = _bookmark_level(flowable)
            if level is None:
                return
            key = f"s{len(self._bookmarks)}"
            self._bookmarks.append(key)
            self.canv.bookmarkPage(key, fit="XYZ", top=self.frame._y + flowable.height + 10)
            self.canv.addOutlineEntry(flowable.getPlainText(), key, level=level, closed=level == 0)

        def build(self, flowables, **kwargs):
            self._bookmarks = []
            super().build(flowables, **kwargs)

    return BookmarkedDocument(*args, **kwargs)


def _footer(ctx: dict):
    """The page callback: which report this is (region, month, revision, inputs) and the page number."""
    from reportlab.lib import colors
    from reportlab.lib.units import cm

    footer = _t(
        f"Rapor · {ctx['region']['region_name']} · {ctx['month']} · revisi {ctx['revision']} · "
        f"sidik jari masukan {ctx['inputs_sha256'][:16]}..."
    )

    def on_page(canvas, doc):
        canvas.saveState()
        canvas.setFont(FONT, 6.5)
        canvas.setFillColor(colors.HexColor("#666666"))
        canvas.drawString(doc.leftMargin, 0.8 * cm, footer.replace("&amp;", "&"))
        canvas.drawRightString(doc.pagesize[0] - doc.rightMargin, 0.8 * cm, f"Halaman {doc.page}")
        canvas.restoreState()

    return on_page


def to_drawing(geometry: Geometry):
    """The same chart as a reportlab Drawing (y axis flipped: reportlab's origin is bottom left)."""
    from reportlab.graphics.shapes import Circle, Drawing, Line, Rect, String
    from reportlab.lib.colors import HexColor

    h = geometry.height
    drawing = Drawing(geometry.width, h)
    anchors = {"middle": "middle", "end": "end", "start": "start"}
    for s in geometry.shapes:
        if s.kind == "rect":
            drawing.add(Rect(s.x, h - s.y - s.h, s.w, s.h, fillColor=HexColor(s.fill), strokeColor=None))
        elif s.kind == "line":
            drawing.add(Line(s.x, h - s.y, s.w, h - s.h, strokeColor=HexColor(s.stroke), strokeWidth=1.3))
        elif s.kind == "circle":
            drawing.add(Circle(s.x, h - s.y, s.w, fillColor=HexColor(s.fill), strokeColor=None))
        elif s.kind == "text":
            drawing.add(
                String(
                    s.x,
                    h - s.y,
                    s.text,
                    fontName=FONT,
                    fontSize=s.size,
                    fillColor=HexColor(s.fill or "#000000"),
                    textAnchor=anchors[s.anchor],
                )
            )
    return drawing
