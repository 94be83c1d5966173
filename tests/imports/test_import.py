"""Import of registry, complaints and inspections (SCORING.md §8) into a real warehouse.

Every test runs on SQLite and on PostgreSQL (the ``warehouse`` fixture). Row numbers are
spreadsheet rows: the header is row 1, the first data row is row 2.
"""

from __future__ import annotations

import csv
from datetime import UTC, date, datetime
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import func, select

from rapor.errors import InputFileError
from rapor.imports import import_complaints, import_files, import_inspections, import_registry
from rapor.privacy import pseudonymise
from rapor.warehouse import schema

REAL = Path("/work/shared/data/real")
KEY = b"test-pseudonym-key"  # RAPOR_PSEUDONYM_KEY set by conftest

REGISTRY = """\
region_code,region_name,timezone,opd_code,opd_name
52.71,Kota Mataram,Asia/Makassar,DISHUB,Dinas Perhubungan
52.71,Kota Mataram,Asia/Makassar,DINKES,Dinas Kesehatan
31.71,Kota Jakarta Pusat,Asia/Jakarta,DISHUB,Dinas Perhubungan
"""
COMPLAINT_HEADER = (
    "complaint_id,region_code,opd_code,channel,source,kind,received_at,forwarded_at,first_response_at,"
    "resolved_at,reporter,text"
)


# --- helpers -----------------------------------------------------------------------------------------


def table_rows(engine, table) -> list[dict]:
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(select(table)).mappings()]


def count(engine, table) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar_one()


def complaint_map(engine) -> dict[tuple[str, str], dict]:
    return {(r["source"], r["complaint_id"]): r for r in table_rows(engine, schema.complaint)}


def utc(value: datetime | None) -> datetime | None:
    """Stored instants are UTC; SQLite hands them back naive, PostgreSQL aware."""
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def quarantine_entries(engine) -> set[tuple]:
    return {
        (r["dataset"], Path(r["source_file"]).name, r["row_number"], r["field"], r["rule"])
        for r in table_rows(engine, schema.quarantine)
    }


def warehouse_text(engine) -> str:
    """Every row of every table, as one lower-cased text to search for personal data."""
    parts = []
    for table in schema.metadata.sorted_tables:
        for row in table_rows(engine, table):
            parts.append(repr(row))
    return "\n".join(parts).lower()


def write_rows(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


@pytest.fixture
def registry(warehouse, write_csv):
    result = import_registry(warehouse, write_csv("registry.csv", REGISTRY))
    assert (result.rows_loaded, result.rows_quarantined) == (3, 0)
    return warehouse


# --- quarantine ---------------------------------------------------------------------------------------


def test_bad_complaint_rows_are_quarantined_with_rule_field_file_and_row(registry, write_csv):
    path = write_csv(
        "complaints.csv",
        f"""
{COMPLAINT_HEADER}
G1,52.71,DISHUB,hotline,lapor,pengaduan,2026-10-05 09:00,,2026-10-05 10:00,,,
X1,52.71,DISPAR,hotline,lapor,pengaduan,2026-10-05 09:00,,,,,
X2,99.99,DISHUB,hotline,lapor,pengaduan,2026-10-05 09:00,,,,,
X3,52.71,DISHUB,hotline,lapor,pengaduan,2026-10-32 09:00,,,,,
X4,52.71,DISHUB,hotline,lapor,pengaduan,2026-10-05 09:00,,2026-10-05 08:59,,,
X5,52.71,DISHUB,whatsapp,lapor,pengaduan,2026-10-05 09:00,,,,,
X6,52.71,DISHUB,hotline,lapor,keluhan,2026-10-05 09:00,,,,,
,52.71,DISHUB,hotline,lapor,pengaduan,2026-10-05 09:00,,,,,
X8,52.71,DISHUB,hotline,lapor,pengaduan,2026-10-05 09:00,,,kemarin,,
X9,52.71,DISHUB,hotline,lapor,pengaduan,2026-10-05 09:00,2026-10-04 09:00,,,,
G2,52.71,DINKES,aplikasi,lapor,aspirasi,2026-10-06 09:00,,,,,
""",
    )
    result = import_complaints(registry, path)
    # 11 data rows: G1 and G2 good, the 9 between them (rows 3-11) each break one rule.
    assert (result.rows_total, result.rows_loaded, result.rows_quarantined) == (11, 2, 9)
    assert set(complaint_map(registry)) == {("lapor", "G1"), ("lapor", "G2")}
    assert quarantine_entries(registry) == {
        ("complaints", "complaints.csv", 3, "opd_code", "unknown_opd"),
        ("complaints", "complaints.csv", 4, "region_code", "unknown_region"),
        ("complaints", "complaints.csv", 5, "received_at", "invalid_timestamp"),
        ("complaints", "complaints.csv", 6, "first_response_at", "event_before_receipt"),
        ("complaints", "complaints.csv", 7, "channel", "invalid_channel"),
        ("complaints", "complaints.csv", 8, "kind", "invalid_kind"),
        ("complaints", "complaints.csv", 9, "complaint_id", "missing_value"),
        ("complaints", "complaints.csv", 10, "resolved_at", "invalid_timestamp"),
        ("complaints", "complaints.csv", 11, "forwarded_at", "event_before_receipt"),
    }
    # The file is recorded with the full path, as given.
    assert {r["source_file"] for r in table_rows(registry, schema.quarantine)} == {str(path)}


def test_bad_inspection_rows_are_quarantined_and_the_rest_loads(registry, write_csv):
    path = write_csv(
        "inspections.csv",
        """
region_code,opd_code,inspected_at,dimension,indicator,score
52.71,DISHUB,2026-10-15,input,persyaratan,3
52.71,DISHUB,2026-10-15,input,biaya,4
52.71,DISHUB,2026-10-15,proses,prosedur,-1
52.71,DISHUB,2026-10-15,proses,waktu,2.5
52.71,DISHUB,2026-10-15,kualitas,ramah,2
52.71,DISHUB,2026-10-15,output,,2
52.71,DISHUB,15/10/2026,output,produk,2
52.71,DISPAR,2026-10-15,output,produk,2
52.71,DISHUB,2026-10-15,pengaduan,kanal,0
""",
    )
    result = import_inspections(registry, path)
    assert (result.rows_total, result.rows_loaded, result.rows_quarantined) == (9, 2, 7)
    assert quarantine_entries(registry) == {
        ("inspections", "inspections.csv", 3, "score", "score_out_of_range"),
        ("inspections", "inspections.csv", 4, "score", "score_out_of_range"),
        ("inspections", "inspections.csv", 5, "score", "score_out_of_range"),
        ("inspections", "inspections.csv", 6, "dimension", "invalid_dimension"),
        ("inspections", "inspections.csv", 7, "indicator", "missing_value"),
        ("inspections", "inspections.csv", 8, "inspected_at", "invalid_date"),
        ("inspections", "inspections.csv", 9, "opd_code", "unknown_opd"),
    }
    stored = {
        (r["indicator"], r["dimension"], r["score"], r["inspected_on"]) for r in table_rows(registry, schema.inspection)
    }
    assert stored == {("persyaratan", "input", 3, date(2026, 10, 15)), ("kanal", "pengaduan", 0, date(2026, 10, 15))}


def test_bad_registry_rows_are_quarantined_and_the_rest_loads(warehouse, write_csv):
    path = write_csv(
        "registry.csv",
        """
region_code,region_name,timezone,opd_code,opd_name
52.71,Kota Mataram,Asia/Makassar,DISHUB,Dinas Perhubungan
52.72,Kabupaten Contoh,WITA,DINSOS,Dinas Sosial
52.71,Kota Mataram,Asia/Makassar,DINKES,
52.71,Kota Mataram,Asia/Makassar,BAPPEDA,Badan Perencanaan
""",
    )
    result = import_registry(warehouse, path)
    assert (result.rows_total, result.rows_loaded, result.rows_quarantined) == (4, 2, 2)
    assert quarantine_entries(warehouse) == {
        ("registry", "registry.csv", 3, "timezone", "invalid_timezone"),
        ("registry", "registry.csv", 4, "opd_name", "missing_value"),
    }
    assert {(r["region_code"], r["timezone"]) for r in table_rows(warehouse, schema.region)} == {
        ("52.71", "Asia/Makassar")
    }
    assert {r["opd_code"] for r in table_rows(warehouse, schema.opd)} == {"DISHUB", "BAPPEDA"}


def test_quarantine_keeps_the_row_for_a_person_to_fix(registry, write_csv):
    path = write_csv(
        "complaints.csv",
        f"""
{COMPLAINT_HEADER}
X1,52.71,DISPAR,hotline,lapor,pengaduan,2026-10-05 09:00,,,,,jalan rusak di km 12
""",
    )
    import_complaints(registry, path)
    (entry,) = table_rows(registry, schema.quarantine)
    assert "DISPAR" in entry["detail"]
    assert "lapor" in entry["record_key"] and "X1" in entry["record_key"]
    assert "jalan rusak di km 12" in entry["raw_record"]


# --- idempotency and updates --------------------------------------------------------------------------


def test_reimporting_the_same_files_changes_nothing(warehouse, write_csv):
    registry = write_csv("registry.csv", REGISTRY)
    complaints = write_csv(
        "complaints.csv",
        f"""
{COMPLAINT_HEADER}
C1,52.71,DISHUB,hotline,lapor,pengaduan,2026-10-05 09:00,,2026-10-05 10:00,2026-10-20 10:00,Budi,jalan rusak
C2,52.71,DINKES,aplikasi,lapor,aspirasi,2026-10-06 09:00,2026-10-06 11:00,,,,
X1,52.71,DISPAR,hotline,lapor,pengaduan,2026-10-05 09:00,,,,,
""",
    )
    inspections = write_csv(
        "inspections.csv",
        """
region_code,opd_code,inspected_at,dimension,indicator,score
52.71,DISHUB,2026-10-15,input,persyaratan,3
52.71,DISHUB,2026-10-15,input,biaya,9
""",
    )
    import_files(warehouse, [registry], [complaints], [inspections])
    tables = (schema.region, schema.opd, schema.complaint, schema.inspection, schema.quarantine)
    before = {t.name: sorted(map(repr, table_rows(warehouse, t))) for t in tables}
    assert [len(before[t.name]) for t in tables] == [2, 3, 2, 1, 2]
    import_files(warehouse, [registry], [complaints], [inspections])
    after = {t.name: sorted(map(repr, table_rows(warehouse, t))) for t in tables}
    # Same rows, same values, same updated_at; no second quarantine entry.
    assert after == before


def test_later_row_in_the_same_file_updates_the_complaint(registry, write_csv):
    path = write_csv(
        "complaints.csv",
        f"""
{COMPLAINT_HEADER}
C1,52.71,DISHUB,hotline,lapor,pengaduan,2026-10-05 09:00,,,,,
C1,52.71,DISHUB,hotline,lapor,pengaduan,2026-10-05 09:00,,2026-10-05 10:00,,,
""",
    )
    import_complaints(registry, path)
    stored = complaint_map(registry)
    assert len(stored) == 1
    # 10:00 WITA = 02:00 UTC.
    assert utc(stored[("lapor", "C1")]["first_response_at"]) == datetime(2026, 10, 5, 2, tzinfo=UTC)


def test_later_file_updates_the_complaint_with_the_same_source_and_id(registry, write_csv):
    first = write_csv(
        "complaints-1.csv",
        f"""
{COMPLAINT_HEADER}
C1,52.71,DISHUB,hotline,lapor,pengaduan,2026-10-05 09:00,,,,,
C1,52.71,DISHUB,hotline,span,pengaduan,2026-10-05 09:00,,,,,
""",
    )
    import_complaints(registry, first)
    before = complaint_map(registry)
    second = write_csv(
        "complaints-2.csv",
        f"""
{COMPLAINT_HEADER}
C1,52.71,DINKES,hotline,lapor,pengaduan,2026-10-05 09:00,2026-10-05 12:00,2026-10-05 13:00,2026-10-09 15:00,,
""",
    )
    import_complaints(registry, second)
    after = complaint_map(registry)
    # Same id from another source is another complaint; only (lapor, C1) changed.
    assert set(after) == {("lapor", "C1"), ("span", "C1")}
    updated = after[("lapor", "C1")]
    assert updated["opd_code"] == "DINKES"
    assert utc(updated["forwarded_at"]) == datetime(2026, 10, 5, 4, tzinfo=UTC)
    assert utc(updated["resolved_at"]) == datetime(2026, 10, 9, 7, tzinfo=UTC)
    assert utc(updated["updated_at"]) > utc(before[("lapor", "C1")]["updated_at"])
    assert after[("span", "C1")] == before[("span", "C1")]


# --- timestamps -------------------------------------------------------------------------------------


def test_timestamps_without_offset_are_the_regions_local_time(registry, write_csv):
    path = write_csv(
        "complaints.csv",
        f"""
{COMPLAINT_HEADER}
NAIVE_SPACE,52.71,DISHUB,hotline,lapor,aspirasi,2026-10-05 09:00,,,,,
NAIVE_T,52.71,DISHUB,hotline,lapor,aspirasi,2026-10-05T09:00:00,,,,,
ZULU,52.71,DISHUB,hotline,lapor,aspirasi,2026-10-05T09:00:00Z,,,,,
BASIC_OFFSET,52.71,DISHUB,hotline,lapor,aspirasi,2026-10-05T09:00:00+0800,,,,,
EXTENDED_OFFSET,52.71,DISHUB,hotline,lapor,aspirasi,2026-10-05T09:00:00+08:00,,,,,
SPACE_WIB_OFFSET,52.71,DISHUB,hotline,lapor,aspirasi,2026-10-05 09:00:00+07:00,,,,,
DATE_ONLY,52.71,DISHUB,hotline,lapor,aspirasi,2026-10-05,,,,,
MICROSECONDS,52.71,DISHUB,hotline,lapor,aspirasi,2026-10-05 23:59:59.999999,,,,,
JAKARTA,31.71,DISHUB,hotline,lapor,aspirasi,2026-10-05 09:00,,,,,
""",
    )
    result = import_complaints(registry, path)
    assert result.rows_quarantined == 0
    got = {key[1]: utc(row["received_at"]) for key, row in complaint_map(registry).items()}

    def z(*args):
        return datetime(*args, tzinfo=UTC)

    assert got == {
        "NAIVE_SPACE": z(2026, 10, 5, 1),  # 09:00 WITA (UTC+8)
        "NAIVE_T": z(2026, 10, 5, 1),
        "ZULU": z(2026, 10, 5, 9),  # as given
        "BASIC_OFFSET": z(2026, 10, 5, 1),
        "EXTENDED_OFFSET": z(2026, 10, 5, 1),
        "SPACE_WIB_OFFSET": z(2026, 10, 5, 2),  # the offset wins over the region's zone
        "DATE_ONLY": z(2026, 10, 4, 16),  # local midnight of 5 Oct WITA
        "MICROSECONDS": z(2026, 10, 5, 15, 59, 59, 999999),
        "JAKARTA": z(2026, 10, 5, 2),  # 09:00 WIB (UTC+7): that region's own zone
    }


def test_xlsx_with_the_same_header_imports_the_same_as_csv(registry, write_csv, tmp_path):
    text = f"""
{COMPLAINT_HEADER}
C1,52.71,DISHUB,hotline,lapor,pengaduan,2026-10-05 09:00,,2026-10-05T10:00:00+08:00,2026-10-20,Budi,jalan rusak
C2,52.71,DINKES,aplikasi,lapor,aspirasi,2026-10-06 09:00,2026-10-06 11:00,,,,
X1,52.71,DISPAR,hotline,lapor,pengaduan,2026-10-05 09:00,,,,,
"""
    csv_path = write_csv("complaints.csv", text)
    xlsx_path = tmp_path / "complaints.xlsx"
    pd.read_csv(csv_path, dtype=str, keep_default_na=False).to_excel(xlsx_path, index=False, engine="openpyxl")

    from_xlsx = import_complaints(registry, xlsx_path)
    after_xlsx = complaint_map(registry)
    from_csv = import_complaints(registry, csv_path)
    # Importing the CSV over the .xlsx changes no stored value (updated_at included).
    assert complaint_map(registry) == after_xlsx
    assert (from_xlsx.rows_total, from_xlsx.rows_loaded, from_xlsx.rows_quarantined) == (3, 2, 1)
    assert (from_csv.rows_total, from_csv.rows_loaded, from_csv.rows_quarantined) == (3, 2, 1)
    c1 = after_xlsx[("lapor", "C1")]
    assert utc(c1["first_response_at"]) == datetime(2026, 10, 5, 2, tzinfo=UTC)
    assert utc(c1["resolved_at"]) == datetime(2026, 10, 19, 16, tzinfo=UTC)
    # Both files' bad row is quarantined under its own file, at the same row number.
    assert quarantine_entries(registry) == {
        ("complaints", "complaints.xlsx", 4, "opd_code", "unknown_opd"),
        ("complaints", "complaints.csv", 4, "opd_code", "unknown_opd"),
    }


def test_file_missing_a_column_names_the_file_and_the_column(registry, write_csv):
    path = write_csv(
        "complaints.csv",
        """
complaint_id,region_code,opd_code,channel,source,received_at,forwarded_at,first_response_at,resolved_at,reporter,text
C1,52.71,DISHUB,hotline,lapor,2026-10-05 09:00,,,,,
""",
    )
    with pytest.raises(InputFileError) as caught:
        import_complaints(registry, path)
    assert str(path) in str(caught.value)
    assert "kind" in str(caught.value)
    assert count(registry, schema.complaint) == 0


def test_missing_file_names_the_file(registry, tmp_path):
    with pytest.raises(InputFileError, match="nothing.csv"):
        import_complaints(registry, tmp_path / "nothing.csv")


# --- personal data ----------------------------------------------------------------------------------

PERSONAL = (
    "Budi Santoso",
    "0812-3456-7890",
    "081234567890",
    "+62 812 3456 7890",
    "5271012345670001",
    "budi.santoso@example.co.id",
    "@budisantoso88",
    "Siti Aminah",
    "0813 1111 2222",
    "081311112222",
    "3174055506780002",
    "siti@mail.id",
)


def test_personal_data_never_reaches_the_warehouse(registry, write_csv):
    received = "pengaduan,2026-10-05 09:00,,,"
    text_p1 = (
        "Lampu jalan mati di km 12 sejak 2026. Hubungi 0812-3456-7890 atau +62 812 3456 7890, "
        "NIK 5271012345670001, budi.santoso@example.co.id, ig @budisantoso88"
    )
    path = write_csv(
        "complaints.csv",
        f"""
{COMPLAINT_HEADER}
P1,52.71,DISHUB,media_sosial,lapor,{received},Budi Santoso,"{text_p1}"
P2,52.71,DISHUB,hotline,lapor,{received},0812-3456-7890,telepon 081234567890
P3,52.71,DISPAR,hotline,lapor,{received},Siti Aminah,"saya 0813 1111 2222 NIK 3174055506780002 siti@mail.id"
""",
    )
    result = import_complaints(registry, path)
    assert (result.rows_loaded, result.rows_quarantined) == (2, 1)  # P3: unknown OPD
    assert count(registry, schema.quarantine) == 1  # so the quarantine copy is searched too
    dump = warehouse_text(registry)
    leaked = [item for item in PERSONAL if item.lower() in dump]
    assert leaked == []
    # The reporter is kept as a keyed pseudonym; a phone number written another way is the
    # same identity.
    stored = complaint_map(registry)
    assert stored[("lapor", "P1")]["reporter_pseudonym"] == pseudonymise("Budi Santoso", KEY)
    assert stored[("lapor", "P2")]["reporter_pseudonym"] == pseudonymise("+62 812 3456 7890", KEY)
    # The text keeps its meaning.
    text = stored[("lapor", "P1")]["text_redacted"]
    assert "Lampu jalan mati di km 12 sejak 2026" in text


# --- real 311 samples ---------------------------------------------------------------------------------

BOSTON_CHANNEL = {
    "Citizens Connect App": "aplikasi",
    "Self Service": "aplikasi",
    "City Worker App": "aplikasi",
    "Constituent Call": "hotline",
}
NYC_CHANNEL = {"PHONE": "hotline", "ONLINE": "aplikasi", "MOBILE": "aplikasi", "UNKNOWN": "unknown"}


def boston_registry(tmp_path: Path) -> Path:
    departments = ["BTDT", "GEN_", "INFO", "ISD", "PARK", "PROP", "PWDx"]
    rows = [["BOS", "Boston", "America/New_York", d, f"Department {d}"] for d in departments]
    return write_rows(
        tmp_path / "boston-registry.csv", ["region_code", "region_name", "timezone", "opd_code", "opd_name"], rows
    )


def boston_row(r: dict) -> list[str]:
    """A Boston 311 case as a §8 complaint row: the city's closure is taken as the resolution."""
    return [
        r["case_enquiry_id"],
        "BOS",
        r["department"],
        BOSTON_CHANNEL[r["source"]],
        "boston311",
        "pengaduan",
        r["open_dt"],
        "",
        "",
        r["closed_dt"],
        "",
        r["closure_reason"],
    ]


def boston_complaints(src: Path, out: Path) -> Path:
    frame = pd.read_csv(src, dtype=str, keep_default_na=False)
    return write_rows(out, COMPLAINT_HEADER.split(","), [boston_row(r) for r in frame.to_dict("records")])


def test_boston_311_sample_loads_every_row(warehouse, tmp_path):
    complaints = boston_complaints(REAL / "boston311-100.csv", tmp_path / "boston.csv")
    _, result = import_files(warehouse, [boston_registry(tmp_path)], [complaints])
    # 100 cases, all with a known department, an ISO-like timestamp and closed_dt >= open_dt.
    assert (result.rows_total, result.rows_loaded, result.rows_quarantined) == (100, 100, 0)
    assert count(warehouse, schema.complaint) == 100
    case = complaint_map(warehouse)[("boston311", "101004113637")]
    # open_dt 2022-01-01 17:24:56 Boston (EST, UTC-5) = 22:24:56 UTC; closed 2022-01-03 00:03:27 = 05:03:27 UTC.
    assert utc(case["received_at"]) == datetime(2022, 1, 1, 22, 24, 56, tzinfo=UTC)
    assert utc(case["resolved_at"]) == datetime(2022, 1, 3, 5, 3, 27, tzinfo=UTC)
    assert (case["opd_code"], case["channel"]) == ("BTDT", "aplikasi")


def test_boston_duplicates_collapse_to_one_complaint_each(warehouse, tmp_path):
    # The file has 100 rows: 80 distinct cases, 20 of them repeated verbatim.
    complaints = boston_complaints(REAL / "boston311-100-20dupes-random.csv", tmp_path / "dupes.csv")
    _, result = import_files(warehouse, [boston_registry(tmp_path)], [complaints])
    assert result.rows_total == 100
    assert result.rows_loaded + result.rows_quarantined == result.rows_total
    assert result.rows_quarantined == 0
    assert count(warehouse, schema.complaint) == 80
    import_complaints(warehouse, complaints)
    assert count(warehouse, schema.complaint) == 80
    # The full sample adds the 20 cases the duplicates replaced, and nothing twice.
    import_complaints(warehouse, boston_complaints(REAL / "boston311-100.csv", tmp_path / "boston.csv"))
    assert count(warehouse, schema.complaint) == 100


def test_boston_fake_personal_data_never_reaches_the_warehouse(warehouse, tmp_path):
    # The fake PII injected into closure_reason (found by diffing against boston311-100.csv).
    fake = ("212-555-1234", "987-65-4320", "378734493671000", "joeblows@aol.com", "212-123-5432")
    complaints = boston_complaints(REAL / "boston311-100-with-fake-pii.csv", tmp_path / "pii.csv")
    assert all(item in complaints.read_text() for item in fake)
    _, result = import_files(warehouse, [boston_registry(tmp_path)], [complaints])
    assert (result.rows_loaded, result.rows_quarantined) == (100, 0)
    dump = warehouse_text(warehouse)
    assert [item for item in fake if item in dump] == []


def test_boston_malformed_tsv_row_is_quarantined_and_the_rest_loads(warehouse, tmp_path):
    # boston311-100-bad.tsv: 100 cases, the one on line 41 has 30 fields for 29 columns (a stray
    # extra "Citizens Connect App"). Mapped to §8 the extra cell stays: that row has 13 cells.
    with open(REAL / "boston311-100-bad.tsv", encoding="utf-8", newline="") as handle:
        lines = list(csv.reader(handle, delimiter="\t"))
    header, data = lines[0], lines[1:]
    rows = []
    for fields in data:
        record = dict(zip(header, fields, strict=False))
        rows.append(boston_row(record) + fields[len(header) :])
    assert [len(r) for r in rows].count(13) == 1 and len(rows) == 100
    complaints = write_rows(tmp_path / "bad.csv", COMPLAINT_HEADER.split(","), rows)
    _, result = import_files(warehouse, [boston_registry(tmp_path)], [complaints])
    assert (result.rows_total, result.rows_loaded, result.rows_quarantined) == (100, 99, 1)
    assert count(warehouse, schema.complaint) == 99
    (entry,) = table_rows(warehouse, schema.quarantine)
    assert (entry["row_number"], entry["source_file"]) == (41, str(complaints))
    assert entry["rule"]


def test_boston_day_first_dates_are_not_guessed(warehouse, tmp_path):
    # boston311-dmy-100.csv writes 21/01/2022 13:47:00: not ISO 8601, and 01/02/2022 is ambiguous.
    complaints = boston_complaints(REAL / "boston311-dmy-100.csv", tmp_path / "dmy.csv")
    _, result = import_files(warehouse, [boston_registry(tmp_path)], [complaints])
    assert (result.rows_total, result.rows_loaded, result.rows_quarantined) == (100, 0, 100)
    assert count(warehouse, schema.complaint) == 0
    rules = {(r["field"], r["rule"]) for r in table_rows(warehouse, schema.quarantine)}
    assert ("received_at", "invalid_timestamp") in rules


def nyc_instant(text: str) -> str:
    """NYC's 'MM/DD/YYYY hh:mm:ss AM' as ISO local time; midnight-only as a bare date."""
    if not text:
        return ""
    value = pd.to_datetime(text, format="%m/%d/%Y %I:%M:%S %p")
    return value.strftime("%Y-%m-%d") if value == value.normalize() else value.strftime("%Y-%m-%d %H:%M:%S")


def test_nyc_311_sample_with_us_dates_and_midnight_only_rows(warehouse, tmp_path):
    frame = pd.read_csv(REAL / "nyc311-100.csv", dtype=str, keep_default_na=False)
    agencies = sorted(frame["Agency"].unique())
    registry = write_rows(
        tmp_path / "nyc-registry.csv",
        ["region_code", "region_name", "timezone", "opd_code", "opd_name"],
        [["NYC", "New York City", "America/New_York", a, a] for a in agencies],
    )
    rows = [
        [
            r["Unique Key"],
            "NYC",
            r["Agency"],
            NYC_CHANNEL[r["Open Data Channel Type"]],
            "nyc311",
            "pengaduan",
            nyc_instant(r["Created Date"]),
            "",
            "",
            nyc_instant(r["Closed Date"]),
            "",
            r["Descriptor"],
        ]
        for r in frame.to_dict("records")
    ]
    complaints = write_rows(tmp_path / "nyc.csv", COMPLAINT_HEADER.split(","), rows)
    _, result = import_files(warehouse, [registry], [complaints])
    # Channels: PHONE 52 + ONLINE 16 + MOBILE 11 = 79 load; the 21 UNKNOWN are not a §8 channel.
    assert (result.rows_total, result.rows_loaded, result.rows_quarantined) == (100, 79, 21)
    assert {(r["field"], r["rule"]) for r in table_rows(warehouse, schema.quarantine)} == {
        ("channel", "invalid_channel")
    }
    stored = complaint_map(warehouse)
    # 04/18/2019 09:55:45 PM in New York (EDT, UTC-4) = 2019-04-19 01:55:45 UTC.
    assert utc(stored[("nyc311", "42254749")]["received_at"]) == datetime(2019, 4, 19, 1, 55, 45, tzinfo=UTC)
    # Midnight-only rows, written as bare dates, are local midnight: 07 Jan 2015 (EST, UTC-5)
    # -> 05:00 UTC; closed 11 Jan 2015 -> 05:00 UTC. 07 Sep 2013 (EDT, UTC-4) -> 04:00 UTC.
    assert utc(stored[("nyc311", "29662292")]["received_at"]) == datetime(2015, 1, 7, 5, tzinfo=UTC)
    assert utc(stored[("nyc311", "29662292")]["resolved_at"]) == datetime(2015, 1, 11, 5, tzinfo=UTC)
    assert utc(stored[("nyc311", "26273401")]["received_at"]) == datetime(2013, 9, 7, 4, tzinfo=UTC)
