"""A small region whose OPD is rated C every month, for tests of the TPP run (SCORING.md §6).

Kota Mataram (WITA), one OPD, March to May 2026. Every month two information requests are
answered within the hour (R1 = 1, no resolution population, nothing open: S_resp = 100) and
the OPD is inspected once, every indicator scored 1 of 3: S_sop = 100/3 = 33.33.
Index = 0.5 × 33.33 + 0.5 × 100 = 66.67 → category C every month; with every indicator at 3
of 3, S_sop = 100 and the index 100 → A.
"""

from __future__ import annotations

import csv
from pathlib import Path

from rapor.imports import import_files
from rapor.imports.complaints import COLUMNS as COMPLAINT_COLUMNS

REGION, OPD = "52.71", "DLH"
MONTHS = ("2026-03", "2026-04", "2026-05")
DIMENSIONS = ("input", "proses", "output", "pengaduan")


def write_rows(path: Path, header: list[str], rows: list[list]) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def c_region_inspections(tmp_path: Path, name: str, months: tuple[str, ...], score: int) -> Path:
    rows = [[REGION, OPD, f"{m}-12", d, f"{d}_terpenuhi", score] for m in months for d in DIMENSIONS]
    header = ["region_code", "opd_code", "inspected_at", "dimension", "indicator", "score"]
    return write_rows(tmp_path / name, header, rows)


def c_region_files(tmp_path: Path) -> list[Path]:
    """The region's registry, complaints and inspections (every indicator 1 of 3: C every month)."""
    registry = write_rows(
        tmp_path / "registry.csv",
        ["region_code", "region_name", "timezone", "opd_code", "opd_name"],
        [[REGION, "Kota Mataram", "Asia/Makassar", OPD, "Dinas Lingkungan Hidup"]],
    )
    complaints = write_rows(
        tmp_path / "complaints.csv",
        COMPLAINT_COLUMNS,
        [
            [f"M-{m}-{day}", REGION, OPD, "aplikasi", "lapor", "permintaan_informasi"]
            + [f"{m}-{day} 09:00", "", f"{m}-{day} 09:40", "", "", "Jadwal angkut sampah?"]
            for m in MONTHS
            for day in ("10", "17")
        ],
    )
    return [registry, complaints, c_region_inspections(tmp_path, "inspections.csv", MONTHS, 1)]


def import_c_region(warehouse, tmp_path: Path) -> None:
    registry, complaints, inspections = c_region_files(tmp_path)
    import_files(warehouse, [registry], [complaints], [inspections])
