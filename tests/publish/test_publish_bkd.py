"""The BKD's TPP file: officials from the registry, the rule behind each cut, the appeal deadline."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

from openpyxl import load_workbook
from sqlalchemy import select

from rapor.imports.staff import import_staff
from rapor.policy import load_policy
from rapor.publish.bkd import COLUMNS, appeal_deadline
from rapor.publish.revisions import BKD_CSV, BKD_EXCEL_CSV, BKD_XLSX, publish_month
from rapor.publish.tpp_rule import rule_text
from rapor.warehouse import schema

REGION, OCTOBER = "52.05", "2026-10"
WITA = timezone(timedelta(hours=8))


def read_csv_text(data: bytes) -> list[dict]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8"))))


def test_appeal_deadline_is_ten_working_days_after_publication():
    policy = load_policy()
    # Published Monday 2 November 2026, 09:00 WITA. Day 1 is Tuesday 3 November; working days
    # 3, 4, 5, 6, 9, 10, 11, 12, 13, 16 November (no holiday): the 10th is Monday 16 November.
    published = datetime(2026, 11, 2, 9, 0, tzinfo=WITA)
    assert appeal_deadline(published, REGION, "Asia/Makassar", policy).isoformat() == "2026-11-16T23:59:59+08:00"
    # Published Friday 18 December 2026: 21, 22, 23 Dec; 24 (cuti bersama) and 25 (Natal) are off;
    # 28, 29, 30, 31 Dec; 1 Jan 2027 (Tahun Baru) off; 4 Jan; 5 Jan (Isra Mikraj) off; 6, 7 Jan → 7 January.
    published = datetime(2026, 12, 18, 10, 0, tzinfo=WITA)
    assert appeal_deadline(published, REGION, "Asia/Makassar", policy).isoformat() == "2027-01-07T23:59:59+08:00"
    # 23:30 UTC on Sunday 1 November is already Monday 07:30 in WITA: the local date counts.
    published = datetime(2026, 11, 1, 23, 30, tzinfo=UTC)
    assert appeal_deadline(published, REGION, "Asia/Makassar", policy).isoformat() == "2026-11-16T23:59:59+08:00"


def test_tpp_rule_text_spells_out_the_policy_arithmetic():
    policy = load_policy()
    # SCORING.md §6: C, C, C gives 0, 2.5, 5; D after two C months (r = 3) gives 5 + 2.5 × 2 = 10.
    assert (
        rule_text("C", 1, policy)
        == "C, 1 bulan berturut-turut: belum ada potongan sebelum 2 bulan berturut-turut = 0,0%"
    )
    assert rule_text("C", 2, policy) == "C, 2 bulan berturut-turut: 2,5 + 2,5 × (2 − 2) = 2,5%"
    assert rule_text("C", 3, policy) == "C, 3 bulan berturut-turut: 2,5 + 2,5 × (3 − 2) = 5,0%"
    assert rule_text("D", 3, policy) == "D, 3 bulan berturut-turut: 5 + 2,5 × (3 − 1) = 10,0%"
    # E for 4 months: 10 + 2.5 × 3 = 17.5, above the 15% cap.
    assert rule_text("E", 4, policy) == "E, 4 bulan berturut-turut: 10 + 2,5 × (4 − 1) = 17,5, dibatasi 15,0%"
    assert rule_text("B", 0, policy) == "B: kategori A/B tidak dikenai potongan = 0,0%"
    assert rule_text(None, 0, policy) == "Tidak dinilai: tidak ada rekomendasi"


def test_bkd_file_has_one_row_per_official_with_category_run_cut_rule_deadline_and_revision(scored, pass_gate):
    pass_gate()
    outcome = publish_month(scored.engine, REGION, OCTOBER, now=datetime(2026, 11, 2, 1, 0, tzinfo=UTC))
    rows = read_csv_text((outcome.folder / BKD_CSV).read_bytes())
    staff = list(csv.DictReader(scored.officials.staff.open(encoding="utf-8")))
    with scored.engine.connect() as conn:
        stored = {
            r["opd_code"]: r
            for r in conn.execute(select(schema.scorecard).where(schema.scorecard.c.period == OCTOBER)).mappings()
        }

    assert list(rows[0].keys()) == [key for key, _ in COLUMNS]
    # One row per official of the staff registry (65 in the demo), each NIP once, no list in a cell.
    assert len(rows) == len(staff) == 65
    assert sorted(r["nip"] for r in rows) == sorted(p["nip"] for p in staff)
    assert not [r for r in rows if ";" in r["nama_pegawai"] or ";" in r["nip"]]
    assert {r["kode_opd"] for r in rows} == set(stored)
    for code, s in stored.items():
        mine = [r for r in rows if r["kode_opd"] == code]
        heads = [p for p in staff if p["opd_code"] == code and p["role"] == "kepala"]
        handlers = sorted(
            (p for p in staff if p["opd_code"] == code and p["role"] == "pengelola_pengaduan"),
            key=lambda p: (p["name"], p["nip"]),
        )
        # The head first, then the complaint handlers by name.
        assert [(r["peran"], r["nama_pegawai"], r["nip"]) for r in mine] == [
            ("Kepala OPD", p["name"], p["nip"]) for p in heads
        ] + [("Pengelola pengaduan", p["name"], p["nip"]) for p in handlers]
        for row in mine:
            assert (row["kategori"], row["zona"], row["status"]) == (s["category"] or "", s["zone"] or "", s["status"])
            assert int(row["bulan_berturut"]) == s["tpp_run_months"]
            assert row["revisi"] == "1"
            assert row["batas_banding"] == "2026-11-16T23:59:59+08:00"
            if s["category"] is None:
                assert (row["potongan_tpp_persen"], row["aturan"]) == ("", "Tidak dinilai: tidak ada rekomendasi")
            else:
                assert Decimal(row["potongan_tpp_persen"]) == s["tpp_cut_pct"]
    # Hand-checked rows of the demo: BKPSDM was C in August, September and October (r = 3):
    # 2.5 + 2.5 × (3 − 2) = 5.0; DINKES was D for three months: 5 + 2.5 × (3 − 1) = 10.0.
    by_code = {r["kode_opd"]: r for r in rows}
    assert (
        by_code["BKPSDM"]["kategori"],
        by_code["BKPSDM"]["bulan_berturut"],
        by_code["BKPSDM"]["potongan_tpp_persen"],
    ) == ("C", "3", "5.00")
    assert by_code["BKPSDM"]["aturan"] == "C, 3 bulan berturut-turut: 2,5 + 2,5 × (3 − 2) = 5,0%"
    assert (by_code["DINKES"]["kategori"], by_code["DINKES"]["potongan_tpp_persen"]) == ("D", "10.00")

    book = load_workbook(outcome.folder / BKD_XLSX)
    sheet = book["TPP"]
    values = list(sheet.iter_rows(values_only=True))
    assert list(values[0]) == [label for _, label in COLUMNS]
    assert len(values) == 66
    keys = [k for k, _ in COLUMNS]
    xlsx = [dict(zip(keys, r, strict=True)) for r in values[1:]]
    assert [(r["kode_opd"], r["nip"]) for r in xlsx] == [(r["kode_opd"], r["nip"]) for r in rows]
    bkpsdm = next(r for r in xlsx if r["kode_opd"] == "BKPSDM")
    assert bkpsdm["potongan_tpp_persen"] == 5.0
    assert bkpsdm["aturan"] == by_code["BKPSDM"]["aturan"]
    # The appeal deadline is a date cell (local time, WITA), not text; the NIP a text cell with all its digits.
    assert bkpsdm["batas_banding"] == datetime(2026, 11, 16, 23, 59, 59)
    deadline_cell = sheet.cell(row=2, column=keys.index("batas_banding") + 1)
    assert deadline_cell.is_date and deadline_cell.number_format == 'dd/mm/yyyy hh:mm "WITA"'
    nip_cell = sheet.cell(row=2, column=keys.index("nip") + 1)
    assert nip_cell.data_type == "s" and nip_cell.number_format == "@" and len(nip_cell.value) == 18
    assert next(r for r in xlsx if r["kode_opd"] == "BPBD")["potongan_tpp_persen"] is None
    info = dict(book["Keterangan"].iter_rows(values_only=True))
    assert info["Periode"] == "Oktober 2026" and info["Revisi"] == 1 and info["Gerbang mutu data"] == "lulus"
    assert info["Jumlah OPD dengan potongan > 0"] == sum(1 for s in stored.values() if (s["tpp_cut_pct"] or 0) > 0)


def test_excel_csv_opens_in_indonesian_excel_with_nip_as_text(scored, pass_gate):
    pass_gate()
    outcome = publish_month(scored.engine, REGION, OCTOBER, now=datetime(2026, 11, 2, 1, 0, tzinfo=UTC))
    plain = read_csv_text((outcome.folder / BKD_CSV).read_bytes())
    data = (outcome.folder / BKD_EXCEL_CSV).read_bytes()
    # UTF-8 with BOM (Excel then reads "×" and "−" of the rule right), ";" as separator, CRLF rows.
    assert data.startswith(b"\xef\xbb\xbf")
    text = data[3:].decode("utf-8")
    assert text.endswith("\r\n") and "\n" not in text.replace("\r\n", "")
    excel = list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))
    assert excel[0] == [label for _, label in COLUMNS]
    keys = [k for k, _ in COLUMNS]
    assert len(excel) == len(plain) + 1
    for row, base in zip(excel[1:], plain, strict=True):
        cells = dict(zip(keys, row, strict=True))
        assert cells["nip"] == (f'="{base["nip"]}"' if base["nip"] else "")
        assert cells["batas_banding"] == "16/11/2026 23:59"
        assert cells["potongan_tpp_persen"] == base["potongan_tpp_persen"].replace(".", ",")
        assert cells["indeks"] == base["indeks"].replace(".", ",")
        assert (cells["nama_pegawai"], cells["aturan"]) == (base["nama_pegawai"], base["aturan"])
    bkpsdm = next(dict(zip(keys, r, strict=True)) for r in excel[1:] if r[keys.index("kode_opd")] == "BKPSDM")
    assert bkpsdm["potongan_tpp_persen"] == "5,00"


def test_an_opd_without_listed_officials_says_so(scored, pass_gate, tmp_path):
    staff = tmp_path / "staff.csv"
    lines = scored.officials.staff.read_text(encoding="utf-8").splitlines()
    staff.write_text("\n".join(line for line in lines if ",RSUD," not in line) + "\n", encoding="utf-8")
    import_staff(scored.engine, staff)  # the file replaces the region's list
    pass_gate()
    outcome = publish_month(scored.engine, REGION, OCTOBER)
    rsud = [r for r in read_csv_text((outcome.folder / BKD_CSV).read_bytes()) if r["kode_opd"] == "RSUD"]
    assert [(r["peran"], r["nama_pegawai"], r["nip"]) for r in rsud] == [
        ("Kepala OPD", "(belum terdaftar)", ""),
        ("Pengelola pengaduan", "(belum terdaftar)", ""),
    ]


def test_staff_import_quarantines_bad_rows_and_reimport_changes_nothing(warehouse, write_csv):
    registry = write_csv(
        "registry.csv",
        """
region_code,region_name,timezone,opd_code,opd_name
52.05,Kabupaten Dompu,Asia/Makassar,DPUPR,Dinas PUPR
""",
    )
    from rapor.imports import import_files

    import_files(warehouse, [registry])
    staff = write_csv(
        "staff.csv",
        """
region_code,opd_code,role,name,nip
52.05,DPUPR,kepala,"Ir. Arief Gani, M.T.",197001012000031001
52.05,DPUPR,pengelola_pengaduan,Yuliana Kadir,199001012015032002
52.05,DPUPR,bendahara,Herman Haris,198001012005011003
52.05,DISPERKIM,kepala,Bambang Idris,197501012001121004
52.05,DPUPR,kepala,Hamdan Karim,1234
""",
    )
    result = import_staff(warehouse, staff)
    assert (result.rows_loaded, result.rows_quarantined) == (2, 3)
    assert sorted(p.rule for p in result.problems) == ["invalid_nip", "invalid_role", "unknown_opd"]
    with warehouse.connect() as conn:
        first = conn.execute(select(schema.opd_staff).order_by(schema.opd_staff.c.nip)).mappings().all()
    import_staff(warehouse, staff)
    with warehouse.connect() as conn:
        again = conn.execute(select(schema.opd_staff).order_by(schema.opd_staff.c.nip)).mappings().all()
    assert [dict(r) for r in again] == [dict(r) for r in first]
    assert [r["name"] for r in first] == ["Ir. Arief Gani, M.T.", "Yuliana Kadir"]


def test_rapor_import_takes_staff_and_recipients(warehouse, tmp_path, capsys):
    from rapor.cli import main
    from rapor.demo.region import generate_demo_officials, generate_demo_region

    files = generate_demo_region(tmp_path / "demo")
    officials = generate_demo_officials(tmp_path / "demo")
    assert (
        main(
            [
                "import",
                "--registry",
                str(files.registry),
                "--staff",
                str(officials.staff),
                "--recipients",
                str(officials.recipients),
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "staff" in out and "65 loaded" in out and "recipients" in out and "2 loaded" in out
    with warehouse.connect() as conn:
        emails = (
            conn.execute(select(schema.notification_recipient.c.email).order_by(schema.notification_recipient.c.email))
            .scalars()
            .all()
        )
    assert emails == ["bkpsdm@dompukab.example", "inspektorat@dompukab.example"]
