"""E-mail to the region's Inspektorat and BKD when a month is published or held.

Sent through Airflow's SMTP connection (``RAPOR_SMTP_CONN_ID``, default ``smtp_default``;
apache-airflow-providers-smtp's SmtpHook) to the addresses imported from ``recipients.csv``
(rapor.imports.recipients). The message carries the summary and links to the web view and
the files: never personal data (no reporter, no complaint, no official's name).

Every attempt is logged in ``notification_log``; an event already sent ("terbit:r2",
"ditahan:<gate time>") is not sent twice, so the task can be retried or re-run safely.
Without an SMTP connection the notification is logged as skipped ("dilewati").
"""

from __future__ import annotations

import csv
import io
import logging
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import insert, select

from rapor import config
from rapor.layout import revision_folder
from rapor.mail import FAILED, SENT, SKIPPED, send_email
from rapor.publish.formatting import long_datetime, month_name, percent
from rapor.publish.inputs import iso
from rapor.publish.report import jinja_env
from rapor.publish.revisions import BKD_CSV, BKD_XLSX, REPORT_HTML, REPORT_PDF, SCORECARD, read_manifest
from rapor.quality.status import finding_for_readers, latest_gate
from rapor.registry import get_region
from rapor.vocabulary import GATE_NOT_CHECKED, HELD, PUBLISHED, STATUS_NOT_RATED, ZONE_RED, ZONES
from rapor.warehouse import schema

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Message:
    event: str  # terbit | ditahan
    event_key: str
    revision: int | None
    to: list[str]
    subject: str
    html: str


def web_base_url() -> str:
    """Where the web view lives, for links: ``RAPOR_WEB_BASE_URL`` or Airflow's ``[api] base_url`` + /rapor."""
    url = config.web_base_url()
    if not url:
        try:
            from airflow.configuration import conf

            url = (conf.get("api", "base_url", fallback="") or "http://localhost:8080").rstrip("/") + "/rapor"
        except Exception:  # noqa: BLE001 - outside an Airflow installation
            url = "http://localhost:8080/rapor"
    return url.rstrip("/")


def recipients(conn, region_code: str) -> list[str]:
    nr = schema.notification_recipient
    rows = conn.execute(
        select(nr.c.email).where(nr.c.region_code == region_code).order_by(nr.c.recipient.desc(), nr.c.email)
    ).scalars()
    return list(dict.fromkeys(rows))


def _already_sent(conn, region_code: str, period: str, event_key: str) -> bool:
    log_ = schema.notification_log
    return (
        conn.execute(
            select(log_.c.notification_id)
            .where(
                log_.c.region_code == region_code,
                log_.c.period == period,
                log_.c.event_key == event_key,
                log_.c.status == SENT,
            )
            .limit(1)
        ).first()
        is not None
    )


def _summary_from_scorecard(data: bytes) -> dict:
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8"))))
    zones = {z: sum(1 for r in rows if r["zone"] == z) for z in ZONES}
    n1 = sum(int(r["n_first_response"]) for r in rows)
    n2 = sum(int(r["n_resolution"]) for r in rows)
    return {
        "n_opds": len(rows),
        "zones": zones,
        "n_not_rated": sum(1 for r in rows if r["status"] == STATUS_NOT_RATED),
        "r1": percent(sum(int(r["n_first_response_on_time"]) for r in rows) / n1 if n1 else None),
        "r2": percent(sum(int(r["n_resolution_on_time"]) for r in rows) / n2 if n2 else None),
        "red": [r["opd_name"] for r in sorted(rows, key=lambda r: float(r["index"] or 999)) if r["zone"] == ZONE_RED],
        "n_tpp": sum(1 for r in rows if r["tpp_cut_pct"] and float(r["tpp_cut_pct"]) > 0),
    }


def build_message(engine, outcome: dict, base_url: str | None = None, out_dir=None) -> Message | None:
    """The e-mail for a publish outcome (None when nothing is to be told: unchanged month)."""
    base_url = base_url or web_base_url()
    region_code, period = outcome["region_code"], outcome["period"]
    with engine.connect() as conn:
        region = get_region(conn, region_code)
        to = recipients(conn, region_code)
        gate = latest_gate(conn, region_code, period)
    tz = region.timezone
    month_url = f"{base_url}/{region_code}/{period}/"
    context = {"region": region, "month": month_name(period), "month_url": month_url}
    if outcome["status"] == PUBLISHED:
        revision = int(outcome["revision"])
        folder = revision_folder(region_code, period, revision, out_dir)
        manifest = read_manifest(folder)
        files = f"{base_url}/{region_code}/{period}/r{revision}/unduh"
        links = [("Laporan (PDF)", f"{files}/{REPORT_PDF}"), ("Laporan (HTML)", f"{files}/{REPORT_HTML}")]
        if manifest["bkd_produced"]:
            links += [
                ("Berkas TPP untuk BKD (.xlsx)", f"{files}/{BKD_XLSX}"),
                ("Berkas TPP (CSV)", f"{files}/{BKD_CSV}"),
            ]
        links.append(("Rapor (CSV)", f"{files}/{SCORECARD}"))
        context.update(
            event=PUBLISHED,
            revision=revision,
            reason=manifest["reason"],
            published_at=long_datetime(
                datetime.fromisoformat(manifest["published_at"].replace("Z", "+00:00")), tz, True
            ),
            gate_status=manifest["gate_status"],
            not_checked=manifest["gate_status"] == GATE_NOT_CHECKED,
            appeal_deadline=long_datetime(datetime.fromisoformat(manifest["appeal_deadline_at"]), tz, True)
            if manifest["appeal_deadline_at"]
            else None,
            summary=_summary_from_scorecard((folder / SCORECARD).read_bytes()),
            links=links,
            bkd_produced=manifest["bkd_produced"],
        )
        subject = f"[Rapor] {region.region_name} - {month_name(period)} - revisi {revision} terbit"
        event_key = f"terbit:r{revision}"
    elif outcome["status"] == HELD:
        if gate is None or gate.passed:
            return None  # the verdict changed since: nothing held to report
        context.update(
            event=HELD,
            checked_at=long_datetime(gate.checked_at, tz, True),
            failures=["{text} (aturan GX: {gx_rule})".format(**finding_for_readers(f)) for f in gate.critical_failures],
            data_docs=gate.data_docs_path,
        )
        subject = f"[Rapor] {region.region_name} - {month_name(period)} ditahan (gerbang mutu data)"
        event_key = f"ditahan:{iso(gate.checked_at)}"
        revision = None
    else:
        return None
    html = jinja_env().get_template("email.html.j2").render(**context)
    return Message(outcome["status"], event_key[:100], revision, to, subject, html)


def notify(engine, outcome: dict, *, conn_id: str | None = None, base_url: str | None = None, out_dir=None) -> dict:
    """Send the e-mail for one publish outcome (once per event); returns what happened."""
    message = build_message(engine, outcome, base_url, out_dir)
    if message is None:
        return {**outcome, "notification": None}
    region_code, period = outcome["region_code"], outcome["period"]
    with engine.connect() as conn:
        if _already_sent(conn, region_code, period, message.event_key):
            return {**outcome, "notification": SENT, "event_key": message.event_key, "again": False}
    status, detail = _send(message, conn_id or config.smtp_conn_id())
    with engine.begin() as conn:
        conn.execute(
            insert(schema.notification_log).values(
                region_code=region_code,
                period=period,
                revision=message.revision,
                event=message.event,
                event_key=message.event_key,
                recipients=", ".join(message.to),
                subject=message.subject,
                status=status,
                detail=detail,
                logged_at=datetime.now(UTC),
            )
        )
    if status == FAILED:
        raise RuntimeError(f"e-mail for {region_code} {period} ({message.event_key}) failed: {detail}")
    log.info("notification %s for %s %s: %s (%s)", message.event_key, region_code, period, status, detail or "")
    return {**outcome, "notification": status, "event_key": message.event_key, "recipients": message.to}


def _send(message: Message, conn_id: str) -> tuple[str, str | None]:
    if not message.to:
        return SKIPPED, "no recipients for the region: import recipients.csv"
    return send_email(conn_id, message.to, message.subject, message.html)
