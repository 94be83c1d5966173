"""The BKD's TPP file of a region-month (.xlsx and two CSVs): one row per official (NIP) whose
TPP the recommendation concerns (the OPD's head and its named complaint handlers), with the
OPD's category, zone, run of weak months, the recommended cut, the rule that produced it, the
appeal deadline and the revision. An OPD with no official listed for a role keeps one row for
that role, named "(belum terdaftar)", so every OPD is in the file.

The file format is defined here once (``COLUMNS``, the writers); the file names are in
``rapor.publish.revisions``:

- ``bkd-tpp.csv``: for machines: UTF-8, ``,``, decimal point, the deadline as an ISO instant;
- ``bkd-tpp-excel.csv``: for Excel set to Indonesian: UTF-8 with BOM, ``;``, decimal comma,
  the deadline as ``dd/mm/yyyy hh:mm`` local time, the NIP as text (``="…"``, so Excel keeps
  all 18 digits), headers as in the workbook;
- ``bkd-tpp.xlsx``: the deadline a real date cell (local time), the NIP a text cell.

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
from rapor.imports.staff import ROLES
from rapor.policy import Policy
from rapor.publish.formatting import local, long_datetime, month_name, number, zone_abbreviation
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
    ("peran", "Peran"),
    ("nama_pegawai", "Nama pegawai"),
    ("nip", "NIP"),
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
ROLE_LABELS = {"kepala": "Kepala OPD", "pengelola_pengaduan": "Pengelola pengaduan"}
assert set(ROLE_LABELS) == set(ROLES)  # one label per role of the staff registry
DECIMAL_COLUMNS = ("indeks", "potongan_tpp_persen")


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
    """One record per official (OPD by code, head first, then by name), keyed by the CSV columns."""
    out = []
    for r in sorted(rows, key=lambda r: r["opd_code"]):
        staff = officials.get(r["opd_code"], {})
        cut = checked_cut(r["category"], r["tpp_run_months"], r["tpp_cut_pct"], policy)
        opd = {
            "kode_wilayah": r["region_code"],
            "periode": r["period"],
            "revisi": revision,
            "kode_opd": r["opd_code"],
            "nama_opd": r["opd_name"],
        }
        score = {
            "indeks": r["index_score"],
            "kategori": r["category"] or "",
            "zona": r["zone"] or "",
            "status": r["status"],
            "bulan_berturut": r["tpp_run_months"],
            "potongan_tpp_persen": cut,
            "aturan": rule_text(r["category"], r["tpp_run_months"], policy, r["opd_code"] in held),
            "batas_banding": deadline,
        }
        for role in ROLES:
            for person in staff.get(role) or [Official(NOT_LISTED, "")]:
                out.append({**opd, "peran": ROLE_LABELS[role], "nama_pegawai": person.name, "nip": person.nip, **score})
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
            elif key in DECIMAL_COLUMNS:
                cells.append(format(value, ".2f"))
            elif isinstance(value, str):  # names, codes, rule text: no formula (rapor.cells)
                cells.append(safe_text(value))
            else:
                cells.append(str(value))
        writer.writerow(cells)
    return buffer.getvalue().encode("utf-8")


def bkd_excel_csv_bytes(records: list[dict], tz: str) -> bytes:
    """The same records for Excel set to Indonesian: BOM, ``;``, decimal comma, local deadline, NIP as text."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow([label for _, label in COLUMNS])
    for rec in records:
        cells = []
        for key, _ in COLUMNS:
            value = rec[key]
            if value is None:
                cells.append("")
            elif key == "batas_banding":
                cells.append(f"{local(value, tz):%d/%m/%Y %H:%M}")
            elif key in DECIMAL_COLUMNS:
                cells.append(format(value, ".2f").replace(".", ","))
            elif key == "nip" and value.isdigit():
                cells.append(f'="{value}"')  # ours, digits only: text, not a number Excel rounds to 15 digits
            elif isinstance(value, str):  # names, codes, rule text: no formula (rapor.cells)
                cells.append(safe_text(value))
            else:
                cells.append(str(value))
        writer.writerow(cells)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def bkd_xlsx_bytes(records: list[dict], meta: dict) -> bytes:
    """The same records as a workbook: sheet "TPP" (one row per official) and sheet "Keterangan"."""
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
                value = local(value, tz).replace(tzinfo=None)  # a date cell in the region's local time
            elif key in DECIMAL_COLUMNS and value is not None:
                value = float(value)
            row.append(safe_cell(value))
        sheet.append(row)
    widths = {"nama_opd": 40, "peran": 20, "nama_pegawai": 30, "nip": 21, "aturan": 48, "batas_banding": 22}
    formats = {
        "indeks": "0.00",
        "potongan_tpp_persen": "0.00",
        "nip": "@",
        "batas_banding": f'dd/mm/yyyy hh:mm "{zone_abbreviation(tz)}"',
    }
    for i, (key, _) in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(i)].width = widths.get(key, 14)
        if key in formats:
            for (cell,) in sheet.iter_rows(min_row=2, min_col=i, max_col=i):
                cell.number_format = formats[key]
    sheet.freeze_panes = "H2"
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
        (
            "Jumlah OPD dengan potongan > 0",
            len({r["kode_opd"] for r in records if (r["potongan_tpp_persen"] or 0) > 0}),
        ),
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
