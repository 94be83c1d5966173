"""E-mail through Airflow's SMTP connection, received by a real SMTP server on loopback."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from rapor.publish.notify import SENT, SKIPPED, notify
from rapor.publish.revisions import publish_month
from rapor.warehouse import schema

REGION, OCTOBER = "52.05", "2026-10"
BASE_URL = "https://airflow.dompukab.example/rapor"


def _html(message) -> str:
    part = message.get_body(preferencelist=("html",))
    return part.get_content()


def test_publication_email_reaches_inspektorat_and_bkd_with_summary_links_and_no_personal_data(
    scored, pass_gate, smtp_server
):
    pass_gate()
    outcome = publish_month(scored.engine, REGION, OCTOBER, now=datetime(2026, 11, 2, 1, 0, tzinfo=UTC))
    result = notify(scored.engine, outcome.as_dict())

    assert result["notification"] == SENT
    assert len(smtp_server.messages) == 1
    rcpt, message = smtp_server.messages[0]
    assert sorted(rcpt) == ["bkpsdm@dompukab.example", "inspektorat@dompukab.example"]
    assert message["From"] == "rapor@dompukab.example"
    assert message["Subject"] == "[Rapor] Kabupaten Dompu - Oktober 2026 - revisi 1 terbit"
    body = _html(message)
    assert "telah terbit sebagai <strong>revisi 1</strong> pada Senin, 2 November 2026 pukul 09.00 WITA" in body
    assert "26 OPD: 8 zona hijau, 6 zona kuning" in body
    assert "Batas banding ke Inspektorat: <strong>Senin, 16 November 2026 pukul 23.59 WITA</strong>" in body
    assert f'href="{BASE_URL}/52.05/2026-10/"' in body
    assert f'href="{BASE_URL}/52.05/2026-10/r1/unduh/report.pdf"' in body
    assert f'href="{BASE_URL}/52.05/2026-10/r1/unduh/bkd-tpp.xlsx"' in body
    # No personal data: no complaint reference, no reporter, no official's name.
    staff_names = [line.split(",")[3].strip('"') for line in scored.officials.staff.read_text().splitlines()[1:]]
    assert "k-" not in body and "@" not in body.replace("@dompukab.example", "")
    assert not [n for n in staff_names if n.split(",")[0] in body]

    # Sent once: a retry or a re-run of the task does not send it again.
    again = notify(scored.engine, outcome.as_dict())
    assert again["again"] is False and len(smtp_server.messages) == 1
    with scored.engine.connect() as conn:
        logged = conn.execute(select(schema.notification_log)).mappings().all()
    assert [(r["event_key"], r["status"], r["revision"]) for r in logged] == [("terbit:r1", SENT, 1)]


def test_held_month_email_says_it_is_held_with_the_failed_checks(scored, hold_gate, smtp_server):
    hold_gate()
    outcome = publish_month(scored.engine, REGION, OCTOBER)
    notify(scored.engine, outcome.as_dict())
    notify(scored.engine, outcome.as_dict())  # the next Asset event: same verdict, no second e-mail

    assert len(smtp_server.messages) == 1
    _, message = smtp_server.messages[0]
    assert message["Subject"] == "[Rapor] Kabupaten Dompu - Oktober 2026 ditahan (gerbang mutu data)"
    body = _html(message)
    assert "<strong>DITAHAN</strong>" in body
    # What the check checks in Bahasa Indonesia; the GX rule only as a detail.
    assert (
        "Pangsa keluhan yang belum terdisposisi ke OPD di bawah batas kebijakan (aturan GX: "
        "expect_column_proportion_of_non_null_values_to_be_between · complaints/share_without_opd_under_threshold, "
        "kolom opd_code)"
    ) in body
    assert "/srv/rapor/data_docs/index.html" in body
    assert "12% of complaints" not in body  # the details stay in Data Docs


def test_without_an_smtp_connection_the_email_is_logged_as_skipped(scored, monkeypatch):
    monkeypatch.setenv("RAPOR_SMTP_CONN_ID", "smtp_not_configured")
    outcome = publish_month(scored.engine, REGION, OCTOBER)
    result = notify(scored.engine, outcome.as_dict())
    assert result["notification"] == SKIPPED
    with scored.engine.connect() as conn:
        row = conn.execute(select(schema.notification_log)).mappings().one()
    assert (row["status"], row["event_key"]) == (SKIPPED, "terbit:r1")
    assert "smtp_not_configured" in row["detail"]


def test_an_unreachable_smtp_server_fails_the_task_for_a_retry(scored, monkeypatch, free_port):
    connection = {
        "conn_type": "smtp",
        "host": "127.0.0.1",
        "port": free_port,
        "extra": {
            "disable_tls": True,
            "disable_ssl": True,
            "from_email": "rapor@dompukab.example",
            "timeout": 2,
            "retry_limit": 0,
        },
    }
    monkeypatch.setenv("AIRFLOW_CONN_SMTP_DOWN", json.dumps(connection))
    monkeypatch.setenv("RAPOR_SMTP_CONN_ID", "smtp_down")
    outcome = publish_month(scored.engine, REGION, OCTOBER)
    with pytest.raises(RuntimeError, match="failed"):
        notify(scored.engine, outcome.as_dict())
    with scored.engine.connect() as conn:
        assert conn.execute(select(schema.notification_log.c.status)).scalars().all() == ["gagal"]
