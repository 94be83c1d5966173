"""Hotline exports dropped in an inbox: loaded once by checksum, archived, never deleted."""

from __future__ import annotations

import json
import shutil
from datetime import datetime

import pytest
from collectors_support import assert_matches_truth
from sqlalchemy import func, select

from rapor.collectors.hotline import collect_hotline
from rapor.collectors.raw import RawLanding
from rapor.demo.simulator.world import WITA
from rapor.errors import InputFileError
from rapor.warehouse import schema

SOURCES = ("hotline-call", "hotline-wa")


@pytest.fixture
def inbox(tmp_path):
    path = tmp_path / "inbox"
    path.mkdir()
    return path


def load(engine, inbox, tmp_path):
    return collect_hotline(engine, str(inbox), landing=RawLanding(tmp_path / "raw"))


def archived(inbox) -> list[str]:
    return sorted(p.name for p in (inbox / "arsip").rglob("*") if p.is_file())


def test_exports_load_into_the_ground_truth_and_move_to_the_archive(region, world, inbox, tmp_path):
    files = world.write_hotline_exports(inbox)
    assert {f.suffix for f in files} == {".csv", ".xlsx"}
    run = load(region, inbox, tmp_path)
    assert_matches_truth(region, world, SOURCES)
    assert [p.name for p in inbox.iterdir() if p.is_file()] == []
    assert archived(inbox) == sorted(f.name for f in files)  # moved, not deleted
    assert run.quarantined == 1


def test_a_hand_typed_date_is_quarantined_with_its_row_in_the_file(region, world, inbox, tmp_path):
    (csv_file,) = [f for f in world.write_hotline_exports(inbox) if f.suffix == ".csv"]
    lines = csv_file.read_text(encoding="utf-8").splitlines()
    bad_row = next(n for n, line in enumerate(lines, start=1) if "31/02/2026" in line)
    load(region, inbox, tmp_path)
    with region.connect() as conn:
        (problem,) = conn.execute(select(schema.quarantine)).mappings().all()
    assert (problem["rule"], problem["field"], problem["row_number"]) == ("invalid_timestamp", "received_at", bad_row)
    assert problem["source_file"].endswith(csv_file.name)
    assert json.loads(problem["raw_record"])["reporter"].startswith("p-")  # the caller's number is a pseudonym


def test_the_same_file_under_another_name_is_not_loaded_twice(region, world, inbox, tmp_path):
    files = world.write_hotline_exports(inbox)
    load(region, inbox, tmp_path)
    with region.connect() as conn:
        loaded_before = conn.execute(select(func.count()).select_from(schema.import_file)).scalar_one()
    copy = inbox / ("ulang-" + files[0].name)
    shutil.copy(inbox / "arsip" / next((inbox / "arsip").iterdir()).name / files[0].name, copy)
    run = load(region, inbox, tmp_path)
    assert run.partitions == 0  # recognised by its checksum: archived only
    assert not copy.exists() and "ulang-" + files[0].name in archived(inbox)
    with region.connect() as conn:
        assert conn.execute(select(func.count()).select_from(schema.import_file)).scalar_one() == loaded_before


def test_a_later_export_updates_the_tickets_it_repeats(region, world, inbox, tmp_path):
    early = datetime(2026, 9, 16, 12, tzinfo=WITA)
    world.write_hotline_exports(inbox, as_of=early)
    load(region, inbox, tmp_path)
    assert_matches_truth(region, world, SOURCES, as_of=early)
    world.write_hotline_exports(inbox)  # the month's full export, a few weeks later
    load(region, inbox, tmp_path)
    assert_matches_truth(region, world, SOURCES)


def test_an_unknown_export_stays_in_the_inbox_and_fails_the_run(region, world, inbox, tmp_path):
    (inbox / "rekap-manual.csv").write_text("tanggal,keterangan\n01/09/2026,telepon masuk\n", encoding="utf-8")
    world.write_hotline_exports(inbox)
    with pytest.raises(InputFileError, match="rekap-manual.csv"):
        load(region, inbox, tmp_path)
    assert (inbox / "rekap-manual.csv").exists()
    assert_matches_truth(region, world, SOURCES)  # the known exports still loaded


def test_an_inbox_on_any_fsspec_location(region, world, tmp_path):
    # The same inbox as a file:// URL (an s3:// or sftp:// inbox takes the same path).
    folder = tmp_path / "remote-inbox"
    world.write_hotline_exports(folder)
    collect_hotline(region, folder.as_uri(), landing=RawLanding(tmp_path / "raw"))
    assert_matches_truth(region, world, SOURCES)
    assert not any(p.is_file() for p in folder.iterdir())


def test_an_unreadable_export_is_named_by_its_inbox_name_and_blocks_no_other(region, world, inbox, tmp_path):
    # Saved by hand from Excel as "CSV (Windows-1252)", dropped before the month's real exports.
    broken = inbox / "00-rekap-callcenter.csv"
    broken.write_bytes("no_tiket,saluran,waktu_masuk\nHL-1,0373-21000,01/09/2026 08:00 Désa\n".encode("latin-1"))
    world.write_hotline_exports(inbox)
    with pytest.raises(InputFileError) as refused:
        load(region, inbox, tmp_path)
    message = str(refused.value)
    assert "00-rekap-callcenter.csv: not UTF-8 text" in message and "line 2" in message
    assert str(tmp_path / "raw") not in message  # the inbox file, not its raw-landing copy
    assert broken.exists()  # kept where the operator put it
    assert_matches_truth(region, world, SOURCES)  # every other export loaded


def test_an_inbox_in_an_empty_bucket_is_an_inbox_with_nothing_to_load(region, s3_bucket):
    # S3 has no folders: before the first export is dropped, the inbox's prefix lists as missing.
    run = collect_hotline(region, f"{s3_bucket}/inbox/hotline", landing=RawLanding(f"{s3_bucket}/raw"))
    assert (run.pages, run.loaded, run.failed, run.landed) == (0, 0, [], [])
    with region.connect() as conn:
        assert conn.execute(select(schema.complaint)).first() is None


def test_inbox_archive_and_raw_landing_in_object_storage_as_every_worker_would_reach_it(
    region, world, tmp_path, object_store
):
    # fsspec's memory:// filesystem, and a bucket of an S3 server on loopback (s3fs, as on S3 or
    # MinIO): nothing on local disk.
    import hashlib

    import fsspec

    from rapor.collectors.raw import read_landed

    base = object_store  # removed afterwards by the fixture
    fs, root = fsspec.core.url_to_fs(base)
    exports = {}
    for path in world.write_hotline_exports(tmp_path / "exports"):
        fs.pipe_file(f"{root}/inbox/{path.name}", path.read_bytes())
        exports[hashlib.sha256(path.read_bytes()).hexdigest()] = path.read_bytes()
    collect_hotline(region, f"{base}/inbox", landing=RawLanding(f"{base}/raw"))
    assert_matches_truth(region, world, SOURCES)
    assert [e["name"] for e in fs.ls(f"{root}/inbox", detail=True) if e["type"] == "file"] == []
    assert len(fs.find(f"{root}/inbox/arsip")) == len(exports)  # moved within the store
    rl = schema.raw_landing
    with region.connect() as conn:
        landed = conn.execute(select(rl.c.source, rl.c.sha256, rl.c.path)).all()
        assert {sha for _, sha, _ in landed} == set(exports)
        assert all(path.startswith(f"{base}/raw/") for _, _, path in landed)
        for source, sha, _ in landed:  # the raw copy is the export's bytes, read back from the store
            assert read_landed(conn, source, sha) == exports[sha]
