"""The bulk import path: files read in chunks, the bulk merge, unchanged files not read again.

Every test runs on SQLite and on PostgreSQL (the ``warehouse`` fixture).
"""

from __future__ import annotations

import pandas as pd
import pytest
from sqlalchemy import select, text

from rapor.imports import import_complaints, import_registry
from rapor.imports.files import iter_table_chunks, read_table_file
from rapor.warehouse import schema
from rapor.warehouse.db import bulk_upsert, upsert

REGISTRY = """\
region_code,region_name,timezone,opd_code,opd_name
52.71,Kota Mataram,Asia/Makassar,DISHUB,Dinas Perhubungan
52.71,Kota Mataram,Asia/Makassar,DINKES,Dinas Kesehatan
"""
HEADER = (
    "complaint_id,region_code,opd_code,channel,source,kind,received_at,forwarded_at,first_response_at,"
    "resolved_at,reporter,text"
)
ROWS = [
    "C1,52.71,DISHUB,hotline,lapor,pengaduan,2026-10-05 09:00,,2026-10-05 10:00,,Budi,jalan rusak",
    'C2,52.71,DINKES,aplikasi,lapor,aspirasi,2026-10-06 09:00,,,,0812-3456-7890,"antre ""lama""\nsekali"',
    "X3,52.71,DISPAR,hotline,lapor,pengaduan,2026-10-05 09:00,,,,,",  # unknown OPD
    "C4,52.71,DISHUB,media_sosial,lapor,pengaduan,2026-10-07 09:00,,,,@warga_ntb,hubungi 0812 1111 2222",
    "C5,52.71,DISHUB,hotline,lapor,pengaduan,2026-10-08 09:00,,,,,",
]


def rows_of(engine, table) -> list[dict]:
    with engine.connect() as conn:
        return sorted((dict(r) for r in conn.execute(select(table)).mappings()), key=repr)


def state(engine) -> dict[str, list[dict]]:
    return {t.name: rows_of(engine, t) for t in (schema.complaint, schema.quarantine)}


@pytest.fixture
def registry(warehouse, write_csv):
    import_registry(warehouse, write_csv("registry.csv", REGISTRY))
    return warehouse


def test_chunks_read_the_same_rows_lines_and_malformed_rows_as_one_read(write_csv):
    path = write_csv("complaints.csv", "\n".join([HEADER, *ROWS[:2], "", "C9,52.71,too,few", *ROWS[2:]]) + "\n")
    whole = read_table_file(path, tuple(HEADER.split(",")))
    chunks = list(iter_table_chunks(path, tuple(HEADER.split(",")), chunk_rows=2))
    assert [len(c.rows) + len(c.malformed) for c in chunks] == [2, 2, 2]
    pd.testing.assert_frame_equal(pd.concat([c.rows for c in chunks]), whole.rows)
    assert [m.row_number for c in chunks for m in c.malformed] == [m.row_number for m in whole.malformed] == [5]
    assert sum(c.lines.lines for c in chunks) == whole.lines.lines == 8  # C2's text spans two lines, one blank
    assert sum(c.lines.in_quoted_cells for c in chunks) == whole.lines.in_quoted_cells == 1
    assert sum(c.lines.blank for c in chunks) == whole.lines.blank == 1


def test_an_import_in_chunks_stores_what_one_chunk_stores(registry, write_csv, tmp_path):
    """A quarantined row and good rows in different chunks: same complaints, same quarantine."""
    path = write_csv("complaints.csv", "\n".join([HEADER, *ROWS]) + "\n")
    whole = import_complaints(registry, path)
    expected = state(registry)
    with registry.begin() as conn:
        for table in (schema.complaint, schema.quarantine, schema.import_file):
            conn.execute(table.delete())
    chunked = import_complaints(registry, path, chunk_rows=2)  # X3 (row 4, quarantined) alone with C4's chunk
    assert (chunked.rows_total, chunked.rows_loaded, chunked.rows_quarantined) == (5, 4, 1)
    assert (whole.rows_total, whole.rows_loaded, whole.rows_quarantined) == (5, 4, 1)
    assert (chunked.lines, chunked.lines_in_quoted_cells) == (whole.lines, whole.lines_in_quoted_cells) == (6, 1)
    assert chunked.lines_accounted
    got = state(registry)

    def strip(rows):
        return [
            {k: v for k, v in r.items() if k not in ("updated_at", "quarantined_at", "quarantine_id")} for r in rows
        ]

    assert strip(got["complaint"]) == strip(expected["complaint"])
    assert strip(got["quarantine"]) == strip(expected["quarantine"])
    assert [(q["row_number"], q["rule"]) for q in got["quarantine"]] == [(4, "unknown_opd")]


def test_reimporting_an_unchanged_file_says_so_and_changes_nothing(registry, write_csv):
    path = write_csv("complaints.csv", "\n".join([HEADER, *ROWS]) + "\n")
    first = import_complaints(registry, path)
    before = state(registry)
    with registry.connect() as conn:
        (first_seen, last_seen) = conn.execute(
            select(schema.import_file.c.first_imported_at, schema.import_file.c.last_imported_at).where(
                schema.import_file.c.dataset == "complaints"
            )
        ).one()
    again = import_complaints(registry, path)
    assert again.unchanged_since is not None
    assert "unchanged" in again.summary() and "nothing written again" in again.summary()
    assert (again.rows_total, again.rows_loaded, again.rows_quarantined) == (
        first.rows_total,
        first.rows_loaded,
        first.rows_quarantined,
    )
    assert state(registry) == before  # same rows, same updated_at, no second quarantine entry
    with registry.connect() as conn:
        lineage = (
            conn.execute(select(schema.import_file).where(schema.import_file.c.dataset == "complaints"))
            .mappings()
            .one()
        )
    # The lineage is truthful: imported once more, same counts.
    assert lineage["first_imported_at"] == first_seen and lineage["last_imported_at"] > last_seen
    assert (lineage["rows_total"], lineage["rows_loaded"], lineage["rows_quarantined"]) == (5, 4, 1)


def test_an_unchanged_file_is_read_again_after_the_registry_changed(registry, write_csv):
    """Rows held for an unknown OPD load once the OPD is in the registry."""
    path = write_csv("complaints.csv", "\n".join([HEADER, *ROWS]) + "\n")
    import_complaints(registry, path)
    import_registry(
        registry, write_csv("registry2.csv", REGISTRY + "52.71,Kota Mataram,Asia/Makassar,DISPAR,Dinas Pariwisata\n")
    )
    again = import_complaints(registry, path)
    assert again.unchanged_since is None and again.rows_loaded == 5
    assert {r["complaint_id"] for r in rows_of(registry, schema.complaint)} == {"C1", "C2", "X3", "C4", "C5"}


def test_a_changed_row_in_an_otherwise_unchanged_file_is_updated_and_only_it(registry, write_csv):
    path = write_csv("complaints.csv", "\n".join([HEADER, *ROWS]) + "\n")
    import_complaints(registry, path, chunk_rows=2)
    before = {r["complaint_id"]: r for r in rows_of(registry, schema.complaint)}
    changed = [*ROWS[:4], ROWS[4].replace("2026-10-08 09:00,,,,", "2026-10-08 09:00,,2026-10-08 11:00,,")]
    result = import_complaints(
        registry, write_csv("complaints.csv", "\n".join([HEADER, *changed]) + "\n"), chunk_rows=2
    )
    assert result.unchanged_since is None and result.rows_loaded == 4
    after = {r["complaint_id"]: r for r in rows_of(registry, schema.complaint)}
    assert after["C5"]["first_response_at"] is not None and after["C5"]["updated_at"] > before["C5"]["updated_at"]
    assert {k: v for k, v in after.items() if k != "C5"} == {k: v for k, v in before.items() if k != "C5"}


def test_the_bulk_merge_stores_exactly_what_the_row_upsert_stores(warehouse):
    """Same stored text/values on both databases (timestamps included), same 'unchanged' rule."""
    now = pd.Timestamp("2026-10-09 01:02:03.456789", tz="UTC")
    frame = pd.DataFrame(
        {
            "source": ["lapor", "lapor"],
            "complaint_id": ["A", "B"],
            "region_code": ["52.71", "52.71"],
            "opd_code": ["DISHUB", None],
            "channel": ["hotline", "aplikasi"],
            "kind": ["pengaduan", "aspirasi"],
            "received_at": pd.to_datetime(["2026-10-05 01:00:00.000001", "2026-10-06 23:59:59.000000"], utc=True),
            "forwarded_at": pd.Series([pd.NaT, pd.NaT], dtype="datetime64[us, UTC]"),
            "first_response_at": pd.to_datetime(["2026-10-05 02:00", None], utc=True),
            "resolved_at": pd.Series([pd.NaT, pd.NaT], dtype="datetime64[us, UTC]"),
            "reporter_pseudonym": ["p-0123456789abcdef01234567", None],
            "text_redacted": ["tab\there, back\\slash, new\nline, 'quote\"", None],
            "confidential": [True, False],
            "updated_at": [now, now],
        }
    )
    raw = text("SELECT * FROM complaint ORDER BY complaint_id")
    with warehouse.begin() as conn:
        bulk_upsert(conn, schema.complaint, frame, ["source", "complaint_id"])
        by_bulk = [tuple(r) for r in conn.execute(raw)]
        conn.execute(schema.complaint.delete())
        records = frame.astype(object).where(frame.notna(), None).to_dict("records")
        records = [
            {k: (v.to_pydatetime() if isinstance(v, pd.Timestamp) else v) for k, v in r.items()} for r in records
        ]
        upsert(conn, schema.complaint, records, ["source", "complaint_id"])
        by_upsert = [tuple(r) for r in conn.execute(raw)]
    assert by_bulk == by_upsert
    later = frame.assign(updated_at=now + pd.Timedelta(days=1))
    later.loc[1, "kind"] = "pengaduan"
    with warehouse.begin() as conn:
        bulk_upsert(conn, schema.complaint, later, ["source", "complaint_id"])
    stored = {r["complaint_id"]: r for r in rows_of(warehouse, schema.complaint)}
    assert stored["A"]["updated_at"].replace(tzinfo=None) == now.to_pydatetime().replace(tzinfo=None)  # unchanged
    assert stored["B"]["kind"] == "pengaduan" and stored["B"]["updated_at"] > stored["A"]["updated_at"]


@pytest.mark.postgresql
def test_a_connection_lost_during_the_bulk_merge_is_the_error_sqlalchemy_raises(postgres_url, tmp_path):
    """``rapor import`` names the file and says to run again on an OperationalError: the COPY path raises one too."""
    from sqlalchemy.exc import OperationalError

    from rapor.warehouse.db import get_engine, migrate

    engine = get_engine(postgres_url)
    migrate(engine)
    frame = pd.DataFrame(
        {
            "source": ["lapor"],
            "complaint_id": ["LOST-1"],
            "region_code": ["52.71"],
            "channel": ["hotline"],
            "kind": ["pengaduan"],
            "received_at": pd.to_datetime(["2026-10-05 01:00"], utc=True),
            "updated_at": pd.to_datetime(["2026-10-05 01:00"], utc=True),
        }
    )
    with engine.connect() as conn:
        pid = conn.exec_driver_sql("SELECT pg_backend_pid()").scalar()
        with engine.connect() as other:
            other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        with pytest.raises(OperationalError):  # not psycopg's own error: the CLI catches SQLAlchemy's
            bulk_upsert(conn, schema.complaint, frame, ["source", "complaint_id"])
        conn.invalidate()
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM complaint WHERE complaint_id = 'LOST-1'")).scalar() == 0
