"""The Inspektorat's monthly report: one context built from a revision's stored inputs, rendered
as HTML (Jinja2, ``templates/report.html.j2``) here and as PDF by ``rapor.publish.pdf``.

Everything in it follows from the inputs snapshot, the scorecard recomputed from it and the
revision's manifest, so the web view can rebuild any page of any revision later. Complaints
appear by pseudonymous reference only; confidential reports are counted, never listed; no
reporter, no free text.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import numpy as np
import pandas as pd
from jinja2 import Environment, FileSystemLoader, select_autoescape

from rapor.policy import Policy
from rapor.publish import charts
from rapor.publish.explain_text import explain_block, explain_fields
from rapor.publish.formatting import (
    hours,
    long_date,
    long_datetime,
    month_name,
    month_short,
    number,
    percent,
    short_datetime,
    zone_abbreviation,
)
from rapor.publish.inputs import (
    EVIDENCE_INSTANTS,
    TREND_MONTHS,
    SopDetail,
    explain_snapshot,
    parse_iso,
    snapshot_policy,
    snapshot_sop_details,
)
from rapor.publish.tickets import SourceTicket
from rapor.publish.tpp_rule import rule_text
from rapor.publish.worktime import median_p90, working_hours
from rapor.quality.status import finding_for_readers
from rapor.scoring.duties import ChannelDuties, duties_from_dicts
from rapor.scoring.periods import Period
from rapor.scoring.responsiveness import COUNT_COLUMNS
from rapor.scoring.workdays import WorkdayCalendar
from rapor.vocabulary import (
    APPEAL_ACCEPTED,
    APPEAL_LABELS,
    APPEAL_REJECTED,
    CATEGORY_FLOORS,
    CHANNEL_DUTY_LABELS,
    CHANNEL_LABELS,
    CLASSIC_ZONE_FLOORS,
    CLASSIC_ZONE_TABLE,
    DIMENSION_LABELS,
    DIMENSIONS,
    DUTY_CALLS_ANSWERED,
    DUTY_COMMENTS,
    DUTY_POSTED,
    DUTY_REPLIED,
    FINDING_LATE_FIRST,
    FINDING_LATE_RESOLUTION,
    FINDING_NOT_ANSWERED,
    FINDING_NOT_RESOLVED,
    FINDING_OVERDUE,
    FINDINGS,
    GATE_LABELS,
    HOLIDAY_CATEGORY_LABELS,
    KIND_LABELS,
    LABEL_R1,
    LABEL_R2,
    LABEL_R3,
    LABEL_S_RESP,
    LABEL_S_SOP,
    LATENESS_BUCKETS,
    NOT_SCORED_YET,
    STATUS_LIMITED,
    STATUS_NOT_RATED,
    ZONES,
    indicator_label,
    template_globals,
)

TEMPLATES = Path(__file__).resolve().parent / "templates"
# Scorecard counts summed over the region: the counts of every OPD row.
_TOTALS = COUNT_COLUMNS


@dataclass(frozen=True)
class RevisionInfo:
    """What the report says about its own publication (from the manifest)."""

    revision: int
    published_at: datetime
    published_by: str
    reason: str
    gate_status: str  # lulus | belum diperiksa
    gate: dict | None  # the gate verdict as recorded (failures, warnings, data docs, checked_at)
    inputs_sha256: str
    bkd_produced: bool
    appeal_deadline_at: datetime | None
    revisions: tuple[dict, ...] = ()  # earlier revisions: revision, published_at, published_by, reason
    data_docs: str | None = None  # the revision's copy of the Data Docs, relative to its folder


def jinja_env() -> Environment:
    """The Jinja2 environment of the report, the e-mails and the web pages (``templates/``)."""
    env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=select_autoescape(["html", "j2"]))
    env.filters["num"] = number
    env.globals.update(template_globals())
    return env


def _dec(text_or_value) -> Decimal | None:
    if text_or_value is None or text_or_value == "":
        return None
    return Decimal(str(text_or_value))


def _share(on_time: int, n: int) -> Decimal | None:
    return Decimal(on_time) / Decimal(n) if n else None


def _change(current: Decimal | None, previous: Decimal | None) -> str:
    if current is None or previous is None:
        return "—"
    diff = current - previous
    sign = "+" if diff > 0 else ("−" if diff < 0 else "±")
    return sign + number(abs(diff), 2)


def _evidence_frame(snapshot: dict) -> pd.DataFrame:
    frame = pd.DataFrame(snapshot["evidence"])
    if frame.empty:
        return frame
    for column in EVIDENCE_INSTANTS:
        frame[column] = pd.to_datetime(frame[column], utc=True, format="ISO8601")
    return frame


def _ts(value) -> datetime | None:
    return None if pd.isna(value) else value.to_pydatetime()


def _times(frame: pd.DataFrame, calendar: WorkdayCalendar) -> dict:
    """Median and p90 first-response and resolution times, in working hours."""
    if frame.empty:
        return {"first": (None, None, 0), "resolution": (None, None, 0), "n_first": 0, "n_resolution": 0}
    r1 = frame[frame["in_first_response"]]
    r2 = frame[frame["in_resolution"]]
    first = np.clip(working_hours(r1["clock_start_at"], r1["first_response_at"], calendar), 0, None)
    resolution = np.clip(working_hours(r2["clock_start_at"], r2["resolved_at"], calendar), 0, None)
    return {
        "first": median_p90(first),
        "resolution": median_p90(resolution),
        "n_first": len(r1),
        "n_resolution": len(r2),
    }


def _times_text(times: dict) -> dict:
    f_med, f_p90, f_n = times["first"]
    r_med, r_p90, r_n = times["resolution"]
    return {
        "first_median": hours(f_med),
        "first_p90": hours(f_p90),
        "first_n": f_n,
        "first_pop": times["n_first"],
        "resolution_median": hours(r_med),
        "resolution_p90": hours(r_p90),
        "resolution_n": r_n,
        "resolution_pop": times["n_resolution"],
    }


def _evidence_items(
    frame: pd.DataFrame, month: _Month, tickets: dict[str, SourceTicket] | None
) -> tuple[list[dict], int]:
    """Late or overdue complaints, non-confidential, most urgent finding first and the latest first
    within it; and how many confidential ones were left out (counted, never listed)."""
    if frame.empty:
        return [], 0
    late1 = frame["in_first_response"] & ~frame["first_response_on_time"]
    late2 = frame["in_resolution"] & ~frame["resolution_on_time"]
    flagged = frame[late1 | late2 | frame["overdue_at_end"]]
    hidden = int(flagged["confidential"].sum())
    listed = flagged[~flagged["confidential"]]
    late_days = _working_days_late(listed, month)
    items = []
    for e, days in zip(listed.itertuples(index=False), late_days, strict=True):
        findings = []
        if e.in_first_response and not e.first_response_on_time:
            findings.append(FINDING_LATE_FIRST if pd.notna(e.first_response_at) else FINDING_NOT_ANSWERED)
        if e.in_resolution and not e.resolution_on_time:
            findings.append(FINDING_LATE_RESOLUTION if pd.notna(e.resolved_at) else FINDING_NOT_RESOLVED)
        if e.overdue_at_end:
            findings.append(FINDING_OVERDUE)
        findings.sort(key=FINDINGS.index)
        ticket = tickets.get(e.ref) if tickets is not None else None
        items.append(
            {
                "ref": e.ref,
                "source": ticket.source_text if ticket else "—",
                "ticket": ticket.ticket if ticket else "—",
                "link": ticket.link if ticket else None,
                "channel": CHANNEL_LABELS.get(e.channel, e.channel),
                "kind": KIND_LABELS.get(e.kind, e.kind),
                "clock_start": short_datetime(_ts(e.clock_start_at), month.tz),
                "first_deadline": short_datetime(_ts(e.first_response_deadline_at), month.tz),
                "first_response": short_datetime(_ts(e.first_response_at), month.tz),
                "resolution_deadline": short_datetime(_ts(e.resolution_deadline_at), month.tz),
                "resolved": short_datetime(_ts(e.resolved_at), month.tz),
                "finding": findings[0],
                "finding_list": findings,
                "findings": ", ".join(findings),
                "days_late": int(days),
                "bucket": _bucket(int(days)),
            }
        )
    items.sort(key=lambda x: (FINDINGS.index(x["finding"]), -x["days_late"], x["ref"]))
    return items, hidden


def _working_days_late(frame: pd.DataFrame, month: _Month) -> list[int]:
    """Per complaint, the working days from its missed deadline to the day the duty was met (or the
    month's last day while it was not), the most of its failed duties; on the scoring calendar."""
    cal = month.calendar
    month_end = np.datetime64(month.period.end_local(month.tz).date() - timedelta(days=1), "D")

    def late(failed: pd.Series, deadline: str, event: str) -> np.ndarray:
        met = cal.local_dates(frame[event])
        met = np.where(np.isnat(met), month_end, met)
        days = cal.workdays_between(cal.local_dates(frame[deadline]), met)
        return np.where(failed.to_numpy(), np.maximum(days, 0), 0)

    first = late(
        frame["in_first_response"] & ~frame["first_response_on_time"], "first_response_deadline_at", "first_response_at"
    )
    resolution = late(
        (frame["in_resolution"] & ~frame["resolution_on_time"]) | frame["overdue_at_end"],
        "resolution_deadline_at",
        "resolved_at",
    )
    return [int(d) for d in np.maximum(first, resolution)]


def _bucket(days: int) -> str:
    return next(label for low, high, label in LATENESS_BUCKETS if days >= low and (high is None or days <= high))


def _evidence_groups(items: list[dict]) -> list[dict]:
    """The listed complaints under their most urgent finding, in the order of FINDINGS."""
    groups = []
    for finding in FINDINGS:
        members = [x for x in items if x["finding"] == finding]
        if members:
            groups.append({"finding": finding, "count": len(members), "items": members})
    return groups


def _finding_counts(items: list[dict], hidden: int) -> dict:
    """Per finding (a complaint may have several), how many listed complaints, by how late."""
    buckets = [label for _, _, label in LATENESS_BUCKETS]
    rows = []
    for finding in FINDINGS:
        members = [x for x in items if finding in x["finding_list"]]
        if members:
            rows.append(
                {
                    "finding": finding,
                    "count": len(members),
                    "buckets": [sum(1 for x in members if x["bucket"] == b) for b in buckets],
                }
            )
    return {
        "buckets": buckets,
        "rows": rows,
        "total": len(items),
        "total_buckets": [sum(1 for x in items if x["bucket"] == b) for b in buckets],
        "hidden": hidden,
    }


def rank_by_index(entries: list[dict]) -> None:
    """Competition ranking by index (equal index, equal rank); OPDs not rated come last, unranked."""
    rated = [e for e in entries if e["index"] is not None]
    rated.sort(key=lambda e: (-e["index"], e["opd_code"]))
    rank = 0
    for i, entry in enumerate(rated):
        if i == 0 or entry["index"] != rated[i - 1]["index"]:
            rank = i + 1
        entry["rank"] = rank
    unrated = sorted((e for e in entries if e["index"] is None), key=lambda e: e["opd_code"])
    for entry in unrated:
        entry["rank"] = None
    entries[:] = rated + unrated


def methodology(policy: Policy, snapshot: dict) -> list[dict]:
    """The appendix: every rule with the numbers of the policy actually used, one block per topic."""
    return [
        _sources_block(snapshot),
        _working_days_block(policy, snapshot["region"]),
        _deadlines_block(policy),
        _responsiveness_block(policy),
        _sop_block(policy),
        _duties_block(policy),
        _index_block(policy),
        _tpp_block(policy),
        explain_block(policy),
        _working_hours_block(),
        _privacy_block(),
    ]


def _sources_block(snapshot: dict) -> dict:
    return {
        "title": "Versi dan sumber",
        "items": [
            f"Metode versi {snapshot['method_version']}; berkas kebijakan {snapshot['policy']['file_name']} "
            f"(SHA-256 {snapshot['policy']['sha256']}).",
            "Semua angka di bawah ini dibaca dari berkas kebijakan tersebut, bukan dari kode program.",
        ],
    }


def _working_days_block(policy: Policy, region: dict) -> dict:
    tz = region["timezone"]
    cal = policy.calendar_for(region["region_code"])
    adds = ", ".join(long_date(d) for d in cal.holidays_add) or "tidak ada"
    removes = ", ".join(long_date(d) for d in cal.holidays_remove) or "tidak ada"
    return {
        "title": "Waktu dan hari kerja",
        "items": [
            f"Bulan penilaian adalah bulan kalender di zona waktu daerah: {tz} ({zone_abbreviation(tz)}). "
            "Semua tanggal dan jam dalam laporan ini waktu setempat.",
            "Hari kerja (HK): Senin–Jumat yang bukan hari libur. Hari libur: "
            + " dan ".join(HOLIDAY_CATEGORY_LABELS.get(c, c) for c in policy.holiday_categories)
            + f" menurut kalender resmi Indonesia; ditambah hari libur daerah: {adds}; dikurangi: {removes}.",
            "Batas N HK dari saat t: hari ke-1 adalah hari kerja pertama sesudah tanggal t; batas berakhir pukul "
            "23.59.59 hari kerja ke-N. Tepat waktu berarti kejadian terjadi paling lambat pada batas itu.",
            "Waktu OPD mulai dihitung sejak laporan didisposisikan ke OPD bila saat disposisinya tercatat, "
            "selain itu sejak laporan diterima.",
        ],
    }


def _deadlines_block(policy: Policy) -> dict:
    first = ", ".join(f"{CHANNEL_LABELS.get(c, c)} {n} HK" for c, n in policy.first_response_hk.items())
    resolution = ", ".join(f"{KIND_LABELS.get(k, k)} {n} HK" for k, n in policy.resolution_hk.items())
    return {
        "title": "Batas waktu",
        "items": [
            f"Tanggapan pertama menurut kanal: {first}.",
            f"Penyelesaian menurut jenis: {resolution}; jenis lain dinilai dari tanggapan pertama saja.",
            f"Batas disposisi koordinator: {policy.forwarding_hk} HK dari saat diterima (bukan tanggung jawab OPD).",
        ],
    }


def _responsiveness_block(policy: Policy) -> dict:
    w_resp = policy.responsiveness_weights
    return {
        "title": LABEL_S_RESP,
        "items": [
            f"{LABEL_R1}: pangsa keluhan yang batas tanggapan pertamanya jatuh di bulan ini dan ditanggapi paling "
            "lambat pada batasnya (tidak ditanggapi = terlambat).",
            f"{LABEL_R2}: pangsa pengaduan yang batas penyelesaiannya jatuh di bulan ini dan diselesaikan paling "
            "lambat pada batasnya; penutupan otomatis oleh platform bukan penyelesaian.",
            f"{LABEL_R3}: 1 − menunggak / terbuka, atas pengaduan yang masih terbuka di akhir bulan; 1 bila tidak "
            "ada yang terbuka.",
            f"Penyesuaian karena data sedikit: pangsa tepat waktu p dari n keluhan ditarik ke pangsa tepat waktu "
            f"seluruh daerah p̄ seberat k = {policy.small_number_k} keluhan, p' = (n·p + k·p̄) / (n + k); makin "
            f"sedikit keluhan, makin dekat ke rata-rata daerah. Contoh: 12 dari 12 tepat waktu dengan rata-rata "
            f"daerah 75% disesuaikan menjadi {_adjusted_example(policy.small_number_k)}. Status 'data terbatas' "
            f"bila n < {policy.small_number_k} untuk tanggapan atau penyelesaian.",
            f"{LABEL_S_RESP} = {number(w_resp['r1'])} × {LABEL_R1.lower()} + {number(w_resp['r2'])} × "
            f"{LABEL_R2.lower()} + {number(w_resp['r3'])} × {LABEL_R3.lower()} (pangsa sesudah penyesuaian).",
        ],
    }


def _adjusted_example(k: int) -> str:
    """12 of 12 on time with a region-wide 75%, adjusted with the policy's k (the appendix's example)."""
    return number(Fraction(12 * 4 + k * 3, 4 * (12 + k)), 4)


def adjusted_share_text(on_time: int, n: int, adjusted) -> str:
    """``12 dari 12 tepat waktu, disesuaikan menjadi 0,8908 karena data sedikit`` (SCORING.md §3)."""
    if n == 0:
        return f"tidak ada yang dinilai bulan ini; memakai rata-rata seluruh daerah, {number(adjusted, 4)}"
    return f"{on_time} dari {n} tepat waktu, disesuaikan menjadi {number(adjusted, 4)} karena data sedikit"


def _sop_block(policy: Policy) -> dict:
    w_sop = policy.sop_weights
    return {
        "title": LABEL_S_SOP,
        "items": [
            "Nilai dimensi = rata-rata skor indikator (0–3) / 3, dari inspeksi terakhir di bulan ini.",
            f"{LABEL_S_SOP} = {number(w_sop['input'])} × Input + {number(w_sop['proses'])} × Proses + "
            f"{number(w_sop['output'])} × Output + {number(w_sop['pengaduan'])} × Pengaduan; dimensi tanpa "
            "indikator dikeluarkan dan bobot lainnya diskalakan ke 100.",
            f"Tanpa inspeksi di bulan ini: inspeksi terakhir dari {policy.sop_carry_forward_months} bulan "
            f"sebelumnya dikalikan {number(policy.sop_carry_forward_factor)} per bulan umur; lebih lama atau tidak "
            f"ada: tidak ada {LABEL_S_SOP.lower()} dan status OPD '{STATUS_NOT_RATED}'.",
            "Rincian per OPD (tanggal inspeksi, faktor umur, nilai tiap dimensi, skor tiap indikator) ada di "
            "bagian rincian OPD.",
        ],
    }


def _duties_block(policy: Policy) -> dict:
    counted = policy.channel_duties.count_in_pengaduan
    return {
        "title": "Tugas kanal pengaduan",
        "items": [
            "Diukur setiap bulan dari data yang dikumpulkan dari kanal OPD: apakah akun media sosial resmi OPD "
            "mengunggah sesuatu bulan ini (kiriman halaman, foto atau video, cuitan yang bukan balasan atau "
            "ulang-cuit), apakah akun itu "
            "menanggapi warga (tanggapan pertama yang diberikan bulan ini), apakah akun itu menerima komentar atau "
            "sebutan warga (kolom komentar terbuka), dan berapa bagian telepon ke nomor OPD sendiri (catatan call "
            "center) yang mendapat tanggapan.",
            "Akun atau nomor yang tidak terdaftar tidak dapat diukur dan ditulis demikian.",
            f"Ditampilkan di samping {LABEL_S_SOP.lower()} dan dihitung dalam dimensi Pengaduan."
            if counted
            else f"Ditampilkan di samping {LABEL_S_SOP.lower()} sebagai keterangan; tidak dihitung dalam "
            f"{LABEL_S_SOP.lower()} maupun indeks.",
        ],
    }


def _index_block(policy: Policy) -> dict:
    w_idx = policy.index_weights
    if policy.zone_table == CLASSIC_ZONE_TABLE:
        zones = "; ".join(f"{z} ≥ {number(f)}" for z, f in CLASSIC_ZONE_FLOORS if f) + "; selain itu merah"
        categories = "Tabel ombudsman-classic: zona langsung dari indeks (tanpa kategori A–E untuk zona)."
    else:
        zones = "A dan B hijau; C kuning; D dan E merah"
        categories = "Kategori (ombudsman-2022): " + "; ".join(
            f"{c} ≥ {f}" if f else f"{c} < {CATEGORY_FLOORS[i - 1][1] if i else 0}"
            for i, (c, f) in enumerate(CATEGORY_FLOORS)
        )
    return {
        "title": "Indeks, kategori, zona",
        "items": [
            f"Indeks = {number(w_idx['sop'])} × {LABEL_S_SOP.lower()} + {number(w_idx['resp'])} × "
            f"{LABEL_S_RESP.lower()}, dibulatkan setengah ke atas ke 2 desimal sekali di akhir; tanpa "
            f"{LABEL_S_SOP.lower()} tidak ada indeks (status '{STATUS_NOT_RATED}').",
            categories + ".",
            f"Zona: {zones}.",
        ],
    }


def _tpp_block(policy: Policy) -> dict:
    tpp_lines = []
    for category, rule in policy.tpp_by_category.items():
        if rule is None:
            tpp_lines.append(f"{category}: tidak ada potongan")
        else:
            tpp_lines.append(
                f"{category}: {number(rule.base_pct)} + {number(policy.tpp_step_pct)} × (r − {rule.r0}) persen, "
                f"0 selama r < {rule.r0}"
            )
    return {
        "title": "Rekomendasi TPP (kebijakan, diputuskan BKD)",
        "items": [
            "r = jumlah bulan berturut-turut (berakhir bulan ini) dengan kategori C, D atau E; bulan berstatus "
            f"'{STATUS_NOT_RATED}' atau yang {NOT_SCORED_YET} memutus deret.",
            *tpp_lines,
            f"Potongan paling tinggi {number(policy.tpp_cap_pct)}%. Berlaku untuk porsi kinerja TPP kepala OPD dan "
            "pengelola pengaduan yang ditunjuk.",
            f"Tidak ada rekomendasi bila status '{STATUS_NOT_RATED}' atau gerbang mutu data tidak lulus.",
            f"Masa banding ke Inspektorat: {policy.appeal_window_hk} HK sesudah tanggal terbit.",
        ],
    }


def _working_hours_block() -> dict:
    return {
        "title": "Waktu tanggapan dalam jam hari kerja",
        "items": [
            "Jam hari kerja: jam di antara dua saat yang jatuh pada hari kerja (waktu setempat); Sabtu, Minggu "
            "dan hari "
            "libur tidak dihitung. Contoh: diterima Jumat 16.00, ditanggapi Senin 09.00 = 8 + 9 = 17 jam.",
            "Tanggapan pertama: dari saat waktu OPD mulai dihitung sampai tanggapan pertama, atas keluhan yang "
            "dinilai ketepatan tanggapannya dan sudah ditanggapi. Penyelesaian: dari saat itu sampai selesai, atas "
            "pengaduan yang dinilai ketepatan penyelesaiannya dan sudah selesai.",
            "Median dan persentil ke-90 (interpolasi linear).",
        ],
    }


def _privacy_block() -> dict:
    return {
        "title": "Data pribadi dan jejak",
        "items": [
            "Keluhan hanya ditampilkan dengan rujukan pseudonim (k-…, HMAC berkunci). Identitas pelapor, isi "
            "laporan "
            "dan laporan rahasia tidak pernah dimuat; laporan rahasia hanya dihitung.",
            "Sidik jari masukan = SHA-256 dari snapshot masukan (inputs.json.gz): bukti keluhan, inspeksi, "
            "daftar OPD, "
            "riwayat kategori, berkas kebijakan. Menghitung ulang dari snapshot menghasilkan CSV rapor yang "
            "identik byte demi byte.",
            "Revisi tidak pernah ditimpa: koreksi menjadi revisi baru dengan alasan, revisi lama tetap dapat dibaca.",
        ],
    }


# --- the context ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Month:
    """What every OPD entry of the month is built from."""

    policy: Policy
    period: Period
    tz: str
    calendar: WorkdayCalendar
    months: list[Period]  # the trend window, oldest first
    labels: list[str]  # its short month names, for the charts
    trend: dict[str, dict[str, Decimal | None]]  # opd_code → period → index, this month included
    trend_category: dict[str, dict[str, str | None]]  # opd_code → period → category, earlier months
    trend_zone: dict[str, dict[str, str | None]]  # opd_code → period → zone, earlier months
    evidence: pd.DataFrame
    explanations: dict  # opd_code → rapor.scoring.explain.Explanation (rated OPDs)
    duties: dict[str, ChannelDuties] | None  # None: a snapshot from before the duties were measured
    warned: dict  # opd_code → {n_warned, n_answered_in_time}: the month's early warnings
    sop: dict[str, SopDetail]  # opd_code → the inspection its S_sop comes from (OPDs with an S_sop)
    held: frozenset[str] = frozenset()  # OPDs the gate held alone: no TPP recommendation

    @property
    def previous(self) -> str:
        return str(self.period.shift(-1))

    def evidence_of(self, opd_code: str) -> pd.DataFrame:
        return self.evidence[self.evidence["opd_code"] == opd_code] if not self.evidence.empty else self.evidence

    def series_of(self, opd_code: str) -> list[float | None]:
        """The OPD's index over the trend window (None: not rated or not scored)."""
        values = [self.trend.get(opd_code, {}).get(str(m)) for m in self.months]
        return [None if v is None else float(v) for v in values]


def _month(snapshot: dict, rows: list[dict]) -> _Month:
    policy = snapshot_policy(snapshot)
    region = snapshot["region"]
    tz = region["timezone"]
    period = Period.parse(snapshot["period"])
    months = [period.shift(i - TREND_MONTHS + 1) for i in range(TREND_MONTHS)]
    trend: dict[str, dict[str, Decimal | None]] = {}
    trend_category: dict[str, dict[str, str | None]] = {}
    trend_zone: dict[str, dict[str, str | None]] = {}
    for item in snapshot["trend"]:
        trend.setdefault(item["opd_code"], {})[item["period"]] = _dec(item["index_score"])
        trend_category.setdefault(item["opd_code"], {})[item["period"]] = item["category"]
        trend_zone.setdefault(item["opd_code"], {})[item["period"]] = item["zone"]
    for row in rows:
        trend.setdefault(row["opd_code"], {})[str(period)] = row["index_score"]
    return _Month(
        policy=policy,
        period=period,
        tz=tz,
        calendar=WorkdayCalendar.for_policy(policy, region["region_code"], tz, period.year - 1, period.year + 1),
        months=months,
        labels=[month_short(m).split()[0] for m in months],
        trend=trend,
        trend_category=trend_category,
        trend_zone=trend_zone,
        evidence=_evidence_frame(snapshot),
        explanations=explain_snapshot(snapshot),
        duties=duties_from_dicts(snapshot["channel_duties"]) if "channel_duties" in snapshot else None,
        held=frozenset(snapshot.get("opds_held_by_gate", ())),
        warned=snapshot.get("early_warning", {}),
        sop=snapshot_sop_details(snapshot),
    )


def build_context(
    snapshot: dict, rows: list[dict], info: RevisionInfo, tickets: dict[str, SourceTicket] | None = None
) -> dict:
    """Everything the report (HTML, PDF) and the web pages show for one revision.

    ``tickets`` (rapor.publish.tickets, resolved from the warehouse) puts each listed complaint's
    source and the source's own ticket beside its reference: only for the Inspektorat's report and
    the web view, never for a file meant to leave the Inspektorat.
    """
    month = _month(snapshot, rows)
    region, tz, period = snapshot["region"], month.tz, month.period
    entries = [_opd_entry(row, month, tickets) for row in rows]
    rank_by_index(entries)
    region_series = _region_series(month)
    return {
        "region": {**region, "zone_abbr": zone_abbreviation(tz)},
        "period": str(period),
        "month": month_name(period),
        "previous_month": month_name(period.shift(-1)),
        "trend_months": [month_name(m) for m in month.months],
        **_publication_fields(info, tz),
        "method_version": snapshot["method_version"],
        "policy_sha256": snapshot["policy"]["sha256"],
        **_gate_fields(info, tz),
        "summary": _summary(rows, entries, region_series, month),
        "region_trend_svg": charts.to_svg(
            charts.trend_geometry(
                month.labels, region_series, month.policy.zone_table, width=520, height=170, show_values=True
            ),
            f"Tren median indeks {region['region_name']}",
        ),
        "region_trend_values": region_series,
        "trend_labels": month.labels,
        "zone_table": month.policy.zone_table,
        "entries": entries,
        "tickets_shown": tickets is not None,
        "lateness_buckets": [label for _, _, label in LATENESS_BUCKETS],
        "changes": _changes(entries, region_series, info, month),
        **_appeal_fields(snapshot, rows, tz),
        "duties_counted": month.policy.channel_duties.count_in_pengaduan,
        "methodology": methodology(month.policy, snapshot),
    }


def _appeal_fields(snapshot: dict, rows: list[dict], tz: str) -> dict:
    """The month's appeals as published: per OPD how many were filed, accepted, rejected; each item."""
    appeals = snapshot.get("appeals", [])
    names = {r["opd_code"]: r["opd_name"] for r in rows}
    counts = {}
    for a in appeals:
        c = counts.setdefault(
            a["opd_code"],
            {
                "opd_code": a["opd_code"],
                "opd_name": names.get(a["opd_code"], a["opd_code"]),
                "filed": 0,
                APPEAL_ACCEPTED: 0,
                APPEAL_REJECTED: 0,
            },
        )
        c["filed"] += 1
        if a["status"] in (APPEAL_ACCEPTED, APPEAL_REJECTED):
            c[a["status"]] += 1
    items = [
        {
            **a,
            "status_label": APPEAL_LABELS[a["status"]],
            "filed_at_text": long_datetime(parse_iso(a["filed_at"]), tz),
            "decided_at_text": long_datetime(parse_iso(a["decided_at"]), tz) if a["decided_at"] else "",
        }
        for a in appeals
    ]
    return {
        "appeal_counts": [
            {
                "opd_code": c["opd_code"],
                "opd_name": c["opd_name"],
                "filed": c["filed"],
                "accepted": c[APPEAL_ACCEPTED],
                "rejected": c[APPEAL_REJECTED],
            }
            for c in sorted(counts.values(), key=lambda c: c["opd_code"])
        ],
        "appeals": items,
    }


def _opd_entry(row: dict, month: _Month, tickets: dict[str, SourceTicket] | None = None) -> dict:
    """One OPD's line in the ranking and its page: scores with their counts, TPP rule, times, trend, evidence."""
    frame = month.evidence_of(row["opd_code"])
    items, hidden = _evidence_items(frame, month, tickets)
    explain = explain_fields(month.explanations.get(row["opd_code"]), row, frame, month.policy)
    for item in items:
        item["points"] = explain.get("points_by_ref", {}).get(item["ref"], "—")
    series = month.series_of(row["opd_code"])
    return {
        **_score_fields(row, month),
        **_responsiveness_fields(row),
        **_tpp_fields(row, month.policy, row["opd_code"] in month.held),
        **_duty_fields(month.duties, row["opd_code"], month.policy.channel_duties.count_in_pengaduan),
        "times": _times_text(_times(frame, month.calendar)),
        "trend_values": series,
        "trend_svg": charts.to_svg(
            charts.trend_geometry(month.labels, series, month.policy.zone_table), f"Tren indeks {row['opd_name']}"
        ),
        "evidence": items,
        "evidence_groups": _evidence_groups(items),
        "finding_counts": _finding_counts(items, hidden),
        "evidence_hidden": hidden,
        "explain": explain,
        "warned": _warned_text(month.warned.get(row["opd_code"])),
        "sop_detail": _sop_fields(month.sop.get(row["opd_code"]), month.policy),
    }


def _sop_fields(detail: SopDetail | None, policy: Policy) -> dict | None:
    """Why the S_sop is what it is: the inspection used (date, age, factor), each dimension's value and
    weight, each indicator's score. None: no inspection recent enough (not rated)."""
    if detail is None:
        return None
    present = [d for d in DIMENSIONS if d in detail.dimensions]
    rescaled = len(present) < len(DIMENSIONS)
    if detail.age_months:
        factor = (
            f"inspeksi {detail.age_months} bulan sebelumnya: dikalikan {number(policy.sop_carry_forward_factor)} "
            f"per bulan = × {number(_exact(detail.factor))}"
        )
    else:
        factor = "inspeksi bulan ini: tanpa pengurangan umur (× 1)"
    return {
        "inspected_on": long_date(detail.inspected_on),
        "age_months": detail.age_months,
        "factor": number(_exact(detail.factor)),
        "factor_text": factor,
        "inspection_value": number(_exact(detail.inspection_value), 2),
        "value": number(_exact(detail.value), 2),
        "rescaled": rescaled,
        "dimensions": [
            {
                "label": DIMENSION_LABELS.get(d, d),
                "value": number(_exact(detail.dimensions[d]), 4),
                "weight": number(policy.sop_weights[d]),
                "indicators": [
                    {"label": indicator_label(i), "code": i, "score": score}
                    for dim, i, score in detail.indicators
                    if dim == d
                ],
            }
            for d in present
        ],
    }


def _exact(value) -> Decimal:
    """A Fraction as a Decimal (28 digits), for the number formatter."""
    return Decimal(value.numerator) / Decimal(value.denominator)


def _warned_text(effect: dict | None) -> str | None:
    """``12 aduan diperingatkan sebelum batasnya; 9 di antaranya kemudian dijawab tepat waktu``."""
    if not effect:
        return None
    return (
        f"{effect['n_warned']} aduan diperingatkan sebelum batasnya; "
        f"{effect['n_answered_in_time']} di antaranya kemudian dijawab tepat waktu"
    )


def _score_fields(row: dict, month: _Month) -> dict:
    """Index, category, zone and status, the change since the previous month, the two sub-scores."""
    opd_code = row["opd_code"]
    return {
        "opd_code": opd_code,
        "opd_name": row["opd_name"],
        "index": row["index_score"],
        "index_text": number(row["index_score"], 2),
        "category": row["category"] or "—",
        "zone": row["zone"],
        "zone_text": row["zone"] or STATUS_NOT_RATED,
        "status": row["status"],
        "change": _change(row["index_score"], month.trend.get(opd_code, {}).get(month.previous)),
        "previous_category": month.trend_category.get(opd_code, {}).get(month.previous),
        "s_resp": number(row["s_resp"], 2),
        "s_sop": number(row["s_sop"], 2),
        "sop_inspected_on": long_date(row["sop_inspected_on"]) if row.get("sop_inspected_on") else "—",
    }


def _duty_fields(duties: dict[str, ChannelDuties] | None, opd_code: str, counted: bool) -> dict:
    """The OPD's channel duties in words (shown beside S_sop; not counted by method 2026.1)."""
    if duties is None:
        return {"duties": [], "duties_short": "—", "duties_in_score": "—"}
    d = duties.get(opd_code, ChannelDuties(opd_code))
    measured = d.indicators()
    no_account = "tidak ada akun terdaftar"
    posted = measured[DUTY_POSTED]
    replied = measured[DUTY_REPLIED]
    comments = measured[DUTY_COMMENTS]
    answered = measured[DUTY_CALLS_ANSWERED]
    texts = {
        DUTY_POSTED: no_account
        if posted is None
        else (f"ya, {d.n_posts} unggahan" if posted else "tidak ada unggahan bulan ini"),
        DUTY_REPLIED: no_account
        if replied is None
        else (f"ya, {d.n_replies} tanggapan" if replied else "tidak ada tanggapan bulan ini"),
        DUTY_COMMENTS: no_account
        if comments is None
        else (f"ya, {d.n_comments_received} komentar" if comments else "tidak ada komentar bulan ini"),
        DUTY_CALLS_ANSWERED: (
            ("tidak ada telepon bulan ini" if d.n_hotline_lines else "tidak ada nomor terdaftar")
            if answered is None
            else f"{percent(_share(d.n_calls_answered, d.n_calls))} ({d.n_calls_answered} dari {d.n_calls} telepon)"
        ),
    }
    short = {
        DUTY_POSTED: "—" if posted is None else ("ya" if posted else "tidak"),
        DUTY_REPLIED: "—" if replied is None else ("ya" if replied else "tidak"),
        DUTY_COMMENTS: "—" if comments is None else ("ya" if comments else "tidak"),
        DUTY_CALLS_ANSWERED: percent(_share(d.n_calls_answered, d.n_calls), 0),
    }
    return {
        "duties": [{"label": CHANNEL_DUTY_LABELS[code], "text": text} for code, text in texts.items()],
        "duties_short": f"memposting {short[DUTY_POSTED]}; membalas {short[DUTY_REPLIED]}; "
        f"komentar {short[DUTY_COMMENTS]}; "
        f"telepon {short[DUTY_CALLS_ANSWERED]}",
        "duties_in_score": "dihitung dalam dimensi Pengaduan" if counted else "tidak dihitung (keterangan)",
    }


def _responsiveness_fields(row: dict) -> dict:
    """R1, R2 (adjusted, with the counts and the raw share) and R3 with its counts."""
    n1, n2 = row["n_first_response"], row["n_resolution"]
    return {
        "r1": number(row["r1"], 4),
        "n1": n1,
        "n1_on_time": row["n_first_response_on_time"],
        "r1_raw": percent(_share(row["n_first_response_on_time"], n1)),
        "r2": number(row["r2"], 4),
        "n2": n2,
        "n2_on_time": row["n_resolution_on_time"],
        "r2_raw": percent(_share(row["n_resolution_on_time"], n2)),
        "r1_text": adjusted_share_text(row["n_first_response_on_time"], n1, row["r1"]),
        "r2_text": adjusted_share_text(row["n_resolution_on_time"], n2, row["r2"]),
        "r3": number(row["r3"], 4),
        "r3_text": f"{row['n_open_overdue']} menunggak dari {row['n_open']} terbuka di akhir bulan = "
        f"{number(row['r3'], 4)}"
        if row["n_open"]
        else f"tidak ada pengaduan terbuka di akhir bulan = {number(row['r3'], 4)}",
        "n_open": row["n_open"],
        "n_open_overdue": row["n_open_overdue"],
    }


def _tpp_fields(row: dict, policy: Policy, held: bool = False) -> dict:
    return {
        "tpp": number(row["tpp_cut_pct"], None, 1) + "%" if row["tpp_cut_pct"] is not None else "—",
        "tpp_run": row["tpp_run_months"],
        "tpp_rule": rule_text(row["category"], row["tpp_run_months"], policy, held),
    }


def _region_series(month: _Month) -> list[float | None]:
    """The median index of the region's OPDs per month of the trend window."""
    series = []
    for m in month.months:
        values = [float(month.trend[o][str(m)]) for o in month.trend if month.trend[o].get(str(m)) is not None]
        series.append(float(np.median(values)) if values else None)
    return series


def _publication_fields(info: RevisionInfo, tz: str) -> dict:
    """This revision, when and why it was published, the earlier ones, and what it produced for the BKD."""
    return {
        "revision": info.revision,
        "published_at": long_datetime(info.published_at, tz, with_day=True),
        "published_at_iso": info.published_at.isoformat(),  # the PDF's creation date
        "published_by": info.published_by,
        "reason": info.reason,
        "revisions": [{**r, "published_at_text": long_datetime(r["published_at"], tz)} for r in info.revisions],
        "inputs_sha256": info.inputs_sha256,
        "bkd_produced": info.bkd_produced,
        "appeal_deadline": long_datetime(info.appeal_deadline_at, tz, with_day=True)
        if info.appeal_deadline_at
        else None,
    }


def _gate_fields(info: RevisionInfo, tz: str) -> dict:
    """The data-quality gate's verdict as recorded with the revision."""
    gate = info.gate or {}
    return {
        "gate_status": info.gate_status,
        "gate_label": GATE_LABELS.get(info.gate_status, info.gate_status),
        "gate_checked_at": long_datetime(parse_iso(gate["checked_at"]), tz) if gate.get("checked_at") else "—",
        "gate_failures": [finding_for_readers(f) for f in gate.get("critical_failures", [])],
        "gate_warnings": [finding_for_readers(f) for f in gate.get("warnings", [])],
        "gate_override": gate.get("override_reason"),
        "gate_override_by": gate.get("override_by"),
        "data_docs": _data_docs_link(info.data_docs, gate.get("data_docs_path")),
    }


def _summary(rows: list[dict], entries: list[dict], region_series: list[float | None], month: _Month) -> dict:
    """The region's figures: OPDs per zone, region-wide R1/R2 and counts, median index, times, evidence."""
    rated = [e for e in entries if e["index"] is not None]
    totals = {k: sum(int(r[k]) for r in rows) for k in _TOTALS}
    return {
        "n_opds": len(rows),
        "n_rated": len(rated),
        "zones": {z: sum(1 for e in rated if e["zone"] == z) for z in ZONES},
        "n_not_rated": len(rows) - len(rated),
        "n_limited": sum(1 for r in rows if r["status"] == STATUS_LIMITED),
        "r1_region": percent(_share(totals["n_first_response_on_time"], totals["n_first_response"])),
        "r2_region": percent(_share(totals["n_resolution_on_time"], totals["n_resolution"])),
        **totals,
        "median_index": number(Decimal(str(round(region_series[-1], 2))), 2) if region_series[-1] is not None else "—",
        "n_tpp": sum(1 for r in rows if r["tpp_cut_pct"] is not None and r["tpp_cut_pct"] > 0),
        "times": _times_text(_times(month.evidence, month.calendar)),
        "n_evidence": sum(len(e["evidence"]) for e in entries),
        "n_evidence_hidden": sum(e["evidence_hidden"] for e in entries),
    }


def _changes(entries: list[dict], region_series: list[float | None], info: RevisionInfo, month: _Month) -> dict:
    """What changed: since the month's previous revision (the revision's reason says it) and since the
    previous month (OPDs whose zone changed, OPDs rated or no longer rated, the region's median)."""
    before = {o: m.get(month.previous) for o, m in month.trend_zone.items()}
    scored_before = any(month.previous in m for m in month.trend.values() if m)
    rank = {z: i for i, z in enumerate(ZONES)}
    better, worse, rated, unrated = [], [], [], []
    for e in entries:
        zone_before = before.get(e["opd_code"])
        was_rated = month.trend.get(e["opd_code"], {}).get(month.previous) is not None
        if not scored_before or e["opd_code"] not in before:
            continue
        if was_rated and e["zone"] is None:
            unrated.append(e["opd_name"])
        elif not was_rated and e["zone"] is not None:
            rated.append(f"{e['opd_name']} ({e['zone']})")
        elif was_rated and zone_before != e["zone"]:
            line = f"{e['opd_name']}: {zone_before} → {e['zone']} (perubahan indeks {e['change']})"
            (better if rank[e["zone"]] < rank[zone_before] else worse).append(line)
    previous_median, median = region_series[-2], region_series[-1]
    return {
        "since_revision": info.reason if info.revision > 1 else "Revisi pertama bulan ini.",
        "previous_scored": scored_before,
        "better": better,
        "worse": worse,
        "rated": rated,
        "unrated": unrated,
        "median": f"{number(_round2(previous_median), 2)} → {number(_round2(median), 2)}"
        if previous_median is not None and median is not None
        else None,
    }


def _round2(value: float | None) -> Decimal | None:
    return None if value is None else Decimal(str(round(value, 2)))


def _data_docs_link(copy: str | None, gate_path: str | None) -> str | None:
    """The revision's own copy (relative to its folder), else a Data Docs site on a web server; never a local
    path, nor an output store's URL (``s3://``), which a reader's browser cannot open."""
    if copy:
        return copy
    if gate_path and gate_path.startswith(("http://", "https://")):
        return gate_path
    return None


def render_html(context: dict) -> str:
    """The report as one self-contained HTML page."""
    return jinja_env().get_template("report.html.j2").render(**context)
