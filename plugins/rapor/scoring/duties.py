"""Channel duties per OPD and month, measured from what the collectors saw (SCORING.md §4).

The default SOP indicator set names channel duties: "an official social media account
that is active, with comments open; the head's contact number posted and answered". The
collectors see part of that every month, so four automatic indicators of the
``pengaduan`` dimension are measured here (SQL model ``staging/stg_channel_duties_for_month``):

- *akun memposting*: the OPD's official accounts posted in the month (page posts, media,
  tweets that are not replies or Retweets, as the Graph and X streams list them);
- *akun membalas*: the OPD's official accounts answered on social media in the month
  (its first responses given in the month);
- *komentar masuk*: citizens' comments or mentions reached the OPD's own accounts in the
  month (comments are open);
- *telepon ditanggapi*: the share of calls to the OPD's own lines (the call center's log)
  that arrived in the month and got a response.

Method 2026.1 shows them beside S_sop and does not count them (policy
``channel_duties.count_in_pengaduan: false``): SCORING.md gives no rule that turns a yes/no
or a share into a 0–3 indicator score.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from fractions import Fraction

from rapor.scoring.periods import Period
from rapor.sql import query_frame
from rapor.vocabulary import (
    CALL_LOG_SOURCE,
    DUTY_CALLS_ANSWERED,
    DUTY_COMMENTS,
    DUTY_POSTED,
    DUTY_REPLIED,
    HOTLINE_PLATFORM,
    ROUTED_BY_ACCOUNT,
    SOCIAL_PLATFORMS,
)
from rapor.warehouse.schema import Instant

COUNT_FIELDS = (
    "n_social_accounts",
    "n_posts",
    "n_comments_received",
    "n_replies",
    "n_hotline_lines",
    "n_calls",
    "n_calls_answered",
)


@dataclass(frozen=True)
class ChannelDuties:
    """One OPD's channel counts in one month (all zero: nothing registered, nothing seen)."""

    opd_code: str
    n_social_accounts: int = 0
    n_posts: int = 0
    n_comments_received: int = 0
    n_replies: int = 0
    n_hotline_lines: int = 0
    n_calls: int = 0
    n_calls_answered: int = 0

    def as_dict(self) -> dict:
        return asdict(self)

    @property
    def social_measured(self) -> bool:
        """Whether the social duties say something: an account of its own, or replies seen."""
        return self.n_social_accounts > 0 or self.n_replies > 0 or self.n_comments_received > 0

    def indicators(self) -> dict[str, bool | Fraction | None]:
        """The automatic indicators: yes/no, a share, or None where nothing could be measured
        (no account of its own and nothing seen; no account whose posts are listed; no call to its lines)."""
        social = self.social_measured
        return {
            # Posts are listed from the registry's accounts only: without one, nothing to see.
            DUTY_POSTED: (self.n_posts > 0) if self.n_social_accounts else None,
            DUTY_REPLIED: (self.n_replies > 0) if social else None,
            DUTY_COMMENTS: (self.n_comments_received > 0) if social else None,
            DUTY_CALLS_ANSWERED: Fraction(self.n_calls_answered, self.n_calls) if self.n_calls else None,
        }


def channel_duties(conn, region_code: str, timezone: str, period: Period, opd_codes: list[str]) -> list[ChannelDuties]:
    """The channel duties of ``opd_codes`` in ``period`` (in that order; zeros where nothing was seen)."""
    month_start, month_end = period.bounds_utc(timezone)
    frame = query_frame(
        conn,
        "staging/stg_channel_duties_for_month",
        {
            "region_code": region_code,
            "month_start": month_start,
            "month_end": month_end,
            "social_platforms": list(SOCIAL_PLATFORMS),
            "hotline_platform": HOTLINE_PLATFORM,
            "social_channel": "media_sosial",
            "hotline_channel": "hotline",
            "call_source": CALL_LOG_SOURCE,
            "own_account": ROUTED_BY_ACCOUNT,
        },
        types={"month_start": Instant, "month_end": Instant},
        lists=("social_platforms",),
    )
    found = {
        str(row["opd_code"]): ChannelDuties(str(row["opd_code"]), **{f: int(row[f] or 0) for f in COUNT_FIELDS})
        for row in frame.to_dict("records")
    }
    return [found.get(code, ChannelDuties(code)) for code in opd_codes]


def duties_from_dicts(items: list[dict]) -> dict[str, ChannelDuties]:
    """Channel duties as stored in a snapshot, by OPD code."""
    return {
        # A snapshot published before a count was measured (n_posts) holds no value for it.
        item["opd_code"]: ChannelDuties(item["opd_code"], **{f: int(item.get(f, 0)) for f in COUNT_FIELDS})
        for item in items
    }
