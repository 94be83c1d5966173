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


def test_the_pseudonym_keyring_comes_from_the_airflow_connection_then_the_variable_then_the_file(monkeypatch, tmp_path):
    import json

    monkeypatch.setenv("RAPOR_HOME", str(tmp_path))
    # An Airflow Connection from Airflow's own environment-variable secrets backend (a real backend).
    connection = {"conn_type": "generic", "password": "key-3", "extra": {"previous_keys": ["key-1", "key-2"]}}
    monkeypatch.setenv("AIRFLOW_CONN_RAPOR_PSEUDONYM", json.dumps(connection))
    monkeypatch.setenv("RAPOR_PSEUDONYM_KEY", "from-the-variable")
    assert config.pseudonym_keys() == (b"key-1", b"key-2", b"key-3")
    monkeypatch.setenv("RAPOR_PSEUDONYM_CONN_ID", "rapor_pseudonym_kabupaten")  # another connection, not defined
    assert config.pseudonym_keys() == (b"from-the-variable",)
    monkeypatch.setenv("RAPOR_PSEUDONYM_PREVIOUS_KEYS", "old-1, old-2")
    assert config.pseudonym_keys() == (b"old-1", b"old-2", b"from-the-variable")
    monkeypatch.delenv("RAPOR_PSEUDONYM_KEY")
    made = config.pseudonym_keys()  # the laptop: one random key, made once, readable by the owner only
    assert len(made) == 1 and config.pseudonym_keys() == made
    path = tmp_path / "var" / "pseudonym.key"
    assert path.stat().st_mode & 0o777 == 0o600
    path.write_text(f"{made[0].decode()}\nrotated-key\n")
    assert config.pseudonym_keys() == (made[0], b"rotated-key")


def test_a_pseudonym_connection_without_a_password_is_a_clear_error(monkeypatch):
    import json

    import pytest

    from rapor.errors import ConfigError

    monkeypatch.setenv("AIRFLOW_CONN_RAPOR_PSEUDONYM", json.dumps({"conn_type": "generic"}))
    with pytest.raises(ConfigError, match="`rapor_pseudonym` has no password"):
        config.pseudonym_keys()
