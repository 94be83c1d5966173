"""The demo region must look like real import files (SCORING.md §8) and exercise every rule."""

from __future__ import annotations

import csv
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pandas as pd
import pytest

from rapor.demo.region import (
    DEMO_PERIODS,
    DEMO_REGION_CODE,
    DemoFiles,
    generate_demo_region,
)

COMPLAINT_HEADER = [
    "complaint_id",
    "region_code",
    "opd_code",
    "channel",
    "source",
    "kind",
    "received_at",
    "forwarded_at",
    "first_response_at",
    "resolved_at",
    "reporter",
    "text",
]
WITA = timezone(timedelta(hours=8))


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> DemoFiles:
    return generate_demo_region(tmp_path_factory.mktemp("demo"))


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def complaints(demo: DemoFiles) -> list[dict[str, str]]:
    """CSV rows and hotline .xlsx rows together, all as strings, empty cells as ''."""
    hotline = pd.read_excel(demo.hotline, dtype=str).fillna("").to_dict("records")
    return read_csv(demo.complaints) + hotline


@pytest.fixture(scope="module")
def registry_codes(demo: DemoFiles) -> set[str]:
    return {row["opd_code"] for row in read_csv(demo.registry)}


def parse(text: str) -> datetime | None:
    """§8 timestamps: ISO 8601, 'Z' or an offset, or none (local WITA); None when unparseable."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment.replace(tzinfo=WITA) if moment.tzinfo is None else moment


def good(rows: list[dict[str, str]], codes: set[str]) -> list[dict[str, str]]:
    return [
        r
        for r in rows
        if r["opd_code"] in codes
        and parse(r["received_at"])
        and r["kind"] in {"pengaduan", "aspirasi", "permintaan_informasi"}
        and r["channel"] in {"aplikasi", "media_sosial", "hotline"}
    ]


def month_of(row: dict[str, str]) -> str:
    return parse(row["received_at"]).astimezone(WITA).strftime("%Y-%m")


def test_headers_are_exactly_the_import_formats(demo: DemoFiles) -> None:
    first_lines = {
        path: path.read_text(encoding="utf-8").splitlines()[0]
        for path in (demo.registry, demo.complaints, demo.inspections)
    }
    assert first_lines[demo.registry] == "region_code,region_name,timezone,opd_code,opd_name"
    assert first_lines[demo.complaints] == ",".join(COMPLAINT_HEADER)
    assert first_lines[demo.inspections] == "region_code,opd_code,inspected_at,dimension,indicator,score"
    assert list(pd.read_excel(demo.hotline, dtype=str).columns) == COMPLAINT_HEADER


def test_registry_is_one_dompu_region_with_many_uppercase_opd_codes(demo: DemoFiles) -> None:
    rows = read_csv(demo.registry)
    assert {(r["region_code"], r["region_name"], r["timezone"]) for r in rows} == {
        (DEMO_REGION_CODE, "Kabupaten Dompu", "Asia/Makassar")
    }
    codes = [r["opd_code"] for r in rows]
    assert 20 <= len(codes) == len(set(codes))
    assert all(re.fullmatch(r"[A-Z][A-Z0-9-]*", code) for code in codes)
    assert {"DPUPR", "DISDUKCAPIL", "RSUD", "DINKES", "INSPEKTORAT", "KEC-WOJA"} <= set(codes)


def test_same_seed_gives_identical_files_and_another_seed_differs(tmp_path: Path) -> None:
    one, two = generate_demo_region(tmp_path / "a"), generate_demo_region(tmp_path / "b")
    other = generate_demo_region(tmp_path / "c", seed=7)
    for name in ("registry", "complaints", "inspections"):
        assert getattr(one, name).read_bytes() == getattr(two, name).read_bytes()
    assert pd.read_excel(one.hotline, dtype=str).equals(pd.read_excel(two.hotline, dtype=str))
    assert one.complaints.read_bytes() != other.complaints.read_bytes()


def test_hotline_rows_live_only_in_the_xlsx(demo: DemoFiles) -> None:
    csv_channels = {r["channel"] for r in read_csv(demo.complaints)}
    xlsx = pd.read_excel(demo.hotline, dtype=str)
    assert "hotline" not in csv_channels and {"aplikasi", "media_sosial"} <= csv_channels
    assert set(xlsx["channel"]) == {"hotline"}
    assert set(xlsx["source"]) == {"hotline-call", "hotline-wa"}


def test_all_channels_sources_and_kinds_appear(complaints, registry_codes) -> None:
    rows = good(complaints, registry_codes)
    assert {r["source"] for r in rows} == {
        "lapor",
        "open311",
        "facebook",
        "instagram",
        "x",
        "hotline-call",
        "hotline-wa",
    }
    kinds = pd.Series([r["kind"] for r in rows]).value_counts(normalize=True)
    assert set(kinds.index) == {"pengaduan", "aspirasi", "permintaan_informasi"}
    assert 0.6 < kinds["pengaduan"] < 0.8


def test_volume_covers_july_tail_and_every_period(complaints, registry_codes) -> None:
    months = pd.Series([month_of(r) for r in good(complaints, registry_codes)]).value_counts()
    assert 1500 <= sum(months[p] for p in DEMO_PERIODS) <= 3000
    assert all(months[p] > 300 for p in DEMO_PERIODS)
    assert months["2026-07"] > 0  # deadlines that fall in August
    assert set(months.index) == {"2026-07", *DEMO_PERIODS}


def test_some_opd_has_fewer_than_five_and_some_none_in_a_month(complaints, registry_codes):
    counts = pd.Series([(r["opd_code"], month_of(r)) for r in good(complaints, registry_codes)]).value_counts()
    per_month = {(opd, p): int(counts.get((opd, p), 0)) for opd in registry_codes for p in DEMO_PERIODS}
    assert any(0 < n < 5 for n in per_month.values())
    assert any(n == 0 for n in per_month.values())
    assert per_month[("DPUPR", "2026-08")] > 10 * per_month[("INSPEKTORAT", "2026-08")]


def test_timestamps_mix_offsets_utc_naive_and_space_separators(complaints) -> None:
    received = [r["received_at"] for r in complaints]
    assert sum(t.endswith("+08:00") for t in received) > len(received) / 2
    assert any(t.endswith("Z") for t in received)
    assert any(re.fullmatch(r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d", t) for t in received)
    assert any(" " in t for t in received)


def test_events_are_in_order_and_only_pengaduan_are_resolved(complaints, registry_codes):
    rows = [
        r for r in good(complaints, registry_codes) if not r["complaint_id"].split("-")[1].startswith("9")
    ]  # the deliberately bad rows are numbered 9xxxxx
    forwarded = [r for r in rows if r["forwarded_at"]]
    assert 0.3 < len(forwarded) / len(rows) < 0.5
    assert any(not r["first_response_at"] for r in rows)
    assert any(r["kind"] == "pengaduan" and not r["resolved_at"] for r in rows)
    assert all(not r["resolved_at"] for r in rows if r["kind"] != "pengaduan")
    for r in rows:
        times = [parse(r[c]) for c in ("received_at", "forwarded_at", "first_response_at", "resolved_at") if r[c]]
        assert times == sorted(times), r


def test_bad_rows_are_present_for_quarantine(complaints, registry_codes) -> None:
    assert any(r["opd_code"] not in registry_codes for r in complaints)
    assert any(r["channel"] not in {"aplikasi", "media_sosial", "hotline"} for r in complaints)
    assert any(r["kind"] not in {"pengaduan", "aspirasi", "permintaan_informasi"} for r in complaints)
    stamps = [r[c] for r in complaints for c in ("received_at", "first_response_at") if r[c]]
    assert any(parse(s) is None for s in stamps)
    assert any(
        parse(r["first_response_at"])
        and parse(r["received_at"])
        and parse(r["first_response_at"]) < parse(r["received_at"])
        for r in complaints
    )
    broken = len(complaints) - len(good(complaints, registry_codes))
    assert 5 <= broken <= 15


def test_each_bad_row_breaks_exactly_one_rule(complaints, registry_codes) -> None:
    def broken_rules(r: dict[str, str]) -> int:
        received, first = parse(r["received_at"]), parse(r["first_response_at"] or "0001-01-01")
        return sum(
            (
                r["opd_code"] not in registry_codes,
                r["channel"] not in {"aplikasi", "media_sosial", "hotline"},
                r["kind"] not in {"pengaduan", "aspirasi", "permintaan_informasi"},
                received is None,
                r["first_response_at"] != "" and first is None,
                bool(received and r["first_response_at"] and first and first < received),
            )
        )

    counts = [broken_rules(r) for r in complaints]
    assert counts.count(1) >= 8
    assert max(counts) == 1


def test_a_later_row_updates_an_earlier_one_with_its_resolution(demo: DemoFiles) -> None:
    seen: dict[tuple[str, str], dict[str, str]] = {}
    updates = 0
    for row in read_csv(demo.complaints):
        key = (row["source"], row["complaint_id"])
        if key in seen:
            assert not seen[key]["resolved_at"] and row["resolved_at"]
            updates += 1
        seen[key] = row
    assert updates >= 3


def test_texts_and_reporters_carry_personal_data_to_redact(complaints) -> None:
    texts = " ".join(r["text"] for r in complaints)
    assert re.search(r"\b08\d{10}\b", texts)  # 081234567890
    assert re.search(r"\+62 8\d{2}-\d{4}-\d{4}", texts)
    assert re.search(r"\b\d{16}\b", texts)  # NIK
    assert re.search(r"[\w.]+@[\w.]+\.\w+", texts)
    reporters = {r["channel"]: r["reporter"] for r in complaints}
    assert re.fullmatch(r"08\d\d-\d{4}-\d{4}", reporters["hotline"])
    assert reporters["media_sosial"].startswith("@")


def test_inspections_cover_each_period_with_carry_forward_and_gaps(demo, registry_codes):
    rows = read_csv(demo.inspections)
    months_by_opd: dict[str, set[str]] = {}
    for r in rows:
        months_by_opd.setdefault(r["opd_code"], set()).add(r["inspected_at"][:7])
    assert all(any(r["inspected_at"].startswith(p) for r in rows) for p in DEMO_PERIODS)
    assert any(months == {"2026-08"} for months in months_by_opd.values())
    assert registry_codes - set(months_by_opd)  # some OPD is never inspected
    assert {r["dimension"] for r in rows} == {"input", "proses", "output", "pengaduan"}
    assert all(re.fullmatch(r"2026-\d\d-\d\d", r["inspected_at"]) for r in rows)


def test_inspections_include_a_missing_dimension_and_one_score_out_of_range(demo) -> None:
    rows = read_csv(demo.inspections)
    scores = [int(r["score"]) for r in rows]
    assert sum(not 0 <= s <= 3 for s in scores) == 1
    dims: dict[tuple[str, str], set[str]] = {}
    for r in rows:
        dims.setdefault((r["opd_code"], r["inspected_at"]), set()).add(r["dimension"])
    assert any("output" not in d for d in dims.values())
    assert len({r["indicator"] for r in rows}) in range(12, 17)
