"""Where Rapor keeps its state, read from the environment.

Every setting has an embedded default under the project folder so that `make demo`
works on a laptop with nothing but Python; production sets the environment instead.

- ``RAPOR_HOME``: the folder for local state (default: the project folder).
- ``RAPOR_WAREHOUSE_URL``: SQLAlchemy URL of the warehouse (default: an SQLite file
  ``var/rapor-warehouse.db`` under RAPOR_HOME). PostgreSQL in CI and production, e.g.
  ``postgresql+psycopg://rapor@db:5432/rapor``.
- ``RAPOR_OUTPUT_DIR``: the output store, where scorecards, quality files, Data Docs, published
  revisions, early warnings and the public site are written (``rapor.layout``): a folder (default
  ``output/`` under RAPOR_HOME; ``file://`` URLs are folders) or an fsspec URL that every worker
  reaches, such as ``s3://bucket/output`` (s3fs is installed with Rapor; the AWS settings,
  ``AWS_ENDPOINT_URL`` for MinIO, come from the environment).
- The pseudonym keyring (the secret keys of the identities' HMAC, oldest first, the last one
  current), from the first of: the Airflow Connection ``rapor_pseudonym`` (``RAPOR_PSEUDONYM_CONN_ID``
  renames it; its password is the current key, ``extra.previous_keys`` the older ones), read through
  Airflow (any secrets backend, the metadata database) when running under Airflow (``AIRFLOW_HOME``
  set, as in every Airflow component, or the connection given as ``AIRFLOW_CONN_RAPOR_PSEUDONYM``);
  ``RAPOR_PSEUDONYM_KEY`` (current) with ``RAPOR_PSEUDONYM_PREVIOUS_KEYS`` (older ones, space- or
  comma-separated, oldest first); the file ``var/pseudonym.key`` (one key a line, oldest first;
  made with one random key if missing, mode 0600).
- ``RAPOR_POLICY``: path of the scoring policy file (default: the packaged 2026.1 policy).
- ``RAPOR_EXPECTATIONS_DIR``: the Great Expectations project of the data-quality gate
  (default: ``expectations/`` of the project).
- ``RAPOR_RAW_DIR``: raw landing of the collectors, a folder or an fsspec URL such as
  ``s3://bucket/raw`` (default ``var/raw`` under RAPOR_HOME).
- ``RAPOR_HOTLINE_INBOX``: where hotline exports are dropped, a folder or an fsspec URL
  (default ``inbox/hotline`` under RAPOR_HOME); ``RAPOR_HOTLINE_ARCHIVE``: where loaded
  exports are moved (default ``<inbox>/arsip``).
- ``RAPOR_SMTP_CONN_ID``: the Airflow SMTP connection of every e-mail (default ``smtp_default``);
  ``RAPOR_ALERT_SMTP_CONN_ID`` another one for the operators' held-month alert only.
- ``RAPOR_ALERT_EMAIL``: recipients (comma-separated) of the held-month alert (default: none).
- ``RAPOR_WEB_ACCESS``: the web view's access file, which regions each user sees
  (``rapor.publish.access``; default: none, every user sees every region).
- ``RAPOR_WEB_BASE_URL``: where the web view is reached, for links in e-mails (default:
  Airflow's ``[api] base_url`` + ``/rapor``).
- ``RAPOR_REGION_BATCH_SIZE``: how many regions one mapped task of the monthly DAG scores and
  gates (default 50; see docs/operations.md, "Many regions").
- ``RAPOR_AIRFLOW_URL``: the Airflow API server ``rapor banding`` files and decides through
  (default ``http://localhost:8080``); ``RAPOR_AIRFLOW_USER`` / ``RAPOR_AIRFLOW_PASSWORD``: the
  Airflow account it logs in as (else asked for), or ``RAPOR_AIRFLOW_TOKEN``: an Airflow token.

This is the only module that reads the environment.
"""

from __future__ import annotations

import logging
import os
import secrets
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from rapor.errors import ConfigError
from rapor.storage import Location, location

_PACKAGE_DIR = Path(__file__).resolve().parent
DEFAULT_POLICY_PATH = _PACKAGE_DIR / "policies" / "default.yaml"
DEFAULT_SMTP_CONN_ID = "smtp_default"
DEFAULT_REGION_BATCH_SIZE = 50  # regions per mapped task (benchmarks/results.md, "Batched fan-out")


def project_root() -> Path:
    """The project folder when running from a checkout, else the working directory."""
    candidate = _PACKAGE_DIR.parents[1]
    if (candidate / "dags").is_dir() and (candidate / "include").is_dir():
        return candidate
    return Path.cwd()


def rapor_home() -> Path:
    return Path(os.environ.get("RAPOR_HOME") or project_root())


def state_dir() -> Path:
    path = rapor_home() / "var"
    path.mkdir(parents=True, exist_ok=True)
    return path


def warehouse_url() -> str:
    url = os.environ.get("RAPOR_WAREHOUSE_URL")
    if url:
        return url
    return f"sqlite:///{state_dir() / 'rapor-warehouse.db'}"


def output_dir() -> Location:
    """The output store's root: a Path for a folder, a UPath for an fsspec URL (``rapor.storage``)."""
    value = os.environ.get("RAPOR_OUTPUT_DIR") or rapor_home() / "output"
    try:
        return location(value)
    except ImportError as exc:
        raise ConfigError(
            f"RAPOR_OUTPUT_DIR={value}: the package of its filesystem is not installed ({exc}); "
            "add it to the image (s3fs, for s3://, is installed with Rapor)"
        ) from None
    except ValueError as exc:
        raise ConfigError(f"RAPOR_OUTPUT_DIR={value} is not a folder or an fsspec URL: {exc}") from None


def sql_dir() -> Path:
    """SQL models run against the warehouse (``include/sql`` of the project)."""
    return project_root() / "include" / "sql"


def expectations_dir() -> Path:
    """The GX project of the data-quality gate (suites, checkpoints): ``expectations/``."""
    return Path(os.environ.get("RAPOR_EXPECTATIONS_DIR") or project_root() / "expectations")


DEFAULT_PSEUDONYM_CONN_ID = "rapor_pseudonym"


def pseudonym_conn_id() -> str:
    """The Airflow Connection that holds the pseudonym keyring (password: current key)."""
    return os.environ.get("RAPOR_PSEUDONYM_CONN_ID") or DEFAULT_PSEUDONYM_CONN_ID


def _under_airflow(conn_id: str) -> bool:
    """An Airflow installation is configured for this process (its components and tasks have
    ``AIRFLOW_HOME``), or the connection is given in Airflow's environment form."""
    return bool(os.environ.get("AIRFLOW_HOME") or os.environ.get(f"AIRFLOW_CONN_{conn_id.upper()}"))


def _split_keys(text: str) -> list[bytes]:
    return [k.encode("utf-8") for k in text.replace(",", " ").split()]


def _airflow_connection(conn_id: str):
    """The Airflow Connection ``conn_id``, or None: in a task through the task SDK (the API server),
    elsewhere (api-server, airflow-cli) through the secrets backends and the metadata database."""
    # Importing Airflow configures logging: it replaces the root logger's handlers (the rapor
    # command's own, a test's log capture). Asking it for one connection must not change them.
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    try:
        return _ask_airflow(conn_id)
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)


def _ask_airflow(conn_id: str):
    from airflow.sdk import Connection

    try:
        return Connection.get(conn_id)
    except Exception:  # noqa: BLE001 - AirflowNotFoundException, or no Airflow here
        pass
    if hasattr(sys.modules.get("airflow.sdk.execution_time.task_runner"), "SUPERVISOR_COMMS"):
        return None  # a task: the SDK has asked everything a task may ask
    try:
        from airflow.models.connection import Connection as ConnectionModel

        return ConnectionModel.get_connection_from_secrets(conn_id)
    except Exception:  # noqa: BLE001 - not defined, or no Airflow metadata database here
        return None


def _keys_from_airflow(conn_id: str) -> tuple[bytes, ...] | None:
    """The keyring of the Airflow Connection ``conn_id`` (None when Airflow has no such connection)."""
    conn = _airflow_connection(conn_id)
    if conn is None:
        return None
    if not conn.password:
        raise ConfigError(f"Airflow connection `{conn_id}` has no password: set it to the current pseudonym key")
    previous = (conn.extra_dejson or {}).get("previous_keys") or []
    if isinstance(previous, str):
        previous = previous.replace(",", " ").split()
    if not isinstance(previous, list) or not all(isinstance(k, str) and k.strip() for k in previous):
        raise ConfigError(f"Airflow connection `{conn_id}`: extra.previous_keys must be a list of keys, oldest first")
    return (*(k.strip().encode("utf-8") for k in previous), conn.password.encode("utf-8"))


def pseudonym_keys() -> tuple[bytes, ...]:
    """The HMAC keyring of identities, oldest key first, the current key last.

    From the Airflow Connection (under Airflow), else ``RAPOR_PSEUDONYM_KEY`` (with
    ``RAPOR_PSEUDONYM_PREVIOUS_KEYS``), else the per-installation key file.
    """
    conn_id = pseudonym_conn_id()
    if _under_airflow(conn_id):
        keys = _keys_from_airflow(conn_id)
        if keys:
            return keys
    key = os.environ.get("RAPOR_PSEUDONYM_KEY")
    if key:
        return (*_split_keys(os.environ.get("RAPOR_PSEUDONYM_PREVIOUS_KEYS", "")), key.encode("utf-8"))
    path = state_dir() / "pseudonym.key"
    if not path.exists():
        # O_EXCL: two processes starting at once must not write two different keys.
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_hex(32))
    keys = tuple(_split_keys(path.read_text()))
    if not keys:
        raise ConfigError(f"{path} holds no pseudonym key: restore it from the backup")
    return keys


def policy_path() -> Path:
    """The policy file scoring uses: ``RAPOR_POLICY`` or the packaged default."""
    return Path(os.environ.get("RAPOR_POLICY") or DEFAULT_POLICY_PATH)


def raw_dir() -> Path | str:
    """The collectors' raw landing (every page and file, unchanged): a folder, or an fsspec URL
    (``s3://bucket/raw``, ``memory://raw``) that every worker reaches; ``file://`` is a folder."""
    value = os.environ.get("RAPOR_RAW_DIR")
    if not value:
        return state_dir() / "raw"
    if "://" in value and not value.startswith("file://"):
        return value
    return location(value)


def hotline_inbox() -> str:
    """The hotline inbox: a folder or an fsspec URL."""
    return os.environ.get("RAPOR_HOTLINE_INBOX") or str(rapor_home() / "inbox" / "hotline")


def hotline_archive(inbox: str) -> str:
    """Where loaded hotline exports are moved (never deleted)."""
    return os.environ.get("RAPOR_HOTLINE_ARCHIVE") or inbox.rstrip("/") + "/arsip"


def smtp_conn_id() -> str:
    """The Airflow SMTP connection every e-mail goes through."""
    return os.environ.get("RAPOR_SMTP_CONN_ID") or DEFAULT_SMTP_CONN_ID


def alert_smtp_conn_id() -> str:
    """The SMTP connection of the held-month alert (the common one unless set apart)."""
    return os.environ.get("RAPOR_ALERT_SMTP_CONN_ID") or smtp_conn_id()


def alert_recipients() -> list[str]:
    """Recipients of the held-month alert (``RAPOR_ALERT_EMAIL``, comma-separated)."""
    return [r.strip() for r in os.environ.get("RAPOR_ALERT_EMAIL", "").split(",") if r.strip()]


def web_base_url() -> str | None:
    """``RAPOR_WEB_BASE_URL`` when set (rapor.publish.notify falls back to Airflow's base URL)."""
    return os.environ.get("RAPOR_WEB_BASE_URL") or None


def web_access_file() -> Path | None:
    """``RAPOR_WEB_ACCESS``: the file mapping web-view users to their regions, if set."""
    value = os.environ.get("RAPOR_WEB_ACCESS")
    return Path(value) if value else None


def airflow_api_url() -> str:
    """The Airflow API server the appeals CLI talks to."""
    return (os.environ.get("RAPOR_AIRFLOW_URL") or "http://localhost:8080").rstrip("/")


def airflow_credentials() -> tuple[str | None, str | None, str | None]:
    """(user, password, token) of the Airflow account the appeals CLI acts as; any may be None."""
    return (
        os.environ.get("RAPOR_AIRFLOW_USER") or None,
        os.environ.get("RAPOR_AIRFLOW_PASSWORD") or None,
        os.environ.get("RAPOR_AIRFLOW_TOKEN") or None,
    )


def region_batch_size() -> int:
    """Regions per mapped task of the monthly DAG (``RAPOR_REGION_BATCH_SIZE``, a positive integer)."""
    text = os.environ.get("RAPOR_REGION_BATCH_SIZE", "").strip()
    if not text:
        return DEFAULT_REGION_BATCH_SIZE
    if not text.isdigit() or int(text) < 1:
        raise ConfigError(f"RAPOR_REGION_BATCH_SIZE must be a positive whole number of regions, not {text!r}")
    return int(text)


def disable_gx_analytics() -> None:
    """Great Expectations would try to send usage statistics (there is no network here)."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")


def process_environment(**overrides: str) -> dict[str, str]:
    """This process's environment with ``overrides``, for a subprocess (the demo's Airflow CLI)."""
    return {**os.environ, **overrides}


@contextmanager
def environment(values: Mapping[str, str]) -> Iterator[None]:
    """Set ``values`` in this process's environment for a block, then restore what was there."""
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
