"""The BKD's TPP file of a region-month (.xlsx and CSV): per OPD its head and named complaint
handlers, category, zone, run of weak months, the recommended cut, the rule that produced it,
the appeal deadline and the revision.

Produced only for a month whose data-quality gate passed ("lulus"): never for a held month,
and not for a month the gate has not checked yet.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import numpy as np
from sqlalchemy import select

from rapor.cells import safe_cell, safe_text
from rapor.policy import Policy
from rapor.publish.formatting import long_datetime, month_name, number
from rapor.publish.tpp_rule import checked_cut, rule_text
from rapor.scoring.workdays import WorkdayCalendar
from rapor.vocabulary import GATE_PASSED
from rapor.warehouse import schema

# (CSV column, xlsx header)
COLUMNS = (
    ("kode_wilayah", "Kode wilayah"),
    ("periode", "Periode"),
    ("revisi", "Revisi"),
    ("kode_opd", "Kode OPD"),
    ("nama_opd", "Nama OPD"),
    ("kepala_opd", "Kepala OPD"),
    ("nip_kepala", "NIP kepala"),
    ("pengelola_pengaduan", "Pengelola pengaduan"),
    ("nip_pengelola", "NIP pengelola pengaduan"),
    ("indeks", "Indeks"),
    ("kategori", "Kategori"),
    ("zona", "Zona"),
    ("status", "Status"),
    ("bulan_berturut", "Bulan berturut-turut C/D/E"),
    ("potongan_tpp_persen", "Rekomendasi potongan TPP (%)"),
    ("aturan", "Aturan yang menghasilkan"),
    ("batas_banding", "Batas banding"),
)
NOT_LISTED = "(belum terdaftar)"


@dataclass(frozen=True)
class Official:
    name: str
    nip: str


def appeal_deadline(published_at: datetime, region_code: str, tz: str, policy: Policy) -> datetime:
    """End (23:59:59 local) of the N-th working day after the publication's local date (N = appeal window)."""
    day = published_at.astimezone(ZoneInfo(tz)).date()
    calendar = WorkdayCalendar.for_policy(policy, region_code, tz, day.year, day.year + 1)
    due = calendar.nth_workday_after(np.array([day], dtype="datetime64[D]"), policy.appeal_window_hk)[0]
    due_day = date.fromisoformat(str(due))
    return datetime.combine(due_day, time(23, 59, 59), ZoneInfo(tz))


def load_officials(conn, region_code: str) -> dict[str, dict[str, list[Official]]]:
    """{opd_code: {role: [Official, …]}} from the staff registry, by name."""
    st = schema.opd_staff
    out: dict[str, dict[str, list[Official]]] = {}
    for r in conn.execute(select(st).where(st.c.region_code == region_code).order_by(st.c.name, st.c.nip)).mappings():
        out.setdefault(r["opd_code"], {}).setdefault(r["role"], []).append(Official(r["name"], r["nip"]))
    return out


def bkd_rows(
    rows: list[dict],
    officials: dict[str, dict[str, list[Official]]],
    policy: Policy,
    revision: int,
    deadline: datetime,
    held: frozenset[str] = frozenset(),
) -> list[dict]:
    """One record per OPD (by code), keyed by the CSV columns; numbers stay numbers."""
    out = []
    for r in sorted(rows, key=lambda r: r["opd_code"]):
        staff = officials.get(r["opd_code"], {})
        heads = staff.get("kepala", [])
        handlers = staff.get("pengelola_pengaduan", [])
        cut = checked_cut(r["category"], r["tpp_run_months"], r["tpp_cut_pct"], policy)
        out.append(
            {
                "kode_wilayah": r["region_code"],
                "periode": r["period"],
                "revisi": revision,
                "kode_opd": r["opd_code"],
                "nama_opd": r["opd_name"],
                "kepala_opd": "; ".join(o.name for o in heads) or NOT_LISTED,
                "nip_kepala": "; ".join(o.nip for o in heads),
                "pengelola_pengaduan": "; ".join(o.name for o in handlers) or NOT_LISTED,
                "nip_pengelola": "; ".join(o.nip for o in handlers),
                "indeks": r["index_score"],
                "kategori": r["category"] or "",
                "zona": r["zone"] or "",
                "status": r["status"],
                "bulan_berturut": r["tpp_run_months"],
                "potongan_tpp_persen": cut,
                "aturan": rule_text(r["category"], r["tpp_run_months"], policy, r["opd_code"] in held),
                "batas_banding": deadline,
            }
        )
    return out


def bkd_csv_bytes(records: list[dict]) -> bytes:
    """UTF-8 CSV, decimal point, the appeal deadline as an ISO instant with the local offset."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([key for key, _ in COLUMNS])
    for rec in records:
        cells = []
        for key, _ in COLUMNS:
            value = rec[key]
            if value is None:
                cells.append("")
            elif key == "batas_banding":
                cells.append(value.isoformat())
            elif key == "indeks" or key == "potongan_tpp_persen":
                cells.append(format(value, ".2f"))
            elif isinstance(value, str):  # names, codes, rule text: no formula (rapor.cells)
                cells.append(safe_text(value))
            else:
                cells.append(str(value))
        writer.writerow(cells)
    return buffer.getvalue().encode("utf-8")


def bkd_xlsx_bytes(records: list[dict], meta: dict) -> bytes:
    """The same records as a workbook: sheet "TPP" (one row per OPD) and sheet "Keterangan"."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    tz = meta["timezone"]
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "TPP"
    sheet.append([label for _, label in COLUMNS])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="EEF1F6")
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for rec in records:
        row = []
        for key, _ in COLUMNS:
            value = rec[key]
            if key == "batas_banding":
                value = long_datetime(value, tz, with_day=True)
            elif key in ("indeks", "potongan_tpp_persen") and value is not None:
                value = float(value)
            row.append(safe_cell(value))
        sheet.append(row)
    widths = {
        "nama_opd": 40,
        "kepala_opd": 30,
        "pengelola_pengaduan": 40,
        "aturan": 48,
        "batas_banding": 36,
        "nip_kepala": 20,
        "nip_pengelola": 40,
    }
    for i, (key, _) in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(i)].width = widths.get(key, 14)
    for i, (key, _) in enumerate(COLUMNS, start=1):
        if key in ("indeks", "potongan_tpp_persen"):
            for (cell,) in sheet.iter_rows(min_row=2, min_col=i, max_col=i):
                cell.number_format = "0.00"
    sheet.freeze_panes = "F2"
    sheet.auto_filter.ref = sheet.dimensions
    info = workbook.create_sheet("Keterangan")
    for label, value in (
        ("Daerah", f"{meta['region_name']} ({meta['region_code']})"),
        ("Periode", month_name(meta["period"])),
        ("Revisi", meta["revision"]),
        ("Terbit", long_datetime(meta["published_at"], tz, with_day=True)),
        ("Alasan revisi", meta["reason"]),
        (
            "Batas banding",
            long_datetime(meta["appeal_deadline_at"], tz, with_day=True)
            + f" ({meta['appeal_window_hk']} hari kerja sesudah terbit)",
        ),
        ("Gerbang mutu data", GATE_PASSED),
        ("Metode", meta["method_version"]),
        ("SHA-256 kebijakan", meta["policy_sha256"]),
        ("Sidik jari masukan", meta["inputs_sha256"]),
        (
            "Catatan",
            "Rekomendasi potongan TPP adalah kebijakan daerah, bukan ketentuan undang-undang; keputusan ada pada "
            "BKD. Potongan berlaku untuk porsi kinerja TPP kepala OPD dan pengelola pengaduan yang ditunjuk.",
        ),
        ("Jumlah OPD dengan potongan > 0", sum(1 for r in records if (r["potongan_tpp_persen"] or 0) > 0)),
        (
            "Potongan tertinggi (%)",
            number(max((r["potongan_tpp_persen"] or 0) for r in records), None, 1) if records else "—",
        ),
    ):
        info.append([label, safe_cell(value)])
    info.column_dimensions["A"].width = 32
    info.column_dimensions["B"].width = 90
    for (cell,) in info.iter_rows(min_col=1, max_col=1):
        cell.font = Font(bold=True)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
