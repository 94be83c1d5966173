"""The scoring rules of SCORING.md §2-§6 as pure functions, on small hand-built data.

Every expected number is derived by hand in the comment next to it. Calendar facts used
(WITA, 2026): 1 Sep is a Tuesday, 1 Oct a Thursday, 2 Nov a Monday; September, October and
November 2026 hold no Indonesian holiday, so working days are plain Monday-Friday.
"""

from __future__ import annotations

import dataclasses
from datetime import date
from decimal import Decimal
from fractions import Fraction

import pandas as pd
import pytest

from rapor.policy import load_policy
from rapor.scoring.periods import Period
from rapor.scoring.responsiveness import COUNT_COLUMNS, counts_by_opd, month_evidence, with_deadlines
from rapor.scoring.scorecard import score_rows
from rapor.scoring.sop import SopScore, inspection_score, sop_scores
from rapor.scoring.tpp import tpp_cut, weak_run
from rapor.scoring.workdays import WorkdayCalendar
from rapor.scoring.zones import category_for, round_half_up, zone_for

WITA = "Asia/Makassar"
POLICY = load_policy()
OCT, SEP = Period(2026, 10), Period(2026, 9)


@pytest.fixture(scope="module")
def calendar() -> WorkdayCalendar:
    return WorkdayCalendar.build(WITA, 2026, 2026)


def ts(text: str | None) -> pd.Timestamp:
    """A local WITA wall-clock time as a UTC instant (NaT for None)."""
    return pd.NaT if text is None else pd.Timestamp(text, tz=WITA).tz_convert("UTC")


def complaints(*rows: tuple) -> pd.DataFrame:
    """Rows of (id, opd, channel, kind, received, forwarded, first_response, resolved), WITA."""
    columns = (
        "complaint_id",
        "opd_code",
        "channel",
        "kind",
        "received_at",
        "forwarded_at",
        "first_response_at",
        "resolved_at",
    )
    frame = pd.DataFrame([dict(zip(columns, row, strict=True)) for row in rows])
    for column in columns[4:]:
        frame[column] = pd.Series([ts(v) for v in frame[column]], dtype="datetime64[us, UTC]")
    frame.insert(0, "source", "test")
    return frame


def evidence_for(calendar, frame: pd.DataFrame, period: Period) -> pd.DataFrame:
    start, end = period.bounds_utc(WITA)
    return month_evidence(with_deadlines(frame, calendar, POLICY), start, end).set_index("complaint_id")


def flags(evidence: pd.DataFrame, complaint_id: str) -> dict[str, bool]:
    names = (
        "in_first_response",
        "first_response_on_time",
        "in_resolution",
        "resolution_on_time",
        "open_at_end",
        "overdue_at_end",
    )
    return {name: bool(evidence.loc[complaint_id, name]) for name in names}


# --- §2 which clock applies -----------------------------------------------------------------------


def test_forwarded_at_starts_the_opd_clock_instead_of_received_at(calendar):
    # Received Sat 19 Sep 20:00, forwarded Mon 21 Sep 09:00, media_sosial (1 HK).
    # Clock = Mon 21 Sep -> first response due end of Tue 22 Sep (from receipt it would be Mon 21).
    # Resolution 14 HK from Mon 21 Sep: 22-25 (4), 28 Sep-2 Oct (9), 5-9 Oct (14) -> Fri 9 Oct.
    frame = complaints(
        ("F1", "X", "media_sosial", "pengaduan", "2026-09-19 20:00", "2026-09-21 09:00", "2026-09-22 18:00", None)
    )
    framed = with_deadlines(frame, calendar, POLICY)
    assert framed.loc[0, "clock_start_at"] == ts("2026-09-21 09:00")
    assert framed.loc[0, "first_response_due_before"] == ts("2026-09-23 00:00")
    assert framed.loc[0, "resolution_due_before"] == ts("2026-10-10 00:00")
    # So a response on Tue 22 Sep 18:00 is on time, in September's population.
    assert flags(evidence_for(calendar, frame, SEP), "F1")["first_response_on_time"]


def test_without_forwarding_the_clock_starts_at_received_at(calendar):
    # Same complaint, never forwarded: clock Sat 19 Sep -> due end of Mon 21 Sep -> Tue 22 is late.
    frame = complaints(("F2", "X", "media_sosial", "pengaduan", "2026-09-19 20:00", None, "2026-09-22 18:00", None))
    framed = with_deadlines(frame, calendar, POLICY)
    assert framed.loc[0, "clock_start_at"] == ts("2026-09-19 20:00")
    assert framed.loc[0, "first_response_due_before"] == ts("2026-09-22 00:00")
    assert not flags(evidence_for(calendar, frame, SEP), "F2")["first_response_on_time"]


def test_first_response_deadline_depends_on_the_channel(calendar):
    # All received Mon 5 Oct 09:00: aplikasi 5 HK -> Mon 12 Oct; media_sosial and hotline 1 HK -> Tue 6.
    frame = complaints(
        ("A", "X", "aplikasi", "aspirasi", "2026-10-05 09:00", None, None, None),
        ("M", "X", "media_sosial", "aspirasi", "2026-10-05 09:00", None, None, None),
        ("H", "X", "hotline", "aspirasi", "2026-10-05 09:00", None, None, None),
    )
    due = with_deadlines(frame, calendar, POLICY).set_index("complaint_id")["first_response_due_before"]
    assert due["A"] == ts("2026-10-13 00:00")
    assert due["M"] == ts("2026-10-07 00:00")
    assert due["H"] == ts("2026-10-07 00:00")


def test_only_pengaduan_has_a_resolution_clock(calendar):
    # Mon 5 Oct + 14 HK: 6-9 (4), 12-16 (9), 19-23 (14) -> Fri 23 Oct for pengaduan; none otherwise.
    frame = complaints(
        ("P", "X", "hotline", "pengaduan", "2026-10-05 09:00", None, None, None),
        ("S", "X", "hotline", "aspirasi", "2026-10-05 09:00", None, None, None),
        ("I", "X", "hotline", "permintaan_informasi", "2026-10-05 09:00", None, None, None),
    )
    due = with_deadlines(frame, calendar, POLICY).set_index("complaint_id")["resolution_due_before"]
    assert due["P"] == ts("2026-10-24 00:00")
    assert pd.isna(due["S"]) and pd.isna(due["I"])


# --- §3 populations ----------------------------------------------------------------------------------


def test_r1_population_is_complaints_whose_deadline_falls_in_the_month(calendar):
    # Hotline, 1 HK: Tue 29 Sep -> due Wed 30 Sep (September); Wed 30 Sep -> due Thu 1 Oct (October).
    # The 23:30 complaint on 30 Sep (15:30 UTC) has local date 30 Sep: due Thu 1 Oct too.
    frame = complaints(
        ("SEP", "X", "hotline", "aspirasi", "2026-09-29 10:00", None, "2026-09-29 11:00", None),
        ("OCT", "X", "hotline", "aspirasi", "2026-09-30 10:00", None, "2026-09-30 11:00", None),
        ("LATE_NIGHT", "X", "hotline", "aspirasi", "2026-09-30 23:30", None, "2026-10-01 08:00", None),
    )
    sep, octo = evidence_for(calendar, frame, SEP), evidence_for(calendar, frame, OCT)
    assert set(sep.index[sep["in_first_response"]]) == {"SEP"}
    assert set(octo.index[octo["in_first_response"]]) == {"OCT", "LATE_NIGHT"}


def test_no_first_response_counts_as_late(calendar):
    frame = complaints(("N", "X", "hotline", "aspirasi", "2026-10-05 09:00", None, None, None))
    assert flags(evidence_for(calendar, frame, OCT), "N") == {
        "in_first_response": True,
        "first_response_on_time": False,
        "in_resolution": False,
        "resolution_on_time": False,
        "open_at_end": False,
        "overdue_at_end": False,
    }


def test_r2_counts_only_pengaduan_and_a_missing_resolution_is_late(calendar):
    # Both received Mon 5 Oct -> (pengaduan) due Fri 23 Oct. The pengaduan closed by the platform
    # itself arrives with resolved_at empty (§8): not a resolution, so late. The aspirasi is not in R2.
    frame = complaints(
        ("AUTO_CLOSED", "X", "hotline", "pengaduan", "2026-10-05 09:00", None, "2026-10-05 10:00", None),
        ("ASPIRASI", "X", "hotline", "aspirasi", "2026-10-05 09:00", None, "2026-10-05 10:00", "2026-10-06 10:00"),
    )
    ev = evidence_for(calendar, frame, OCT)
    assert flags(ev, "AUTO_CLOSED")["in_resolution"] and not flags(ev, "AUTO_CLOSED")["resolution_on_time"]
    assert not flags(ev, "ASPIRASI")["in_resolution"]
    assert not flags(ev, "ASPIRASI")["open_at_end"]


def test_resolution_at_the_last_microsecond_of_the_due_day_is_on_time_and_midnight_is_late(calendar):
    # Fri 9 Oct + 14 HK: 12-16 (5), 19-23 (10), 26-29 (14) -> Thu 29 Oct.
    frame = complaints(
        ("ON", "X", "hotline", "pengaduan", "2026-10-09 10:00", None, None, "2026-10-29 23:59:59.999999"),
        ("OFF", "X", "hotline", "pengaduan", "2026-10-09 10:00", None, None, "2026-10-30 00:00:00"),
    )
    ev = evidence_for(calendar, frame, OCT)
    assert flags(ev, "ON")["resolution_on_time"]
    assert not flags(ev, "OFF")["resolution_on_time"]


def test_r3_open_and_overdue_at_month_end(calendar):
    # October 2026 ends at 1 Nov 00:00 WITA.
    frame = complaints(
        # Mon 7 Sep: due Fri 25 Sep; never resolved -> open and overdue at end of October.
        ("OLD", "X", "hotline", "pengaduan", "2026-09-07 09:00", None, None, None),
        # Mon 12 Oct: due Fri 30 Oct (13-16, 19-23, 26-30); resolved 2 Nov -> open at end, overdue.
        ("DUE_30", "X", "hotline", "pengaduan", "2026-10-12 09:00", None, None, "2026-11-02 10:00"),
        # Tue 13 Oct: due Mon 2 Nov (14-16, 19-23, 26-30, 2 Nov); unresolved -> open, not overdue.
        ("DUE_NOV", "X", "hotline", "pengaduan", "2026-10-13 09:00", None, None, None),
        # Resolved at the last minute of October -> not open.
        ("CLOSED", "X", "hotline", "pengaduan", "2026-10-01 09:00", None, None, "2026-10-31 23:59"),
        # Resolved exactly at the end instant -> not resolved *before* end -> open (due Wed 21 Oct: overdue).
        ("AT_END", "X", "hotline", "pengaduan", "2026-10-01 09:00", None, None, "2026-11-01 00:00"),
        # Clock starts after the month: not in October at all.
        ("NEXT", "X", "hotline", "pengaduan", "2026-11-02 09:00", None, None, None),
    )
    ev = evidence_for(calendar, frame, OCT)
    assert set(ev.index[ev["open_at_end"]]) == {"OLD", "DUE_30", "DUE_NOV", "AT_END"}
    assert set(ev.index[ev["overdue_at_end"]]) == {"OLD", "DUE_30", "AT_END"}
    assert "NEXT" not in ev.index


def test_counts_by_opd_for_a_hand_built_month(calendar):
    # October 2026, three OPDs; deadlines (hotline/media_sosial 1 HK, aplikasi 5 HK, pengaduan 14 HK):
    frame = complaints(
        # A1 Thu 1 Oct: FR due Fri 2 Oct (met 2 Oct 09:00); res due Wed 21 Oct (met 20 Oct).
        ("A1", "DISHUB", "hotline", "pengaduan", "2026-10-01 08:00", None, "2026-10-02 09:00", "2026-10-20 10:00"),
        # A2 Mon 12 Oct: FR due Mon 19 Oct (none: late); res due Fri 30 Oct (2 Nov: late; open+overdue).
        ("A2", "DISHUB", "aplikasi", "pengaduan", "2026-10-12 09:00", None, None, "2026-11-02 10:00"),
        # A3 Sat 31 Oct: FR due Mon 2 Nov -> November; aspirasi has no resolution clock -> not in October.
        ("A3", "DISHUB", "media_sosial", "aspirasi", "2026-10-31 10:00", None, None, None),
        # A4 Tue 13 Oct: FR due Wed 14 Oct (met at its last microsecond); res due Mon 2 Nov; open, not overdue.
        ("A4", "DISHUB", "hotline", "pengaduan", "2026-10-13 09:00", None, "2026-10-14 23:59:59.999999", None),
        # A5 Mon 7 Sep: FR due Tue 8 Sep and res due Fri 25 Sep (September); unresolved: open+overdue.
        ("A5", "DISHUB", "hotline", "pengaduan", "2026-09-07 09:00", None, "2026-09-08 09:00", None),
        # A6 Fri 23 Oct aplikasi: FR due Fri 30 Oct (26-30), met 30 Oct 10:00; no resolution clock.
        ("A6", "DISHUB", "aplikasi", "permintaan_informasi", "2026-10-23 10:00", None, "2026-10-30 10:00", None),
        # A7 received Tue 29 Sep, forwarded Thu 1 Oct: FR due Fri 2 Oct (met); res due Wed 21 Oct,
        # resolved Thu 22 Oct -> late; not open.
        (
            "A7",
            "DISHUB",
            "hotline",
            "pengaduan",
            "2026-09-29 10:00",
            "2026-10-01 09:00",
            "2026-10-02 15:00",
            "2026-10-22 10:00",
        ),
        # B1 Fri 9 Oct: FR due Mon 12 Oct (none: late); res due Thu 29 Oct, met at 23:59:59.999999.
        ("B1", "DINKES", "hotline", "pengaduan", "2026-10-09 10:00", None, None, "2026-10-29 23:59:59.999999"),
    )
    start, end = OCT.bounds_utc(WITA)
    evidence = month_evidence(with_deadlines(frame, calendar, POLICY), start, end)
    assert "A3" not in set(evidence["complaint_id"])
    counts = counts_by_opd(evidence, ["BAPPEDA", "DINKES", "DISHUB"])
    # DISHUB: R1 {A1 on, A2 late, A4 on, A6 on, A7 on} = 5/4; R2 {A1 on, A2 late, A7 late} = 3/1;
    #         open {A2 overdue, A4, A5 overdue} = 3/2.
    # DINKES: R1 {B1 late} = 1/0; R2 {B1 on} = 1/1; nothing open.
    # BAPPEDA: no complaints -> zeros, still listed.
    expected = pd.DataFrame(
        {"BAPPEDA": [0, 0, 0, 0, 0, 0], "DINKES": [1, 0, 1, 1, 0, 0], "DISHUB": [5, 4, 3, 1, 3, 2]},
        index=list(COUNT_COLUMNS),
    ).T
    assert counts.to_dict("index") == expected.to_dict("index")


# --- §3 small numbers and S_resp; §5 index -----------------------------------------------------------


def counts_frame(rows: dict[str, tuple[int, int, int, int, int, int]]) -> pd.DataFrame:
    """Per-OPD counts in COUNT_COLUMNS order: n1, n1_on_time, n2, n2_on_time, n_open, n_overdue."""
    return pd.DataFrame.from_dict(rows, orient="index", columns=list(COUNT_COLUMNS))


def sop(value) -> SopScore:
    return SopScore(Fraction(value), date(2026, 10, 15), 0)


def score(rows, sops=None, history=None, policy=POLICY, gate_passed=True, period=OCT) -> dict[str, dict]:
    counts = counts_frame(rows)
    out = score_rows(
        counts, {c: f"OPD {c}" for c in rows}, sops or {}, history or {}, period, "52.71", policy, gate_passed
    )
    return {row["opd_code"]: row for row in out}


def test_small_numbers_shrink_towards_the_pooled_region_share():
    # Region pool R1: on time (8 + 0 + 0) / n (10 + 2 + 0) = 8/12 = 2/3; R2: 10/10 = 1.
    rows = score(
        {"X": (10, 8, 10, 10, 0, 0), "Y": (2, 0, 0, 0, 0, 0), "Z": (0, 0, 0, 0, 0, 0)},
        sops={"X": sop(100), "Y": sop(100), "Z": sop(100)},
    )
    # X: r1' = (8 + 5*2/3) / (10 + 5) = (34/3)/15 = 34/45 = 0.75555.. -> 0.7556; r2' = (10 + 5)/15 = 1.
    #    S_resp = 40*34/45 + 40 + 20 = 30.2222.. + 60 = 90.2222.. -> 90.22.
    assert (rows["X"]["r1"], rows["X"]["r2"], rows["X"]["r3"]) == (
        Decimal("0.7556"),
        Decimal("1.0000"),
        Decimal("1.0000"),
    )
    assert rows["X"]["s_resp"] == Decimal("90.22")
    # Y: r1' = (0 + 10/3) / 7 = 10/21 = 0.476190.. -> 0.4762; n2 = 0 -> r2' = p-bar = 1.
    #    S_resp = 400/21 + 60 = 19.0476.. + 60 = 79.0476.. -> 79.05.
    assert (rows["Y"]["r1"], rows["Y"]["r2"]) == (Decimal("0.4762"), Decimal("1.0000"))
    assert rows["Y"]["s_resp"] == Decimal("79.05")
    # Z: n = 0 -> r1' = p-bar = 2/3 -> 0.6667; S_resp = 80/3 + 60 = 86.666.. -> 86.67.
    assert rows["Z"]["r1"] == Decimal("0.6667")
    assert rows["Z"]["s_resp"] == Decimal("86.67")
    # n >= 5 for both R1 and R2 only for X.
    assert [rows[c]["status"] for c in "XYZ"] == ["dinilai", "data terbatas", "data terbatas"]


def test_region_without_population_uses_a_pooled_share_of_one():
    # Nobody in R1 or R2 anywhere: p-bar = 1.0, so r1' = r2' = 1; nothing open: r3 = 1 -> S_resp 100.
    rows = score({"X": (0, 0, 0, 0, 0, 0), "Y": (0, 0, 0, 0, 0, 0)})
    for row in rows.values():
        assert (row["r1"], row["r2"], row["r3"], row["s_resp"]) == (
            Decimal("1.0000"),
            Decimal("1.0000"),
            Decimal("1.0000"),
            Decimal("100.00"),
        )


def test_data_terbatas_when_r2_population_alone_is_below_k():
    # n1 = 5 (not < 5) but n2 = 4 < 5 -> data terbatas; n1 = n2 = 5 -> dinilai (k itself is enough).
    assert score({"X": (5, 5, 4, 4, 0, 0)}, sops={"X": sop(90)})["X"]["status"] == "data terbatas"
    assert score({"X": (5, 5, 5, 5, 0, 0)}, sops={"X": sop(90)})["X"]["status"] == "dinilai"
    assert score({"X": (4, 4, 5, 5, 0, 0)}, sops={"X": sop(90)})["X"]["status"] == "data terbatas"


def test_s_resp_weights_are_40_40_20():
    # One OPD: the pool is its own share, so r' = p. r1 = 5/10, r2 = 2/8, r3 = 1 - 2/4.
    # S_resp = 40*0.5 + 40*0.25 + 20*0.5 = 20 + 10 + 10 = 40.00 (equal thirds would give 41.67).
    row = score({"X": (10, 5, 8, 2, 4, 2)}, sops={"X": sop(100)})["X"]
    assert (row["r1"], row["r2"], row["r3"]) == (Decimal("0.5000"), Decimal("0.2500"), Decimal("0.5000"))
    assert row["s_resp"] == Decimal("40.00")
    # Index = 0.5*100 + 0.5*40 = 70.00 -> C (54 <= 70 < 78), kuning.
    assert (row["index_score"], row["category"], row["zone"]) == (Decimal("70.00"), "C", "kuning")


def test_r3_is_one_when_nothing_is_open_and_one_minus_overdue_share_otherwise():
    assert score({"X": (5, 5, 5, 5, 0, 0)})["X"]["r3"] == Decimal("1.0000")
    # 1 - 1/3 = 0.66666.. -> 0.6667.
    assert score({"X": (5, 5, 5, 5, 3, 1)})["X"]["r3"] == Decimal("0.6667")
    assert score({"X": (5, 5, 5, 5, 3, 3)})["X"]["r3"] == Decimal("0.0000")


def test_tidak_dinilai_wins_over_data_terbatas_and_s_resp_is_still_computed():
    # n1 = 2 < 5 would be data terbatas, but there is no SOP score -> tidak dinilai.
    row = score({"X": (2, 2, 0, 0, 0, 0)}, sops={})["X"]
    assert row["status"] == "tidak dinilai"
    assert (row["s_sop"], row["index_score"], row["category"], row["zone"], row["tpp_cut_pct"]) == (None,) * 5
    # Single OPD: r1 = 2/2 = 1, r2 = p-bar = 1 (no population), r3 = 1 -> 100.00.
    assert row["s_resp"] == Decimal("100.00")


def test_index_is_rounded_once_from_unrounded_parts():
    # One OPD, r1 = r2 = r3 = 2/3 (4 of 6, 4 of 6, 1 overdue of 3 open) -> S_resp = 100*2/3 = 66.666..
    # S_sop = 80. Index = 0.5*80 + 0.5*66.666.. = 73.333.. -> 73.33.
    # Rounding the parts first would give 0.5*80 + 0.5*66.67 = 73.335 -> 73.34.
    row = score({"X": (6, 4, 6, 4, 3, 1)}, sops={"X": sop(80)})["X"]
    assert row["s_resp"] == Decimal("66.67")
    assert row["s_sop"] == Decimal("80.00")
    assert row["index_score"] == Decimal("73.33")


def test_index_uses_unrounded_s_sop_and_halves_round_up():
    # One OPD: r1 = 5/10, r2 = 6/8, r3 = 1 -> S_resp = 20 + 30 + 20 = 70 exactly.
    # S_sop = 80.005 exactly -> shown as 80.01 (half up).
    # Index = 40.0025 + 35 = 75.0025 -> 75.00; from the rounded S_sop it would be 75.005 -> 75.01.
    row = score({"X": (10, 5, 8, 6, 0, 0)}, sops={"X": sop(Fraction("80.005"))})["X"]
    assert row["s_resp"] == Decimal("70.00")
    assert row["s_sop"] == Decimal("80.01")
    assert row["index_score"] == Decimal("75.00")


def test_category_uses_the_rounded_index():
    # S_resp = 100 (all on time, n = 5). S_sop = 75.99 -> index 37.995 + 50 = 87.995 -> 88.00 -> A.
    row = score({"X": (5, 5, 5, 5, 0, 0)}, sops={"X": sop(Fraction("75.99"))})["X"]
    assert (row["index_score"], row["category"], row["zone"]) == (Decimal("88.00"), "A", "hijau")
    # S_sop = 75.98 -> 87.99 -> B.
    row = score({"X": (5, 5, 5, 5, 0, 0)}, sops={"X": sop(Fraction("75.98"))})["X"]
    assert (row["index_score"], row["category"], row["zone"]) == (Decimal("87.99"), "B", "hijau")


@pytest.mark.parametrize(
    ("value", "places", "expected"),
    [
        ("72.125", 2, "72.13"),
        ("0.33335", 4, "0.3334"),
        ("58.4685", 2, "58.47"),
        ("80.005", 2, "80.01"),
        ("64.964999", 2, "64.96"),
        ("100", 2, "100.00"),
        ("0", 4, "0.0000"),
    ],
)
def test_round_half_up_is_exact(value, places, expected):
    # Exact halves round up: Python's round(72.125, 2) gives 72.12 (ties to even), and 0.33335 or
    # 58.4685 are not exact in binary floating point; the scores are kept as fractions instead.
    assert round_half_up(Fraction(value), places) == Decimal(expected)


@pytest.mark.parametrize(
    ("index", "category", "zone"),
    [
        ("100", "A", "hijau"),
        ("88", "A", "hijau"),
        ("87.99", "B", "hijau"),
        ("78", "B", "hijau"),
        ("77.99", "C", "kuning"),
        ("54", "C", "kuning"),
        ("53.99", "D", "merah"),
        ("32", "D", "merah"),
        ("31.99", "E", "merah"),
        ("0", "E", "merah"),
    ],
)
def test_categories_and_zones_at_their_boundaries_ombudsman_2022(index, category, zone):
    assert category_for(Decimal(index)) == category
    assert zone_for(Decimal(index), category, "ombudsman-2022") == zone


@pytest.mark.parametrize(
    ("index", "zone"),
    [("100", "hijau"), ("81", "hijau"), ("80.99", "kuning"), ("51", "kuning"), ("50.99", "merah"), ("0", "merah")],
)
def test_zones_at_their_boundaries_ombudsman_classic(index, zone):
    assert zone_for(Decimal(index), category_for(Decimal(index)), "ombudsman-classic") == zone


def test_zone_table_of_the_policy_applies_to_score_rows():
    # S_resp = 100; S_sop 61.98 -> index 30.99 + 50 = 80.99 -> B; 2022: hijau, classic (< 81): kuning.
    # S_sop 2 -> index 51.00 -> D; 2022: merah, classic (>= 51): kuning.
    classic = dataclasses.replace(POLICY, zone_table="ombudsman-classic")
    counts = {"X": (5, 5, 5, 5, 0, 0), "Y": (5, 5, 5, 5, 0, 0)}
    sops = {"X": sop(Fraction("61.98")), "Y": sop(2)}
    default, other = score(counts, sops), score(counts, sops, policy=classic)
    assert (default["X"]["index_score"], default["X"]["category"], default["X"]["zone"]) == (
        Decimal("80.99"),
        "B",
        "hijau",
    )
    assert (other["X"]["category"], other["X"]["zone"]) == ("B", "kuning")
    assert (default["Y"]["index_score"], default["Y"]["category"], default["Y"]["zone"]) == (
        Decimal("51.00"),
        "D",
        "merah",
    )
    assert (other["Y"]["category"], other["Y"]["zone"]) == ("D", "kuning")


# --- §4 SOP -----------------------------------------------------------------------------------------


def inspection(*rows: tuple[str, str, int], opd="X", on="2026-10-15") -> pd.DataFrame:
    return pd.DataFrame(
        [
            {"opd_code": opd, "inspected_on": date.fromisoformat(on), "dimension": d, "indicator": i, "score": s}
            for d, i, s in rows
        ]
    )


FULL_INSPECTION = (
    ("input", "persyaratan", 3),
    ("input", "biaya", 3),  # mean 3 -> 1
    ("proses", "prosedur", 3),
    ("proses", "waktu", 0),  # mean 1.5 -> 0.5
    ("output", "produk", 2),  # 2/3
    ("pengaduan", "kanal", 1),
    ("pengaduan", "medsos_aktif", 2),  # mean 1.5 -> 0.5
)


def test_s_sop_is_the_weighted_mean_of_dimension_values():
    # 21.85*1 + 32.37*0.5 + 24.24*(2/3) + 21.54*0.5 = 21.85 + 16.185 + 16.16 + 10.77 = 64.965.
    assert inspection_score(inspection(*FULL_INSPECTION), POLICY.sop_weights) == Fraction("64.965")


def test_absent_dimension_is_left_out_and_weights_rescaled():
    # No pengaduan indicator, all others full marks: 100 (not 78.46, the sum of the other weights).
    rows = inspection(("input", "a", 3), ("proses", "b", 3), ("output", "c", 3))
    assert inspection_score(rows, POLICY.sop_weights) == 100
    # Only input (3 -> 1) and pengaduan (0): 21.85 * 100 / (21.85 + 21.54) = 2185 * 100 / 4339.
    rows = inspection(("input", "a", 3), ("pengaduan", "b", 0))
    assert inspection_score(rows, POLICY.sop_weights) == Fraction(218500, 4339)


def test_s_sop_uses_the_latest_inspection_of_the_month_alone():
    # 5 Oct all full marks; 20 Oct only input 3 (1) and proses 0 (0): the 20 Oct inspection is
    # used on its own: 21.85 / (21.85 + 32.37) * 100 = 2185 * 100 / 5422.
    frame = pd.concat(
        [
            inspection(
                ("input", "a", 3), ("proses", "b", 3), ("output", "c", 3), ("pengaduan", "d", 3), on="2026-10-05"
            ),
            inspection(("input", "a", 3), ("proses", "b", 0), on="2026-10-20"),
        ]
    )
    got = sop_scores(frame, OCT, POLICY)["X"]
    assert got.value == Fraction(218500, 5422)
    assert (got.inspected_on, got.age_months) == (date(2026, 10, 20), 0)


def test_s_sop_carries_forward_one_month_at_ninety_percent():
    # September inspection worth 64.965, scored in October: 64.965 * 0.9 = 58.4685 (shown 58.47).
    got = sop_scores(inspection(*FULL_INSPECTION, on="2026-09-10"), OCT, POLICY)["X"]
    assert got.value == Fraction("58.4685")
    assert got.age_months == 1


def test_s_sop_carries_forward_two_months_at_81_percent():
    # August inspection in October: 64.965 * 0.81 = 52.62165.
    got = sop_scores(inspection(*FULL_INSPECTION, on="2026-08-31"), OCT, POLICY)["X"]
    assert got.value == Fraction("52.62165")
    assert got.age_months == 2


def test_s_sop_is_not_rated_three_months_on():
    # A July inspection is too old for October: no score at all.
    assert sop_scores(inspection(*FULL_INSPECTION, on="2026-07-31"), OCT, POLICY) == {}


def test_carry_forward_takes_the_latest_earlier_inspection():
    # August (all 0) and September (full table, 64.965): September wins, x0.9 -> 58.4685.
    frame = pd.concat(
        [
            inspection(("input", "a", 0), ("proses", "b", 0), on="2026-08-03"),
            inspection(*FULL_INSPECTION, on="2026-09-10"),
        ]
    )
    assert sop_scores(frame, OCT, POLICY)["X"].value == Fraction("58.4685")


def test_carried_forward_score_flows_into_the_index_unrounded():
    # S_sop 58.4685 (carried) with S_resp 100: index = 29.23425 + 50 = 79.23425 -> 79.23 -> B.
    sops = sop_scores(inspection(*FULL_INSPECTION, on="2026-09-10"), OCT, POLICY)
    row = score({"X": (5, 5, 5, 5, 0, 0)}, sops=sops)["X"]
    assert (row["s_sop"], row["index_score"], row["category"]) == (Decimal("58.47"), Decimal("79.23"), "B")
    assert row["sop_inspected_on"] == date(2026, 9, 10)


# --- §6 TPP ----------------------------------------------------------------------------------------


def test_c_c_c_gives_0_then_2_5_then_5():
    # r = 1, 2, 3 with C: 0 while r < 2; then 2.5 + 2.5*(r - 2).
    assert weak_run("C", Period(2026, 8), {}) == 1
    assert weak_run("C", SEP, {Period(2026, 8): "C"}) == 2
    assert weak_run("C", OCT, {Period(2026, 8): "C", SEP: "C"}) == 3
    assert [tpp_cut("C", r, POLICY) for r in (1, 2, 3)] == [0, Fraction("2.5"), 5]


def test_d_after_two_c_months_gives_10():
    # r = 3: 5 + 2.5 * (3 - 1) = 10.
    run = weak_run("D", OCT, {Period(2026, 8): "C", SEP: "C"})
    assert run == 3
    assert tpp_cut("D", run, POLICY) == 10


def test_d_and_e_start_at_their_base_in_the_first_weak_month():
    assert tpp_cut("D", 1, POLICY) == 5
    assert tpp_cut("E", 1, POLICY) == 10


def test_e_is_capped_at_15():
    # r = 3: 10 + 2.5*2 = 15; r = 4: 17.5 -> capped 15; r = 10 -> 15.
    assert [tpp_cut("E", r, POLICY) for r in (2, 3, 4, 10)] == [Fraction("12.5"), 15, 15, 15]


def test_a_month_not_rated_breaks_the_run():
    # August C, September not rated (no category), October C -> r = 1 -> 0.
    assert weak_run("C", OCT, {Period(2026, 8): "C", SEP: None}) == 1
    # A month with no scorecard at all breaks it too.
    assert weak_run("C", OCT, {Period(2026, 8): "C"}) == 1


def test_a_good_month_breaks_the_run_and_a_or_b_gives_0():
    assert weak_run("D", OCT, {Period(2026, 8): "C", SEP: "B"}) == 1
    assert weak_run("A", OCT, {SEP: "E"}) == 0
    assert weak_run("B", OCT, {SEP: "E"}) == 0
    assert tpp_cut("A", 0, POLICY) == 0
    assert tpp_cut("B", 0, POLICY) == 0


def test_score_rows_recommends_the_cut_from_the_history():
    # S_resp 100, S_sop 10 -> index 55.00 -> C; history Aug C, Sep C -> r = 3 -> 5.00.
    row = score({"X": (5, 5, 5, 5, 0, 0)}, sops={"X": sop(10)}, history={"X": {Period(2026, 8): "C", SEP: "C"}})["X"]
    assert (row["index_score"], row["category"], row["tpp_run_months"]) == (Decimal("55.00"), "C", 3)
    assert row["tpp_cut_pct"] == Decimal("5.00")


def test_no_recommendation_when_the_data_quality_gate_failed():
    row = score(
        {"X": (5, 5, 5, 5, 0, 0)},
        sops={"X": sop(10)},
        history={"X": {Period(2026, 8): "C", SEP: "C"}},
        gate_passed=False,
    )["X"]
    assert row["category"] == "C"
    assert row["tpp_cut_pct"] is None


def test_no_recommendation_when_not_rated():
    row = score({"X": (5, 5, 5, 5, 0, 0)}, sops={}, history={"X": {Period(2026, 8): "E", SEP: "E"}})["X"]
    assert row["status"] == "tidak dinilai"
    assert row["tpp_cut_pct"] is None


def test_rated_a_or_b_rows_recommend_zero():
    # S_resp 100 and S_sop 100 -> index 100 -> A -> 0.00 (a recommendation of no cut, not empty).
    row = score({"X": (5, 5, 5, 5, 0, 0)}, sops={"X": sop(100)})["X"]
    assert (row["category"], row["tpp_cut_pct"]) == ("A", Decimal("0.00"))


def test_forwarding_deadline_is_three_working_days_from_receipt_and_is_evidence_only():
    # Received Friday 2 Oct 2026 16:00 WITA; 3 HK -> Mon 5, Tue 6, Wed 7 Oct: due end of
    # Wednesday 7 Oct (15:59:59.999999 UTC). Forwarded Thursday 8 Oct: late. A complaint
    # that was never forwarded has no forwarding clock.
    import pandas as pd

    from rapor.policy import load_policy
    from rapor.scoring.periods import Period
    from rapor.scoring.responsiveness import month_evidence, with_deadlines
    from rapor.scoring.workdays import WorkdayCalendar

    policy = load_policy()
    calendar = WorkdayCalendar.build("Asia/Makassar", 2026, 2026)
    frame = pd.DataFrame(
        {
            "source": ["lapor", "lapor"],
            "complaint_id": ["1", "2"],
            "opd_code": ["DPUPR", "DPUPR"],
            "channel": ["aplikasi", "aplikasi"],
            "kind": ["pengaduan", "pengaduan"],
            "received_at": pd.to_datetime(["2026-10-02T08:00:00Z", "2026-10-05T01:00:00Z"]),
            "forwarded_at": pd.to_datetime(["2026-10-08T01:00:00Z", None]),
            "first_response_at": pd.to_datetime([None, None]),
            "resolved_at": pd.to_datetime([None, None]),
        }
    )
    evidence = month_evidence(with_deadlines(frame, calendar, policy), *Period(2026, 10).bounds_utc("Asia/Makassar"))
    first, second = evidence.iloc[0], evidence.iloc[1]
    assert first["forwarding_deadline_at"] == pd.Timestamp("2026-10-07T15:59:59.999999Z")
    assert first["forwarded_on_time"] == False  # noqa: E712 - a nullable flag
    assert pd.isna(second["forwarding_deadline_at"]) and pd.isna(second["forwarded_on_time"])
