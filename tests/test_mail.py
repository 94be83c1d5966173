"""Every e-mail goes through one SMTP path: rapor.mail.send_email over an Airflow connection."""

from __future__ import annotations

from rapor.mail import FAILED, SENT, SKIPPED, send_email


def test_a_message_is_delivered_through_the_airflow_smtp_connection(smtp_server):
    status, detail = send_email("smtp_rapor_test", ["bkd@dompukab.example"], "Rapor: uji", "<p>Halo</p>")
    assert (status, detail) == (SENT, None)
    (recipients, message), *_ = smtp_server.messages
    assert recipients == ["bkd@dompukab.example"]
    assert message["Subject"] == "Rapor: uji" and message["From"] == "rapor@dompukab.example"


def test_without_a_connection_or_recipients_nothing_is_sent(smtp_server):
    assert send_email("smtp_nowhere", ["bkd@dompukab.example"], "s", "b")[0] == SKIPPED
    assert send_email("smtp_rapor_test", [], "s", "b")[0] == SKIPPED
    assert smtp_server.messages == []


def test_a_server_that_refuses_the_connection_is_reported_not_raised(monkeypatch, free_port):
    monkeypatch.setenv(
        "AIRFLOW_CONN_SMTP_CLOSED",
        f'{{"conn_type": "smtp", "host": "127.0.0.1", "port": {free_port}, '
        '"extra": {"disable_tls": true, "disable_ssl": true, "timeout": 2, "retry_limit": 0}}',
    )
    status, detail = send_email("smtp_closed", ["bkd@dompukab.example"], "s", "b")
    assert status == FAILED and "refused" in detail.lower()
