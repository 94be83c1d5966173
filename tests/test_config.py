"""Settings come from the environment in one place, rapor.config."""

from __future__ import annotations

import ast
from pathlib import Path

from rapor import config

ROOT = Path(__file__).resolve().parents[1]


def _reads_environment(tree: ast.AST) -> list[int]:
    """Lines that touch ``os.environ`` or ``os.getenv``."""
    return [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute)
        and node.attr in ("environ", "getenv")
        and isinstance(node.value, ast.Name)
        and node.value.id == "os"
    ]


def test_no_module_but_config_reads_the_environment():
    files = sorted((ROOT / "plugins").rglob("*.py")) + sorted((ROOT / "dags").glob("*.py"))
    offenders = {
        str(path.relative_to(ROOT)): lines
        for path in files
        if path.name != "config.py" and (lines := _reads_environment(ast.parse(path.read_text(encoding="utf-8"))))
    }
    assert offenders == {}


def test_the_alert_uses_the_common_smtp_connection_unless_set_apart(monkeypatch):
    monkeypatch.delenv("RAPOR_SMTP_CONN_ID", raising=False)
    monkeypatch.delenv("RAPOR_ALERT_SMTP_CONN_ID", raising=False)
    assert (config.smtp_conn_id(), config.alert_smtp_conn_id()) == ("smtp_default", "smtp_default")
    monkeypatch.setenv("RAPOR_SMTP_CONN_ID", "smtp_kabupaten")
    assert config.alert_smtp_conn_id() == "smtp_kabupaten"
    monkeypatch.setenv("RAPOR_ALERT_SMTP_CONN_ID", "smtp_operators")
    assert (config.smtp_conn_id(), config.alert_smtp_conn_id()) == ("smtp_kabupaten", "smtp_operators")


def test_alert_recipients_are_split_on_commas_and_blanks_dropped(monkeypatch):
    monkeypatch.setenv("RAPOR_ALERT_EMAIL", " ops@dompukab.example, ,data@dompukab.example ")
    assert config.alert_recipients() == ["ops@dompukab.example", "data@dompukab.example"]
    monkeypatch.delenv("RAPOR_ALERT_EMAIL")
    assert config.alert_recipients() == []


def test_a_temporary_environment_is_restored_afterwards(monkeypatch):
    monkeypatch.setenv("RAPOR_HOTLINE_INBOX", "/srv/inbox")
    monkeypatch.delenv("RAPOR_RAW_DIR", raising=False)
    with config.environment({"RAPOR_HOTLINE_INBOX": "s3://bucket/hotline", "RAPOR_RAW_DIR": "/tmp/raw"}):
        assert (config.hotline_inbox(), str(config.raw_dir())) == ("s3://bucket/hotline", "/tmp/raw")
    assert config.hotline_inbox() == "/srv/inbox"
    assert config.raw_dir() == config.state_dir() / "raw"
    assert config.hotline_archive("s3://bucket/hotline/") == "s3://bucket/hotline/arsip"
