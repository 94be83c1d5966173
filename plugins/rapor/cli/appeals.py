"""``rapor banding``: file, decide and list appeals through Airflow's API server.

rapor banding ajukan 52.05 2026-10 --opd DLH --keluhan k-0123456789abcdef --keluarkan \\
    --alasan "bukan kewenangan kami" --penjelasan "Jalan provinsi, bukan tugas kami."
rapor banding putuskan 52.05 2026-10 7 diterima --alasan "Benar, kewenangan provinsi."
rapor banding daftar 52.05 2026-10

The Airflow account comes from RAPOR_AIRFLOW_USER / RAPOR_AIRFLOW_PASSWORD (the password is
asked for when not set) or RAPOR_AIRFLOW_TOKEN; the server is RAPOR_AIRFLOW_URL. The API
server checks the permissions and records that account with the filing or decision.
"""

from __future__ import annotations

import argparse
import getpass

from rapor import config
from rapor.publish import appeals_client
from rapor.vocabulary import APPEAL_DECISIONS, APPEAL_GROUNDS, APPEAL_LABELS, INDICATOR_SCORES


def add_parsers(sub) -> None:
    appeal = sub.add_parser("banding", help="appeals of a published month, through Airflow's API server")
    actions = appeal.add_subparsers(dest="banding", required=True)

    ajukan = actions.add_parser("ajukan", help="file an appeal item (an OPD, within the appeal window)")
    _month(ajukan)
    ajukan.add_argument("--opd", required=True, help="OPD code")
    what = ajukan.add_mutually_exclusive_group(required=True)
    what.add_argument("--keluhan", metavar="REF", help="the complaint's reference in the report (k-…)")
    what.add_argument("--indikator", help="an inspection indicator (with --tanggal-inspeksi and --nilai)")
    ajukan.add_argument("--keluarkan", action="store_true", help="ask that the complaint be left out")
    ajukan.add_argument("--tanggapan-pertama", help="the real first response time (local, 2026-10-05T14:30)")
    ajukan.add_argument("--selesai", help="the real resolution time (local)")
    ajukan.add_argument("--tanggal-inspeksi", help="YYYY-MM-DD of the inspection")
    ajukan.add_argument("--nilai", type=int, choices=INDICATOR_SCORES, help="the indicator's correct score")
    ajukan.add_argument("--alasan", required=True, choices=APPEAL_GROUNDS, help="the ground of the appeal")
    ajukan.add_argument("--penjelasan", required=True, help="the explanation (what the evidence is)")

    putuskan = actions.add_parser("putuskan", help="accept or reject a filed appeal (the Inspektorat)")
    _month(putuskan)
    putuskan.add_argument("nomor", type=int, help="the appeal's number")
    putuskan.add_argument("putusan", choices=APPEAL_DECISIONS)
    putuskan.add_argument("--alasan", required=True, help="the reason of the decision")

    daftar = actions.add_parser("daftar", help="list the month's appeals")
    _month(daftar)


def _month(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("region", help="region code, e.g. 52.05")
    parser.add_argument("period", help="month YYYY-MM")


def _token(base_url: str) -> str:
    user, password, token = config.airflow_credentials()
    if token:
        return token
    user = user or input("Airflow user: ")
    password = password or getpass.getpass(f"Airflow password for {user}: ")
    return appeals_client.login(base_url, user, password)


def _fields(args) -> dict:
    if args.keluhan:
        requested = "keluarkan" if args.keluarkan else "koreksi"
        return {
            "item": "keluhan",
            "complaint_ref": args.keluhan,
            "requested": requested,
            "corrected_first_response_at": args.tanggapan_pertama,
            "corrected_resolved_at": args.selesai,
        }
    return {
        "item": "indikator",
        "requested": "koreksi",
        "indicator": args.indikator,
        "inspected_on": args.tanggal_inspeksi,
        "corrected_score": args.nilai,
    }


def run(args) -> int:
    base_url = config.airflow_api_url()
    token = _token(base_url)
    if args.banding == "ajukan":
        fields = {**_fields(args), "opd_code": args.opd, "ground": args.alasan, "explanation": args.penjelasan}
        answer = appeals_client.file_appeal(base_url, token, args.region, args.period, fields)
        print(f"banding no. {answer['appeal_id']} diajukan oleh {answer['filed_by']}")
    elif args.banding == "putuskan":
        answer = appeals_client.decide_appeal(
            base_url, token, args.region, args.period, args.nomor, args.putusan, args.alasan
        )
        print(f"banding no. {answer['appeal_id']} {answer['status']} oleh {answer['decided_by']}")
    else:
        for a in appeals_client.list_appeals(base_url, token, args.region, args.period):
            subject = a["complaint_ref"] or f"{a['indicator']} ({a['inspected_on']})"
            decided = f" — {a['decided_by']}: {a['decision_reason']}" if a["decided_by"] else ""
            print(
                f"{a['appeal_id']:>4}  {a['opd_code']:<10} {a['item']} {subject}  {a['ground']}  "
                f"{APPEAL_LABELS[a['status']]}{decided}  (diajukan oleh {a['filed_by']})"
            )
    return 0
