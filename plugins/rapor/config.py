"""Where Rapor keeps its state, read from the environment.

Every setting has an embedded default under the project folder so that `make demo`
works on a laptop with nothing but Python; production sets the environment instead.

- ``RAPOR_HOME``: the folder for local state (default: the project folder).
- ``RAPOR_WAREHOUSE_URL``: SQLAlchemy URL of the warehouse (default: an SQLite file
  ``var/rapor-warehouse.db`` under RAPOR_HOME). PostgreSQL in CI and production, e.g.
  ``postgresql+psycopg://rapor@db:5432/rapor``.
- ``RAPOR_OUTPUT_DIR``: where scorecard files are written (default ``output/`` under RAPOR_HOME).
- ``RAPOR_PSEUDONYM_KEY``: the secret key for pseudonymising identities. Without it a
  random key is made once and kept in ``var/pseudonym.key`` (mode 0600).
- ``RAPOR_POLICY``: path of the scoring policy file (default: the packaged 2026.1 policy).
- ``RAPOR_EXPECTATIONS_DIR``: the Great Expectations project of the data-quality gate
  (default: ``expectations/`` of the project).
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent


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


def output_dir() -> Path:
    return Path(os.environ.get("RAPOR_OUTPUT_DIR") or rapor_home() / "output")


def sql_dir() -> Path:
    """SQL models run against the warehouse (``include/sql`` of the project)."""
    return project_root() / "include" / "sql"


def expectations_dir() -> Path:
    """The GX project of the data-quality gate (suites, checkpoints): ``expectations/``."""
    return Path(os.environ.get("RAPOR_EXPECTATIONS_DIR") or project_root() / "expectations")


def pseudonym_key() -> bytes:
    """The HMAC key for identities: from the environment, else a per-installation key file."""
    key = os.environ.get("RAPOR_PSEUDONYM_KEY")
    if key:
        return key.encode("utf-8")
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
    return path.read_text().strip().encode("utf-8")
