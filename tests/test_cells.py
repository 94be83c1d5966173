"""Text cells safe to open in a spreadsheet (OWASP CSV injection): rapor.cells."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from rapor.cells import safe_cell, safe_text
from rapor.publish.bkd import COLUMNS, bkd_csv_bytes, bkd_excel_csv_bytes, bkd_xlsx_bytes


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ('=HYPERLINK("http://x","klik")', '\'=HYPERLINK("http://x","klik")'),
        ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
        ("-2+3", "'-2+3"),
        ("@SUM(1+1)", "'@SUM(1+1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("Dinas Kesehatan", "Dinas Kesehatan"),
        ("52.05", "52.05"),
        ("a=b", "a=b"),
        ("", ""),
    ],
)
def test_safe_text_prefixes_formula_triggers_only(value, written):
    assert safe_text(value) == written


def test_safe_cell_leaves_numbers_dates_and_empty_cells_alone():
    moment = datetime(2026, 10, 1, tzinfo=UTC)
    assert [safe_cell(v) for v in (-2.5, 3, Decimal("-1"), None, moment)] == [-2.5, 3, Decimal("-1"), None, moment]


def _record(**values) -> dict:
    base = {key: "" for key, _ in COLUMNS}
    base.update(
        kode_wilayah="52.05",
        periode="2026-10",
        revisi=1,
        kode_opd="DINKES",
        nama_opd='=HYPERLINK("http://x","klik")',
        peran="Kepala OPD",
        nama_pegawai="@SUM(A1)",
        nip="197001012000031001",
        indeks=Decimal("-1.5"),
        bulan_berturut=2,
        potongan_tpp_persen=Decimal("2.5"),
        aturan="+cmd",
        batas_banding=datetime(2026, 11, 20, 23, 59, 59, tzinfo=UTC),
    )
    base.update(values)
    return base


def test_the_bkd_csv_neutralises_text_cells_and_keeps_numbers():
    text = bkd_csv_bytes([_record()]).decode("utf-8")
    line = text.splitlines()[1]
    assert "'=HYPERLINK" in line and "'@SUM(A1)" in line and "'+cmd" in line
    assert ",-1.50," in line and ",2.50," in line and ",2," in line


def test_the_bkd_excel_csv_neutralises_text_cells_and_keeps_the_nip_as_text():
    import csv as csv_module

    text = bkd_excel_csv_bytes([_record()], "Asia/Makassar").decode("utf-8-sig")
    row = dict(zip([k for k, _ in COLUMNS], list(csv_module.reader(io.StringIO(text), delimiter=";"))[1], strict=True))
    assert (row["nama_opd"], row["nama_pegawai"], row["aturan"]) == (
        '\'=HYPERLINK("http://x","klik")',
        "'@SUM(A1)",
        "'+cmd",
    )
    assert row["nip"] == '="197001012000031001"'  # ours: digits only, shown as text by Excel
    assert (row["indeks"], row["potongan_tpp_persen"]) == ("-1,50", "2,50")


def test_the_bkd_workbook_has_no_formula_and_keeps_numbers_as_numbers():
    meta = {
        "timezone": "Asia/Makassar",
        "region_name": "Kabupaten Dompu",
        "region_code": "52.05",
        "period": "2026-10",
        "revision": 1,
        "published_at": datetime(2026, 11, 2, tzinfo=UTC),
        "reason": "=1+1",
        "appeal_deadline_at": datetime(2026, 11, 20, tzinfo=UTC),
        "appeal_window_hk": 10,
        "method_version": "2026.1",
        "policy_sha256": "0" * 64,
        "inputs_sha256": "1" * 64,
    }
    book = load_workbook(io.BytesIO(bkd_xlsx_bytes([_record()], meta)))
    cells = [c for sheet in book.worksheets for row in sheet.iter_rows() for c in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]  # no formula anywhere
    by_header = dict(zip([c.value for c in book["TPP"][1]], [c.value for c in book["TPP"][2]], strict=True))
    assert by_header["Nama OPD"] == '\'=HYPERLINK("http://x","klik")'
    assert by_header["Indeks"] == -1.5 and by_header["Rekomendasi potongan TPP (%)"] == 2.5
    assert "'=1+1" in [c.value for c in book["Keterangan"]["B"]]


def test_the_early_warning_csv_neutralises_a_formula_ticket():
    import csv as csv_module

    from rapor.publish import early_warning

    class Item:
        source, ticket, channel, kind, duty, state = "lapor", "=HYPERLINK(1)", "aplikasi", "pengaduan", None, "+1"
        deadline_at = datetime(2026, 11, 2, 8, tzinfo=UTC)
        overdue = True

    class Region:
        timezone = "Asia/Makassar"

    class Warning:
        region, listed = Region(), [Item()]

    Item.duty = next(iter(early_warning.DUTY_LABELS))
    rows = list(csv_module.reader(io.StringIO(early_warning.feed_csv(Warning()).decode("utf-8"))))
    assert rows[1][1] == "'=HYPERLINK(1)" and rows[1][-1] == "'+1"
