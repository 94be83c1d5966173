"""The §7 CSV has one writer: the same bytes for the monthly export and every revision."""

from __future__ import annotations

from decimal import Decimal

from rapor.scoring.scorecard_csv import CSV_COLUMNS, csv_cells, scorecard_csv_bytes


def _row(region_code: str, opd_code: str, **values) -> dict:
    base = {
        "period": "2026-10",
        "region_code": region_code,
        "opd_code": opd_code,
        "opd_name": f"Dinas {opd_code}",
        "n_first_response": 12,
        "n_first_response_on_time": 9,
        "r1": Decimal("0.7500"),
        "n_resolution": 0,
        "n_resolution_on_time": 0,
        "r2": Decimal("1"),
        "n_open": 3,
        "n_open_overdue": 1,
        "r3": Decimal("0.66666"),
        "s_resp": Decimal("84.5"),
        "s_sop": None,
        "index_score": None,
        "category": None,
        "zone": None,
        "status": "tidak dinilai",
        "tpp_cut_pct": None,
        "method_version": "2026.1",
    }
    return {**base, **values}


def test_cells_follow_the_columns_with_fixed_decimals_and_empty_for_missing():
    cells = dict(zip(CSV_COLUMNS, csv_cells(_row("52.05", "DLH")), strict=True))
    # r-values to 4 places, scores and the cut to 2; a value that does not exist is an empty cell.
    assert (cells["r1"], cells["r2"], cells["r3"]) == ("0.7500", "1.0000", "0.6667")
    assert (cells["s_resp"], cells["s_sop"], cells["index"], cells["tpp_cut_pct"]) == ("84.50", "", "", "")
    assert (cells["n_first_response"], cells["status"]) == ("12", "tidak dinilai")


def test_rows_are_written_in_code_point_order_of_region_and_opd_whatever_order_they_came_in():
    rated = {"s_sop": Decimal("70"), "index_score": Decimal("76.2"), "category": "C", "zone": "kuning"}
    rows = [
        _row("52.05", "dlh"),
        _row("52.05", "DPUPR", **rated, status="dinilai", tpp_cut_pct=Decimal("2.5")),
        _row("52.04", "RSUD"),
        _row("52.05", "DLH_2"),
    ]
    lines = scorecard_csv_bytes(rows).decode("utf-8").split("\n")
    assert lines[0] == ",".join(CSV_COLUMNS)
    assert [line.split(",")[1:3] for line in lines[1:-1]] == [
        ["52.04", "RSUD"],
        ["52.05", "DLH_2"],
        ["52.05", "DPUPR"],
        ["52.05", "dlh"],  # lower case sorts after upper case in code-point order
    ]
    assert lines[3].endswith(",70.00,76.20,C,kuning,dinilai,2.50,2026.1")
    assert lines[-1] == ""  # every line ends with \n, no \r


def test_formula_cells_in_text_columns_are_neutralised_and_numbers_stay_numbers():
    # OWASP CSV injection: a text cell starting with = + - @ tab or CR is prefixed with an apostrophe.
    row = _row("52.05", '=HYPERLINK("http://x","klik")', opd_name="+cmd|' /C calc'!A0", tpp_cut_pct=Decimal("-2.5"))
    cells = dict(zip(CSV_COLUMNS, csv_cells(row), strict=True))
    assert cells["opd_code"] == '\'=HYPERLINK("http://x","klik")'
    assert cells["opd_name"] == "'+cmd|' /C calc'!A0"
    assert cells["tpp_cut_pct"] == "-2.50"  # a number column is never touched
    assert cells["period"] == "2026-10" and cells["status"] == "tidak dinilai"
