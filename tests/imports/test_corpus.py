"""The bad-input corpus (issue 14): every awkward file ends as a user expects, on both databases.

Each case of ``corpus/manifest.yaml`` runs in a fresh warehouse holding ``corpus/registry.csv``:
the file is imported through the importer a user's command calls, and then the summary, the
stored rows, the quarantine and the logs are compared with the manifest. No case may raise
anything but a clear ``InputFileError`` naming the file, and no personal data may reach the
warehouse or the logs.
"""

from __future__ import annotations

import logging
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml
from corpus.make_corpus import ten_megabyte_text
from sqlalchemy import select
from test_import import table_rows, utc, warehouse_text

from rapor.errors import InputFileError
from rapor.imports import import_complaints, import_inspections, import_registry
from rapor.warehouse import schema

CORPUS = Path(__file__).parent / "corpus"
CASES = yaml.safe_load((CORPUS / "manifest.yaml").read_text(encoding="utf-8"))["cases"]
IMPORTERS = {"complaints": import_complaints, "inspections": import_inspections, "registry": import_registry}
TABLES = {"complaints": schema.complaint, "inspections": schema.inspection, "registry": schema.opd}
NOT_CASES = {"registry.csv", "manifest.yaml", "make_corpus.py"}


def test_the_corpus_is_large_and_every_file_has_an_expected_outcome():
    files = {str(p.relative_to(CORPUS)) for p in CORPUS.rglob("*") if p.is_file() and p.name not in NOT_CASES}
    files = {f for f in files if "__pycache__" not in f}
    assert files == {case["file"] for case in CASES}
    assert len(files) >= 40


def run_case(engine, path: Path, dataset: str, caplog):
    import_registry(engine, CORPUS / "registry.csv")
    before = len(table_rows(engine, TABLES[dataset]))
    caplog.set_level(logging.INFO)
    caplog.clear()
    return before, IMPORTERS[dataset](engine, path)


@pytest.mark.parametrize("case", CASES, ids=[Path(c["file"]).stem for c in CASES])
def test_corpus_file(case, warehouse, caplog):
    path = CORPUS / case["file"]
    dataset = case.get("dataset", "complaints")
    if "refused" in case:
        import_registry(warehouse, CORPUS / "registry.csv")
        with pytest.raises(InputFileError) as refused:
            IMPORTERS[dataset](warehouse, path)
        assert case["refused"] in str(refused.value) and path.name in str(refused.value)
        assert table_rows(warehouse, schema.complaint) == []
        return
    before, result = run_case(warehouse, path, dataset, caplog)
    assert result.rows_total == case["rows"]
    assert result.rows_loaded == case["loaded"]
    assert result.lines_accounted, result.summary()  # loaded + quarantined + blank + continuation = lines
    rules = Counter(p.rule for p in result.problems)
    assert dict(rules) == case.get("quarantined", {})
    stored = len(table_rows(warehouse, TABLES[dataset])) - before
    assert stored == case.get("stored", case["loaded"])
    quarantined = Counter(r["rule"] for r in table_rows(warehouse, schema.quarantine))
    assert dict(quarantined) == case.get("quarantined", {})
    if "first" in case:
        assert case["first"] in result.summary()
    everything = warehouse_text(warehouse) + "\n" + caplog.text.lower()
    for personal in [*case.get("absent", ()), "warga nomor"]:
        assert personal.lower() not in everything


def complaints_by_id(engine) -> dict[str, dict]:
    return {r["complaint_id"]: r for r in table_rows(engine, schema.complaint)}


def test_a_stray_quote_loses_no_complaint(warehouse, caplog):
    run_case(warehouse, CORPUS / "complaints/08-stray-quote.csv", "complaints", caplog)
    stored = complaints_by_id(warehouse)
    assert set(stored) == {f"C-{n:03d}" for n in range(1, 11)} - {"C-003"}
    # The rows below the stray quote kept their own text: nothing was swallowed.
    assert stored["C-004"]["text_redacted"] == "Antrean panjang nomor 4"
    assert stored["C-007"]["text_redacted"] == 'Antrean "panjang" nomor 7'
    (entry,) = table_rows(warehouse, schema.quarantine)
    assert (entry["row_number"], entry["rule"]) == (4, "unterminated_quote")


def test_the_delimiter_and_header_spelling_do_not_change_what_is_stored(warehouse, caplog):
    run_case(warehouse, CORPUS / "complaints/01-plain.csv", "complaints", caplog)
    plain = {k: {c: v for c, v in r.items() if c != "updated_at"} for k, r in complaints_by_id(warehouse).items()}
    for name in ("02-semicolon.csv", "03-tab.tsv", "04-tab-as-csv.csv", "06-header-names.csv", "39-title-rows.csv"):
        with warehouse.begin() as conn:
            conn.execute(schema.complaint.delete())
        import_complaints(warehouse, CORPUS / "complaints" / name)
        again = {k: {c: v for c, v in r.items() if c != "updated_at"} for k, r in complaints_by_id(warehouse).items()}
        assert again == plain, name


def test_control_characters_are_dropped_and_the_row_loads(warehouse, caplog):
    run_case(warehouse, CORPUS / "complaints/11-nul-and-control.csv", "complaints", caplog)
    stored = complaints_by_id(warehouse)
    assert set(stored) == {"C-001", "C-002", "C-003"}
    assert stored["C-003"]["text_redacted"] == "teksdengankontrol[31m"  # NUL, BEL and ESC dropped


def test_workbook_datetime_cells_are_local_time_of_the_region(warehouse, caplog):
    run_case(warehouse, CORPUS / "workbooks/44-complaints-datetime-cells.xlsx", "complaints", caplog)
    stored = complaints_by_id(warehouse)
    assert utc(stored["C-001"]["received_at"]) == datetime(2026, 10, 1, 1, 30, tzinfo=UTC)  # 09:30 WITA
    assert utc(stored["C-002"]["first_response_at"]) == datetime(2026, 10, 2, 6, 0, tzinfo=UTC)


def test_workbook_date_cells_give_the_inspection_day(warehouse, caplog):
    run_case(warehouse, CORPUS / "workbooks/42-inspections-date-cells.xlsx", "inspections", caplog)
    days = sorted(str(r["inspected_on"])[:10] for r in table_rows(warehouse, schema.inspection))
    assert days == ["2026-10-05", "2026-10-06", "2026-10-07"]
    run_case(warehouse, CORPUS / "workbooks/43-inspections-title-row-second-sheet.xlsx", "inspections", caplog)
    scores = {
        r["opd_code"]: r["score"]
        for r in table_rows(warehouse, schema.inspection)
        if r["indicator"] != "sarana_prasarana"
    }
    assert scores["DISHUB"] == 2


def test_a_local_time_after_the_spring_gap_loads_in_summer_time(warehouse, caplog):
    run_case(warehouse, CORPUS / "complaints/21-dst-nonexistent.csv", "complaints", caplog)
    (loaded,) = table_rows(warehouse, schema.complaint)
    assert utc(loaded["received_at"]) == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)  # 03:30 CEST


def test_one_ten_megabyte_text_field_loads(warehouse, caplog, tmp_path):
    path = ten_megabyte_text(tmp_path / "12-ten-megabyte-text.csv")
    _, result = run_case(warehouse, path, "complaints", caplog)
    assert (result.rows_total, result.rows_loaded) == (3, 3)
    with warehouse.connect() as conn:
        text = conn.execute(
            select(schema.complaint.c.text_redacted).where(schema.complaint.c.complaint_id == "C-003")
        ).scalar_one()
    assert len(text) > 10_000_000
