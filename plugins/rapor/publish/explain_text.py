""" "Jelaskan nilai saya": an OPD's explanation (rapor.scoring.explain) in plain Indonesian.

The report (HTML, PDF) and the web view show the same lines: the points each late or
overdue complaint cost the index (confidential ones only counted, as one line), the parts
of the formula that are not a single complaint, their sum (exactly 100 − index), and the
smallest change found that lifts the OPD into the next zone.
"""

from __future__ import annotations

from fractions import Fraction

import pandas as pd

from rapor.policy import Policy
from rapor.publish.formatting import number
from rapor.scoring.explain import (
    COMPLAINT,
    LATE_FIRST,
    LATE_RESOLUTION,
    OVERDUE,
    SMALL_NUMBERS_FIRST,
    SMALL_NUMBERS_RESOLUTION,
    SOP_AGE,
    SOP_SHORTFALL,
    WEIGHTS,
    Explanation,
    Lift,
)
from rapor.vocabulary import (
    FINDING_LATE_FIRST,
    FINDING_LATE_RESOLUTION,
    FINDING_OVERDUE,
    LABEL_S_SOP,
    STATUS_NOT_RATED,
    ZONES,
)

ADJUSTED = "Penyesuaian karena data sedikit"
MEASURE_WORDS = {
    LATE_FIRST: FINDING_LATE_FIRST,
    LATE_RESOLUTION: FINDING_LATE_RESOLUTION,
    OVERDUE: FINDING_OVERDUE,
}


def explain_fields(explanation: Explanation | None, row: dict, evidence: pd.DataFrame, policy: Policy) -> dict:
    """One OPD's explanation as the templates show it: the points of each listed complaint
    (``points_by_ref``, shown in the evidence table) and the lines that add up to the gap."""
    if explanation is None:
        return {
            "rated": False,
            "note": f"Indeks {STATUS_NOT_RATED}: tidak ada hasil inspeksi standar pelayanan yang berlaku bulan ini, "
            "sehingga tidak ada selisih poin yang dapat dijelaskan.",
        }
    confidential = set(evidence.loc[evidence["confidential"], "ref"]) if not evidence.empty else set()
    complaints = [c for c in explanation.costs if c.kind == COMPLAINT]
    listed = [c for c in complaints if c.key not in confidential]
    hidden = [c for c in complaints if c.key in confidential]
    lines = []
    if listed:
        lines.append(
            {
                "label": f"{len(listed)} keluhan terlambat atau menunggak (poin tiap keluhan di tabel bukti)",
                "points": number(sum(c.points for c in listed), 2),
            }
        )
    if hidden:
        lines.append(
            {
                "label": f"{len(hidden)} laporan rahasia yang terlambat atau menunggak (dihitung, tidak ditampilkan)",
                "points": number(sum(c.points for c in hidden), 2),
            }
        )
    lines += [
        {"label": _part_label(c.kind, explanation, row, policy), "points": number(c.points, 2)}
        for c in explanation.costs
        if c.kind != COMPLAINT
    ]
    return {
        "rated": True,
        "index": number(explanation.index, 2),
        "gap": number(explanation.gap, 2),
        "lines": lines,
        "points_by_ref": {c.key: number(c.points, 2) for c in listed},
        "lift": lift_text(explanation, policy),
    }


def _part_label(kind: str, e: Explanation, row: dict, policy: Policy) -> str:
    k = policy.small_number_k
    if kind == SMALL_NUMBERS_FIRST:
        return _small_numbers("tanggapan pertama", row["n_first_response"], e.pooled[0], k)
    if kind == SMALL_NUMBERS_RESOLUTION:
        return _small_numbers("penyelesaian", row["n_resolution"], e.pooled[1], k)
    if kind == SOP_SHORTFALL:
        return f"Standar pelayanan: hasil inspeksi {number(e.sop_inspected, 2)} dari 100"
    if kind == SOP_AGE:
        return (
            f"Umur inspeksi: dilakukan {e.sop_age_months} bulan sebelumnya, nilainya dikalikan "
            f"{number(policy.sop_carry_forward_factor)} per bulan"
        )
    if kind == WEIGHTS:
        return "Bobot dalam berkas kebijakan yang tidak berjumlah 100"
    raise ValueError(kind)  # pragma: no cover


def _small_numbers(what: str, n: int, pooled: Fraction, k: int) -> str:
    region = f"rata-rata ketepatan {what} seluruh daerah ({number(pooled * 100, 1)}%)"
    if n == 0:
        return f"{ADJUSTED}, {what}: bulan ini tidak ada keluhan yang dinilai, nilainya mengikuti {region}"
    return f"{ADJUSTED}, {what}: {n} keluhan dinilai, nilainya ditarik ke {region} seberat {k} keluhan"


def _fix_phrase(measures: tuple[str, ...]) -> str:
    """What handling one complaint of these failed measures on time means, in words."""
    first, resolution, overdue = LATE_FIRST in measures, LATE_RESOLUTION in measures, OVERDUE in measures
    if first and resolution:
        return "keluhan lagi dijawab dan diselesaikan tepat waktu"
    if first and overdue:
        return "keluhan lagi dijawab tepat waktu dan diselesaikan sebelum akhir bulan"
    if first:
        return "keluhan lagi dijawab tepat waktu"
    if resolution:
        return "pengaduan lagi diselesaikan tepat waktu"
    return "tunggakan lagi diselesaikan sebelum akhir bulan"


def _join(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " dan " + parts[-1]


def _complaints_text(lift: Lift) -> str:
    counts: dict[str, int] = {}
    for measures, n in lift.fixes:
        phrase = _fix_phrase(measures)
        counts[phrase] = counts.get(phrase, 0) + n
    return _join([f"{n} {phrase}" for phrase, n in counts.items()])


def lift_text(e: Explanation, policy: Policy) -> str:
    """The smallest change found that lifts the OPD into the next zone, in one sentence."""
    lift = e.lift
    if lift is None:
        if e.zone == ZONES[0]:
            return f"Sudah di zona {e.zone}, zona tertinggi."
        return (
            "Zona berikutnya tidak dapat dicapai dengan data bulan ini: bahkan bila semua keluhan tepat waktu dan "
            "standar pelayanan bernilai 100, indeks belum cukup."
        )
    after = f"→ {lift.zone} (indeks menjadi {number(lift.index, 2)})"
    if lift.sop_value is None:
        return f"{_complaints_text(lift)} {after}."
    current = number(e.sop_inspected * policy.sop_carry_forward_factor**e.sop_age_months, 2)
    sop = f"{LABEL_S_SOP.lower()} naik dari {current} menjadi {number(lift.sop_value, 2)}"
    if lift.fixes:
        return f"Keluhan saja tidak cukup: {_complaints_text(lift)}, dan {sop} {after}."
    return f"Keluhan saja tidak cukup: {sop} {after}."


def explain_block(policy: Policy) -> dict:
    """The appendix's rule for the explanation of the points, with the policy's numbers."""
    k, w, w_resp = policy.small_number_k, policy.responsiveness_weights, number(policy.index_weights["resp"])
    return {
        "title": "Penjelasan poin yang hilang",
        "items": [
            "Selisih indeks dari 100 dibagi menurut rumusnya sendiri. Setiap keluhan yang tanggapan pertamanya "
            f"terlambat menanggung bagian yang sama: {number(w['r1'])} × {w_resp} ÷ (n + {k}) poin, dengan n "
            f"jumlah keluhan yang dinilai ketepatan tanggapannya; setiap penyelesaian yang terlambat "
            f"{number(w['r2'])} × {w_resp} ÷ (n + {k}), dengan n jumlah pengaduan yang dinilai ketepatan "
            f"penyelesaiannya. Setiap pengaduan yang menunggak di akhir bulan menanggung {number(w['r3'])} × {w_resp} "
            "÷ jumlah pengaduan terbuka. Keluhan yang gagal pada beberapa "
            "ukuran menanggung jumlah bagiannya.",
            "Yang bukan satu keluhan tercatat sendiri: penyesuaian karena data sedikit (bagian nilai yang mengikuti "
            "rata-rata daerah), kekurangan nilai standar pelayanan dari 100, dan pengurangan karena umur inspeksi.",
            "Poin ditampilkan dengan dua desimal dan dibulatkan dengan metode sisa terbesar, sehingga jumlahnya "
            "sama persis dengan 100 dikurangi indeks yang diterbitkan; karena itu dua keluhan dengan bagian yang "
            "sama dapat berbeda 0,01.",
            "Perubahan terkecil menuju zona berikutnya dihitung dengan rumus penilaian yang sama: jumlah keluhan "
            "paling sedikit yang, bila ditangani tepat waktu, menaikkan indeks ke zona berikutnya (rata-rata daerah "
            "ikut berubah). Bila keluhan saja tidak cukup, disebutkan nilai standar pelayanan yang juga diperlukan.",
        ],
    }
