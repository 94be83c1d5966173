"""Operators are e-mailed when the gate holds a month, through Airflow's SMTP connection."""

from __future__ import annotations

from rapor.quality.alerts import alert_held
from rapor.quality.status import GateResult, record_gate

FAILURE = {
    "suite": "complaints",
    "rule": "opd_known",
    "expectation": "expect_column_values_to_be_in_set",
    "column": "opd_code",
    "detail": "facebook/FB-BUG-1",
}


def test_a_held_month_is_emailed_to_the_operators(warehouse, smtp_server, monkeypatch):
    monkeypatch.setenv("RAPOR_ALERT_EMAIL", "ops@dompukab.example, data@dompukab.example")
    monkeypatch.setenv("RAPOR_ALERT_SMTP_CONN_ID", "smtp_rapor_test")
    with warehouse.begin() as conn:
        record_gate(conn, GateResult("52.05", "2026-10", False, critical_failures=[FAILURE]))
        record_gate(conn, GateResult("52.05", "2026-09", True))

    held = alert_held(
        warehouse, [{"region_code": "52.05", "period": "2026-10"}, {"region_code": "52.05", "period": "2026-09"}]
    )

    assert [(g.region_code, g.period) for g in held] == [("52.05", "2026-10")]
    assert len(smtp_server.messages) == 1
    recipients, message = smtp_server.messages[0]
    assert sorted(recipients) == ["data@dompukab.example", "ops@dompukab.example"]
    assert "52.05 2026-10 ditahan" in message["Subject"]
    body = message.get_body(preferencelist=("html",)).get_content()
    assert "opd_code" in body


def test_no_alert_when_every_month_passed(warehouse, smtp_server, monkeypatch):
    monkeypatch.setenv("RAPOR_ALERT_EMAIL", "ops@dompukab.example")
    monkeypatch.setenv("RAPOR_ALERT_SMTP_CONN_ID", "smtp_rapor_test")
    with warehouse.begin() as conn:
        record_gate(conn, GateResult("52.05", "2026-10", True))

    assert alert_held(warehouse, [{"region_code": "52.05", "period": "2026-10"}]) == []
    assert smtp_server.messages == []
