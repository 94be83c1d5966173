"""The one way Rapor sends e-mail: an Airflow SMTP connection (apache-airflow-providers-smtp).

Both the operators' alert about held months (rapor.quality.alerts) and the Inspektorat/BKD
notifications (rapor.publish.notify) go through ``send_email``. Credentials live in the
Airflow Connection, never in code or config files. What happened is returned as a status
word, so each caller decides whether a failure fails its task.
"""

from __future__ import annotations

import logging

log = logging.getLogger(__name__)

SENT, FAILED, SKIPPED = "terkirim", "gagal", "dilewati"
DEFAULT_FROM = "rapor@localhost"


def send_email(conn_id: str, to: list[str], subject: str, html: str) -> tuple[str, str | None]:
    """Send one HTML message; returns (SENT | SKIPPED | FAILED, detail)."""
    if not to:
        return SKIPPED, "no recipients"
    from airflow.exceptions import AirflowNotFoundException
    from airflow.providers.smtp.hooks.smtp import SmtpHook

    try:
        SmtpHook.get_connection(conn_id)
    except AirflowNotFoundException:
        return SKIPPED, f"no Airflow connection {conn_id!r}: e-mail not sent"
    try:
        with SmtpHook(smtp_conn_id=conn_id) as hook:
            hook.send_email_smtp(to=to, subject=subject, html_content=html, from_email=hook.from_email or DEFAULT_FROM)
    except Exception as exc:  # noqa: BLE001 - smtplib, sockets and the hook raise many types; the caller decides
        return FAILED, f"{exc.__class__.__name__}: {exc}"
    return SENT, None
