"""The hotline: call-center and SMS/WhatsApp gateway exports dropped into an inbox.

The inbox is a folder (``RAPOR_HOTLINE_INBOX``, default ``<RAPOR_HOME>/inbox/hotline``) or
any fsspec location (``s3://bucket/hotline``, ``sftp://...``; the same URLs Airflow's
``ObjectStoragePath`` takes). Each ``.csv`` / ``.xlsx`` file is:

1. read and checksummed (sha256); a checksum already in ``import_file`` was loaded before
   and is only archived: each file is loaded once, whatever its name;
2. landed unchanged in the raw folder, then parsed from that copy;
3. loaded through the shared complaint checks (bad rows quarantined with the file's row
   numbers), its routing and lineage recorded, in one transaction;
4. moved to the archive (``<inbox>/arsip/<YYYY-MM-DD>/``, or ``RAPOR_HOTLINE_ARCHIVE``),
   never deleted.

A file that cannot be read (not UTF-8, a broken workbook) or whose header is no known
format stays in the inbox and is named in the error raised at the end; the other exports
of the inbox are loaded and archived all the same, so one bad file never blocks the rest.

Two export formats are known (``FORMATS``), recognised by their header: the call center's
CSV (``no_tiket``, ``saluran``, ``waktu_masuk`` as ``dd/mm/yyyy HH:MM:SS`` local time, ...)
and the WhatsApp gateway's .xlsx (``id_pesan``, ``nomor_tujuan``, ``waktu_diterima``, ...).
The line (``saluran`` / ``nomor_tujuan``) is a ``hotline`` account of the registry: an OPD's
own line attributes the complaint to it; the region's central line is routed by
``opd_tujuan`` (the operator's disposition) or else by the keyword rules.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from zoneinfo import ZoneInfo

from sqlalchemy import select

from rapor import config
from rapor.collectors.normalise import Collected
from rapor.collectors.raw import RawLanding
from rapor.collectors.runner import StreamRun, commit_batch
from rapor.collectors.streams.base import Batch
from rapor.errors import InputFileError
from rapor.imports.files import read_table_file
from rapor.privacy import Keys
from rapor.registry import Registry
from rapor.vocabulary import CALL_LOG_SOURCE
from rapor.warehouse import schema

log = logging.getLogger(__name__)

HOTLINE_STREAM = "hotline_inbox"  # the inbox's stream name (state, lineage)
HOTLINE_SOURCE = "hotline"  # its files' raw-landing source

KIND_LABELS = {
    "pengaduan": "pengaduan",
    "keluhan": "pengaduan",
    "aspirasi": "aspirasi",
    "saran": "aspirasi",
    "permintaan informasi": "permintaan_informasi",
    "permintaan_informasi": "permintaan_informasi",
    "informasi": "permintaan_informasi",
}


@dataclass(frozen=True)
class HotlineFormat:
    """An export format: which column holds what, and how its local timestamps are written."""

    name: str
    source: str  # canonical source of its complaints
    columns: dict  # field -> column: id, line, received, reporter, text, kind, opd, forwarded, responded, resolved
    time_formats: tuple[str, ...]

    def matches(self, header: list[str]) -> bool:
        return set(self.columns.values()) <= set(header)


FORMATS = (
    HotlineFormat(
        "call_center",
        CALL_LOG_SOURCE,
        {
            "id": "no_tiket",
            "line": "saluran",
            "received": "waktu_masuk",
            "reporter": "penelepon",
            "kind": "kategori",
            "text": "isi_laporan",
            "opd": "opd_tujuan",
            "forwarded": "waktu_diteruskan",
            "responded": "waktu_ditanggapi",
            "resolved": "waktu_selesai",
        },
        ("%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M"),
    ),
    HotlineFormat(
        "whatsapp",
        "hotline-wa",
        {
            "id": "id_pesan",
            "line": "nomor_tujuan",
            "received": "waktu_diterima",
            "reporter": "pengirim",
            "text": "pesan",
            "kind": "kategori",
            "opd": "opd_tujuan",
            "forwarded": "waktu_diteruskan",
            "responded": "waktu_dibalas",
            "resolved": "waktu_selesai",
        },
        ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"),
    ),
)


def hotline_inbox() -> str:
    return config.hotline_inbox()


def _local_time(text: str, formats: tuple[str, ...], tz: str | None) -> datetime | str | None:
    text = (text or "").strip()
    if not text:
        return None
    if tz:
        for fmt in formats:
            try:
                return datetime.strptime(text, fmt).replace(tzinfo=ZoneInfo(tz))
            except ValueError:
                continue
    return text  # left as written: the shared checks quarantine it as invalid_timestamp


def parse_export(path, fmt: HotlineFormat, registry: Registry, default_region: str | None, sha: str):
    """Collected complaints of one export, keyed by the file's row numbers; and its malformed rows."""
    table = read_table_file(path, tuple(fmt.columns.values()))
    col = fmt.columns
    items = []
    for row_number, row in table.rows.iterrows():
        line = registry.account("hotline", row[col["line"]])
        region = line.region_code if line else (default_region or "")
        tz = registry.timezones.get(region)
        opd, by = None, None
        forwarded = _local_time(row[col["forwarded"]], fmt.time_formats, tz)
        if line and line.opd_code:
            opd, by, forwarded = line.opd_code, "akun", None
        elif row[col["opd"]]:
            opd = registry.opd_code_for(region, row[col["opd"]]) or row[col["opd"]]
            by = "disposisi"
        label = row[col["kind"]].strip()
        items.append(
            Collected(
                source=fmt.source,
                complaint_id=row[col["id"]],
                region_code=region,
                channel="hotline",
                kind=KIND_LABELS.get(" ".join(label.casefold().split()), label),
                received_at=_local_time(row[col["received"]], fmt.time_formats, tz) or "",
                reporter=row[col["reporter"]] or None,
                text=row[col["text"]] or None,
                opd_code=opd,
                attributed_by=by,
                forwarded_at=forwarded,
                first_response_at=_local_time(row[col["responded"]], fmt.time_formats, tz),
                resolved_at=_local_time(row[col["resolved"]], fmt.time_formats, tz),
                raw_shas={sha},
                row=int(row_number),
            )
        )
    return items, table


def collect_hotline(
    engine,
    inbox: str | None = None,
    archive: str | None = None,
    landing: RawLanding | None = None,
    key: Keys | None = None,
    region_code: str | None = None,
) -> StreamRun:
    """Load every new export in the inbox, then archive it. Files in an unknown format stay."""
    import fsspec

    from rapor.imports.checks import malformed_rows

    inbox = inbox or hotline_inbox()
    key = key or config.pseudonym_keys()
    landing = landing or RawLanding()
    fs, root = fsspec.core.url_to_fs(inbox)
    archive_url = archive or config.hotline_archive(inbox)
    archive_fs, archive_root = fsspec.core.url_to_fs(archive_url)
    fs.makedirs(root, exist_ok=True)
    run = StreamRun(HOTLINE_STREAM)
    unknown, unreadable = [], []
    try:
        listed = fs.ls(root, detail=True)
    except FileNotFoundError:  # an object store has no empty folders: no export dropped yet
        listed = []
    entries = sorted(listed, key=lambda e: e["name"])
    for entry in entries:
        name = PurePosixPath(entry["name"]).name
        suffix = PurePosixPath(name).suffix.lower()
        if entry.get("type") != "file" or name.startswith(".") or suffix not in (".csv", ".xlsx"):
            continue
        body = fs.cat_file(entry["name"])
        sha = hashlib.sha256(body).hexdigest()
        with engine.connect() as conn:
            registry = Registry.load(conn)
            seen = conn.execute(
                select(schema.import_file.c.file_name).where(
                    schema.import_file.c.file_sha256 == sha, schema.import_file.c.dataset == "complaints"
                )
            ).first()
        if seen:
            log.info("hotline: %s was loaded before (as %s): archiving only", name, seen[0])
        else:
            landed = landing.land(
                HOTLINE_SOURCE, HOTLINE_STREAM, body, request=f"{inbox.rstrip('/')}/{name}", ext=suffix
            )
            try:
                with _local_copy(landed.path, body, suffix) as local:
                    header = read_table_file(local, ()).header
                    fmt = next((f for f in FORMATS if f.matches(header)), None)
                    if fmt is None:
                        unknown.append(name)
                        log.error(
                            "hotline: %s is not a known export format (header: %s): left in the inbox", name, header
                        )
                        continue
                    items, table = parse_export(local, fmt, registry, region_code, sha)
            except InputFileError as exc:
                # Named as the user knows it (the inbox file, not the raw copy); the next exports still load.
                reason = str(exc).removeprefix(f"{exc.path}: ")
                unreadable.append(f"{name}: {reason}")
                log.error("hotline: %s cannot be read (%s): left in the inbox", name, reason)
                continue
            malformed = malformed_rows(table, tuple(fmt.columns[k] for k in ("id", "line", "kind")))
            batch = Batch(HOTLINE_STREAM, {"last_file": name, "last_sha256": sha}, items, [landed])
            commit_batch(
                engine,
                batch,
                registry,
                key,
                run,
                source_file=f"{inbox.rstrip('/')}/{name}",
                sha256=sha,
                record=True,
                malformed=malformed,
            )
            log.info("hotline: loaded %s (%s, %d rows)", name, fmt.name, len(items))
        _archive(fs, entry["name"], archive_fs, archive_root, name, sha)
    problems = []
    if unknown:
        problems.append(
            ", ".join(unknown) + ": not a known hotline export (call center CSV or WhatsApp .xlsx; "
            "see rapor.collectors.hotline.FORMATS)"
        )
    problems += unreadable
    if problems:
        raise InputFileError(
            inbox, "; ".join(problems) + ". The file(s) stay in the inbox; every other export was loaded"
        )
    return run


@contextmanager
def _local_copy(path, body: bytes, suffix: str):
    """The landed file as a local path for the readers: itself, or (raw landing on an fsspec URL)
    a private temporary copy of the same bytes, removed afterwards."""
    if not isinstance(path, str) or "://" not in path:
        yield path
        return
    with tempfile.TemporaryDirectory(prefix="rapor-hotline-") as folder:
        local = Path(folder) / f"export{suffix}"
        local.write_bytes(body)
        yield local


def _archive(fs, path: str, archive_fs, archive_root: str, name: str, sha: str) -> str:
    day = datetime.now(UTC).strftime("%Y-%m-%d")
    folder = f"{archive_root.rstrip('/')}/{day}"
    archive_fs.makedirs(folder, exist_ok=True)
    target = f"{folder}/{name}"
    if archive_fs.exists(target):
        stem, suffix = os.path.splitext(name)
        target = f"{folder}/{stem}-{sha[:12]}{suffix}"
    if archive_fs is fs or type(archive_fs) is type(fs):
        fs.mv(path, target)
    else:  # across stores: copy, check, then remove the inbox copy
        archive_fs.pipe_file(target, fs.cat_file(path))
        if hashlib.sha256(archive_fs.cat_file(target)).hexdigest() != sha:
            raise OSError(f"archiving {path} to {target} did not preserve its content")
        fs.rm_file(path)
    log.info("hotline: archived %s to %s", name, target)
    return target
