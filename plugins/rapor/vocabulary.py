"""Rapor's words, defined once: channels, kinds, platforms, statuses, categories and zones.

Every module, template and report reads these names from here (templates get them as
globals); nothing else spells them out. The words are Bahasa Indonesia because they are
what the Inspektorat, the BKD and the OPDs read. Numbers of the method that a region may
change live in the policy file; the fixed tables of SCORING.md §5 live here.
"""

from __future__ import annotations

# Complaints (SCORING.md §8).
CHANNELS = ("aplikasi", "media_sosial", "hotline")
KINDS = ("pengaduan", "aspirasi", "permintaan_informasi")
CHANNEL_LABELS = {"aplikasi": "Aplikasi", "media_sosial": "Media sosial", "hotline": "Hotline"}
KIND_LABELS = {"pengaduan": "Pengaduan", "aspirasi": "Aspirasi", "permintaan_informasi": "Permintaan informasi"}

# Channel accounts of the collectors' registry.
PLATFORMS = ("facebook", "instagram", "x", "lapor", "open311", "hotline")
SOCIAL_PLATFORMS = ("facebook", "instagram", "x")  # their comments and mentions are media_sosial
HOTLINE_PLATFORM = "hotline"  # a phone line or WhatsApp number
CALL_LOG_SOURCE = "hotline-call"  # the call center's export: one row per call to a line
ROUTED_BY_ACCOUNT = "akun"  # a complaint that reached the OPD through its own account

# Where a complaint came from (its ``source``), as the Inspektorat reads it beside the
# source's own ticket number (the complaint_id: LAPOR! tracking id, Open311
# service_request_id, post or comment id, hotline log row). Other sources show as written.
SOURCE_LABELS = {
    "lapor": "LAPOR!",
    "open311": "Open311",
    "facebook": "Facebook",
    "instagram": "Instagram",
    "x": "X",
    CALL_LOG_SOURCE: "Hotline (log call center)",
    "hotline-wa": "Hotline (WhatsApp)",
}


def source_label(source: str) -> str:
    return SOURCE_LABELS.get(source, source)


# Channel duties (SCORING.md §4: an official social media account that is active, with
# comments open; the contact number answered), measured each month from what the
# collectors saw. Automatic indicators of the pengaduan dimension; method 2026.1 shows
# them beside S_sop and does not count them.
DUTY_POSTED = "akun_memposting"
DUTY_REPLIED = "akun_membalas"
DUTY_COMMENTS = "komentar_masuk"
DUTY_CALLS_ANSWERED = "telepon_ditanggapi"
CHANNEL_DUTIES = (DUTY_POSTED, DUTY_REPLIED, DUTY_COMMENTS, DUTY_CALLS_ANSWERED)
CHANNEL_DUTY_DIMENSION = "pengaduan"
CHANNEL_DUTY_LABELS = {
    DUTY_POSTED: "Akun media sosial resmi memposting",
    DUTY_REPLIED: "Akun media sosial resmi membalas",
    DUTY_COMMENTS: "Akun media sosial menerima komentar (kolom komentar terbuka)",
    DUTY_CALLS_ANSWERED: "Telepon ke nomor OPD yang ditanggapi",
}

# What an attempt to collect an account ended with (table ``collection_attempt``), and for
# each failure the cause and the fix as the quality summary says them ({conn} is the
# Airflow connection, {account} the platform account).
COLLECTED_OK = "ok"
TOKEN_EXPIRED = "token_expired"  # HTTP 401, Graph API code 190
PERMISSION_MISSING = "permission_missing"  # Graph API codes 10, 100, 200-299: a configuration error
RATE_LIMITED = "rate_limited"
ENDPOINT_DOWN = "endpoint_down"  # retries spent on 5xx, timeouts, cut pages; other HTTP errors
COLLECTION_OUTCOMES = (COLLECTED_OK, TOKEN_EXPIRED, PERMISSION_MISSING, RATE_LIMITED, ENDPOINT_DOWN)
COLLECTION_CAUSES = {
    TOKEN_EXPIRED: "token akses koneksi {conn} ditolak platform (kedaluwarsa atau dicabut)",
    PERMISSION_MISSING: "koneksi {conn} tidak punya izin membaca akun {account} (kesalahan konfigurasi)",
    RATE_LIMITED: "platform membatasi permintaan koneksi {conn}",
    ENDPOINT_DOWN: "layanan platform tidak dapat dihubungi lewat koneksi {conn}",
}
COLLECTION_FIXES = {
    TOKEN_EXPIRED: "Perbarui token koneksi {conn} untuk akun {account} (Admin > Connections), "
    "lalu jalankan ulang pengumpulan dan penilaian bulan ini.",
    PERMISSION_MISSING: "Berikan izin yang diminta platform kepada aplikasi koneksi {conn} dan periksa nomor akun "
    "{account} di daftar akun, lalu jalankan ulang pengumpulan dan penilaian bulan ini.",
    RATE_LIMITED: "Jalankan ulang pengumpulan koneksi {conn} setelah batas platform pulih, "
    "lalu jalankan ulang penilaian bulan ini.",
    ENDPOINT_DOWN: "Periksa alamat koneksi {conn} dan status layanan platform; setelah pulih, "
    "jalankan ulang pengumpulan dan penilaian bulan ini.",
}
OPD_HELD_NOTE = "Ditahan: akun kanal OPD ini tidak terkumpul; tidak ada rekomendasi TPP"
UNIDENTIFIED_REPLIES_NOTE = (
    "balasan tidak dapat dikenali pengirimnya (dibaca tanpa token Halaman): tanggapan pertama OPD tidak diketahui"
)


def collection_cause(outcome: str, conn: str, account: str) -> str:
    return COLLECTION_CAUSES.get(outcome, COLLECTION_CAUSES[ENDPOINT_DOWN]).format(conn=conn, account=account)


def collection_fix(outcome: str, conn: str, account: str) -> str:
    return COLLECTION_FIXES.get(outcome, COLLECTION_FIXES[ENDPOINT_DOWN]).format(conn=conn, account=account)


# SOP inspections (SCORING.md §4).
DIMENSIONS = ("input", "proses", "output", "pengaduan")
DIMENSION_LABELS = {"input": "Input", "proses": "Proses", "output": "Output", "pengaduan": "Pengaduan"}
# The default indicator set's names as readers read them; an indicator of another set shows its code.
INDICATOR_LABELS = {
    "sarana_prasarana": "Sarana dan prasarana",
    "kompetensi_petugas": "Kompetensi petugas",
    "sarana_disabilitas": "Sarana bagi penyandang disabilitas",
    "standar_pelayanan_tampil": "Standar pelayanan dipajang (di tempat dan daring)",
    "persyaratan": "Persyaratan",
    "prosedur": "Prosedur",
    "waktu": "Waktu pelayanan",
    "biaya": "Biaya",
    "produk": "Produk layanan",
    "maklumat": "Maklumat pelayanan",
    "persepsi_maladministrasi": "Persepsi maladministrasi",
    "kanal_pengaduan": "Kanal pengaduan",
    "medsos_aktif_komentar_terbuka": "Media sosial resmi aktif, kolom komentar terbuka",
    "nomor_kepala_dijawab": "Nomor kontak kepala OPD dijawab (uji telepon)",
}


def indicator_label(indicator: str) -> str:
    return INDICATOR_LABELS.get(indicator, indicator)


# What a late or overdue complaint of the evidence failed (a complaint may fail several), most
# urgent first: the report groups each complaint under the first of its findings.
FINDING_NOT_ANSWERED = "belum ditanggapi"  # no first response by the deadline, none yet
FINDING_NOT_RESOLVED = "belum selesai"  # resolution deadline in the month passed, not resolved
FINDING_OVERDUE = "menunggak di akhir bulan"  # open at the month's end past its resolution deadline
FINDING_LATE_RESOLUTION = "penyelesaian terlambat"  # resolved, after the deadline
FINDING_LATE_FIRST = "tanggapan pertama terlambat"  # answered, after the deadline
FINDINGS = (
    FINDING_NOT_ANSWERED,
    FINDING_NOT_RESOLVED,
    FINDING_OVERDUE,
    FINDING_LATE_RESOLUTION,
    FINDING_LATE_FIRST,
)
# How late, in working days (HK) after the deadline: (lowest, highest, label); None = no limit.
LATENESS_BUCKETS = ((0, 2, "≤ 2 HK"), (3, 5, "3–5 HK"), (6, 10, "6–10 HK"), (11, None, "> 10 HK"))

# The measures of a scorecard row as readers read them (SCORING.md §3–5). The symbols of the
# formulas (R1, R2, R3, S_resp, S_sop) stay in the code, the CSV columns and the method document.
LABEL_R1 = "Tanggapan tepat waktu"
LABEL_R2 = "Penyelesaian tepat waktu"
LABEL_R3 = "Pengaduan tidak menunggak"
LABEL_S_RESP = "Nilai responsivitas"
LABEL_S_SOP = "Nilai standar pelayanan"
MEASURE_LABELS = {"r1": LABEL_R1, "r2": LABEL_R2, "r3": LABEL_R3, "s_resp": LABEL_S_RESP, "s_sop": LABEL_S_SOP}
# The ``holidays`` package's categories of Indonesian days off (policy ``holiday_categories``).
HOLIDAY_CATEGORY_LABELS = {"public": "hari libur nasional", "government": "cuti bersama"}
NO_INDEX_IN_TREND = "tidak ada indeks"  # a trend chart without a single index in its months

# A scorecard row's status (SCORING.md §7).
STATUS_RATED = "dinilai"
STATUS_LIMITED = "data terbatas"  # fewer than k complaints behind R1 or R2
STATUS_NOT_RATED = "tidak dinilai"  # no S_sop: no index, category or zone
NOT_SCORED_YET = "belum dinilai"  # a month with no scorecard at all (not the status above)
SCORE_STATUSES = (STATUS_RATED, STATUS_LIMITED, STATUS_NOT_RATED)

# The data-quality gate's verdict on a month.
GATE_PASSED = "lulus"
GATE_HELD = "ditahan"  # a critical expectation failed: no publication, no TPP recommendation
GATE_NOT_CHECKED = "belum diperiksa"  # no verdict yet: a report, but no BKD file
GATE_LABELS = {GATE_PASSED: "Lulus", GATE_HELD: "Ditahan", GATE_NOT_CHECKED: "Belum diperiksa"}

# The early warning: the duty a complaint still owes its OPD, and how urgent it is.
DUTY_FIRST_RESPONSE = "tanggapan_pertama"
DUTY_RESOLUTION = "penyelesaian"
DUTY_LABELS = {DUTY_FIRST_RESPONSE: "Tanggapan pertama", DUTY_RESOLUTION: "Penyelesaian"}
WARNING_OVERDUE = "terlambat"  # the deadline has passed
WARNING_DUE = "segera jatuh tempo"  # the deadline falls within the policy's horizon
EARLY_WARNING = "peringatan"  # the notification event of the morning e-mail

# What publishing a region-month did.
PUBLISHED = "terbit"
UNCHANGED = "tidak berubah"
HELD = GATE_HELD
WAITING = "menunggu penilaian ulang"

# Categories and zones (SCORING.md §5). ombudsman-2022: (category, lowest index), best first.
CATEGORIES = ("A", "B", "C", "D", "E")
CATEGORY_FLOORS = (("A", 88), ("B", 78), ("C", 54), ("D", 32), ("E", 0))
WEAK_CATEGORIES = frozenset({"C", "D", "E"})  # a run of these months cuts TPP (§6)
ZONE_GREEN, ZONE_YELLOW, ZONE_RED = "hijau", "kuning", "merah"
ZONES = (ZONE_GREEN, ZONE_YELLOW, ZONE_RED)
ZONE_OF_CATEGORY = {"A": ZONE_GREEN, "B": ZONE_GREEN, "C": ZONE_YELLOW, "D": ZONE_RED, "E": ZONE_RED}
CLASSIC_ZONE_FLOORS = ((ZONE_GREEN, 81), (ZONE_YELLOW, 51), (ZONE_RED, 0))
CLASSIC_ZONE_TABLE = "ombudsman-classic"
ZONE_TABLES = ("ombudsman-2022", CLASSIC_ZONE_TABLE)

# How zones look in every report, page and chart.
ZONE_COLOURS = {ZONE_GREEN: "#2e7d32", ZONE_YELLOW: "#b58900", ZONE_RED: "#c62828"}
ZONE_TINTS = {ZONE_GREEN: "#e3f2e5", ZONE_YELLOW: "#fff3c4", ZONE_RED: "#fbe3e3"}
NOT_RATED_COLOUR, NOT_RATED_TINT = "#777777", "#f2f2f2"


def zone_floors(zone_table: str) -> tuple[tuple[str, int], ...]:
    """(zone, lowest index) from best to worst under ``zone_table``."""
    if zone_table == CLASSIC_ZONE_TABLE:
        return CLASSIC_ZONE_FLOORS
    lowest: dict[str, int] = {}
    for category, floor in CATEGORY_FLOORS:
        zone = ZONE_OF_CATEGORY[category]
        lowest[zone] = min(floor, lowest.get(zone, floor))
    return tuple(sorted(lowest.items(), key=lambda item: -item[1]))


def zone_bands(zone_table: str) -> tuple[tuple[int, int, str], ...]:
    """(low, high, zone) index bands from 0 to 100, for drawing the zones behind a trend."""
    floors = sorted(zone_floors(zone_table), key=lambda item: item[1])
    highs = [floor for _, floor in floors[1:]] + [100]
    return tuple((floor, high, zone) for (zone, floor), high in zip(floors, highs, strict=True))


def template_globals() -> dict:
    """The vocabulary as Jinja2 globals, so templates never retype a status or a colour."""
    return {
        "ZONES": ZONES,
        "ZONE_GREEN": ZONE_GREEN,
        "ZONE_YELLOW": ZONE_YELLOW,
        "ZONE_RED": ZONE_RED,
        "ZONE_COLOURS": ZONE_COLOURS,
        "ZONE_TINTS": ZONE_TINTS,
        "NOT_RATED_COLOUR": NOT_RATED_COLOUR,
        "NOT_RATED_TINT": NOT_RATED_TINT,
        "STATUS_RATED": STATUS_RATED,
        "STATUS_LIMITED": STATUS_LIMITED,
        "STATUS_NOT_RATED": STATUS_NOT_RATED,
        "GATE_PASSED": GATE_PASSED,
        "GATE_HELD": GATE_HELD,
        "GATE_NOT_CHECKED": GATE_NOT_CHECKED,
        "LABELS": MEASURE_LABELS,
        "NOT_SCORED_YET": NOT_SCORED_YET,
    }


# Appeals (banding) of a published month: what an OPD contests, on what ground, and the decision.
APPEAL_COMPLAINT = "keluhan"  # a named complaint of the month's evidence
APPEAL_INDICATOR = "indikator"  # one indicator of an inspection
APPEAL_ITEMS = (APPEAL_COMPLAINT, APPEAL_INDICATOR)
APPEAL_EXCLUDE = "keluarkan"  # the complaint leaves the scoring
APPEAL_CORRECT = "koreksi"  # an event time (first response, resolution) or an indicator score is corrected
APPEAL_REQUESTS = (APPEAL_EXCLUDE, APPEAL_CORRECT)
APPEAL_GROUNDS = (
    "bukan kewenangan kami",
    "sudah ditanggapi di kanal lain",
    "waktu tercatat keliru",
    "nilai inspeksi keliru",
    "lainnya",
)
APPEAL_FILED = "diajukan"
APPEAL_ACCEPTED = "diterima"
APPEAL_REJECTED = "ditolak"
APPEAL_DECISIONS = (APPEAL_ACCEPTED, APPEAL_REJECTED)
APPEAL_LABELS = {APPEAL_FILED: "Diajukan", APPEAL_ACCEPTED: "Diterima", APPEAL_REJECTED: "Ditolak"}
INDICATOR_SCORES = (0, 1, 2, 3)  # an inspection indicator's score (SCORING.md §4)
