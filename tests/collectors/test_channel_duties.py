"""Channel duties (issue 9 item 7) measured from what the collectors saw, against the channels' truth.

The simulator speaks the platforms' shapes (Graph API threads, X mentions, the call center's
CSV export); the duties computed from the warehouse after collecting must equal the ones
counted directly from the simulator's own complaints.
"""

from __future__ import annotations

from datetime import UTC, datetime
from fractions import Fraction
from zoneinfo import ZoneInfo

import pytest
from collectors_support import OPDS, collect

from rapor.collectors.hotline import collect_hotline
from rapor.collectors.raw import RawLanding
from rapor.collectors.streams import FacebookComments, InstagramComments, XMentions
from rapor.demo.simulator.world import CALL_CENTER_HEADER
from rapor.scoring.duties import ChannelDuties, channel_duties
from rapor.scoring.periods import Period
from rapor.vocabulary import (
    CALL_LOG_SOURCE,
    DUTY_CALLS_ANSWERED,
    DUTY_COMMENTS,
    DUTY_POSTED,
    DUTY_REPLIED,
    SOCIAL_PLATFORMS,
)

TZ = "Asia/Makassar"
SEPTEMBER = Period(2026, 9)
AS_OF = datetime(2026, 11, 2, tzinfo=UTC)


def in_month(text: str | None, period: Period) -> bool:
    if text is None:
        return False
    local = datetime.fromisoformat(text).astimezone(ZoneInfo(TZ))
    return (local.year, local.month) == (period.year, period.month)


def duties_from_truth(world, period: Period) -> dict[str, ChannelDuties]:
    """The duties counted straight from the simulator: what the OPDs' channels show."""
    central = {(c.source, c.native_id): c.central for c in world.complaints}
    accounts = [row for row in world.accounts() if row[1]]
    out = {}
    for opd in OPDS:
        mine = [r for r in world.truth(AS_OF) if r["opd_code"] == opd]
        social = [r for r in mine if r["source"] in SOCIAL_PLATFORMS]
        calls = [
            r
            for r in mine
            if r["source"] == CALL_LOG_SOURCE
            and not central[r["source"], r["complaint_id"]]
            and in_month(r["received_at"], period)
        ]
        own = {(a[2], a[3]) for a in accounts if a[1] == opd and a[2] in SOCIAL_PLATFORMS}
        out[opd] = ChannelDuties(
            opd,
            n_social_accounts=len(own),
            n_posts=sum(
                1
                for (platform, account), posts in world.posts.items()
                if (platform, account) in own
                for _, at in posts
                if at <= AS_OF and in_month(at.isoformat(), period)
            ),
            n_comments_received=sum(
                1 for r in social if not central[r["source"], r["complaint_id"]] and in_month(r["received_at"], period)
            ),
            n_replies=sum(1 for r in social if in_month(r["first_response_at"], period)),
            n_hotline_lines=sum(1 for a in accounts if a[1] == opd and a[2] == "hotline"),
            n_calls=len(calls),
            n_calls_answered=sum(1 for r in calls if r["first_response_at"]),
        )
    return out


@pytest.fixture
def collected(region, sim, world, tmp_path):
    for stream in (FacebookComments(), InstagramComments(), XMentions()):
        collect(region, stream)
    inbox = tmp_path / "inbox"
    world.write_hotline_exports(inbox, as_of=AS_OF, bad_row=False)
    collect_hotline(region, str(inbox), landing=RawLanding())
    return region


def test_channel_duties_are_what_the_opds_channels_show(collected, world):
    with collected.connect() as conn:
        got = channel_duties(conn, "52.05", TZ, SEPTEMBER, [*OPDS, "DINSOS"])
    want = duties_from_truth(world, SEPTEMBER)
    assert {d.opd_code: d for d in got[:3]} == want
    assert got[3] == ChannelDuties("DINSOS")  # an OPD with nothing registered or seen: zeros
    # The world is busy enough that every duty is measured for every OPD.
    assert all(d.n_posts and d.n_comments_received and d.n_replies and d.n_calls for d in got[:3])
    indicators = got[0].indicators()
    assert indicators[DUTY_POSTED] is True
    assert indicators[DUTY_REPLIED] is True and indicators[DUTY_COMMENTS] is True
    assert indicators[DUTY_CALLS_ANSWERED] == Fraction(got[0].n_calls_answered, got[0].n_calls)


def test_a_month_without_collected_data_shows_silence_not_absence(collected, world):
    with collected.connect() as conn:
        (quiet,) = channel_duties(conn, "52.05", TZ, Period(2026, 12), ["DPUPR"])
    # The accounts are registered (the duty applies) and nothing came: no, no, and no call to judge.
    assert quiet.n_social_accounts and quiet.n_hotline_lines
    assert quiet.indicators() == {
        DUTY_POSTED: False,
        DUTY_REPLIED: False,
        DUTY_COMMENTS: False,
        DUTY_CALLS_ANSWERED: None,
    }
    assert set(ChannelDuties("X").indicators().values()) == {None}
    # Replies seen without an account of its own (answered from another page): posts cannot be seen.
    assert ChannelDuties("X", n_replies=2).indicators()[DUTY_POSTED] is None


CALL_LOG = (
    ",".join(CALL_CENTER_HEADER)
    + """
CC-0001,CC-DPUPR,15/09/2026 10:00:00,Budi,Pengaduan,Jalan rusak di Desa Riwo,,,,
CC-0002,CC-DPUPR,30/09/2026 23:50:00,Siti,Pengaduan,Lampu jalan mati,,,01/10/2026 08:00:00,
CC-0003,CC-DPUPR,01/10/2026 00:30:00,Ahmad,Pengaduan,Drainase tersumbat,,,,
CC-0004,CC-112,16/09/2026 09:00:00,Dewi,Pengaduan,Jembatan retak,DPUPR,16/09/2026 10:00:00,16/09/2026 11:00:00,
"""
)


def test_calls_count_in_the_month_of_the_regions_own_clock_on_the_opds_own_line(region, tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "call-center-2026-10.csv").write_text(CALL_LOG, encoding="utf-8")
    collect_hotline(region, str(inbox), landing=RawLanding(tmp_path / "raw"))
    with region.connect() as conn:
        (september,) = channel_duties(conn, "52.05", TZ, SEPTEMBER, ["DPUPR"])
        (october,) = channel_duties(conn, "52.05", TZ, Period(2026, 10), ["DPUPR"])
    # 30/09 23:50 WITA is 15:50 UTC on the 30th and 01/10 00:30 WITA is 16:30 UTC on the 30th:
    # September holds the first two calls to DPUPR's own line, October the third. The call that
    # reached the central line (CC-112) and was passed on is the OPD's complaint, not a call to
    # its number.
    assert (september.n_calls, september.n_calls_answered) == (2, 1)
    assert (october.n_calls, october.n_calls_answered) == (1, 0)
    assert september.indicators()[DUTY_CALLS_ANSWERED] == Fraction(1, 2)


def test_an_accepted_appeal_counts_as_it_does_in_scoring(region, tmp_path):
    from sqlalchemy import insert

    from rapor.warehouse import schema

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "call-center-2026-10.csv").write_text(CALL_LOG, encoding="utf-8")
    collect_hotline(region, str(inbox), landing=RawLanding(tmp_path / "raw"))
    decided = {"decided_by": "inspektorat", "created_at": AS_OF}
    with region.begin() as conn:
        conn.execute(
            insert(schema.complaint_override),
            [
                # CC-0001 was answered after all (proven in the appeal); CC-0002 was not a call to the OPD.
                {
                    "source": CALL_LOG_SOURCE,
                    "complaint_id": "CC-0001",
                    "appeal_id": 1,
                    "excluded": False,
                    "first_response_at": datetime(2026, 9, 15, 3, 0, tzinfo=UTC),
                    **decided,
                },
                {
                    "source": CALL_LOG_SOURCE,
                    "complaint_id": "CC-0002",
                    "appeal_id": 2,
                    "excluded": True,
                    "first_response_at": None,
                    **decided,
                },
            ],
        )
    with region.connect() as conn:
        (september,) = channel_duties(conn, "52.05", TZ, SEPTEMBER, ["DPUPR"])
    assert (september.n_calls, september.n_calls_answered) == (1, 1)
