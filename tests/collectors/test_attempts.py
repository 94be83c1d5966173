"""Every collection attempt is recorded per account; a broken page does not silence the others.

The simulator speaks the Graph API's own failures: code 190 for a page whose token was
invalidated, code 100 with the real "missing permission" message of
api-samples/facebook/error_data.json, and comments without ``from`` (and ``id``) when the
token is not the page's, as in api-samples/facebook/comments_p1.json.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from collectors_support import collect, stored
from sqlalchemy import select

from rapor.collectors.http import AuthError, PermissionMissingError
from rapor.collectors.streams import FacebookComments
from rapor.demo.simulator.world import opd_account
from rapor.warehouse import schema

UNTIL = datetime(2026, 11, 2, tzinfo=UTC)


def attempts(engine) -> dict[str, dict]:
    with engine.connect() as conn:
        rows = conn.execute(select(schema.collection_attempt).order_by(schema.collection_attempt.c.attempt_id))
        return {r["account_id"]: dict(r) for r in rows.mappings()}


def facebook_of(engine, world, opd: str) -> set[str]:
    page = opd_account("facebook", opd)
    ids = {c.native_id for c in world.visible("facebook") if c.extra["account"] == page}
    return {cid for (_, cid) in stored(engine, ("facebook",)) if cid in ids}


def test_a_page_whose_token_expired_is_recorded_and_the_other_pages_are_still_collected(region, sim, world):
    broken = opd_account("facebook", "DPUPR")
    sim.set_faults(expired_accounts=(broken,))
    with pytest.raises(AuthError, match="rapor_facebook"):
        collect(region, FacebookComments(), until=UNTIL)
    seen = attempts(region)
    assert seen[broken]["outcome"] == "token_expired" and "`rapor_facebook`" in seen[broken]["error"]
    assert seen[broken]["opd_code"] == "DPUPR" and seen[broken]["conn_id"] == "rapor_facebook"
    others = {account: a["outcome"] for account, a in seen.items() if account != broken}
    assert len(others) == 3 and set(others.values()) == {"ok"}  # the Bupati's page and two OPD pages
    assert facebook_of(region, world, "DPUPR") == set()
    assert facebook_of(region, world, "DISDUKCAPIL")  # collected despite the broken page
    # The window runs from the connection's start_date (no success before) to the run's end.
    window = (seen[broken]["window_start"], seen[broken]["window_end"])
    assert [w.replace(tzinfo=w.tzinfo or UTC) for w in window] == [datetime(2026, 9, 1, tzinfo=UTC), UNTIL]
    for token in filter(None, sim.tokens.values()):
        assert all(token not in (a["error"] or "") for a in seen.values())


def test_once_the_token_is_renewed_the_next_attempt_covers_the_gap_from_the_last_success(region, sim, world):
    broken = opd_account("facebook", "DPUPR")
    collect(region, FacebookComments(), until=datetime(2026, 10, 1, tzinfo=UTC))
    sim.set_faults(expired_accounts=(broken,))
    with pytest.raises(AuthError):
        collect(region, FacebookComments(), until=datetime(2026, 10, 20, tzinfo=UTC))
    sim.set_faults()
    collect(region, FacebookComments(), until=UNTIL)
    with region.connect() as conn:
        a = schema.collection_attempt
        rows = conn.execute(
            select(a.c.outcome, a.c.window_start, a.c.window_end)
            .where(a.c.account_id == broken)
            .order_by(a.c.attempt_id)
        ).all()
    aware = [(o, s.replace(tzinfo=s.tzinfo or UTC), e.replace(tzinfo=e.tzinfo or UTC)) for o, s, e in rows]
    assert aware == [
        ("ok", datetime(2026, 9, 1, tzinfo=UTC), datetime(2026, 10, 1, tzinfo=UTC)),
        ("token_expired", datetime(2026, 10, 1, tzinfo=UTC), datetime(2026, 10, 20, tzinfo=UTC)),
        ("ok", datetime(2026, 10, 1, tzinfo=UTC), UNTIL),  # read back from the last success
    ]


def test_a_page_the_app_may_not_read_is_a_configuration_error_with_the_real_message(region, sim):
    unreadable = opd_account("facebook", "KEC-WOJA")
    sim.set_faults(unreadable_accounts=(unreadable,))
    with pytest.raises(PermissionMissingError, match="pages_read_engagement"):
        collect(region, FacebookComments(), until=UNTIL)
    seen = attempts(region)
    assert seen[unreadable]["outcome"] == "permission_missing"
    assert "configuration error" in seen[unreadable]["error"]


def test_without_a_page_token_replies_are_counted_unidentified_and_no_first_response_is_guessed(
    region, sim, world, monkeypatch
):
    conn = sim.connections(start_date="2026-09-01", region_code="52.05", page_size=5)["rapor_facebook"]
    monkeypatch.setenv("AIRFLOW_CONN_RAPOR_FACEBOOK", json.dumps({**conn, "password": sim.tokens["graph_user"]}))
    run, _ = collect(region, FacebookComments(), until=UNTIL)
    complaints = stored(region, ("facebook",))
    assert complaints and all(c["first_response_at"] is None for c in complaints.values())
    # Every reply the world has on Facebook is there, none with an author.
    replies = sum(len(c.extra["replies"]) for c in world.visible("facebook"))
    assert run.unidentified_replies == replies > 0
    seen = attempts(region)
    assert sum(a["unidentified_replies"] for a in seen.values()) == replies
    assert {a["outcome"] for a in seen.values()} == {"ok"}
