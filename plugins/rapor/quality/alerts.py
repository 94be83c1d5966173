"""Telling the operators that a month is held.

Three channels, from always to optional:

1. the log, at ERROR, one line per held month with its failed expectations;
2. the monthly DAG's ``alert_held`` task fails after publication, so the run turns red
   and whatever failure notification the Airflow deployment has (e-mail on failure,
   an ``on_failure_callback``, Slack...) fires;
3. an e-mail, when ``RAPOR_ALERT_EMAIL`` names recipients (comma-separated), sent by
   ``rapor.mail`` through the SMTP connection ``RAPOR_ALERT_SMTP_CONN_ID`` (default: the
   one the notifications use, ``RAPOR_SMTP_CONN_ID`` or ``smtp_default``).
"""

from __future__ import annotations

import logging
from html import escape

from rapor import config
from rapor.mail import SENT, send_email
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
    recipients = config.alert_recipients()
    if held and recipients:
        _email(recipients, held)
    return held


def _email(recipients: list[str], held: list[GateResult]) -> None:
    conn_id = config.alert_smtp_conn_id()
    subject = "Rapor: " + ", ".join(f"{g.region_code} {g.period}" for g in held) + " ditahan (data-quality gate)"
    body = "".join(
        f"<h3>{escape(g.region_code)} {escape(g.period)}: ditahan</h3>"
        f"<p>{escape(describe(g.critical_failures))}</p><p>Data Docs: {escape(str(g.data_docs_path))}</p>"
        for g in held
    )
    status, detail = send_email(conn_id, recipients, subject, body)
    if status == SENT:
        log.info("alert about %d held months sent to %s", len(held), ", ".join(recipients))
    else:  # the alert must not hide the held month: the task still fails
        log.error("could not e-mail the alert through SMTP connection %r: %s", conn_id, detail)
