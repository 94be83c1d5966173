"""Appeals (banding): filed in the window, decided with a reason by a named user, applied as
overrides the scoring reads (the raw record unchanged), listed in the next revision's reason."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from rapor.errors import ConfigError
from rapor.publish.appeals import AppealError, AppealRequest, decide_appeal, decided_unapplied, file_appeal
from rapor.publish.fingerprint import complaint_ref, read_snapshot
from rapor.publish.inputs import StaleInputsError, recompute_rows
from rapor.publish.report import build_context
from rapor.publish.revisions import INPUTS, REPORT_HTML, publish_month, read_manifest, revision_info
from rapor.scoring.periods import Period
from rapor.scoring.scorecard import score_month_in_order
from rapor.tasks.publish import plan_publications
from rapor.vocabulary import APPEAL_ACCEPTED, APPEAL_COMPLAINT, APPEAL_CORRECT, APPEAL_EXCLUDE, APPEAL_INDICATOR
from rapor.warehouse import schema

REGION, OCTOBER = "52.05", "2026-10"
PUBLISHED_AT = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)  # Monday: the window closes 10 HK later
WITHIN = PUBLISHED_AT + timedelta(days=3)


def _an_indicator(engine, opd_code: str):
    ins = schema.inspection
    with engine.connect() as conn:
        return conn.execute(
            select(ins.c.inspected_on, ins.c.indicator, ins.c.score)
            .where(ins.c.region_code == REGION, ins.c.opd_code == opd_code)
            .order_by(ins.c.inspected_on.desc(), ins.c.indicator)
        ).first()


def _counts(engine, opd_code: str) -> tuple[int, int]:
    sc = schema.scorecard
    with engine.connect() as conn:
        return tuple(
            conn.execute(
                select(sc.c.n_first_response, sc.c.n_first_response_on_time).where(
                    sc.c.region_code == REGION, sc.c.period == OCTOBER, sc.c.opd_code == opd_code
                )
            ).one()
        )


def test_an_accepted_appeal_excludes_the_complaint_and_the_next_revision_lists_the_decisions(
    scored, pass_gate, monkeypatch
):
    monkeypatch.setenv("RAPOR_PSEUDONYM_KEY", "test-pseudonym-key")
    from rapor import config

    key = config.pseudonym_keys()
    engine = scored.engine
    pass_gate()
    first = publish_month(engine, REGION, OCTOBER, now=PUBLISHED_AT)
    ((opd_code, source, complaint_id),) = _late_complaints(engine, 1)
    ref = complaint_ref(source, complaint_id, key)
    before = _counts(engine, opd_code)

    complaint = AppealRequest(
        REGION,
        OCTOBER,
        opd_code,
        APPEAL_COMPLAINT,
        APPEAL_EXCLUDE,
        "bukan kewenangan kami",
        "Keluhan ini tentang jalan provinsi, bukan tugas dinas kami.",
        complaint_ref=ref,
    )
    indicator = _an_indicator(engine, opd_code)
    sop = AppealRequest(
        REGION,
        OCTOBER,
        opd_code,
        APPEAL_INDICATOR,
        APPEAL_CORRECT,
        "nilai inspeksi keliru",
        "SOP pengaduan sudah disahkan sebelum inspeksi.",
        inspected_on=indicator.inspected_on,
        indicator=indicator.indicator,
        corrected_score=3,
    )
    # Nobody files anonymously, nor after the window closed, nor twice for one item.
    with pytest.raises(AppealError, match="pengguna Airflow yang masuk"):
        file_appeal(engine, complaint, "  ", now=WITHIN)
    with pytest.raises(AppealError, match="masa banding .* berakhir"):
        file_appeal(engine, complaint, "opd.dinas", now=PUBLISHED_AT + timedelta(days=30))
    with pytest.raises(AppealError, match="tidak ada dalam bukti"):
        file_appeal(
            engine, AppealRequest(**{**complaint.__dict__, "complaint_ref": "k-0000000000000000"}), "opd", now=WITHIN
        )
    first_no = file_appeal(engine, complaint, "opd.dinas", now=WITHIN)
    with pytest.raises(AppealError, match="sudah dibanding"):
        file_appeal(engine, complaint, "opd.dinas", now=WITHIN)
    second_no = file_appeal(engine, sop, "opd.dinas", now=WITHIN)

    with pytest.raises(AppealError, match="pengguna Airflow yang masuk"):
        decide_appeal(engine, first_no, APPEAL_ACCEPTED, "Benar: jalan provinsi.", None)
    decide_appeal(engine, first_no, "diterima", "Benar: jalan provinsi, kewenangan Dinas PU provinsi.", "inspektur.a")
    decide_appeal(engine, second_no, "ditolak", "SOP disahkan sesudah tanggal inspeksi.", "inspektur.a")
    with pytest.raises(AppealError, match="sudah diputus"):
        decide_appeal(engine, second_no, "diterima", "Berubah pikiran tanpa bukti.", "inspektur.b")

    with engine.connect() as conn:
        raw = conn.execute(select(schema.complaint).where(schema.complaint.c.complaint_id == complaint_id)).first()
        override = conn.execute(select(schema.complaint_override)).one()
        assert decided_unapplied(conn) == [
            {"region_code": REGION, "period": OCTOBER, "appeal_ids": [first_no, second_no]}
        ]
    assert raw is not None and raw.opd_code == opd_code  # the raw record stays as it arrived
    assert (override.appeal_id, override.excluded, override.decided_by) == (first_no, True, "inspektur.a")
    # Decided but not re-scored yet: the month cannot be published from stale inputs.
    with pytest.raises(StaleInputsError):
        publish_month(engine, REGION, OCTOBER, now=WITHIN)

    score_month_in_order(engine, REGION, Period.parse(OCTOBER))
    pass_gate()
    n1, on_time = before
    assert _counts(engine, opd_code) == (n1 - 1, on_time)  # the late answer no longer counts
    second = publish_month(engine, REGION, OCTOBER, now=WITHIN + timedelta(hours=1))
    assert second.revision == first.revision + 1
    assert f"no. {first_no} diterima (OPD {opd_code}, keluhan {ref}" in second.reason
    assert f"no. {second_no} ditolak" in second.reason and "oleh inspektur.a" in second.reason
    snapshot = read_snapshot(second.folder / INPUTS)
    assert ref not in {e["ref"] for e in snapshot["evidence"]}
    assert complaint_id not in str(snapshot)  # the publication names the complaint by its reference only
    # The report counts the OPD's appeals and lists the decisions with who made them.
    context = build_context(snapshot, recompute_rows(snapshot), revision_info(read_manifest(second.folder), []))
    (counts,) = context["appeal_counts"]
    assert (counts["opd_code"], counts["filed"], counts["accepted"], counts["rejected"]) == (opd_code, 2, 1, 1)
    html = (second.folder / REPORT_HTML).read_text(encoding="utf-8")
    assert "<h2>Banding</h2>" in html and "inspektur.a" in html and ref in html


def test_a_forced_republication_and_a_released_month_name_who_did_it(scored, pass_gate):
    engine = scored.engine
    with pytest.raises(ConfigError, match="Airflow user who triggered it"):
        plan_publications(REGION, OCTOBER, "Koreksi: berkas BKD rusak", force=True, triggered_by=None)
    assert plan_publications(REGION, OCTOBER, "Koreksi: berkas BKD rusak", force=True, triggered_by="op.budi")

    pass_gate(override_reason="Data hotline lengkap, pemeriksaan salah hitung", override_by="kepala.inspektorat")
    outcome = publish_month(engine, REGION, OCTOBER, now=PUBLISHED_AT, published_by="kepala.inspektorat (manual)")
    assert "Gerbang mutu data dilepas oleh kepala.inspektorat" in outcome.reason
    assert "Data hotline lengkap, pemeriksaan salah hitung" in outcome.reason
    history = (outcome.folder / REPORT_HTML).read_text(encoding="utf-8")
    assert "kepala.inspektorat (manual)" in history  # who published it, in the revision history
    forced = publish_month(
        engine, REGION, OCTOBER, "Koreksi: berkas BKD rusak", force=True, published_by="op.budi (manual__x)"
    )
    assert "dilepas" not in forced.reason  # the release is told once, in the revision it came with
    assert "op.budi (manual__x)" in (forced.folder / REPORT_HTML).read_text(encoding="utf-8")


def _late_complaints(engine, n: int) -> list[tuple[str, str, str]]:
    """The first ``n`` complaints answered late in October: (opd_code, source, complaint_id)."""
    ev = schema.score_evidence
    with engine.connect() as conn:
        return [
            tuple(r)
            for r in conn.execute(
                select(ev.c.opd_code, ev.c.source, ev.c.complaint_id)
                .where(
                    ev.c.region_code == REGION,
                    ev.c.period == OCTOBER,
                    ev.c.in_first_response,
                    ev.c.first_response_on_time.is_(False),
                )
                .order_by(ev.c.opd_code, ev.c.source, ev.c.complaint_id)
                .limit(n)
            )
        ]


def _pseudonyms(engine) -> dict[tuple[str, str], str]:
    c = schema.complaint
    with engine.connect() as conn:
        rows = conn.execute(
            select(c.c.source, c.c.complaint_id, c.c.reporter_pseudonym).where(c.c.reporter_pseudonym.is_not(None))
        ).all()
    return {(s, i): p for s, i, p in rows}


def _exclude(opd_code: str, ref: str) -> AppealRequest:
    return AppealRequest(
        REGION, OCTOBER, opd_code, APPEAL_COMPLAINT, APPEAL_EXCLUDE, "bukan kewenangan kami", "Jalan provinsi.", ref
    )


def test_a_key_rotation_rekeys_pseudonyms_and_appeal_references_and_old_references_still_resolve(
    scored, pass_gate, monkeypatch
):
    from rapor import config
    from rapor.privacy import chained, key_fingerprint
    from rapor.warehouse.pseudonyms import recorded_keyring, rekey

    old, new = b"test-pseudonym-key", b"the-rotated-key"
    monkeypatch.setenv("RAPOR_PSEUDONYM_KEY", old.decode())
    engine = scored.engine
    pass_gate()
    first = publish_month(engine, REGION, OCTOBER, now=PUBLISHED_AT)
    (opd_a, src_a, id_a), (opd_b, src_b, id_b) = _late_complaints(engine, 2)
    filed = file_appeal(engine, _exclude(opd_a, complaint_ref(src_a, id_a, old)), "opd.a", now=WITHIN)
    stored = _pseudonyms(engine)
    assert stored  # the demo's app and hotline complaints name their reporters

    # The keyring gets the new key: nothing is written or published until the warehouse is re-keyed.
    monkeypatch.setenv("RAPOR_PSEUDONYM_PREVIOUS_KEYS", old.decode())
    monkeypatch.setenv("RAPOR_PSEUDONYM_KEY", new.decode())
    with pytest.raises(ConfigError, match="run `rapor rekey-pseudonyms`"):
        publish_month(engine, REGION, OCTOBER, now=WITHIN)
    done = rekey(engine, config.pseudonym_keys())
    assert (done.keys_applied, done.complaints, done.appeals) == (1, len(stored), 1)
    assert _pseudonyms(engine) == {k: chained(p, [new]) for k, p in stored.items()}
    with engine.connect() as conn:
        assert recorded_keyring(conn) == [key_fingerprint(old), key_fingerprint(new)]
        ref_a = conn.execute(select(schema.appeal.c.complaint_ref).where(schema.appeal.c.appeal_id == filed)).scalar()
    assert ref_a == complaint_ref(src_a, id_a, (old, new)) != complaint_ref(src_a, id_a, old)
    again = rekey(engine, config.pseudonym_keys())  # idempotent
    assert again.keys_applied == 0 and _pseudonyms(engine) == {k: chained(p, [new]) for k, p in stored.items()}

    # An appeal quoting the reference revision 1 shows (under the old key) is still recognised.
    old_ref_b = complaint_ref(src_b, id_b, old)
    assert old_ref_b in {e["ref"] for e in read_snapshot(first.folder / INPUTS)["evidence"]}
    filed_b = file_appeal(engine, _exclude(opd_b, old_ref_b), "opd.b", now=WITHIN)
    with engine.connect() as conn:
        ref_b = conn.execute(select(schema.appeal.c.complaint_ref).where(schema.appeal.c.appeal_id == filed_b)).scalar()
    assert ref_b == complaint_ref(src_b, id_b, (old, new))

    # The next publication is a new revision whose references are the re-keyed ones.
    second = publish_month(engine, REGION, OCTOBER, now=WITHIN + timedelta(hours=1))
    assert second.revision == first.revision + 1
    refs = {e["ref"] for e in read_snapshot(second.folder / INPUTS)["evidence"]}
    assert {ref_a, ref_b} <= refs and old_ref_b not in refs

    # A worker that was given only the new key is refused, naming the fingerprints to match.
    monkeypatch.delenv("RAPOR_PSEUDONYM_PREVIOUS_KEYS")
    with pytest.raises(ConfigError, match=key_fingerprint(old)):
        publish_month(engine, REGION, OCTOBER, now=WITHIN + timedelta(hours=2))
