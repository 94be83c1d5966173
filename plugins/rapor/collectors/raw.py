"""Raw landing: every payload page and inbox file, stored unchanged before it is parsed.

Files go to ``<raw root>/<source>/<YYYY-MM-DD>/<stream>-<sha256[:16]>.<ext>`` (the UTC date
of fetching), written atomically (temporary file, fsync, rename) with mode 0600: raw
payloads hold personal data (UU 27/2022) and stay in restricted storage. The name is
content-addressed, so fetching the same page twice stores it once. Each landing is indexed
in the ``raw_landing`` table (in the batch's transaction) with its sha256, the request that
produced it (without credentials) and the path; ``complaint_raw`` links every collected
complaint to the pages it was read from, so any complaint can be traced back and re-parsed.

The root is ``RAPOR_RAW_DIR``, by default ``var/raw`` under RAPOR_HOME.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from rapor import config
from rapor.warehouse import schema
from rapor.warehouse.db import insert_ignoring_duplicates


def raw_dir() -> Path:
    return config.raw_dir()


@dataclass(frozen=True)
class Landed:
    source: str
    stream: str
    sha256: str
    path: Path
    request: str
    n_bytes: int
    fetched_at: datetime

    def index_row(self) -> dict:
        return {
            "source": self.source,
            "sha256": self.sha256,
            "stream": self.stream,
            "path": str(self.path)[:500],
            "request": self.request[:1000],
            "n_bytes": self.n_bytes,
            "fetched_at": self.fetched_at,
        }


class RawLanding:
    """Writes raw payloads under one root folder."""

    def __init__(self, root: Path | None = None):
        self.root = Path(root) if root else raw_dir()

    def land(
        self, source: str, stream: str, body: bytes, request: str, ext: str = "json", fetched_at: datetime | None = None
    ) -> Landed:
        fetched_at = fetched_at or datetime.now(UTC)
        sha = hashlib.sha256(body).hexdigest()
        folder = self.root / _safe(source) / fetched_at.strftime("%Y-%m-%d")
        path = folder / f"{_safe(stream)}-{sha[:16]}.{ext.lstrip('.') or 'bin'}"
        if not path.exists():
            folder.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=folder, prefix=".landing-")
            try:
                with os.fdopen(fd, "wb") as handle:
                    handle.write(body)
                    handle.flush()
                    os.fsync(handle.fileno())
                os.chmod(tmp, 0o600)
                os.replace(tmp, path)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
        return Landed(source, stream, sha, path, request, len(body), fetched_at)


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in name) or "_"


def record_landings(conn, landed: list[Landed], lineage: dict[tuple[str, str], set[str]]) -> None:
    """Index landed pages and link complaints to them (first write wins; re-runs add nothing)."""
    rows = {(item.source, item.sha256): item.index_row() for item in landed}
    insert_ignoring_duplicates(conn, schema.raw_landing, list(rows.values()), ["source", "sha256"])
    links = [
        {"source": source, "complaint_id": complaint_id, "raw_sha256": sha}
        for (source, complaint_id), shas in sorted(lineage.items())
        for sha in sorted(shas)
    ]
    for start in range(0, len(links), 5000):
        insert_ignoring_duplicates(
            conn, schema.complaint_raw, links[start : start + 5000], ["source", "complaint_id", "raw_sha256"]
        )


def read_landed(conn, source: str, sha256: str) -> bytes:
    """The stored bytes of one landed page or file, checked against its sha256."""
    from sqlalchemy import select

    path = conn.execute(
        select(schema.raw_landing.c.path).where(
            schema.raw_landing.c.source == source, schema.raw_landing.c.sha256 == sha256
        )
    ).scalar_one()
    body = Path(path).read_bytes()
    if hashlib.sha256(body).hexdigest() != sha256:
        raise ValueError(f"raw file {path} does not match its recorded sha256 {sha256}")
    return body
