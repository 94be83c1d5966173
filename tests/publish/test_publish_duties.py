"""Channel duties beside S_sop in the Inspektorat's report (shown, not counted by method 2026.1)."""

from __future__ import annotations

import copy
import re
from datetime import UTC, datetime

import pytest
import yaml

from rapor import config
from rapor.errors import ConfigError
from rapor.policy import load_policy, parse_policy
from rapor.publish.fingerprint import read_snapshot
from rapor.publish.inputs import recompute_rows, recompute_scorecard_csv
from rapor.publish.report import build_context, render_html
from rapor.publish.revisions import INPUTS, REPORT_HTML, SCORECARD, publish_month, read_manifest, revision_info

REGION, OCTOBER = "52.05", "2026-10"
MONDAY_MORNING = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)


def render(snapshot: dict, folder) -> str:
    return render_html(build_context(snapshot, recompute_rows(snapshot), revision_info(read_manifest(folder), [])))


def opd_article(html: str, opd_code: str) -> str:
    return html.split(f'id="opd-{opd_code}"', 1)[1].split("</article>", 1)[0]


def test_the_report_shows_each_opds_channel_duties_beside_s_sop(scored, pass_gate):
    pass_gate()
    outcome = publish_month(scored.engine, REGION, OCTOBER, now=MONDAY_MORNING)
    snapshot = read_snapshot(outcome.folder / INPUTS)
    duties = {d["opd_code"]: d for d in snapshot["channel_duties"]}
    assert set(duties) == {o["opd_code"] for o in snapshot["opds"]}  # one per OPD of the scorecard
    html = (outcome.folder / REPORT_HTML).read_text(encoding="utf-8")
    assert "<th>Nilai standar pelayanan</th><th>Tugas kanal</th>" in html
    assert html.count('<td class="duties">') == len(snapshot["opds"])
    # The demo's files carry no channel accounts: the social duty reads from the replies seen, the
    # phone duty says there is no number to measure.
    with_replies = next(code for code, d in duties.items() if d["n_replies"])
    article = opd_article(html, with_replies)
    assert f"Akun media sosial resmi membalas: ya, {duties[with_replies]['n_replies']} tanggapan" in article
    assert "Telepon ke nomor OPD yang ditanggapi: tidak ada nomor terdaftar" in article
    assert "Akun media sosial resmi memposting: tidak ada akun terdaftar" in article  # posts are listed per account
    assert "tidak dihitung dalam nilai" in article
    assert "Tugas kanal pengaduan" in html  # its methodology block

    # Counts as the collectors give them: a share of calls in words, a silent account as a "no".
    changed = copy.deepcopy(snapshot)
    for item in changed["channel_duties"]:
        if item["opd_code"] == with_replies:
            item.update(n_social_accounts=2, n_comments_received=0, n_replies=0, n_hotline_lines=1, n_calls=8)
            item.update(n_calls_answered=6)
    article = opd_article(render(changed, outcome.folder), with_replies)
    assert "Akun media sosial resmi membalas: tidak ada tanggapan bulan ini" in article
    assert "Akun media sosial menerima komentar (kolom komentar terbuka): tidak ada komentar bulan ini" in article
    assert "Telepon ke nomor OPD yang ditanggapi: 75,0% (6 dari 8 telepon)" in article
    row = re.search(
        rf'opd-{re.escape(with_replies)}">.*?<td class="duties">(.*?)</td>', render(changed, outcome.folder), re.S
    )
    assert row.group(1) == "memposting tidak; membalas tidak; komentar tidak; telepon 75%"
    assert "Akun media sosial resmi memposting: tidak ada unggahan bulan ini" in article
    for item in changed["channel_duties"]:
        if item["opd_code"] == with_replies:
            item.update(n_posts=4)
    article = opd_article(render(changed, outcome.folder), with_replies)
    assert "Akun media sosial resmi memposting: ya, 4 unggahan" in article


def test_channel_duties_do_not_change_the_scorecard(scored, pass_gate):
    pass_gate()
    outcome = publish_month(scored.engine, REGION, OCTOBER, now=MONDAY_MORNING)
    snapshot = read_snapshot(outcome.folder / INPUTS)
    published = (outcome.folder / SCORECARD).read_bytes()
    silent = copy.deepcopy(snapshot)
    for item in silent["channel_duties"]:
        item.update(n_social_accounts=3, n_comments_received=0, n_replies=0, n_hotline_lines=1, n_calls=5)
        item.update(n_calls_answered=0)
    assert recompute_scorecard_csv(silent) == recompute_scorecard_csv(snapshot) == published


def test_a_snapshot_from_before_the_duties_still_renders(scored, pass_gate):
    pass_gate()
    outcome = publish_month(scored.engine, REGION, OCTOBER, now=MONDAY_MORNING)
    older = read_snapshot(outcome.folder / INPUTS)
    del older["channel_duties"]
    html = render(older, outcome.folder)
    assert "Akun media sosial resmi membalas" not in html and '<td class="duties">—</td>' in html


def test_the_policy_shows_the_duties_and_refuses_to_count_them_without_a_method_rule():
    assert load_policy().channel_duties.count_in_pengaduan is False
    data = yaml.safe_load(config.policy_path().read_bytes())
    with pytest.raises(ConfigError, match="does not define how a channel duty"):
        parse_policy({**data, "channel_duties": {"count_in_pengaduan": True}})
    with pytest.raises(ConfigError, match="true or false"):
        parse_policy({**data, "channel_duties": {"count_in_pengaduan": "ya"}})
    with pytest.raises(ConfigError, match="unknown channel_duties settings"):
        parse_policy({**data, "channel_duties": {"weight": 5}})
    del data["channel_duties"]
    assert parse_policy(data).channel_duties.count_in_pengaduan is False
