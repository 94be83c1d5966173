"""Raw landing: every payload page and inbox file, stored unchanged before it is parsed.

Files go to ``<raw root>/<source>/<YYYY-MM-DD>/<stream>-<sha256[:16]>.<ext>`` (the UTC date
of fetching), written atomically (temporary file, fsync, rename) with mode 0600 in folders
of mode 0700: raw payloads hold personal data (UU 27/2022) and only the service user may
read them. The name is
content-addressed, so fetching the same page twice stores it once. Each landing is indexed
in the ``raw_landing`` table (in the batch's transaction) with its sha256, the request that
produced it (without credentials) and the path; ``complaint_raw`` links every collected
complaint to the pages it was read from, so any complaint can be traced back and re-parsed.

The root is ``RAPOR_RAW_DIR``, by default ``var/raw`` under RAPOR_HOME: a folder, or an fsspec
URL (``s3://bucket/raw`` for object storage that every worker reaches; ``memory://`` in tests).
Under a URL a landing is one whole-object write (object stores never show half an object), the
indexed path is the object's URL, and the store's own access control replaces file modes.

Raw files are kept for the policy's ``raw_landing.retention_days``: ``purge_expired``
deletes the files of the days before that (every file of an expired day folder, and the
file each expired ``raw_landing`` row names) and those rows. ``complaint_raw`` keeps its
``raw_sha256``: a complaint still names the page it was read from, by hash, after the
page itself is gone. A purge also narrows the permissions of what it keeps.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from sqlalchemy import delete, select

from rapor import config
from rapor.warehouse import schema
from rapor.warehouse.db import insert_ignoring_duplicates

log = logging.getLogger(__name__)

FILE_MODE = 0o600  # raw files: read and written by the service user only
DIR_MODE = 0o700  # raw folders: listed by the service user only
DAY_FORMAT = "%Y-%m-%d"  # the day folder of a landing (UTC date of fetching)


def raw_dir() -> Path:
    return config.raw_dir()


@dataclass(frozen=True)
class Landed:
    source: str
    stream: str
    sha256: str
    path: Path | str  # a local file, or the object's URL under an fsspec root
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

    def __init__(self, root: Path | str | None = None):
        self.root = _root(root)

    def land(
        self, source: str, stream: str, body: bytes, request: str, ext: str = "json", fetched_at: datetime | None = None
    ) -> Landed:
        fetched_at = fetched_at or datetime.now(UTC)
        sha = hashlib.sha256(body).hexdigest()
        day = fetched_at.astimezone(UTC).strftime(DAY_FORMAT)
        name = f"{_safe(stream)}-{sha[:16]}.{ext.lstrip('.') or 'bin'}"
        if isinstance(self.root, str):  # an fsspec URL: one whole-object write
            url = f"{self.root}/{_safe(source)}/{day}/{name}"
            fs, key = _fs(url)
            if not fs.exists(key):
                fs.pipe_file(key, body)
            return Landed(source, stream, sha, url, request, len(body), fetched_at)
        folder = self.root / _safe(source) / day
        path = folder / name
        if not path.exists():
            _private_dirs(self.root, folder)
            fd, tmp = tempfile.mkstemp(dir=folder, prefix=".landing-")
            try:
                with os.fdopen(fd, "wb") as handle:
                    handle.write(body)
                    handle.flush()
                    os.fsync(handle.fileno())
                os.chmod(tmp, FILE_MODE)
                os.replace(tmp, path)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
        return Landed(source, stream, sha, path, request, len(body), fetched_at)


def _root(root: Path | str | None) -> Path | str:
    """A local folder as a Path, an fsspec URL as its text without a trailing slash."""
    root = root or raw_dir()
    if isinstance(root, str) and "://" in root:
        return root.rstrip("/")
    return Path(root)


def _fs(url: str):
    import fsspec

    return fsspec.core.url_to_fs(url)


def _read(path: str) -> bytes:
    """The bytes of a landed file: a local path, or an object's URL."""
    if "://" in path:
        fs, key = _fs(path)
        return fs.cat_file(key)
    return Path(path).read_bytes()


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in name) or "_"


def _private_dirs(root: Path, folder: Path) -> None:
    """Create ``folder`` under ``root`` (and ``root``), each level mode 0700 whatever the umask."""
    root.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
    levels = [root, *reversed([p for p in folder.parents if root in p.parents]), folder]
    for level in levels:
        level.mkdir(mode=DIR_MODE, exist_ok=True)
        if level.stat().st_mode & 0o777 != DIR_MODE:
            os.chmod(level, DIR_MODE)


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
    path = conn.execute(
        select(schema.raw_landing.c.path).where(
            schema.raw_landing.c.source == source, schema.raw_landing.c.sha256 == sha256
        )
    ).scalar_one_or_none()
    if path is None:
        raise LookupError(
            f"raw {source} page {sha256} is not in the raw landing: never landed, or purged after its retention period"
        )
    body = _read(path)
    if hashlib.sha256(body).hexdigest() != sha256:
        raise ValueError(f"raw file {path} does not match its recorded sha256 {sha256}")
    return body


@dataclass(frozen=True)
class Purge:
    """What one purge of expired raw landings did."""

    before: date  # day folders (UTC) before this day were expired
    files_deleted: int
    bytes_deleted: int
    rows_deleted: int
    modes_narrowed: int  # kept files and folders whose permissions were narrowed

    def as_dict(self) -> dict:
        return {
            "before": self.before.isoformat(),
            "files_deleted": self.files_deleted,
            "bytes_deleted": self.bytes_deleted,
            "rows_deleted": self.rows_deleted,
            "modes_narrowed": self.modes_narrowed,
        }


def expiry_day(as_of: datetime, retention_days: int) -> date:
    """The first day still kept: landings of the UTC days before it are expired."""
    return (as_of.astimezone(UTC) - timedelta(days=retention_days)).date()


def purge_expired(
    engine, sources: list[str], as_of: datetime, retention_days: int, root: Path | str | None = None
) -> Purge:
    """Delete the raw files of ``sources`` landed on UTC days before ``as_of - retention_days``
    and their ``raw_landing`` rows; lineage (``complaint_raw``) keeps the hashes.

    Idempotent: a second purge with the same ``as_of`` finds nothing to delete. The rows
    go in one transaction after their files; a file that cannot be deleted keeps its row
    (the purge fails naming it, and the next run tries again).
    """
    root = _root(root)
    if isinstance(root, str):
        return _purge_objects(engine, sources, as_of, retention_days, root)
    before = expiry_day(as_of, retention_days)
    cutoff = datetime.combine(before, time(0), tzinfo=UTC)
    expired_rows = _expired_rows(engine, sources, cutoff)
    files = {Path(row.path) for row in expired_rows}
    for source in sources:
        files |= set(_expired_files(root / _safe(source), before))
    n_bytes = 0
    deleted = 0
    for path in sorted(files):
        try:
            size = path.stat().st_size
            path.unlink()
        except FileNotFoundError:
            continue  # purged before, or never written under this root
        n_bytes += size
        deleted += 1
    for source in sources:
        _remove_empty_day_folders(root / _safe(source), before)
    _delete_rows(engine, expired_rows)
    narrowed = sum(narrow_permissions(root / _safe(source)) for source in sources)
    purge = Purge(before, deleted, n_bytes, len(expired_rows), narrowed)
    log.info("raw landing of %s purged before %s: %s", ", ".join(sources), before, purge.as_dict())
    return purge


def _purge_objects(engine, sources: list[str], as_of: datetime, retention_days: int, root: str) -> Purge:
    """``purge_expired`` under an fsspec root: the same days and rows, objects instead of files."""
    before = expiry_day(as_of, retention_days)
    cutoff = datetime.combine(before, time(0), tzinfo=UTC)
    expired_rows = _expired_rows(engine, sources, cutoff)
    fs, base = _fs(root)
    objects = {_fs(row.path)[1] for row in expired_rows if "://" in row.path}
    for source in sources:
        prefix = f"{base.rstrip('/')}/{_safe(source)}"
        if not fs.isdir(prefix):
            continue
        for entry in fs.ls(prefix, detail=True):
            try:
                day = datetime.strptime(entry["name"].rstrip("/").rsplit("/", 1)[-1], DAY_FORMAT).date()
            except ValueError:
                continue
            if day < before and entry["type"] == "directory":
                objects |= {e["name"] for e in fs.ls(entry["name"], detail=True) if e["type"] == "file"}
    n_bytes = deleted = 0
    for key in sorted(objects):
        if not fs.exists(key):
            continue  # purged before
        n_bytes += fs.size(key)
        fs.rm_file(key)
        deleted += 1
    _delete_rows(engine, expired_rows)
    purge = Purge(before, deleted, n_bytes, len(expired_rows), 0)
    log.info("raw landing of %s purged before %s: %s", ", ".join(sources), before, purge.as_dict())
    return purge


def _expired_rows(engine, sources: list[str], cutoff: datetime) -> list:
    """The ``raw_landing`` rows of ``sources`` fetched before ``cutoff``."""
    rl = schema.raw_landing
    with engine.connect() as conn:
        return conn.execute(
            select(rl.c.source, rl.c.sha256, rl.c.path).where(rl.c.source.in_(sources), rl.c.fetched_at < cutoff)
        ).all()


def _delete_rows(engine, rows: list) -> None:
    """Delete these ``raw_landing`` rows in one transaction (500 hashes per statement)."""
    rl = schema.raw_landing
    with engine.begin() as conn:
        for start in range(0, len(rows), 500):
            chunk = rows[start : start + 500]
            for source in {row.source for row in chunk}:
                shas = [row.sha256 for row in chunk if row.source == source]
                conn.execute(delete(rl).where(rl.c.source == source, rl.c.sha256.in_(shas)))


def _day_folders(source_root: Path):
    """The day folders of one source, with their day (folders not named as a day are not ours)."""
    if not source_root.is_dir():
        return
    for folder in sorted(source_root.iterdir()):
        try:
            day = datetime.strptime(folder.name, DAY_FORMAT).date()
        except ValueError:
            continue
        if folder.is_dir():
            yield folder, day


def _expired_files(source_root: Path, before: date):
    for folder, day in _day_folders(source_root):
        if day < before:
            yield from (p for p in folder.iterdir() if p.is_file())


def _remove_empty_day_folders(source_root: Path, before: date) -> None:
    for folder, day in list(_day_folders(source_root)):
        if day < before and not any(folder.iterdir()):
            folder.rmdir()


def narrow_permissions(folder: Path) -> int:
    """Make ``folder`` and everything under it readable by the service user only (0700 / 0600).

    Landings written before folders were created 0700 keep working; returns how many
    entries were changed.
    """
    if not folder.is_dir():
        return 0
    changed = 0
    for path in [folder, *folder.rglob("*")]:
        if path.is_symlink():
            continue
        mode = DIR_MODE if path.is_dir() else FILE_MODE
        if path.stat().st_mode & 0o777 != mode:
            os.chmod(path, mode)
            changed += 1
    return changed
