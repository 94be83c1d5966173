"""The output store's locations and helpers (rapor.storage): one code for a folder and an fsspec URL.

The store is fsspec's memory:// filesystem, and a bucket on an S3 server on loopback (moto's, which
s3fs talks to over S3's REST API as it does to S3 or MinIO).
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import pytest

from rapor import config
from rapor.errors import ConfigError
from rapor.storage import (
    child,
    copy_tree,
    files_under,
    inside,
    is_store,
    location,
    move_into_place,
    relative,
    remove_tree,
    staging_folder,
    write_atomically,
)


@pytest.fixture
def store(object_store):
    """A fresh object-store folder (memory://, then an S3 bucket)."""
    return location(f"{object_store}/output")


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def test_a_folder_is_a_path_and_a_url_is_a_store_location(tmp_path):
    assert location("output") == Path("output") and not is_store(location("output"))
    assert location(tmp_path) is tmp_path
    # file:// is a folder, as for the raw landing: a shared file system mounted on every worker.
    assert location(f"file://{tmp_path}/out") == tmp_path / "out"
    memory = location("memory://bucket/output/")
    assert is_store(memory) and str(memory) == "memory://bucket/output"
    assert str(memory / "scorecards" / "52.05") == "memory://bucket/output/scorecards/52.05"


def test_the_output_dir_is_a_folder_by_default_and_an_fsspec_url_when_set(monkeypatch, tmp_path):
    monkeypatch.delenv("RAPOR_OUTPUT_DIR", raising=False)
    monkeypatch.setenv("RAPOR_HOME", str(tmp_path))
    assert config.output_dir() == tmp_path / "output"
    monkeypatch.setenv("RAPOR_OUTPUT_DIR", "memory://rapor/output")
    assert is_store(config.output_dir()) and str(config.output_dir()) == "memory://rapor/output"
    monkeypatch.setenv("RAPOR_OUTPUT_DIR", f"file://{tmp_path}/shared")
    assert config.output_dir() == tmp_path / "shared"


def test_an_output_dir_whose_filesystem_package_is_missing_is_a_clear_error(monkeypatch):
    # s3fs is a dependency (s3:// works out of the box); Google Cloud Storage's gcsfs is not.
    assert importlib.util.find_spec("s3fs") is not None and importlib.util.find_spec("gcsfs") is None
    monkeypatch.setenv("RAPOR_OUTPUT_DIR", "gs://rapor/output")
    with pytest.raises(ConfigError, match=r"RAPOR_OUTPUT_DIR=gs://rapor/output: .*not installed.*gcsfs"):
        config.output_dir()


def test_a_file_written_whole_in_a_folder_keeps_the_mode_it_is_given_or_the_umask(tmp_path):
    plain, public = tmp_path / "a" / "plain.csv", tmp_path / "a" / "public.html"
    write_atomically(plain, b"x;y\n")
    write_atomically(public, b"<p>", mode=0o644)
    assert plain.read_bytes() == b"x;y\n" and public.read_bytes() == b"<p>"
    assert plain.stat().st_mode & 0o777 == 0o666 & ~_umask()  # as any new file (write_bytes) would be
    assert public.stat().st_mode & 0o777 == 0o644
    write_atomically(plain, b"rewritten")
    assert plain.read_bytes() == b"rewritten"
    assert sorted(p.name for p in plain.parent.iterdir()) == ["plain.csv", "public.html"]  # no temporary file left


def test_a_file_written_whole_in_the_store(store):
    path = store / "scorecards" / "52.05" / "scorecard-2026-10.csv"
    write_atomically(path, b"region_code\n52.05\n", mode=0o644)
    assert path.read_bytes() == b"region_code\n52.05\n"
    assert files_under(store) == ["scorecards/52.05/scorecard-2026-10.csv"]


def test_a_folder_copied_to_the_store_and_back_is_the_same_files(tmp_path, store):
    site = tmp_path / "site"
    (site / "static" / "vendor").mkdir(parents=True)
    (site / "index.html").write_bytes(b"<html>\xc3\xa9</html>")
    (site / "static" / "vendor" / "a.css").write_bytes(b"body{}")
    copy_tree(site, store / "docs")
    copy_tree(store / "docs", store / "copy")  # store to store
    copy_tree(store / "copy", tmp_path / "back")
    assert files_under(store / "docs") == files_under(site) == ["index.html", "static/vendor/a.css"]
    for name in files_under(site):
        assert (tmp_path / "back" / name).read_bytes() == (site / name).read_bytes()


def test_a_staged_folder_moves_into_the_store_whole_with_its_marker_file(store):
    final = store / "published" / "52.05" / "2026-10" / "r1"
    staging = staging_folder(final)
    assert not is_store(staging) and staging.is_dir() and not any(staging.iterdir())
    (staging / "manifest.json").write_text("{}")
    (staging / "data-docs").mkdir()
    (staging / "data-docs" / "index.html").write_text("<html>")
    move_into_place(staging, final, last="manifest.json")
    remove_tree(staging)
    assert files_under(final) == ["data-docs/index.html", "manifest.json"]
    assert final.is_dir() and not staging.exists()


def test_a_staged_folder_is_renamed_into_a_local_folder(tmp_path):
    final = tmp_path / "published" / "52.05" / "2026-10" / "r1"
    staging = staging_folder(final)
    assert staging.parent == final.parent and staging.name.startswith(".tmp-r1-")
    (staging / "manifest.json").write_text("{}")
    move_into_place(staging, final, last="manifest.json")
    assert files_under(final) == ["manifest.json"] and not staging.exists()


def test_links_and_joins_never_leave_their_folder(tmp_path, store):
    assert relative(store / "a" / "index.html", store) == "a/index.html"
    assert relative(tmp_path / "a" / "index.html", tmp_path) == "a/index.html"
    assert relative(store / "a", tmp_path) is None and relative(tmp_path.parent, tmp_path) is None
    assert str(child(store, "validations/x/../y.html")) == f"{store}/validations/y.html"
    assert child(store, "../published/manifest.json") is None and child(store, "/etc/passwd") is None
    assert child(tmp_path, "../elsewhere") is None and child(tmp_path, "a/b") == (tmp_path / "a" / "b").resolve()
    assert inside(store / "scorecards", store) and not inside(location("memory://other/output"), store)
