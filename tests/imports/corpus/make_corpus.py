"""Writes the bad-input corpus (issue 14): the awkward files Indonesian offices really produce.

Run it to regenerate the files after changing a case; the files are committed so that a
reviewer can open each one. ``manifest.yaml`` holds every file's expected outcome.

    python tests/imports/corpus/make_corpus.py
"""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from pathlib import Path

HERE = Path(__file__).parent
HEADER = [
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
INSPECTION_HEADER = ["region_code", "opd_code", "inspected_at", "dimension", "indicator", "score"]
REGISTRY_HEADER = ["region_code", "region_name", "timezone", "opd_code", "opd_name"]


def row(n: int, **changes) -> list[str]:
    """A good complaint of 52.05 (Asia/Makassar); ``changes`` override fields."""
    base = {
        "complaint_id": f"C-{n:03d}",
        "region_code": "52.05",
        "opd_code": "DINKES",
        "channel": "aplikasi",
        "source": "corpus",
        "kind": "pengaduan",
        "received_at": f"2026-10-{1 + n % 27:02d}T09:00:00+08:00",
        "forwarded_at": "",
        "first_response_at": f"2026-10-{1 + n % 27:02d}T15:00:00+08:00",
        "resolved_at": "",
        "reporter": f"Warga Nomor {n}",
        "text": f"Antrean panjang di puskesmas nomor {n}, mohon dibantu.",
    }
    base.update(changes)
    return [str(base[c]) for c in HEADER]


def csv_text(rows: list[list[str]], header=HEADER, delimiter: str = ",", newline: str = "\n") -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator=newline)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def good(n: int = 3, start: int = 1) -> list[list[str]]:
    return [row(i) for i in range(start, start + n)]


def write(name: str, text: str, encoding: str = "utf-8") -> None:
    path = HERE / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode(encoding))


def complaints() -> None:
    d = "complaints/"
    write(d + "01-plain.csv", csv_text(good(3)))
    write(d + "02-semicolon.csv", csv_text(good(3), delimiter=";"))
    write(d + "03-tab.tsv", csv_text(good(3), delimiter="\t"))
    write(d + "04-tab-as-csv.csv", csv_text(good(3), delimiter="\t"))
    write(d + "05-bom-crlf.csv", "\ufeff" + csv_text(good(3), newline="\r\n"))
    header = ["Complaint ID", "Region Code", "OPD-Code", "CHANNEL", " Source ", "Kind", "Received At"]
    header += ["forwarded at", "First_Response_At", "resolved-at", "Reporter", "Text"]
    write(d + "06-header-names.csv", csv_text(good(3), header=header))
    order = [11, 10, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9]
    write(
        d + "07-reordered-extra-columns.csv",
        csv_text(
            [[r[i] for i in order] + ["catatan"] for r in good(3)], header=[HEADER[i] for i in order] + ["catatan"]
        ),
    )
    # A stray quote: the quote opened in row 4 never closes; 10 complaints, none may vanish.
    rows = [row(i, text=f"Antrean panjang nomor {i}") for i in range(1, 11)]
    lines = csv_text(rows).splitlines(keepends=True)
    lines[3] = lines[3].replace("Antrean panjang nomor 3", '"Antrean panjang kata Siti Rahma 0812-9999-1111')
    lines[7] = lines[7].replace("Antrean panjang nomor 7", 'Antrean "panjang" nomor 7')
    write(d + "08-stray-quote.csv", "".join(lines))
    lines = csv_text(rows[:5]).splitlines(keepends=True)
    lines[-1] = lines[-1].replace("Antrean", '"Antrean')
    write(d + "09-stray-quote-last-row.csv", "".join(lines))
    multi = good(3)
    multi[1][11] = "Baris pertama keluhan.\nBaris kedua: jalan berlubang.\nBaris ketiga."
    write(d + "10-multiline-text.csv", csv_text(multi))
    write(
        d + "11-nul-and-control.csv",
        csv_text(good(2) + [row(3, text="teks\x00dengan\x07kontrol\x1b[31m")]).replace("C-001", "C-0\x0001"),
    )
    write(d + "13-too-long-id.csv", csv_text(good(2) + [row(3, complaint_id="X" * 600)]))
    write(d + "14-too-long-opd-code.csv", csv_text(good(2) + [row(3, opd_code="D" * 65)]))
    write(d + "15-too-long-source.csv", csv_text(good(2) + [row(3, source="s" * 70)]))
    write(d + "16-year-one.csv", csv_text(good(2) + [row(3, received_at="0001-01-01 00:00:00")]))
    write(d + "17-excel-zero-date.csv", csv_text(good(2) + [row(3, received_at="1900-01-00 00:00:00")]))
    write(d + "18-year-1900.csv", csv_text(good(2) + [row(3, received_at="1900-01-01T00:00:00")]))
    write(d + "19-unix-epoch.csv", csv_text(good(2) + [row(3, received_at="1970-01-01T00:00:00Z")]))
    write(d + "20-year-1999.csv", csv_text(good(2) + [row(3, first_response_at="1999-12-31T23:00:00+08:00")]))
    dst = dict(region_code="99.01", received_at="", first_response_at="")
    write(
        d + "21-dst-nonexistent.csv",
        csv_text(
            [
                row(1, **{**dst, "received_at": "2026-03-29 02:30:00"}),
                row(2, **{**dst, "received_at": "2026-03-29 03:30:00"}),
            ]
        ),
    )
    write(
        d + "22-dst-ambiguous.csv",
        csv_text(
            [
                row(1, **{**dst, "received_at": "2026-10-25 02:30:00"}),
                row(2, **{**dst, "received_at": "2026-10-25 02:30:00+01:00"}),
            ]
        ),
    )
    write(d + "23-future.csv", csv_text(good(2) + [row(3, received_at="2099-01-01T00:00:00+08:00")]))
    write(
        d + "24-unknown-opd-and-region.csv",
        csv_text(good(2) + [row(3, opd_code="DISPERKIM"), row(4, region_code="52.99")]),
    )
    write(d + "25-bad-channel-kind.csv", csv_text(good(2) + [row(3, channel="email"), row(4, kind="keluhan")]))
    write(
        d + "26-event-before-receipt.csv", csv_text(good(2) + [row(3, first_response_at="2026-09-01T09:00:00+08:00")])
    )
    write(d + "27-missing-values.csv", csv_text(good(2) + [row(3, complaint_id=""), row(4, received_at="")]))
    write(d + "28-wrong-cell-count.csv", csv_text(good(2)) + "C-003,52.05,DINKES,aplikasi\n")
    # The reporter's name and phone under `channel` (labels shifted): quarantined, not kept raw.
    write(
        d + "29-shifted-identity.csv",
        csv_text(good(2) + [row(3, channel="Budi Santoso", kind="0813-7777-2222", opd_code="budi.s@GMAIL.COM")]),
    )
    write(
        d + "30-pii-variants-in-text.csv",
        csv_text(
            [
                row(1, text="NIK 5205 0101 0101 0001 hubungi +62-812-3456-7890"),
                row(2, text="NIK:5205010101010002;telp:081298765432"),
                row(3, text="surel SITI.AMINAH@GMAIL.COM atau wa 62 813 1111 2222"),
            ]
        ),
    )
    write(
        d + "31-iso-variants.csv",
        csv_text(
            [
                row(1, received_at="2026-10-01 09:00"),
                row(2, received_at="2026-10-01T09:00:00+0800"),
                row(3, received_at="2026-10-01T01:00:00Z"),
                row(4, received_at="2026-10-01", first_response_at="2026-10-01T15:00:00"),
            ]
        ),
    )
    write(d + "32-hand-typed-dates.csv", csv_text(good(2) + [row(3, received_at="31/08/2026 14.20")]))
    write(d + "33-blank-lines.csv", csv_text(good(2)).replace("\n", "\n\n", 1) + "\n,,,,,,,,,,,\n")
    write(d + "34-header-only.csv", csv_text([]))
    write(d + "35-empty.csv", "")
    write(d + "36-latin1.csv", csv_text(good(1) + [row(2, text="Keluhan soal jalan di Désa Riwo")]), encoding="latin-1")
    write(d + "37-missing-column.csv", csv_text([r[:-1] for r in good(2)], header=HEADER[:-1]))
    write(d + "38-duplicate-ids.csv", csv_text(good(2) + [row(2, text="pembaruan: sudah dibalas")]))
    write(
        d + "39-title-rows.csv", "Rekap Pengaduan Oktober 2026\nDinas Kesehatan Kabupaten Dompu\n" + csv_text(good(3))
    )
    write(
        d + "40-formula-cells.csv",
        csv_text(
            [
                row(1, complaint_id='=HYPERLINK("http://x","klik")', text="+cmd|' /C calc'!A0"),
                row(2, text="@SUM(1+1)*cmd|' /C calc'!A0"),
                row(3, text="-2+3"),
            ]
        ),
    )
    # Commas delimit; the text holds many semicolons (the sniffer must not be fooled by them).
    write(
        d + "50-semicolons-in-text.csv", csv_text(good(2) + [row(3, text="a; b; c; d; e; f; g; h; i; j; k; l; m; n")])
    )
    (HERE / d / "41-not-a-table.pdf").write_bytes(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")


def ten_megabyte_text(path: Path) -> Path:
    """12-ten-megabyte-text.csv: one 10 MB text field (written at test time, not committed)."""
    path.write_text(csv_text(good(2) + [row(3, text="panjang " * 1_310_720)]), encoding="utf-8")
    return path


def workbooks() -> None:
    from openpyxl import Workbook

    d = HERE / "workbooks"
    d.mkdir(exist_ok=True)

    def save(book, name):
        book.properties.created = datetime(2026, 11, 1)
        book.properties.modified = datetime(2026, 11, 1)
        book.save(d / name)

    # Real Excel date cells (not text) in an inspections workbook.
    book = Workbook()
    sheet = book.active
    sheet.title = "sidak"
    sheet.append(INSPECTION_HEADER)
    for i, ind in enumerate(("sarana_prasarana", "kompetensi_petugas", "alur_layanan")):
        sheet.append(["52.05", "DINKES", date(2026, 10, 5 + i), "input", ind, i + 1])
    for cell in sheet["C"][1:]:
        cell.number_format = "dd/mm/yyyy"
    save(book, "42-inspections-date-cells.xlsx")

    # A merged title row and a blank row above the header, on the second sheet.
    book = Workbook()
    book.active.title = "petunjuk"
    book.active.append(["Isi lembar 'data' saja."])
    sheet = book.create_sheet("data")
    sheet.append(["REKAP SIDAK OPD — OKTOBER 2026"])
    sheet.merge_cells("A1:F1")
    sheet.append([])
    sheet.append(["Region Code", "OPD Code", "Inspected At", "Dimension", "Indicator", "Score"])
    sheet.append(["52.05", "DINKES", datetime(2026, 10, 7), "proses", "alur_layanan", 3])
    sheet.append(["52.05", "DISHUB", datetime(2026, 10, 8), "output", "waktu_layanan", 2.0])
    save(book, "43-inspections-title-row-second-sheet.xlsx")

    # Complaints with real datetime cells, read in the region's zone (Asia/Makassar).
    book = Workbook()
    sheet = book.active
    sheet.append(HEADER)
    for n in (1, 2):
        r = row(n, received_at="", first_response_at="")
        r[6] = datetime(2026, 10, n, 9, 30)
        r[8] = datetime(2026, 10, n, 14, 0)
        sheet.append(r)
    r = row(3)
    r[6] = datetime(1900, 1, 1)  # Excel's zero date
    sheet.append(r)
    for cell in sheet["G"][1:] + sheet["I"][1:]:
        cell.number_format = "dd/mm/yyyy hh:mm"
    save(book, "44-complaints-datetime-cells.xlsx")

    book = Workbook()
    book.active.append(["region_code", "region_name"])
    save(book, "45-wrong-workbook.xlsx")
    (d / "46-broken.xlsx").write_bytes(b"PK\x03\x04 not really a workbook")


def registries() -> None:
    d = "registry/"
    base = [["52.05", "Kabupaten Dompu", "Asia/Makassar", "DINKES", "Dinas Kesehatan"]]
    write(
        d + "47-duplicate-opd-code.csv",
        csv_text(
            base
            + [
                ["52.05", "Kabupaten Dompu", "Asia/Makassar", "DISDIK", "Dinas Pendidikan"],
                ["52.05", "Kabupaten Dompu", "Asia/Makassar", "DISDIK", "Dinas Pendidikan dan Kebudayaan"],
            ],
            header=REGISTRY_HEADER,
        ),
    )
    write(
        d + "48-bad-timezone-and-long-name.csv",
        csv_text(
            base
            + [
                ["52.06", "Kabupaten Bima", "WITA", "DINKES", "Dinas Kesehatan"],
                ["52.05", "Kabupaten Dompu", "Asia/Makassar", "DPUPR", "Dinas " * 80],
            ],
            header=REGISTRY_HEADER,
        ),
    )
    write(d + "49-semicolon-registry.csv", csv_text(base, header=REGISTRY_HEADER, delimiter=";"))


if __name__ == "__main__":
    complaints()
    workbooks()
    registries()
    print(f"corpus written under {HERE}")
