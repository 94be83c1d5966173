"""Telling the operators that a month is held.

Three channels, from always to optional:

1. the log, at ERROR, one line per held month with its failed expectations;
2. the monthly DAG's ``alert_held`` task fails after publication, so the run turns red
   and whatever failure notification the Airflow deployment has (e-mail on failure,
   an ``on_failure_callback``, Slack...) fires;
3. an e-mail, when ``RAPOR_ALERT_EMAIL`` names recipients (comma-separated), sent
   through the SMTP connection ``RAPOR_ALERT_SMTP_CONN_ID`` (default ``smtp_default``,
   an Airflow Connection: no credentials in code or config files).
"""

from __future__ import annotations

import logging
import os
from html import escape

from rapor.quality.gate import describe
from rapor.quality.status import GateResult, latest_gate

log = logging.getLogger(__name__)


def held_verdicts(engine, results: list[dict]) -> list[GateResult]:
    """The latest verdicts of the region-months in ``results`` that are held."""
    held = []
    with engine.connect() as conn:
        for job in results:
            gate = latest_gate(conn, job["region_code"], job["period"])
            if gate is None or not gate.passed:
                held.append(gate or GateResult(job["region_code"], job["period"], passed=False))
    return held


def alert_held(engine, results: list[dict]) -> list[GateResult]:
    """Log (ERROR) and, if configured, e-mail every held month; returns the held verdicts."""
    held = held_verdicts(engine, results)
    for gate in held:
        log.error(
            "DITAHAN %s %s: no publication, no TPP recommendation. Fix the data and re-run the month. "
            "Failed: %s. Data Docs: %s",
            gate.region_code,
            gate.period,
            describe(gate.critical_failures) or "the gate has not run",
            gate.data_docs_path,
        )
    recipients = [r.strip() for r in os.environ.get("RAPOR_ALERT_EMAIL", "").split(",") if r.strip()]
    if held and recipients:
        _email(recipients, held)
    return held


def _email(recipients: list[str], held: list[GateResult]) -> None:
    conn_id = os.environ.get("RAPOR_ALERT_SMTP_CONN_ID", "smtp_default")
    subject = "Rapor: " + ", ".join(f"{g.region_code} {g.period}" for g in held) + " ditahan (data-quality gate)"
    body = "".join(
        f"<h3>{escape(g.region_code)} {escape(g.period)}: ditahan</h3>"
        f"<p>{escape(describe(g.critical_failures))}</p><p>Data Docs: {escape(str(g.data_docs_path))}</p>"
        for g in held
    )
    try:
        from airflow.providers.smtp.hooks.smtp import SmtpHook

        with SmtpHook(smtp_conn_id=conn_id) as hook:
            hook.send_email_smtp(to=recipients, subject=subject, html_content=body)
        log.info("alert about %d held months sent to %s", len(held), ", ".join(recipients))
    except Exception:  # noqa: BLE001 - the alert must not hide the held month; the task still fails
        log.exception("could not e-mail the alert through SMTP connection %r", conn_id)
