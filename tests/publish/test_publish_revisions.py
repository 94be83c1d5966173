"""Versioned publication: (region, month, revision), never overwritten, reproducible byte for byte."""

from __future__ import annotations

import hashlib
import json
import os
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from rapor.demo.region import generate_demo_late_export
from rapor.imports import import_files
from rapor.layout import scorecard_path
from rapor.policy import load_policy
from rapor.publish.fingerprint import fingerprint, read_snapshot
from rapor.publish.inputs import PublicationError, recompute_scorecard_csv
from rapor.publish.revisions import (
    BKD_CSV,
    BKD_EXCEL_CSV,
    BKD_XLSX,
    INPUTS,
    MANIFEST,
    REPORT_HTML,
    REPORT_PDF,
    SCORECARD,
    publish_month,
    read_manifest,
    verify_revision,
)
from rapor.scoring.periods import Period
from rapor.scoring.scorecard import score_region_month
from rapor.scoring.scorecard_csv import write_scorecard_csv
from rapor.vocabulary import HELD, PUBLISHED, UNCHANGED
from rapor.warehouse import schema

REGION, OCTOBER = "52.05", "2026-10"
MONDAY_MORNING = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)  # Monday 2 November 2026, 09:00 WITA


def sha(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_first_publication_is_revision_1_with_method_policy_hash_and_inputs_fingerprint(scored, pass_gate):
    pass_gate()
    outcome = publish_month(scored.engine, REGION, OCTOBER, now=MONDAY_MORNING)

    assert (outcome.status, outcome.revision) == (PUBLISHED, 1)
    assert outcome.folder == scored.out_dir / "published" / REGION / OCTOBER / "r1"
    names = {p.name for p in outcome.folder.iterdir()}
    assert names == {SCORECARD, INPUTS, REPORT_HTML, REPORT_PDF, BKD_XLSX, BKD_CSV, BKD_EXCEL_CSV, MANIFEST}
    manifest = read_manifest(outcome.folder)
    assert (manifest["region_code"], manifest["period"], manifest["revision"]) == (REGION, OCTOBER, 1)
    assert manifest["method_version"] == "2026.1"
    assert manifest["policy_sha256"] == load_policy().source_hash
    assert manifest["inputs_sha256"] == fingerprint(read_snapshot(outcome.folder / INPUTS))
    assert manifest["previous_manifest_sha256"] is None
    for name, entry in manifest["files"].items():
        assert sha(outcome.folder / name) == entry["sha256"], name
    with scored.engine.connect() as conn:
        row = conn.execute(select(schema.publication)).mappings().one()
    assert (row["revision"], row["reason"], row["gate_status"]) == (1, "Publikasi pertama.", "lulus")
    assert row["manifest_sha256"] == sha(outcome.folder / MANIFEST)
    assert row["folder"] == f"published/{REGION}/{OCTOBER}/r1"
    # Published files are read-only: nothing rewrites a revision in place.
    assert not os.access(outcome.folder / SCORECARD, os.W_OK) or os.geteuid() == 0
    assert oct((outcome.folder / SCORECARD).stat().st_mode & 0o777) == "0o444"


def test_publishing_unchanged_inputs_again_adds_no_revision(scored, pass_gate):
    pass_gate()
    first = publish_month(scored.engine, REGION, OCTOBER, now=MONDAY_MORNING)
    # The monthly DAG re-scores the month (idempotent): same inputs, same fingerprint.
    score_region_month(scored.engine, REGION, Period(2026, 10))
    again = publish_month(scored.engine, REGION, OCTOBER)

    assert (again.status, again.revision, again.folder) == (UNCHANGED, 1, first.folder)
    with scored.engine.connect() as conn:
        assert len(conn.execute(select(schema.publication)).all()) == 1


def test_a_correction_makes_revision_2_beside_revision_1_which_stays_unchanged(scored, pass_gate, tmp_path):
    pass_gate()
    first = publish_month(scored.engine, REGION, OCTOBER, now=MONDAY_MORNING)
    before = {p.name: sha(p) for p in first.folder.iterdir()}

    # Late data: a hotline log of October (10 complaints answered late) arrives after publication.
    import_files(scored.engine, complaints=[generate_demo_late_export(tmp_path / "late")])
    score_region_month(scored.engine, REGION, Period(2026, 10))
    second = publish_month(
        scored.engine,
        REGION,
        OCTOBER,
        "Koreksi: log hotline Oktober terlambat masuk",
        now=datetime(2026, 11, 5, 2, 0, tzinfo=UTC),
    )

    assert (second.status, second.revision) == (PUBLISHED, 2)
    assert second.folder == first.folder.parent / "r2"
    assert {p.name: sha(p) for p in first.folder.iterdir()} == before  # revision 1 untouched
    assert verify_revision(first.folder) == [] and verify_revision(second.folder) == []
    assert second.reason.startswith("Koreksi: log hotline Oktober terlambat masuk — Perubahan sejak revisi 1: ")
    assert "10 keluhan baru" in second.reason
    m1, m2 = read_manifest(first.folder), read_manifest(second.folder)
    assert m1["inputs_sha256"] != m2["inputs_sha256"]
    assert m2["previous_manifest_sha256"] == sha(first.folder / MANIFEST)  # a hash chain of revisions
    assert (first.folder / SCORECARD).read_bytes() != (second.folder / SCORECARD).read_bytes()
    with scored.engine.connect() as conn:
        revisions = conn.execute(
            select(schema.publication.c.revision, schema.publication.c.reason).order_by(schema.publication.c.revision)
        ).all()
    assert [r for r, _ in revisions] == [1, 2]
    assert revisions[0][1] == "Publikasi pertama."


def test_recomputing_a_revision_from_its_stored_inputs_gives_a_byte_identical_scorecard(scored, pass_gate, tmp_path):
    pass_gate()
    outcome = publish_month(scored.engine, REGION, OCTOBER, now=MONDAY_MORNING)
    stored = (outcome.folder / SCORECARD).read_bytes()

    # From the snapshot alone: empty the warehouse first, so nothing else can be read.
    with scored.engine.begin() as conn:
        for table in (schema.score_evidence, schema.scorecard, schema.inspection, schema.complaint):
            conn.execute(table.delete())
    assert recompute_scorecard_csv(read_snapshot(outcome.folder / INPUTS)) == stored
    assert verify_revision(outcome.folder) == []


def test_the_published_scorecard_is_the_monthly_export(scored, tmp_path):
    outcome = publish_month(scored.engine, REGION, OCTOBER, now=MONDAY_MORNING)
    export = write_scorecard_csv(scored.engine, Period(2026, 10), [REGION], tmp_path / "export.csv")
    published = (outcome.folder / SCORECARD).read_bytes().decode().splitlines()
    assert sorted(published[1:]) == sorted(export.read_text().splitlines()[1:])
    assert published[0] == export.read_text().splitlines()[0]
    assert scorecard_path(REGION, Period(2026, 10)).name == "scorecard-2026-10.csv"


def test_a_changed_file_or_snapshot_is_detected(scored):
    outcome = publish_month(scored.engine, REGION, OCTOBER, now=MONDAY_MORNING)
    target = outcome.folder / SCORECARD
    os.chmod(target, 0o644)
    target.write_bytes(target.read_bytes().replace(b",dinilai,", b",dinilai ,", 1))

    problems = verify_revision(outcome.folder)
    assert "scorecard.csv: SHA-256 differs from the manifest" in problems
    assert any("does not give the same bytes" in p for p in problems)


def test_publishing_refuses_when_a_complaint_of_the_evidence_changed_after_scoring(scored):
    c, ev = schema.complaint, schema.score_evidence
    with scored.engine.begin() as conn:
        source, complaint_id = conn.execute(
            select(ev.c.source, ev.c.complaint_id).where(ev.c.period == OCTOBER, ~ev.c.first_response_on_time).limit(1)
        ).one()
        conn.execute(
            c.update()
            .where(c.c.source == source, c.c.complaint_id == complaint_id)
            .values(first_response_at=datetime(2026, 10, 30, 2, tzinfo=UTC), updated_at=datetime.now(UTC))
        )

    with pytest.raises(PublicationError, match="changed after the month was scored: re-run rapor_monthly"):
        publish_month(scored.engine, REGION, OCTOBER)
    assert not (scored.out_dir / "published" / REGION / OCTOBER / "r1").exists()

    score_region_month(scored.engine, REGION, Period(2026, 10))  # what the message says to do
    assert publish_month(scored.engine, REGION, OCTOBER).revision == 1


def test_complaints_that_arrive_after_scoring_wait_for_the_next_scoring(scored, tmp_path):
    published = publish_month(scored.engine, REGION, OCTOBER, now=MONDAY_MORNING)
    import_files(scored.engine, complaints=[generate_demo_late_export(tmp_path / "late")])
    # Not scored yet: the publication still shows (and is) the scored month.
    assert publish_month(scored.engine, REGION, OCTOBER).status == UNCHANGED
    score_region_month(scored.engine, REGION, Period(2026, 10))
    assert publish_month(scored.engine, REGION, OCTOBER).revision == published.revision + 1


def test_republishing_unchanged_inputs_needs_a_reason(scored):
    publish_month(scored.engine, REGION, OCTOBER, now=MONDAY_MORNING)
    with pytest.raises(PublicationError, match="needs a reason"):
        publish_month(scored.engine, REGION, OCTOBER, force=True)
    forced = publish_month(scored.engine, REGION, OCTOBER, "Templat laporan diperbaiki", force=True)
    assert (forced.revision, forced.reason) == (2, "Templat laporan diperbaiki")


def test_a_held_month_publishes_nothing(scored, hold_gate):
    hold_gate()
    outcome = publish_month(scored.engine, REGION, OCTOBER)

    assert (outcome.status, outcome.revision, outcome.folder) == (HELD, None, None)
    assert not (scored.out_dir / "published").exists()
    with scored.engine.connect() as conn:
        assert conn.execute(select(schema.publication)).all() == []


def test_a_month_not_checked_yet_gets_a_report_but_no_bkd_file_until_the_gate_passes(scored, pass_gate):
    unchecked = publish_month(scored.engine, REGION, OCTOBER, now=MONDAY_MORNING)
    assert {p.name for p in unchecked.folder.iterdir()} == {SCORECARD, INPUTS, REPORT_HTML, REPORT_PDF, MANIFEST}
    manifest = read_manifest(unchecked.folder)
    assert (manifest["gate_status"], manifest["bkd_produced"], manifest["appeal_deadline_at"]) == (
        "belum diperiksa",
        False,
        None,
    )
    assert "belum berlaku" in (unchecked.folder / REPORT_HTML).read_text()

    pass_gate()  # the gate runs later: same inputs, new verdict → revision 2 with the BKD file
    checked = publish_month(scored.engine, REGION, OCTOBER)
    assert checked.revision == 2
    assert "gerbang mutu data: belum diperiksa menjadi lulus" in checked.reason
    assert (checked.folder / BKD_XLSX).is_file() and (checked.folder / BKD_CSV).is_file()
    assert json.loads((checked.folder / MANIFEST).read_text())["inputs_sha256"] == manifest["inputs_sha256"]


def test_rapor_verify_command_checks_revisions(scored, capsys):
    from rapor.cli import main

    outcome = publish_month(scored.engine, REGION, OCTOBER, now=MONDAY_MORNING)
    assert main(["verify", str(outcome.folder)]) == 0
    assert "OK (hashes match, scorecard recomputed byte for byte)" in capsys.readouterr().out
    assert main(["verify", str(outcome.folder.parent / "r7")]) == 1
    assert "manifest.json: missing" in capsys.readouterr().out
