"""`rapor score` end to end on a small hand-made region (SCORING.md §1-§7).

Region 52.71 (Kota Mataram, WITA = UTC+8), two OPDs; all timestamps are local (no offset).
September and October 2026 hold no Indonesian holiday: 1 Sep is a Tuesday, 1 Oct a Thursday.
Deadlines: hotline / media_sosial 1 HK, aplikasi 5 HK, pengaduan resolution 14 HK.

DISHUB complaints and their deadlines (worked out by hand):
  C1 aplikasi pengaduan, Mon 7 Sep 09:00. First response due Mon 14 Sep (8,9,10,11,14): answered
     10 Sep -> on time. Resolution due Fri 25 Sep (8-11, 14-18, 21-25): resolved 24 Sep -> on time.
  C2 hotline pengaduan, Fri 11 Sep 16:00. First response due Mon 14 Sep: answered Tue 15 -> late.
     Resolution due Thu 1 Oct (14-18, 21-25, 28-30, 1 Oct): never resolved.
  C3 media_sosial aspirasi, Sat 19 Sep 20:00, forwarded Mon 21 Sep 09:00: clock starts Mon 21,
     due Tue 22 Sep; answered 22 Sep 23:59:59 -> on time. No resolution clock.
  C4 aplikasi permintaan_informasi, Wed 30 Sep 23:30 WITA (15:30 UTC, still 30 Sep locally):
     due Wed 7 Oct (1,2,5,6,7 Oct); answered 8 Oct -> late, in October's population.
  C5 hotline pengaduan, Mon 5 Oct 10:00. Due Tue 6 Oct: answered 6 Oct 12:00 -> on time.
     Resolution due Fri 23 Oct (6-9, 12-16, 19-23): resolved 23 Oct 23:59:59.999999 -> on time.
  C6 aplikasi pengaduan, Tue 20 Oct 09:00. Due Tue 27 Oct (21,22,23,26,27): no answer -> late.
     Resolution due Mon 9 Nov: open at the end of October, not overdue.
DINKES:
  D1 hotline pengaduan, Thu 1 Oct 08:00. Due Fri 2 Oct: answered 2 Oct 07:00 -> on time.
     Resolution due Wed 21 Oct (2, 5-9, 12-16, 19-21): resolved 5 Oct -> on time.
Inspections: DISHUB on 15 Sep (S_sop 64.965, see below); DINKES on 10 Oct (input, proses, output
all 3, no pengaduan indicator -> rescaled -> 100).
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from rapor.cli import main

HEADER = [
    "period",
    "region_code",
    "opd_code",
    "opd_name",
    "n_first_response",
    "n_first_response_on_time",
    "r1",
    "n_resolution",
    "n_resolution_on_time",
    "r2",
    "n_open",
    "n_open_overdue",
    "r3",
    "s_resp",
    "s_sop",
    "index",
    "category",
    "zone",
    "status",
    "tpp_cut_pct",
    "method_version",
]

REGISTRY = """
region_code,region_name,timezone,opd_code,opd_name
52.71,Kota Mataram,Asia/Makassar,DISHUB,Dinas Perhubungan
52.71,Kota Mataram,Asia/Makassar,DINKES,Dinas Kesehatan
"""
COMPLAINTS = """
complaint_id,region_code,opd_code,channel,source,kind,received_at,forwarded_at,first_response_at,resolved_at,reporter,text
C1,52.71,DISHUB,aplikasi,lapor,pengaduan,2026-09-07 09:00,,2026-09-10 10:00,2026-09-24 10:00,,
C2,52.71,DISHUB,hotline,lapor,pengaduan,2026-09-11 16:00,,2026-09-15 08:00,,,
C3,52.71,DISHUB,media_sosial,lapor,aspirasi,2026-09-19 20:00,2026-09-21 09:00,2026-09-22 23:59:59,,,
C4,52.71,DISHUB,aplikasi,lapor,permintaan_informasi,2026-09-30 23:30,,2026-10-08 08:00,,,
C5,52.71,DISHUB,hotline,lapor,pengaduan,2026-10-05 10:00,,2026-10-06 12:00,2026-10-23 23:59:59.999999,,
C6,52.71,DISHUB,aplikasi,lapor,pengaduan,2026-10-20 09:00,,,,,
D1,52.71,DINKES,hotline,lapor,pengaduan,2026-10-01 08:00,,2026-10-02 07:00,2026-10-05 09:00,,
"""
INSPECTIONS = """
region_code,opd_code,inspected_at,dimension,indicator,score
52.71,DISHUB,2026-09-15,input,persyaratan,3
52.71,DISHUB,2026-09-15,input,biaya,3
52.71,DISHUB,2026-09-15,proses,prosedur,3
52.71,DISHUB,2026-09-15,proses,waktu,0
52.71,DISHUB,2026-09-15,output,produk,2
52.71,DISHUB,2026-09-15,pengaduan,kanal,1
52.71,DISHUB,2026-09-15,pengaduan,medsos_aktif,2
52.71,DINKES,2026-10-10,input,persyaratan,3
52.71,DINKES,2026-10-10,proses,prosedur,3
52.71,DINKES,2026-10-10,output,produk,3
"""


@pytest.fixture
def inputs(write_csv) -> list[str]:
    return [
        "--registry",
        str(write_csv("registry.csv", REGISTRY)),
        "--complaints",
        str(write_csv("complaints.csv", COMPLAINTS)),
        "--inspections",
        str(write_csv("inspections.csv", INSPECTIONS)),
    ]


def read_rows(path: Path) -> list[list[str]]:
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


def scorecards(out: Path) -> dict[str, dict[str, list[str]]]:
    """period -> opd_code -> CSV row; also checks the header of each file."""
    result = {}
    for period in ("2026-09", "2026-10"):
        header, *rows = read_rows(out / f"scorecard-{period}.csv")
        assert header == HEADER
        result[period] = {row[2]: row for row in rows}
        assert len(rows) == len(result[period])
    return result


def test_score_writes_one_scorecard_per_period_with_hand_computed_values(warehouse, inputs, tmp_path, capsys):
    out = tmp_path / "out"
    code = main(["score", *inputs, "--period", "2026-09", "--period", "2026-10", "--out", str(out)])
    assert code == 0, capsys.readouterr().err
    cards = scorecards(out)
    # One row per OPD of the registry, also for DINKES which has no complaint in September.
    assert set(cards["2026-09"]) == set(cards["2026-10"]) == {"DISHUB", "DINKES"}

    # September. DISHUB: R1 {C1 on, C2 late, C3 on} = 3/2; R2 {C1 on} = 1/1; open at end {C2, due
    # 1 Oct: not overdue} = 1/0. C4 is due in October. Region pool R1 = 2/3, R2 = 1/1 = 1.
    # r1' = (2 + 5*2/3)/(3 + 5) = 2/3 -> 0.6667; r2' = (1 + 5)/6 = 1; r3 = 1.
    # S_resp = 40*2/3 + 40 + 20 = 86.666.. -> 86.67.
    # S_sop (15 Sep): input (3,3) -> 1; proses (3,0) -> 0.5; output (2) -> 2/3; pengaduan (1,2) -> 0.5;
    # 21.85 + 32.37*0.5 + 24.24*2/3 + 21.54*0.5 = 21.85 + 16.185 + 16.16 + 10.77 = 64.965 -> 64.97.
    # Index = 0.5*64.965 + 0.5*86.666.. = 32.4825 + 43.3333.. = 75.8158.. -> 75.82 -> C, kuning.
    # n1 = 3 < 5 -> data terbatas. TPP: C with r = 1 -> 0.
    assert cards["2026-09"]["DISHUB"] == [
        "2026-09",
        "52.71",
        "DISHUB",
        "Dinas Perhubungan",
        "3",
        "2",
        "0.6667",
        "1",
        "1",
        "1.0000",
        "1",
        "0",
        "1.0000",
        "86.67",
        "64.97",
        "75.82",
        "C",
        "kuning",
        "data terbatas",
        "0.00",
        "2026.1",
    ]
    # September DINKES: no complaints -> r1' = pool 2/3, r2' = pool 1, r3 = 1 -> S_resp 86.67; no
    # inspection in Jul-Sep -> tidak dinilai; S_sop, index, category, zone and TPP empty.
    assert cards["2026-09"]["DINKES"] == [
        "2026-09",
        "52.71",
        "DINKES",
        "Dinas Kesehatan",
        "0",
        "0",
        "0.6667",
        "0",
        "0",
        "1.0000",
        "0",
        "0",
        "1.0000",
        "86.67",
        "",
        "",
        "",
        "",
        "tidak dinilai",
        "",
        "2026.1",
    ]

    # October. DISHUB: R1 {C4 late, C5 on, C6 late} = 3/1; R2 {C2 late (due 1 Oct), C5 on} = 2/1;
    # open at end {C2 overdue, C6 not} = 2/1. DINKES: R1 {D1 on} = 1/1; R2 {D1 on} = 1/1; none open.
    # Pools: R1 = (1 + 1)/(3 + 1) = 1/2; R2 = (1 + 1)/(2 + 1) = 2/3.
    # DISHUB r1' = (1 + 5/2)/8 = 7/16 = 0.4375; r2' = (1 + 10/3)/7 = 13/21 = 0.61904.. -> 0.6190;
    # r3 = 1 - 1/2 = 0.5. S_resp = 17.5 + 520/21 + 10 = 52.2619.. -> 52.26.
    # S_sop: no October inspection; September's x0.9 = 58.4685 -> 58.47.
    # Index = 29.23425 + 26.13095.. = 55.3652.. -> 55.37 -> C, kuning.
    # TPP: September C, October C -> r = 2 -> 2.5 + 2.5*(2 - 2) = 2.50.
    assert cards["2026-10"]["DISHUB"] == [
        "2026-10",
        "52.71",
        "DISHUB",
        "Dinas Perhubungan",
        "3",
        "1",
        "0.4375",
        "2",
        "1",
        "0.6190",
        "2",
        "1",
        "0.5000",
        "52.26",
        "58.47",
        "55.37",
        "C",
        "kuning",
        "data terbatas",
        "2.50",
        "2026.1",
    ]
    # DINKES r1' = (1 + 5/2)/6 = 7/12 = 0.58333.. -> 0.5833; r2' = (1 + 10/3)/6 = 13/18 = 0.7222..;
    # r3 = 1. S_resp = 70/3 + 260/9 + 20 = 650/9 = 72.222.. -> 72.22. S_sop (10 Oct) = 100.
    # Index = 50 + 325/9 = 86.111.. -> 86.11 -> B, hijau; TPP 0. n1 = 1 < 5 -> data terbatas.
    assert cards["2026-10"]["DINKES"] == [
        "2026-10",
        "52.71",
        "DINKES",
        "Dinas Kesehatan",
        "1",
        "1",
        "0.5833",
        "1",
        "1",
        "0.7222",
        "0",
        "0",
        "1.0000",
        "72.22",
        "100.00",
        "86.11",
        "B",
        "hijau",
        "data terbatas",
        "0.00",
        "2026.1",
    ]


def test_running_score_again_writes_the_same_scorecards(warehouse, inputs, tmp_path):
    args = ["score", *inputs, "--period", "2026-09", "--period", "2026-10"]
    assert main([*args, "--out", str(tmp_path / "first")]) == 0
    assert main([*args, "--out", str(tmp_path / "second")]) == 0
    for period in ("2026-09", "2026-10"):
        name = f"scorecard-{period}.csv"
        assert read_rows(tmp_path / "first" / name) == read_rows(tmp_path / "second" / name)


def test_periods_given_out_of_order_are_scored_in_order(warehouse, inputs, tmp_path):
    # The TPP run of October needs September's category: 2.50 whatever the order on the line.
    out = tmp_path / "out"
    assert main(["score", *inputs, "--period", "2026-10", "--period", "2026-09", "--out", str(out)]) == 0
    assert scorecards(out)["2026-10"]["DISHUB"][HEADER.index("tpp_cut_pct")] == "2.50"


@pytest.mark.parametrize("bad", ["2026-13", "2026/10", "Oktober 2026", "2026-9"])
def test_bad_period_exits_with_code_2_and_a_clear_message(warehouse, inputs, tmp_path, capsys, bad):
    out = tmp_path / "out"
    code = main(["score", *inputs, "--period", "2026-09", "--period", bad, "--out", str(out)])
    assert code == 2
    err = capsys.readouterr().err
    assert bad in err
    assert "YYYY-MM" in err
    assert not out.exists()
