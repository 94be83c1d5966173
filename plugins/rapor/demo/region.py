"""A seeded, synthetic demo region (Kabupaten Dompu) in the import formats of SCORING.md §8.

``make demo`` and the tests need a region whose data looks like the real thing: many OPDs that
behave differently (so scorecards spread over categories A..E), messy timestamps, personal data
to redact, a few bad rows to quarantine and a few rows that update earlier ones. Everything is
drawn from one ``random.Random(seed)`` and written in a fixed order, so one seed always gives
byte-identical CSVs (the .xlsx differs only in its zip metadata).
"""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from pathlib import Path

from rapor.imports import complaints as complaint_format
from rapor.imports import inspections as inspection_format
from rapor.imports import recipients as recipient_format
from rapor.imports import registry as registry_format
from rapor.imports import staff as staff_format

DEMO_REGION_CODE = "52.05"
DEMO_REGION_NAME = "Kabupaten Dompu"
DEMO_TIMEZONE = "Asia/Makassar"
DEMO_PERIODS = ("2026-08", "2026-09", "2026-10")

# The demo writes the §8 file formats exactly as the importers read them.
REGISTRY_HEADER = registry_format.COLUMNS
COMPLAINT_HEADER = complaint_format.COLUMNS
INSPECTION_HEADER = inspection_format.COLUMNS

DEFAULT_INDICATORS = (
    ("input", "sarana_prasarana"),
    ("input", "kompetensi_petugas"),
    ("input", "sarana_disabilitas"),
    ("proses", "standar_pelayanan_tampil"),
    ("proses", "persyaratan"),
    ("proses", "prosedur"),
    ("proses", "waktu"),
    ("proses", "biaya"),
    ("proses", "produk"),
    ("proses", "maklumat"),
    ("output", "persepsi_maladministrasi"),
    ("pengaduan", "kanal_pengaduan"),
    ("pengaduan", "medsos_aktif_komentar_terbuka"),
    ("pengaduan", "nomor_kepala_dijawab"),
)

_WITA = timedelta(hours=8)  # Asia/Makassar has no daylight saving time
_AS_OF = datetime(2026, 11, 2, 8, 0)  # local export instant: later events have not happened yet
_MONTHS = ((2026, 7, 10, 22 / 31), (2026, 8, 1, 1.0), (2026, 9, 1, 1.0), (2026, 10, 1, 1.0))

_KEC = ("surat pengantar lama diproses", "pegawai kantor camat tidak di tempat", "jalan desa rusak belum diusulkan")
# code, name, complaints a month (0 = fixed counts in _FIXED), service, complaint topics
_OPDS: tuple[tuple[str, str, int, str, tuple[str, ...]], ...] = (
    (
        "DPUPR",
        "Dinas Pekerjaan Umum dan Penataan Ruang",
        110,
        "perbaikan jalan dan drainase",
        (
            "jalan rusak berlubang",
            "drainase tersumbat, air meluap ke rumah warga",
            "jembatan retak",
            "proyek jalan berhenti di tengah jalan",
        ),
    ),
    (
        "DISDIK",
        "Dinas Pendidikan dan Kebudayaan",
        55,
        "pendaftaran sekolah (PPDB)",
        ("pungutan seragam di sekolah", "atap kelas bocor", "dana PIP belum cair"),
    ),
    (
        "DINKES",
        "Dinas Kesehatan",
        70,
        "layanan kesehatan dan BPJS",
        ("obat kosong di pustu", "fogging DBD tidak dilakukan", "ambulans desa tidak bisa dihubungi"),
    ),
    (
        "RSUD",
        "RSUD Dompu",
        85,
        "rawat jalan dan rujukan BPJS",
        (
            "antrean poli sangat lama",
            "obat kosong di apotek rumah sakit",
            "petugas IGD tidak ramah",
            "toilet ruang rawat inap kotor",
        ),
    ),
    (
        "PKM-DOMPU",
        "UPTD Puskesmas Dompu Kota",
        30,
        "layanan puskesmas",
        ("dokter tidak ada di jam layanan", "obat kosong", "antrean pendaftaran lama"),
    ),
    (
        "DINSOS",
        "Dinas Sosial",
        45,
        "bantuan sosial (PKH/BPNT)",
        ("bansos tidak diterima padahal terdaftar", "data DTKS salah", "penyaluran BPNT terlambat"),
    ),
    (
        "DISDUKCAPIL",
        "Dinas Kependudukan dan Pencatatan Sipil",
        95,
        "pembuatan KTP-el dan KK",
        ("antrean KTP sangat panjang", "blanko KTP-el habis", "akta kelahiran belum jadi", "server sering offline"),
    ),
    (
        "DPMPTSP",
        "Dinas Penanaman Modal dan Pelayanan Terpadu Satu Pintu",
        30,
        "perizinan usaha",
        ("izin usaha lama diproses", "diminta biaya di luar ketentuan", "PBG tidak kunjung terbit"),
    ),
    (
        "DISKOMINFO",
        "Dinas Komunikasi, Informatika dan Statistik",
        15,
        "informasi publik",
        ("wifi publik di taman mati", "website pemda tidak bisa dibuka"),
    ),
    (
        "DLH",
        "Dinas Lingkungan Hidup",
        35,
        "pengangkutan sampah",
        ("sampah menumpuk tidak diangkut", "pembakaran sampah di TPS", "limbah usaha cemari sungai"),
    ),
    (
        "DISHUB",
        "Dinas Perhubungan",
        25,
        "penerangan jalan dan parkir",
        ("lampu jalan mati", "pungli parkir di pasar", "rambu lalu lintas roboh"),
    ),
    (
        "SATPOLPP",
        "Satuan Polisi Pamong Praja",
        20,
        "ketertiban umum",
        ("PKL menutup trotoar", "balap liar setiap malam", "ternak berkeliaran di jalan"),
    ),
    (
        "BPBD",
        "Badan Penanggulangan Bencana Daerah",
        15,
        "penanganan bencana",
        ("bantuan korban banjir belum sampai", "distribusi air bersih terlambat"),
    ),
    ("BAPPEDA", "Badan Perencanaan Pembangunan Daerah", 0, "musrenbang", ("usulan musrenbang tidak ditindaklanjuti",)),
    (
        "BPKAD",
        "Badan Pengelolaan Keuangan dan Aset Daerah",
        8,
        "pembayaran dan aset daerah",
        ("pembayaran rekanan terlambat", "aset pemda ditempati tanpa izin"),
    ),
    (
        "BKPSDM",
        "Badan Kepegawaian dan Pengembangan SDM",
        0,
        "layanan kepegawaian",
        ("TPP belum dibayar", "kenaikan pangkat lambat diproses"),
    ),
    (
        "INSPEKTORAT",
        "Inspektorat Daerah",
        0,
        "pengaduan masyarakat (dumas)",
        ("oknum pegawai meminta uang", "laporan dumas tidak ada kabar"),
    ),
    (
        "DISTAN",
        "Dinas Pertanian dan Perkebunan",
        20,
        "pupuk bersubsidi dan penyuluhan",
        ("pupuk subsidi langka", "penyuluh tidak pernah datang"),
    ),
    (
        "DISLUTKAN",
        "Dinas Kelautan dan Perikanan",
        10,
        "bantuan nelayan",
        ("bantuan mesin perahu tidak merata", "TPI kotor dan tidak terurus"),
    ),
    ("DISKOPUKM", "Dinas Koperasi dan UKM", 6, "pendampingan UMKM", ("bantuan modal UMKM tidak jelas",)),
    ("DISDAG", "Dinas Perdagangan", 15, "pengelolaan pasar", ("los pasar bocor", "timbangan pedagang tidak ditera")),
    ("KEC-DOMPU", "Kecamatan Dompu", 12, "administrasi kecamatan", _KEC),
    ("KEC-WOJA", "Kecamatan Woja", 10, "administrasi kecamatan", _KEC),
    ("KEC-HUU", "Kecamatan Hu'u", 8, "administrasi kecamatan", _KEC),
    ("KEC-KILO", "Kecamatan Kilo", 6, "administrasi kecamatan", _KEC),
    ("KEC-PEKAT", "Kecamatan Pekat", 7, "administrasi kecamatan", _KEC),
)
_FIXED = {"BAPPEDA": (1, 2, 4, 0), "INSPEKTORAT": (0, 3, 0, 2), "BKPSDM": (1, 4, 3, 4)}  # Jul..Oct
_ONLY_AUGUST = ("DISHUB", "KEC-HUU")  # S_sop carried forward ×0.9 / ×0.81 in Sep / Oct
_NEVER_INSPECTED = ("BPBD", "KEC-KILO")  # → tidak dinilai
_NO_OUTPUT = ("DLH", 10)  # inspection without the output dimension → weights rescaled
_BAD_SCORE = ("DISDUKCAPIL", 9, "waktu")  # score 5 → quarantined
_REINSPECTED = ("RSUD", 10)  # two inspections in one month: the later one counts

# channel, source, share of all complaints, share arriving via the coordinator, id prefix
_SOURCES = (
    ("aplikasi", "lapor", 0.27, 0.8, "LAPOR"),
    ("aplikasi", "open311", 0.18, 0.3, "O311"),
    ("media_sosial", "facebook", 0.16, 0.25, "FB"),
    ("media_sosial", "instagram", 0.12, 0.25, "IG"),
    ("media_sosial", "x", 0.07, 0.25, "X"),
    ("hotline", "hotline-call", 0.11, 0.35, "CALL"),
    ("hotline", "hotline-wa", 0.09, 0.35, "WA"),
)
_KINDS = (("pengaduan", 0.7), ("aspirasi", 0.15), ("permintaan_informasi", 0.15))
_PLACES = (
    "Kelurahan Bada",
    "Kelurahan Karijawa",
    "Kelurahan Kandai Satu",
    "Kelurahan Potu",
    "Kelurahan Dorotangga",
    "Desa Riwo",
    "Desa Lepadi",
    "Desa Calabai",
    "Desa Doropeti",
    "Desa Soriutu",
    "Desa Kiwu",
    "Desa Marada",
)
_FIRST = (
    "Budi",
    "Siti",
    "Ahmad",
    "Nurhayati",
    "Muhammad",
    "Rina",
    "Agus",
    "Dewi",
    "Syamsuddin",
    "Hadijah",
    "Irfan",
    "Fitriani",
    "Arifin",
    "Nurul",
    "Rahmat",
    "Sri",
    "Abdul",
    "Wahyuni",
)
_LAST = (
    "Aminah",
    "Santoso",
    "Hidayat",
    "Rahman",
    "Syarif",
    "Hasan",
    "Saputra",
    "Lestari",
    "Ishaka",
    "Mansyur",
    "Abdullah",
    "Yusuf",
)
_TEMPLATES = {
    "pengaduan": (
        "{t} di {p}, mohon segera ditindaklanjuti.",
        "Sudah {n} hari {t} di {p}. Tolong diperhatikan pak.",
        "Lapor: {t} ({p}). Belum ada tindakan sampai sekarang.",
    ),
    "aspirasi": (
        "Usul untuk {s}: mohon jam layanan diperpanjang.",
        "Saran agar informasi {s} diumumkan di media sosial.",
        "Mohon {s} bisa online supaya warga {p} tidak bolak-balik.",
    ),
    "permintaan_informasi": (
        "Mohon info syarat dan biaya {s}?",
        "Berapa lama proses {s}? Terima kasih.",
        "Di mana tempat {s} untuk warga {p}?",
    ),
}


@dataclass(frozen=True)
class DemoFiles:
    """Where the demo region's import files were written, and the months they cover."""

    registry: Path
    complaints: Path  # CSV with apps + social media complaints
    hotline: Path  # .xlsx, same complaint header, channel=hotline only (proves .xlsx import)
    inspections: Path
    periods: tuple[str, ...]


def generate_demo_region(out_dir: Path, seed: int = 2026) -> DemoFiles:
    """Write the demo region's registry, complaints (CSV + hotline .xlsx) and inspections."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    levels = [0.08 + 0.9 * i / (len(_OPDS) - 1) for i in range(len(_OPDS))]
    rng.shuffle(levels)  # evenly spread, so every category A..E gets some OPDs
    diligence = {opd[0]: level for opd, level in zip(_OPDS, levels, strict=True)}
    complaints = _complaints(rng, diligence)
    csv_rows = _with_updates(rng, [c for c in complaints if c["channel"] != "hotline"], 6)
    xlsx_rows = _with_updates(rng, [c for c in complaints if c["channel"] == "hotline"], 2)
    _insert_bad_rows(rng, csv_rows, xlsx_rows)
    files = DemoFiles(
        out_dir / "registry.csv",
        out_dir / "complaints.csv",
        out_dir / "hotline.xlsx",
        out_dir / "inspections.csv",
        DEMO_PERIODS,
    )
    registry = [(DEMO_REGION_CODE, DEMO_REGION_NAME, DEMO_TIMEZONE, o[0], o[1]) for o in _OPDS]
    _write_csv(files.registry, REGISTRY_HEADER, registry)
    _write_csv(files.complaints, COMPLAINT_HEADER, [_format(c) for c in csv_rows])
    _write_xlsx(files.hotline, COMPLAINT_HEADER, [_format(c) for c in xlsx_rows])
    _write_csv(files.inspections, INSPECTION_HEADER, _inspections(rng, diligence))
    return files


@lru_cache(maxsize=1)
def _holidays() -> frozenset[date]:
    """Offices close on national holidays (17 Aug, Maulid): no office-hour events on them."""
    import holidays

    return frozenset(holidays.country_holidays("ID", years=(2026,), categories=("public", "government")))


def _working(day: date) -> bool:
    return day.weekday() < 5 and day not in _holidays()


def _add_working_days(day: date, k: int) -> date:
    """The k-th working day after ``day``; k = 0 means ``day`` itself or the next working day."""
    while k > 0 or not _working(day):
        day += timedelta(days=1)
        if _working(day):
            k -= 1
    return day


def _to_office_hours(moment: datetime, rng: random.Random) -> datetime:
    """Staff act in office hours: move an instant outside 08:00–16:00 on a working day forward."""
    if _working(moment.date()) and 8 <= moment.hour < 16:
        return moment
    day = moment.date() if moment.hour < 8 else moment.date() + timedelta(days=1)
    start = datetime.combine(_add_working_days(day, 0), time(8))
    return start + timedelta(minutes=rng.randint(0, 300), seconds=rng.randint(0, 59))


def _received_at(rng: random.Random, year: int, month: int, first_day: int) -> datetime:
    """Mostly office hours on working days, but also evenings, nights and weekends."""
    last_day = ((date(year, month % 12 + 1, 1) if month < 12 else date(year + 1, 1, 1)) - timedelta(days=1)).day
    day = date(year, month, rng.randint(first_day, last_day))
    if not _working(day) and rng.random() < 0.5:  # fewer complaints on days off
        day = date(year, month, rng.randint(first_day, last_day))
    hour = rng.randint(8, 15) if _working(day) and rng.random() < 0.75 else rng.randint(6, 23)
    return datetime.combine(day, time(hour, rng.randint(0, 59), rng.randint(0, 59)))


def _life_cycle(
    rng: random.Random, received: datetime, channel: str, kind: str, via: float, diligence: float
) -> tuple[datetime | None, ...]:
    """forwarded, first response and resolution: a lazier OPD answers later, and less often."""
    forwarded = None
    if rng.random() < via:  # arrived at a central account; the coordinator dispositions it
        day = _add_working_days(received.date(), rng.choices(range(5), (2, 4, 3, 2, 1))[0])
        forwarded = max(
            datetime.combine(day, time(8)) + timedelta(seconds=rng.randint(0, 27000)),
            received + timedelta(minutes=rng.randint(15, 90)),
        )
    lazy = (1 - diligence) ** 2
    first = resolved = None
    if rng.random() > 0.01 + 0.45 * lazy:
        first = (forwarded or received) + timedelta(hours=rng.expovariate(1 / (1.5 + 150 * lazy)))
        if channel != "media_sosial" or rng.random() < 0.5:  # admins also reply at night
            first = _to_office_hours(first, rng)
        if kind == "pengaduan" and rng.random() > 0.005 + 0.5 * lazy:
            days = rng.expovariate(1 / (0.5 + 35 * lazy))
            resolved = _to_office_hours(first + timedelta(days=days), rng)
    events = [forwarded, first, resolved]
    return tuple(None if e is None or e > _AS_OF else e for e in events)


def _complaints(rng: random.Random, diligence: dict[str, float]) -> list[dict]:
    """All good complaints, in order of receipt, with ids numbered per source."""
    result = []
    for i, (year, month, first_day, share) in enumerate(_MONTHS):
        for code, _, volume, service, topics in _OPDS:
            n = _FIXED[code][i] if code in _FIXED else round(volume * share * rng.uniform(0.8, 1.2))
            for _ in range(n):
                channel, source, _, via, _ = rng.choices(_SOURCES, [s[2] for s in _SOURCES])[0]
                kind = rng.choices([k for k, _ in _KINDS], [w for _, w in _KINDS])[0]
                received = _received_at(rng, year, month, first_day)
                events = _life_cycle(rng, received, channel, kind, via, diligence[code])
                result.append(
                    {
                        "region_code": DEMO_REGION_CODE,
                        "opd_code": code,
                        "channel": channel,
                        "source": source,
                        "kind": kind,
                        "received_at": received,
                        "forwarded_at": events[0],
                        "first_response_at": events[1],
                        "resolved_at": events[2],
                        "reporter": _reporter(rng, channel),
                        "text": _text(rng, kind, service, topics),
                        "style": _style(rng, channel),
                    }
                )
    result.sort(key=lambda c: c["received_at"])  # stable: ties keep generation order
    counters: dict[str, int] = {}
    prefixes = {s[1]: s[4] for s in _SOURCES}
    for c in result:
        counters[c["source"]] = counters.get(c["source"], 0) + 1
        c["complaint_id"] = f"{prefixes[c['source']]}-{counters[c['source']]:06d}"
    return result


def _style(rng: random.Random, channel: str) -> str:
    """Exports differ: mostly local time with +08:00, some UTC 'Z', a few without offset."""
    styles = ("T", "space", "Z", "naive")
    weights = (0.3, 0.55, 0.05, 0.1) if channel == "hotline" else (0.72, 0.08, 0.16, 0.04)
    return rng.choices(styles, weights)[0]


def _reporter(rng: random.Random, channel: str) -> str:
    first, last = rng.choice(_FIRST), rng.choice(_LAST)
    if channel == "hotline":
        prefix = rng.choice(("0812", "0813", "0821", "0852", "0853", "0877"))
        return f"{prefix}-{_digits(rng, 4)}-{_digits(rng, 4)}"
    if channel == "media_sosial":
        tail = rng.choice((f"_{last[0]}", f".{last}", f"_dompu{rng.randint(1, 99)}", ""))
        return f"@{first}{tail}".lower()
    return "Anonim" if rng.random() < 0.1 else f"{first} {last}"


def _text(rng: random.Random, kind: str, service: str, topics: tuple[str, ...]) -> str:
    """Short complaint text; about one in ten carries personal data so redaction has work."""
    text = rng.choice(_TEMPLATES[kind]).format(
        t=rng.choice(topics), p=rng.choice(_PLACES), s=service, n=rng.randint(2, 30)
    )
    if rng.random() < 0.1:
        name = f"{rng.choice(_FIRST)}.{rng.choice(_LAST)}".lower()
        text += rng.choice(
            (
                f" Hubungi saya di 0812{_digits(rng, 8)}.",
                f" WA saya +62 8{_digits(rng, 2)}-{_digits(rng, 4)}-{_digits(rng, 4)}.",
                f" NIK saya 5205{_digits(rng, 12)}.",
                f" Email: {name}{_digits(rng, 2)}@gmail.com",
            )
        )
    return text[0].upper() + text[1:]


def _digits(rng: random.Random, n: int) -> str:
    return "".join(str(rng.randint(0, 9)) for _ in range(n))


def _with_updates(rng: random.Random, rows: list[dict], n: int) -> list[dict]:
    """Earlier snapshots (not yet resolved) of n resolved complaints; the full row comes last."""
    resolved = [i for i, c in enumerate(rows) if c["resolved_at"] is not None]
    picked = set(rng.sample(resolved, n))
    early = [dict(c, resolved_at=None) if i in picked else c for i, c in enumerate(rows)]
    return early + [rows[i] for i in sorted(picked)]


def _insert_bad_rows(rng: random.Random, csv_rows: list[dict], xlsx_rows: list[dict]) -> None:
    """About ten rows that break §8's rules, each for one reason, so quarantine has work."""
    pools = {id(rows): rows[:-10] for rows in (csv_rows, xlsx_rows)}  # good rows, no updates

    def bad(rows: list[dict], number: int, **changes: object) -> None:
        base = rng.choice(pools[id(rows)])  # never a bad row: one broken rule per row
        prefix = base["complaint_id"].split("-")[0]
        row = dict(base, complaint_id=f"{prefix}-9{number:05d}", **changes)
        rows.insert(rng.randint(0, len(rows) - 10), row)  # before the appended updates

    moment = rng.choice(csv_rows)["received_at"]
    early = {"forwarded_at": None, "resolved_at": None, "received_at": moment}
    bad(csv_rows, 1, opd_code="DISPERKIM")  # not in the registry
    bad(csv_rows, 2, opd_code="DPU PR")
    bad(csv_rows, 3, channel="email")
    bad(csv_rows, 4, channel="sms")
    bad(csv_rows, 5, received_at="2026-13-05 09:00:00+08:00")
    bad(csv_rows, 6, first_response_at="2026-09-31T10:00:00+08:00")
    bad(csv_rows, 7, first_response_at=moment - timedelta(days=2), **early)
    bad(csv_rows, 8, first_response_at=moment - timedelta(hours=3), **early)
    bad(csv_rows, 9, kind="pengaduaan")
    bad(csv_rows, 10, kind="keluhan")
    bad(xlsx_rows, 11, received_at="31/08/2026 14.20")  # a hand-typed Excel date


def _format(c: dict) -> list[str]:
    """One output row; datetimes in the row's style, strings (deliberately bad values) as-is."""

    def fmt(value: object) -> str:
        if not isinstance(value, datetime):
            return "" if value is None else str(value)
        if c["style"] == "Z":
            return (value - _WITA).strftime("%Y-%m-%dT%H:%M:%SZ")
        text = value.strftime("%Y-%m-%d %H:%M:%S" if c["style"] == "space" else "%Y-%m-%dT%H:%M:%S")
        return text if c["style"] == "naive" else text + "+08:00"

    return [fmt(c[column]) for column in COMPLAINT_HEADER]


def _inspections(rng: random.Random, diligence: dict[str, float]) -> list[tuple]:
    """Monthly sidak whose scores follow the OPD's diligence, improving a little each month."""
    rows: list[tuple] = []
    for code, *_ in _OPDS:
        if code in _NEVER_INSPECTED:
            continue
        for month in (8,) if code in _ONLY_AUGUST else (8, 9, 10):
            level = diligence[code] + 0.03 * (month - 8)
            visits = [(rng.randint(3, 26), level)]
            if (code, month) == _REINSPECTED:  # poor early visit, re-checked after fixes
                visits = [(rng.randint(3, 12), level - 0.3), (rng.randint(19, 26), level)]
            for day, quality in visits:
                inspected = _add_working_days(date(2026, month, day), 0).isoformat()
                for dimension, indicator in DEFAULT_INDICATORS:
                    if (code, month) == _NO_OUTPUT and dimension == "output":
                        continue
                    score = min(3, max(0, round(3 * (0.2 + 0.8 * quality) + rng.gauss(0, 0.7))))
                    if (code, month, indicator) == _BAD_SCORE:
                        score = 5
                    rows.append((DEMO_REGION_CODE, code, inspected, dimension, indicator, score))
    return rows


def _write_csv(path: Path, header: tuple[str, ...], rows: list) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def _write_xlsx(path: Path, header: tuple[str, ...], rows: list[list[str]]) -> None:
    """All cells are strings (timestamps stay ISO text, not Excel dates); empty cells stay empty."""
    import pandas as pd

    frame = pd.DataFrame([[v if v != "" else None for v in row] for row in rows], columns=list(header), dtype=object)
    frame.to_excel(path, index=False, sheet_name="hotline", engine="openpyxl")


# --- Officials, e-mail recipients and a late export (publication, issue 5) -----------------
# Separate random streams, so that the region's files above stay byte-identical.
STAFF_HEADER = (*staff_format.COLUMNS, *staff_format.OPTIONAL_COLUMNS)
RECIPIENT_HEADER = recipient_format.COLUMNS
DEMO_RECIPIENTS = (("inspektorat", "inspektorat@dompukab.example"), ("bkd", "bkpsdm@dompukab.example"))
# Officials' names are public-office data; the pools differ from the reporters' on purpose.
_OFFICIAL_FIRST = (
    "Arief",
    "Bambang",
    "Herman",
    "Yuliana",
    "Kurniawan",
    "Mariani",
    "Zainuddin",
    "Junaidin",
    "Syahrul",
    "Nurlaila",
    "Hamdan",
    "Ratnasari",
    "Firmansyah",
    "Suhartini",
    "Ikhsan",
    "Fauziah",
)
_OFFICIAL_LAST = (
    "Gani",
    "Salahuddin",
    "Jafar",
    "Mutmainah",
    "Kadir",
    "Haris",
    "Tamrin",
    "Karim",
    "Amiruddin",
    "Hamid",
    "Anwar",
    "Idris",
)
_TITLES = (
    ("", ", S.Sos."),
    ("Drs. ", ", M.Si."),
    ("Ir. ", ", M.T."),
    ("dr. ", ", M.Kes."),
    ("", ", S.H."),
    ("", ", S.E., M.M."),
    ("H. ", ", S.Pd."),
    ("", ", S.Kom."),
)


@dataclass(frozen=True)
class DemoOfficials:
    staff: Path  # heads (kepala) and complaint handlers (pengelola_pengaduan) per OPD
    recipients: Path  # the Inspektorat's and the BKD's mailboxes


def generate_demo_officials(out_dir: Path, seed: int = 2026) -> DemoOfficials:
    """Write staff.csv (one head and one or two complaint handlers per OPD) and recipients.csv."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    rng = random.Random(f"officials-{seed}")
    rows = []
    for code, *_ in _OPDS:
        rows.append((DEMO_REGION_CODE, code, "kepala", _official(rng, senior=True), _nip(rng, 1966, 1978), ""))
        for n in range(1, rng.choice((1, 2)) + 1):
            # The handlers' work mailbox gets the early warning (an institutional address).
            mailbox = f"pengaduan{n}.{code.lower()}@dompukab.example"
            rows.append(
                (
                    DEMO_REGION_CODE,
                    code,
                    "pengelola_pengaduan",
                    _official(rng, senior=False),
                    _nip(rng, 1985, 1998),
                    mailbox,
                )
            )
    files = DemoOfficials(out_dir / "staff.csv", out_dir / "recipients.csv")
    _write_csv(files.staff, STAFF_HEADER, rows)
    _write_csv(files.recipients, RECIPIENT_HEADER, [(DEMO_REGION_CODE, r, e) for r, e in DEMO_RECIPIENTS])
    return files


def _official(rng: random.Random, senior: bool) -> str:
    prefix, suffix = rng.choice(_TITLES) if senior else ("", rng.choice((", S.Kom.", ", A.Md.", ", S.AP.")))
    return f"{prefix}{rng.choice(_OFFICIAL_FIRST)} {rng.choice(_OFFICIAL_LAST)}{suffix}"


def _nip(rng: random.Random, first_year: int, last_year: int) -> str:
    """NIP: birth date, appointment month, sex digit, sequence (18 digits)."""
    born = date(rng.randint(first_year, last_year), rng.randint(1, 12), rng.randint(1, 28))
    appointed = born.year + rng.randint(23, 30)
    return f"{born:%Y%m%d}{appointed:04d}{rng.randint(1, 12):02d}{rng.randint(1, 2)}{rng.randint(1, 20):03d}"


def generate_demo_late_export(out_dir: Path, seed: int = 2026) -> Path:
    """A hotline log for October 2026 that reached the warehouse after the month was published.

    New complaints (ids CALL-7xxxxx), so re-importing the regular files never undoes it; the
    demo imports it, re-scores October and publishes a correction (revision 2).
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    rng = random.Random(f"late-{seed}")
    rows = []
    for number, code in enumerate(("DISDUKCAPIL",) * 6 + ("RSUD",) * 4, start=1):
        received = datetime.combine(
            _add_working_days(date(2026, 10, rng.randint(5, 20)), 0), time(rng.randint(8, 14), rng.randint(0, 59))
        )
        answered = _to_office_hours(datetime.combine(_add_working_days(received.date(), 4), time(9)), rng)
        _, _, topics = next((o[0], o[3], o[4]) for o in _OPDS if o[0] == code)
        rows.append(
            {
                "complaint_id": f"CALL-7{number:05d}",
                "region_code": DEMO_REGION_CODE,
                "opd_code": code,
                "channel": "hotline",
                "source": "hotline-call",
                "kind": "pengaduan",
                "received_at": received,
                "forwarded_at": None,
                "first_response_at": answered,
                "resolved_at": None,
                "reporter": _reporter(rng, "hotline"),
                "text": _text(rng, "pengaduan", "layanan", topics),
                "style": "T",
            }
        )
    path = out_dir / "late-hotline-2026-10.csv"
    _write_csv(path, COMPLAINT_HEADER, [_format(c) for c in rows])
    return path
