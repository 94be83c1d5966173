"""The Inspektorat's report as PDF, from the same context as the HTML (rapor.publish.report).

Pure Python (reportlab), so ``make demo`` makes it on a laptop without a browser. Text is
set in Bitstream Vera, which ships with reportlab and covers the characters the report uses
(− × ≥ — and Indonesian text). ``invariant`` output: the same context gives the same bytes.
"""

from __future__ import annotations

import io
import os
from functools import lru_cache
from xml.sax.saxutils import escape

from rapor.publish.charts import Geometry, trend_geometry
from rapor.vocabulary import (
    GATE_NOT_CHECKED,
    GATE_PASSED,
    NOT_RATED_COLOUR,
    NOT_RATED_TINT,
    ZONE_COLOURS,
    ZONE_TINTS,
    ZONES,
)

FONT = "RaporSans"
FONT_BOLD = "RaporSans-Bold"
ZONE_FILL = {**ZONE_COLOURS, None: NOT_RATED_COLOUR}
ZONE_TINT = {**ZONE_TINTS, None: NOT_RATED_TINT}
_REPLACE = {"→": "->", "…": "..."}  # outside Vera's character set


@lru_cache(maxsize=1)
def register_fonts() -> None:
    import reportlab
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    folder = os.path.join(os.path.dirname(reportlab.__file__), "fonts")
    pdfmetrics.registerFont(TTFont(FONT, os.path.join(folder, "Vera.ttf")))
    pdfmetrics.registerFont(TTFont(FONT_BOLD, os.path.join(folder, "VeraBd.ttf")))
    pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=FONT_BOLD, italic=FONT, boldItalic=FONT_BOLD)


def _t(text) -> str:
    text = "" if text is None else str(text)
    for old, new in _REPLACE.items():
        text = text.replace(old, new)
    return escape(text)


def render_pdf(context: dict) -> bytes:
    """The report as PDF bytes (A4 landscape)."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import cm
    from reportlab.platypus import (
        CondPageBreak,
        KeepTogether,
        PageBreak,
        Paragraph,
        SimpleDocTemplate,
        Spacer,
        Table,
        TableStyle,
    )

    register_fonts()
    base = ParagraphStyle("base", fontName=FONT, fontSize=8.5, leading=11)
    small = ParagraphStyle("small", parent=base, fontSize=7, leading=8.6)
    tiny = ParagraphStyle("tiny", parent=base, fontSize=6.3, leading=7.6)
    h1 = ParagraphStyle("h1", parent=base, fontName=FONT_BOLD, fontSize=16, leading=20, spaceAfter=2)
    h2 = ParagraphStyle(
        "h2",
        parent=base,
        fontName=FONT_BOLD,
        fontSize=12,
        leading=15,
        spaceBefore=10,
        spaceAfter=4,
        textColor=colors.HexColor("#1f3b73"),
    )
    h3 = ParagraphStyle("h3", parent=base, fontName=FONT_BOLD, fontSize=9.5, leading=12, spaceBefore=8, spaceAfter=3)
    grid = [
        ("FONT", (0, 0), (-1, -1), FONT, 7),
        ("FONT", (0, 0), (-1, 0), FONT_BOLD, 7),
        ("GRID", (0, 0), (-1, -1), 0.3, colors.HexColor("#c8c8c8")),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eef1f6")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), 1.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
    ]
    ctx = context
    region, tz = ctx["region"], ctx["region"]["zone_abbr"]
    story: list = []
    P = Paragraph  # noqa: N806

    story.append(P("LAPORAN UNTUK INSPEKTORAT DAERAH", small))
    story.append(P("Rapor Kepatuhan Pelayanan Publik OPD", h1))
    story.append(
        P(_t(f"{region['region_name']} ({region['region_code']}) · {ctx['month']} · revisi {ctx['revision']}"), h3)
    )
    meta = [
        ["Terbit", P(_t(ctx["published_at"]), small)],
        ["Zona waktu", P(_t(f"{region['timezone']} ({tz}); semua waktu dalam laporan ini waktu setempat"), small)],
        ["Alasan revisi", P(_t(ctx["reason"]), small)],
        ["Metode", P(_t(f"versi {ctx['method_version']}; kebijakan SHA-256 {ctx['policy_sha256']}"), small)],
        ["Sidik jari masukan", P(_t(ctx["inputs_sha256"]), small)],
    ]
    story.append(
        Table(
            meta,
            colWidths=[3.2 * cm, 22 * cm],
            style=[("FONT", (0, 0), (0, -1), FONT_BOLD, 7.5), ("VALIGN", (0, 0), (-1, -1), "TOP")],
        )
    )
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
    story.append(Spacer(1, 6))
    story.append(
        Table(
            [[P(_t(banner), base)]],
            colWidths=[25.5 * cm],
            style=[
                ("BACKGROUND", (0, 0), (-1, -1), colors.HexColor(fill)),
                ("BOX", (0, 0), (-1, -1), 0.8, colors.HexColor(edge)),
            ],
        )
    )

    # 1. Summary
    s = ctx["summary"]
    story.append(P(_t(f"1. Ringkasan {ctx['month']}"), h2))
    zones_line = ", ".join(f"{s['zones'][z]} zona {z}" for z in ZONES)
    summary = [
        ["OPD dalam registri", f"{s['n_opds']} ({zones_line}; {s['n_not_rated']} tidak dinilai)"],
        ["Median indeks daerah", s["median_index"]],
        ["R1 seluruh daerah", f"{s['r1_region']} ({s['n_first_response_on_time']} dari {s['n_first_response']})"],
        ["R2 seluruh daerah", f"{s['r2_region']} ({s['n_resolution_on_time']} dari {s['n_resolution']})"],
        ["Terbuka / menunggak akhir bulan", f"{s['n_open']} / {s['n_open_overdue']}"],
        ["Tanggapan pertama (median / p90)", f"{s['times']['first_median']} / {s['times']['first_p90']} hari kerja"],
        [
            "Penyelesaian (median / p90)",
            f"{s['times']['resolution_median']} / {s['times']['resolution_p90']} hari kerja",
        ],
        ["OPD dengan potongan TPP > 0", f"{s['n_tpp']}" + ("" if ctx["bkd_produced"] else " (belum berlaku)")],
    ]
    chart = to_drawing(
        trend_geometry(
            ctx["trend_labels"], ctx["region_trend_values"], ctx["zone_table"], width=330, height=130, show_values=True
        )
    )
    left = Table(
        [[P(_t(a), small), P(_t(b), small)] for a, b in summary],
        colWidths=[5 * cm, 8.2 * cm],
        style=[("GRID", (0, 0), (-1, -1), 0.3, colors.HexColor("#c8c8c8"))],
    )
    story.append(
        Table(
            [
                [
                    left,
                    [
                        chart,
                        P(_t(f"Tren median indeks daerah, {ctx['trend_months'][0]} – {ctx['trend_months'][-1]}"), tiny),
                    ],
                ]
            ],
            colWidths=[13.6 * cm, 12 * cm],
            style=[("VALIGN", (0, 0), (-1, -1), "TOP")],
        )
    )

    # 2. Ranked table
    story.append(CondPageBreak(6 * cm))
    story.append(P("2. Peringkat OPD", h2))
    head = [
        "#",
        "OPD",
        "Indeks",
        "Kat.",
        "Zona",
        f"Perubahan dari {ctx['previous_month']}",
        "S_resp",
        "S_sop",
        "R1 (tepat/n)",
        "R2 (tepat/n)",
        "R3 (menunggak/terbuka)",
        "Status",
        "TPP",
    ]
    data = [[P(_t(h), tiny) for h in head]]
    style = list(grid)
    for i, e in enumerate(ctx["entries"], start=1):
        change = e["change"] + (
            f" (sebelumnya {e['previous_category']})"
            if e["previous_category"] and e["previous_category"] != e["category"]
            else ""
        )
        data.append(
            [
                str(e["rank"] or "—"),
                P(_t(f"{e['opd_name']} ({e['opd_code']})"), tiny),
                e["index_text"],
                e["category"],
                e["zone_text"],
                P(_t(change), tiny),
                e["s_resp"],
                e["s_sop"],
                f"{e['r1']} ({e['n1_on_time']}/{e['n1']})",
                f"{e['r2']} ({e['n2_on_time']}/{e['n2']})",
                f"{e['r3']} ({e['n_open_overdue']}/{e['n_open']})",
                e["status"],
                e["tpp"],
            ]
        )
        style += [
            ("BACKGROUND", (4, i), (4, i), colors.HexColor(ZONE_FILL[e["zone"]])),
            ("TEXTCOLOR", (4, i), (4, i), colors.white),
            ("BACKGROUND", (0, i), (0, i), colors.HexColor(ZONE_TINT[e["zone"]])),
        ]
    widths = [0.8, 6.2, 1.4, 0.9, 1.6, 2.5, 1.3, 1.3, 2.3, 2.3, 2.6, 1.9, 1.2]
    story.append(Table(data, colWidths=[w * cm for w in widths], repeatRows=1, style=TableStyle(style)))
    story.append(
        P("R1 dan R2: pangsa setelah penyesuaian angka kecil (lampiran); di kurung jumlah yang menjadi dasarnya.", tiny)
    )

    # 3. Trends, four per row
    story.append(PageBreak())
    story.append(P("3. Tren enam bulan per OPD", h2))
    cells = []
    for e in ctx["entries"]:
        drawing = to_drawing(
            trend_geometry(ctx["trend_labels"], e["trend_values"], ctx["zone_table"], width=175, height=70)
        )
        cells.append([P(_t(e["opd_name"]), tiny), drawing])
    rows = [cells[i : i + 4] + [""] * (4 - len(cells[i : i + 4])) for i in range(0, len(cells), 4)]
    story.append(Table(rows, colWidths=[6.4 * cm] * 4, style=[("VALIGN", (0, 0), (-1, -1), "TOP")]))

    # 4. Per OPD
    story.append(PageBreak())
    story.append(P("4. Rincian per OPD", h2))
    for e in ctx["entries"]:
        t = e["times"]
        block = [
            P(
                _t(
                    f"{e['rank'] or '—'}. {e['opd_name']} ({e['opd_code']}) · {e['zone_text']}"
                    + (f" · {e['category']}" if e["category"] != "—" else "")
                ),
                h3,
            )
        ]
        comp = [
            ["Indeks", e["index_text"], "Status", e["status"]],
            ["S_resp", e["s_resp"], "S_sop", f"{e['s_sop']} (inspeksi {e['sop_inspected_on']})"],
            [
                "R1 tanggapan pertama",
                f"{e['r1']}: {e['n1_on_time']} tepat waktu dari {e['n1']} ({e['r1_raw']} sebelum penyesuaian)",
                "R2 penyelesaian",
                f"{e['r2']}: {e['n2_on_time']} tepat waktu dari {e['n2']} ({e['r2_raw']} sebelum penyesuaian)",
            ],
            [
                "R3 tunggakan",
                f"{e['r3']}: {e['n_open_overdue']} menunggak dari {e['n_open']} terbuka",
                "TPP",
                f"{e['tpp']}: {e['tpp_rule']}",
            ],
            [
                "Tanggapan pertama",
                f"median {t['first_median']}, p90 {t['first_p90']} ({t['first_n']} dari {t['first_pop']} ditanggapi)",
                "Penyelesaian",
                f"median {t['resolution_median']}, p90 {t['resolution_p90']} ({t['resolution_n']} dari "
                f"{t['resolution_pop']} selesai)",
            ],
        ]
        block.append(
            Table(
                [[P(_t(c), small) for c in row] for row in comp],
                colWidths=[3.2 * cm, 9.6 * cm, 3.0 * cm, 9.7 * cm],
                style=[
                    ("GRID", (0, 0), (-1, -1), 0.3, colors.HexColor("#c8c8c8")),
                    ("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#eef1f6")),
                    ("BACKGROUND", (2, 0), (2, -1), colors.HexColor("#eef1f6")),
                ],
            )
        )
        story.append(KeepTogether(block))
        if e["evidence"]:
            story.append(P(_t(f"Bukti: keluhan terlambat atau menunggak ({len(e['evidence'])}; waktu {tz})"), small))
            head = [
                "Rujukan",
                "Kanal",
                "Jenis",
                "Mulai",
                "Batas tanggapan",
                "Tanggapan pertama",
                "Batas selesai",
                "Selesai",
                "Temuan",
            ]
            data = [[P(_t(h), tiny) for h in head]]
            for x in e["evidence"]:
                data.append(
                    [
                        x["ref"],
                        x["channel"],
                        P(_t(x["kind"]), tiny),
                        x["clock_start"],
                        x["first_deadline"],
                        x["first_response"],
                        x["resolution_deadline"],
                        x["resolved"],
                        P(_t(x["findings"]), tiny),
                    ]
                )
            ev_style = list(grid) + [("FONT", (0, 1), (-1, -1), FONT, 6.3)]
            story.append(
                Table(
                    data,
                    colWidths=[w * cm for w in (2.7, 1.9, 2.3, 2.6, 2.6, 2.6, 2.6, 2.6, 5.6)],
                    repeatRows=1,
                    style=TableStyle(ev_style),
                )
            )
        else:
            story.append(P("Tidak ada keluhan yang terlambat atau menunggak.", small))
        if e["evidence_hidden"]:
            story.append(
                P(_t(f"{e['evidence_hidden']} laporan rahasia ikut dihitung tetapi tidak ditampilkan."), small)
            )

    # 5. Data quality, 6. revisions
    story.append(CondPageBreak(5 * cm))
    story.append(P("5. Mutu data", h2))
    line = f"Status gerbang mutu data: {ctx['gate_label']}"
    if ctx["gate_status"] != GATE_NOT_CHECKED:
        line += f" (diperiksa {ctx['gate_checked_at']})"
    story.append(P(_t(line + "."), base))
    if ctx["gate_override"]:
        story.append(P(_t(f"Dilanjutkan dengan pengecualian: {ctx['gate_override']}"), base))
    for title, items in (("Kegagalan kritis", ctx["gate_failures"]), ("Peringatan", ctx["gate_warnings"])):
        if items:
            story.append(
                P(
                    _t(
                        f"{title}: "
                        + "; ".join(
                            f"{f.get('suite')} / {f.get('expectation')}"
                            + (f" ({f['column']})" if f.get("column") else "")
                            for f in items
                        )
                    ),
                    small,
                )
            )
    if ctx["data_docs"]:
        story.append(
            P(
                f'Rincian pemeriksaan: <link href="{_t(ctx["data_docs"])}" color="blue">Data Docs</link> '
                f"({_t(ctx['data_docs'])})",
                small,
            )
        )
    if ctx["gate_status"] == GATE_NOT_CHECKED:
        story.append(
            P(
                "Belum ada hasil gerbang mutu data untuk bulan ini; setelah gerbang dijalankan dan lulus, revisi baru "
                "diterbitkan bersama berkas BKD.",
                small,
            )
        )
    story.append(
        P(
            _t(
                f"{s['n_evidence']} keluhan terlambat atau menunggak ditampilkan; {s['n_evidence_hidden']} laporan "
                "rahasia hanya dihitung."
            ),
            small,
        )
    )
    story.append(P("6. Riwayat revisi", h2))
    revs = [[P("Revisi", tiny), P("Terbit", tiny), P("Alasan", tiny)]]
    for r in ctx["revisions"]:
        revs.append([str(r["revision"]), P(_t(r["published_at_text"]), small), P(_t(r["reason"]), small)])
    revs.append([str(ctx["revision"]), P(_t(ctx["published_at"]), small), P(_t(ctx["reason"]), small)])
    story.append(Table(revs, colWidths=[1.5 * cm, 7 * cm, 17 * cm], style=TableStyle(grid)))

    # Appendix
    story.append(PageBreak())
    story.append(P("Lampiran: metodologi", h2))
    for block in ctx["methodology"]:
        story.append(P(_t(block["title"]), h3))
        for item in block["items"]:
            story.append(P("• " + _t(item), small))

    footer = _t(
        f"Rapor · {region['region_name']} · {ctx['month']} · revisi {ctx['revision']} · "
        f"sidik jari masukan {ctx['inputs_sha256'][:16]}..."
    )

    def on_page(canvas, doc):
        canvas.saveState()
        canvas.setFont(FONT, 6.5)
        canvas.setFillColor(colors.HexColor("#666666"))
        canvas.drawString(doc.leftMargin, 0.8 * cm, footer.replace("&amp;", "&"))
        canvas.drawRightString(doc.pagesize[0] - doc.rightMargin, 0.8 * cm, f"Halaman {doc.page}")
        canvas.restoreState()

    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=landscape(A4),
        leftMargin=1.5 * cm,
        rightMargin=1.5 * cm,
        topMargin=1.3 * cm,
        bottomMargin=1.4 * cm,
        title=f"Rapor {region['region_name']} {ctx['month']} revisi {ctx['revision']}",
        author="Rapor",
        subject="Rapor kepatuhan pelayanan publik OPD",
        lang="id",
        invariant=1,
    )
    doc.build(story, onFirstPage=on_page, onLaterPages=on_page)
    return buffer.getvalue()


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
