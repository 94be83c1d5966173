"""The complaint app (SP4N-LAPOR!-style): whose response is the OPD's first response.

Reports are written in the contract of docs/collectors.md (``history`` events with
``type``, ``at``, ``by`` and ``agency``), as the app sends them: timestamps with their
+08:00 offset (Dompu, WITA). SCORING.md §2: the OPD's clock starts at ``forwarded_at``,
the disposition to the OPD that is scored; its first response is its own, after that.
"""

from __future__ import annotations

from datetime import UTC, datetime

from rapor.collectors.normalise import normalise
from rapor.collectors.raw import RawLanding
from rapor.collectors.streams.base import RunContext
from rapor.collectors.streams.lapor import LaporReports
from rapor.registry import Account, Registry

REGION = "52.05"
DPUPR = {"id": "INSTANSI-5205000", "name": "Dinas Pekerjaan Umum dan Penataan Ruang"}
DISHUB = {"id": "INSTANSI-5205010", "name": "Dinas Perhubungan"}


def registry() -> Registry:
    reg = Registry()
    reg.accounts = {
        ("lapor", DPUPR["id"]): Account("lapor", DPUPR["id"], REGION, "DPUPR"),
        ("lapor", DISHUB["id"]): Account("lapor", DISHUB["id"], REGION, "DISHUB"),
    }
    reg.opds = {REGION: {"DPUPR": DPUPR["name"], "DISHUB": DISHUB["name"]}}
    reg.timezones = {REGION: "Asia/Makassar"}
    return reg


def report(history: list[dict], target_agency: dict | None = None) -> dict:
    return {
        "tracking_id": "LPR-2609-000123",
        "submitted_at": "2026-09-03T09:12:44+08:00",
        "updated_at": max(e["at"] for e in history),
        "classification": "pengaduan",
        "title": "Jalan rusak",
        "content": "Jalan rusak di Desa Riwo sudah 2 bulan, kapan diperbaiki?",
        "anonymous": False,
        "confidential": False,
        "reporter": {"name": "Warga Riwo", "phone": "081200000000"},
        "target_agency": target_agency,
        "status": "ditindaklanjuti",
        "history": [{"type": "diterima", "at": "2026-09-03T09:12:44+08:00", "by": "pelapor"}, *history],
    }


def event(kind: str, at: str, by: str, agency: dict | None = None, text: str | None = None) -> dict:
    out = {"type": kind, "at": at, "by": by}
    if agency:
        out["agency"] = agency
    if text:
        out["text"] = text
    return out


def clocks(item: dict, tmp_path) -> dict:
    """The complaint's OPD and clock events as the warehouse will store them (UTC, ISO 8601)."""
    ctx = RunContext(None, RawLanding(tmp_path / "raw"), registry(), datetime(2026, 10, 1, tzinfo=UTC))
    ctx.settings["region_code"] = REGION
    row = normalise([LaporReports().parse(item, "sha", ctx)], ctx.registry).frame.iloc[0]
    return {k: row[k] for k in ("opd_code", "forwarded_at", "first_response_at", "resolved_at")}


VERIFIED = event("verifikasi", "2026-09-04T10:00:00+08:00", "admin")
TO_DPUPR = event("disposisi", "2026-09-07T08:15:00+08:00", "admin", DPUPR)  # Monday 08:15 WITA = 00:15 UTC


def test_the_coordinators_acknowledgement_is_not_the_opds_first_response(tmp_path):
    # The admin thanks the reporter 18 minutes after receipt (a tanggapan by "admin"),
    # then verifies and dispositions it to DPU-PR; DPU-PR answers on Tuesday 13:40 WITA.
    acknowledgement = event("tanggapan", "2026-09-03T09:30:00+08:00", "admin", text="Laporan diterima, diverifikasi")
    answer = event("tanggapan", "2026-09-08T13:40:00+08:00", "instansi", DPUPR, "Tim kami cek ke lokasi")
    assert clocks(report([acknowledgement, VERIFIED, TO_DPUPR, answer]), tmp_path) == {
        "opd_code": "DPUPR",
        "forwarded_at": "2026-09-07T00:15:00+00:00",
        "first_response_at": "2026-09-08T05:40:00+00:00",  # 13:40 WITA, not the admin's 09:30 on 3 Sep
        "resolved_at": "",
    }


def test_an_agency_reply_before_the_disposition_is_not_the_opds_first_response(tmp_path):
    # DPU-PR writes on the public report on Friday, before the admin dispositions it to
    # DPU-PR on Monday; its clock starts at that disposition, and it has not answered since.
    early = event("tanggapan", "2026-09-04T11:00:00+08:00", "instansi", DPUPR, "Akan kami cek")
    assert clocks(report([VERIFIED, early, TO_DPUPR]), tmp_path) == {
        "opd_code": "DPUPR",
        "forwarded_at": "2026-09-07T00:15:00+00:00",
        "first_response_at": "",
        "resolved_at": "",
    }


def test_a_re_disposition_restarts_the_clock_of_the_opd_it_goes_to(tmp_path):
    # Friday 10:30 the admin sends it to Dishub, which answers at 14:00 that roads are not
    # its business; Monday 08:15 the admin re-dispositions it to DPU-PR. Dishub's later note
    # (Monday 09:00) is not DPU-PR's. DPU-PR answers Wednesday 10:02 and completes it on
    # Tuesday 15 September 14:30; forwarded_at is the disposition to DPU-PR (SCORING.md §2).
    history = [
        VERIFIED,
        event("disposisi", "2026-09-04T10:30:00+08:00", "admin", DISHUB),
        event("tanggapan", "2026-09-04T14:00:00+08:00", "instansi", DISHUB, "Bukan kewenangan kami"),
        TO_DPUPR,
        event("tanggapan", "2026-09-07T09:00:00+08:00", "instansi", DISHUB, "Sudah kami teruskan"),
        event("tanggapan", "2026-09-09T10:02:00+08:00", "instansi", DPUPR, "Tim kami ke lokasi"),
        event("selesai", "2026-09-15T14:30:00+08:00", "instansi", DPUPR),
    ]
    assert clocks(report(history), tmp_path) == {
        "opd_code": "DPUPR",
        "forwarded_at": "2026-09-07T00:15:00+00:00",
        "first_response_at": "2026-09-09T02:02:00+00:00",
        "resolved_at": "2026-09-15T06:30:00+00:00",
    }


def test_a_completion_before_the_re_disposition_is_not_the_resolution_of_the_opd_it_goes_to(tmp_path):
    # Dishub marks it done on Friday; the reporter objects and the admin sends it to DPU-PR
    # on Monday: DPU-PR's clock starts then, and nothing DPU-PR did has answered it yet.
    history = [
        event("disposisi", "2026-09-04T10:30:00+08:00", "admin", DISHUB),
        event("selesai", "2026-09-04T15:00:00+08:00", "instansi", DISHUB),
        TO_DPUPR,
    ]
    assert clocks(report(history), tmp_path) == {
        "opd_code": "DPUPR",
        "forwarded_at": "2026-09-07T00:15:00+00:00",
        "first_response_at": "",
        "resolved_at": "",
    }


def test_a_report_sent_to_an_agency_by_the_reporter_is_answered_by_that_agency_not_the_admin(tmp_path):
    # The reporter chose DPU-PR (target_agency), so no disposition: the clock starts at
    # receipt (forwarded_at empty) and the first response is DPU-PR's, not the admin's.
    history = [
        event("tanggapan", "2026-09-03T10:00:00+08:00", "admin", text="Terima kasih atas laporan Anda"),
        event("tanggapan", "2026-09-03T15:20:00+08:00", "instansi", DPUPR, "Kami jadwalkan perbaikan"),
    ]
    assert clocks(report(history, target_agency=DPUPR), tmp_path) == {
        "opd_code": "DPUPR",
        "forwarded_at": "",
        "first_response_at": "2026-09-03T07:20:00+00:00",
        "resolved_at": "",
    }
