"""The output store: a local folder, or any fsspec URL that every worker reaches.

``RAPOR_OUTPUT_DIR`` names a folder (``output/``, ``/opt/rapor/output``; ``file://`` URLs are
folders too) or an object store (``s3://bucket/output``, ``memory://`` in tests). A location
in a folder is a ``pathlib.Path``; in a store it is a ``upath.UPath`` (universal_pathlib, the
library under Airflow's ``ObjectStoragePath``), so the writers and readers of ``rapor.layout``
use one Path-style code for both. What an object store does not do the way a folder does has
one helper each here:

- ``write_atomically``: a file whole or not at all (folder: a temporary file renamed in place;
  store: one whole-object write, which no reader sees half of);
- ``copy_tree``: a folder's files to another folder, between any two of local and store (the
  Data Docs site the gate built locally, uploaded to the store; the store's site copied into a
  revision);
- ``staging_folder`` / ``move_into_place``: a folder prepared locally and put in place at once
  (folder: renamed; store: uploaded file by file, one named file last, removed again on failure);
- ``relative``, ``inside``, ``child``: relative links and safe joins, without ``resolve()``,
  which a store has no use for;
- ``make_read_only``: file modes, which only a folder has (a store's access control is its own).

Nothing here reads the environment: ``rapor.config`` turns ``RAPOR_OUTPUT_DIR`` into a location.
"""

from __future__ import annotations

import os
import posixpath
import secrets
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, TypeAlias
from urllib.parse import unquote, urlsplit

if TYPE_CHECKING:
    from upath import UPath

Location: TypeAlias = "Path | UPath"  # a file or folder of the output store


def location(value: str | os.PathLike | Location) -> Location:
    """``value`` as a location: a Path for a folder (``file://`` included), a UPath for any other URL."""
    if isinstance(value, Path) or is_store(value):
        return value
    text = os.fspath(value)
    if text.startswith("file://"):
        return Path(unquote(urlsplit(text).path))
    if "://" not in text:
        return Path(text)
    from upath import UPath

    store = UPath(text.rstrip("/"))
    store.fs  # noqa: B018 - the filesystem's package is imported now (ImportError: s3fs missing, say)
    return store


def is_store(path: object) -> bool:
    """Whether ``path`` is a location in an object store (not a local folder)."""
    return not isinstance(path, (Path, str, bytes, os.PathLike)) and hasattr(path, "fs")


def write_atomically(path: Location, data: bytes, mode: int | None = None) -> None:
    """Write a file of the output store whole or not at all (a reader never sees half of it).

    In a folder the file gets ``mode`` (by default the mode of any new file, under the umask);
    in a store, the store's access control applies.
    """
    if is_store(path):
        path.write_bytes(data)
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600 if mode is not None else 0o666)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        if mode is not None:
            os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def files_under(folder: Location) -> list[str]:
    """The files of ``folder`` (every level), as sorted POSIX paths relative to it."""
    if is_store(folder):  # one listing of the prefix, not a request per object
        root = folder.path.rstrip("/")
        return sorted(posixpath.relpath(key, root) for key in folder.fs.find(root))
    return sorted(relative(path, folder) for path in folder.rglob("*") if path.is_file())


def copy_tree(source: Location, target: Location) -> None:
    """Copy every file of ``source`` to the same place under ``target`` (local or store, either way).

    Files already under ``target`` are replaced or kept; nothing is deleted.
    """
    if not is_store(source) and not is_store(target):
        shutil.copytree(source, target, dirs_exist_ok=True)
        return
    for name in files_under(source):
        write_atomically(target.joinpath(*name.split("/")), source.joinpath(*name.split("/")).read_bytes())


def staging_folder(final: Location) -> Path:
    """A new, empty local folder to prepare ``final`` in (beside it in a folder, so a rename moves it)."""
    if is_store(final):
        return Path(tempfile.mkdtemp(prefix=f"rapor-{final.name}-"))
    final.parent.mkdir(parents=True, exist_ok=True)
    staging = final.parent / f".tmp-{final.name}-{secrets.token_hex(4)}"
    staging.mkdir()
    return staging


def move_into_place(staging: Path, final: Location, last: str) -> None:
    """Put the staged folder at ``final``: renamed in a folder; in a store, its files uploaded with ``last``
    (the file that marks the folder complete) last, and what was uploaded removed again if one fails."""
    if not is_store(final):
        staging.rename(final)
        return
    names = sorted(files_under(staging), key=lambda name: (name == last, name))
    try:
        for name in names:
            final.joinpath(*name.split("/")).write_bytes(staging.joinpath(*name.split("/")).read_bytes())
    except BaseException:
        remove_tree(final)
        raise


def remove_tree(folder: Location) -> None:
    """Delete ``folder`` and everything under it (nothing if it is not there)."""
    if is_store(folder):
        if folder.exists():
            folder.fs.rm(folder.path, recursive=True)
        return
    shutil.rmtree(folder, ignore_errors=True)


def make_read_only(folder: Path) -> None:
    """Every file under a local folder read-only (mode 0444): a published file is never changed."""
    for path in folder.rglob("*"):
        if path.is_file():
            os.chmod(path, 0o444)


def relative(path: Location, folder: Location) -> str | None:
    """``path`` relative to ``folder`` as a POSIX path (a link), or None when it is not under it."""
    if is_store(path) != is_store(folder):
        return None
    if not is_store(path):
        try:
            return path.relative_to(folder).as_posix()
        except ValueError:
            return None
    base, text = str(folder).rstrip("/") + "/", str(path)
    return text[len(base) :] if text.startswith(base) else None


def inside(path: Location, folder: Location) -> bool:
    """Whether ``path`` is ``folder`` or under it (local paths compared after resolving links)."""
    if is_store(path) or is_store(folder):
        return str(path).rstrip("/") == str(folder).rstrip("/") or relative(path, folder) is not None
    return path.resolve().is_relative_to(folder.resolve())


def child(folder: Location, name: str) -> Location | None:
    """``folder / name`` for a relative ``name`` from outside (a URL's path), or None if it leaves ``folder``."""
    if is_store(folder):
        clean = posixpath.normpath(name or ".")
        if clean.startswith(("/", "..")):
            return None
        return folder if clean == "." else folder.joinpath(*clean.split("/"))
    target = (folder / name).resolve()
    return target if target.is_relative_to(folder.resolve()) else None
