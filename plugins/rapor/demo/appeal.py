"""The appeal part of ``make demo``: one accepted appeal of October, through Airflow's API server.

Starts ``airflow api-server`` on a loopback port for a moment, with two demo Airflow users
(``opd.demo``, role user: files; ``inspektur.demo``, role op: decides) whose passwords are
made once and kept in ``var/demo-airflow-passwords.json``. As ``opd.demo`` it files two appeals
against October's late complaints of one OPD (one to leave out, "bukan kewenangan kami"; one
with a first response "sudah ditanggapi di kanal lain"); as ``inspektur.demo`` it accepts the
first and rejects the second, exactly as ``rapor banding`` does. Then ``rapor_appeals`` re-scores
October and ``rapor_publish`` publishes revision 3, whose reason lists both decisions.
Re-running the demo files nothing new.
"""

from __future__ import annotations

import json
import secrets
import socket
import subprocess
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from rapor import config
from rapor.demo.region import DEMO_REGION_CODE
from rapor.publish import appeals_client
from rapor.publish.appeals import list_appeals
from rapor.publish.fingerprint import complaint_ref
from rapor.scoring.periods import Period
from rapor.warehouse import schema

FILER, JUDGE = "opd.demo", "inspektur.demo"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _utc(instant: datetime) -> datetime:
    return instant if instant.tzinfo else instant.replace(tzinfo=UTC)  # SQLite: stored UTC, naive


def _passwords() -> Path:
    path = config.state_dir() / "demo-airflow-passwords.json"
    if not path.is_file():
        path.write_text(
            json.dumps(
                {"admin": secrets.token_urlsafe(12), FILER: secrets.token_urlsafe(12), JUDGE: secrets.token_urlsafe(12)}
            )
        )
        path.chmod(0o600)
    return path


def _late_complaints(engine, period: Period) -> list[tuple[str, str, str]]:
    """Two late-answered complaints of one OPD of the month: (opd_code, ref, clock start)."""
    ev = schema.score_evidence
    with engine.connect() as conn:
        rows = conn.execute(
            select(ev.c.opd_code, ev.c.source, ev.c.complaint_id, ev.c.clock_start_at)
            .where(
                ev.c.region_code == DEMO_REGION_CODE,
                ev.c.period == str(period),
                ev.c.in_first_response,
                ev.c.first_response_on_time.is_(False),
            )
            .order_by(ev.c.opd_code, ev.c.source, ev.c.complaint_id)
        ).all()
    key = config.pseudonym_keys()
    by_opd: dict[str, list] = {}
    for o, s, c, t in rows:
        by_opd.setdefault(o, []).append((o, complaint_ref(s, c, key), t))
    two = next((late for late in by_opd.values() if len(late) >= 2), None)  # the first OPD, in code order
    if two is None:
        raise SystemExit(f"demo: no OPD has two late-answered complaints in {period} to appeal")
    return two[:2]


def _start_api_server(airflow: str, env: dict[str, str], log: Path) -> tuple[subprocess.Popen, str]:
    """``airflow api-server`` on a loopback port with the demo users; its output goes to the demo's log."""
    port = _free_port()
    server_env = {
        **env,
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": f"admin:admin,{FILER}:user,{JUDGE}:op",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(_passwords()),
        "AIRFLOW__API_AUTH__JWT_SECRET": secrets.token_urlsafe(32),
        "AIRFLOW__API__BASE_URL": f"http://127.0.0.1:{port}",
    }
    with open(log, "a", encoding="utf-8") as handle:
        handle.write(f"\n$ {airflow} api-server -H 127.0.0.1 -p {port} -w 1\n")
        handle.flush()
        process = subprocess.Popen(
            [airflow, "api-server", "-H", "127.0.0.1", "-p", str(port), "-w", "1"],
            env=server_env,
            stdout=handle,
            stderr=subprocess.STDOUT,
        )  # the child keeps its own copy of the file descriptor
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 180
    while True:
        try:
            with urllib.request.urlopen(f"{base}/api/v2/monitor/health", timeout=2):
                return process, base
        except (urllib.error.URLError, ConnectionError, OSError):
            if process.poll() is not None or time.monotonic() > deadline:
                process.terminate()
                raise SystemExit(f"demo: airflow api-server did not start; see {log}") from None
            time.sleep(1)


def appeal_demo(engine, period: Period, airflow: str, env: dict[str, str], log: Path) -> bool:
    """File and decide the demo's appeals of ``period`` (once); True when there are decisions to apply."""
    with engine.connect() as conn:
        if any(a["filed_by"] == FILER for a in list_appeals(conn, DEMO_REGION_CODE, str(period))):
            print(f"  appeals of {period}: already filed and decided")
            return False
    late = _late_complaints(engine, period)
    passwords = json.loads(_passwords().read_text())
    process, base = _start_api_server(airflow, env, log)
    try:
        filer = appeals_client.login(base, FILER, passwords[FILER])
        judge = appeals_client.login(base, JUDGE, passwords[JUDGE])
        (opd, out_ref, _), (_, answered_ref, clock) = late
        common = {"opd_code": opd, "item": "keluhan"}
        excluded = appeals_client.file_appeal(
            base,
            filer,
            DEMO_REGION_CODE,
            str(period),
            {
                **common,
                "complaint_ref": out_ref,
                "requested": "keluarkan",
                "ground": "bukan kewenangan kami",
                "explanation": "Keluhan ini tentang jalan provinsi; sudah diteruskan ke Dinas PU provinsi.",
            },
        )
        answered = appeals_client.file_appeal(
            base,
            filer,
            DEMO_REGION_CODE,
            str(period),
            {
                **common,
                "complaint_ref": answered_ref,
                "requested": "koreksi",
                "ground": "sudah ditanggapi di kanal lain",
                "corrected_first_response_at": _utc(clock + timedelta(hours=2)).isoformat(),
                "explanation": "Pelapor sudah dijawab lewat telepon hari itu juga.",
            },
        )
        print(
            f"  rapor banding ajukan (as {FILER}): no. {excluded['appeal_id']} {out_ref}, "
            f"no. {answered['appeal_id']} {answered_ref}"
        )
        appeals_client.decide_appeal(
            base,
            judge,
            DEMO_REGION_CODE,
            str(period),
            excluded["appeal_id"],
            "diterima",
            "Benar: ruas jalan itu kewenangan provinsi.",
        )
        appeals_client.decide_appeal(
            base,
            judge,
            DEMO_REGION_CODE,
            str(period),
            answered["appeal_id"],
            "ditolak",
            "Tidak ada catatan panggilan yang menunjukkan jawaban itu.",
        )
        print(
            f"  rapor banding putuskan (as {JUDGE}): no. {excluded['appeal_id']} diterima, "
            f"no. {answered['appeal_id']} ditolak"
        )
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
    return True
