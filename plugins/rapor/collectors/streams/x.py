"""X API v2: mentions of each OPD account, and the accounts' own replies in the conversation.

One partition per region (its X accounts together, since an OPD may answer a complaint
that reached the Bupati's account). For each account, ``GET users/:id/mentions`` and
``GET users/:id/tweets`` (its timeline, where its replies are), both with ``since_id``
and ``max_results``, following ``meta.next_token`` as ``pagination_token`` to the end.

``since_id`` is the newest mention committed, moved back by a look-back
(``lookback_days``, default 45; X ids are time-ordered snowflakes, so an instant converts
to an id): a complaint is re-derived with every reply that arrived since, and a re-run
rewrites the same rows. A mention by a citizen is a complaint (a mention by an account of
the registry is not); the earliest reply of the complaint's OPD account that replies to it
(``referenced_tweets`` ``replied_to``) or follows it in its conversation
(``conversation_id``) is the first response; one with ``#selesai`` the resolution; the
central account's reply is the forwarding.
"""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta

from rapor.collectors.normalise import Collected, Reply, classify_kind, is_resolution
from rapor.collectors.streams.base import (
    Batch,
    IdWatermark,
    Listing,
    Read,
    RunContext,
    Stream,
    TokenPaginator,
    parse_time,
    time_or_text,
)
from rapor.registry import Account

TWITTER_EPOCH_MS = 1288834974657
TWEET_FIELDS = "created_at,author_id,conversation_id,in_reply_to_user_id,referenced_tweets"


def id_at(moment: datetime) -> int:
    """The smallest snowflake id of an instant (for ``since_id`` from a time)."""
    return max(0, int(moment.timestamp() * 1000) - TWITTER_EPOCH_MS) << 22


def time_of(ident: str | int) -> datetime:
    return datetime.fromtimestamp(((int(ident) >> 22) + TWITTER_EPOCH_MS) / 1000, UTC)


class XMentions(Stream):
    name = "x_mentions"
    source = "x"
    platform = "x"
    channel = "media_sosial"
    conn_id = "rapor_x"
    replication_key = "id"  # since_id
    watermark = IdWatermark()
    paginator = TokenPaginator(("meta", "next_token"), "pagination_token")
    schema = {
        "id": "string (snowflake)",
        "text": "string",
        "author_id": "string",
        "created_at": "string (ISO 8601, Z)",
        "conversation_id": "string",
        "in_reply_to_user_id": "string",
        "referenced_tweets": "array of {type, id}",
    }

    def partitions(self, registry) -> list[str]:
        return sorted({a.region_code for a in registry.accounts_of(self.platform)})

    def listings(self, ctx: RunContext, partition: str, state: dict) -> list[Listing]:
        """Per account of the region: its mentions (which move its ``since_id``), then its own tweets."""
        saved, lookback = state.get("accounts") or {}, ctx.lookback(45)
        out = []
        for account in ctx.registry.accounts_of(self.platform):
            if account.region_code != partition:
                continue
            params = self.url_params(ctx, self.since_id(ctx, saved.get(account.account_id, {}), lookback))
            user = f"users/{account.account_id}"
            bookmark = f"accounts.{account.account_id}.newest_id"
            out.append(Listing(f"{user}/mentions", params, bookmark, context={"account": account, "edge": "mentions"}))
            out.append(Listing(f"{user}/tweets", params, context={"account": account, "edge": "tweets"}))
        return out

    def since_id(self, ctx: RunContext, saved: dict, lookback: timedelta) -> int:
        """The newest mention committed, moved back by the look-back; with none, the start date."""
        if not saved.get("newest_id"):
            return id_at(ctx.start_date())
        return min(int(saved["newest_id"]), id_at(time_of(saved["newest_id"]) - lookback))

    def url_params(self, ctx: RunContext, since_id: int) -> dict:
        params = {
            "since_id": str(since_id) if since_id else None,
            "max_results": int(ctx.setting("page_size", 100)),
            "tweet.fields": TWEET_FIELDS,
            "expansions": "author_id",
            "user.fields": "username",
        }
        return {k: v for k, v in params.items() if v is not None}

    def initial_state(self, state: dict) -> dict:
        return {"accounts": copy.deepcopy(state.get("accounts", {}))}  # one watermark per account

    def collect(self, ctx: RunContext, partition: str, read: Read, batch: Batch) -> list[Collected]:
        """Mentions by citizens are the complaints; the accounts' own tweets are their replies."""
        complaints: dict[str, Collected] = {}
        by_conversation: dict[str, list[str]] = {}
        for ident, (tweet, sha, account) in self.mentions(read).items():
            if ctx.registry.account(self.platform, tweet.get("author_id")):
                continue  # the region's own accounts mentioning each other
            complaints[ident] = self.complaint(ident, tweet, sha, account)
            by_conversation.setdefault(str(tweet.get("conversation_id") or ident), []).append(ident)
        for listing, records in read:
            if listing.context["edge"] == "tweets":
                for tweet, sha in records:
                    self.attach_reply(tweet, sha, listing.context["account"], complaints, by_conversation)
        return list(complaints.values())

    @staticmethod
    def mentions(read: Read) -> dict[str, tuple[dict, str, Account]]:
        """Every mention of the region once: one that mentions two of its accounts goes to the first listed."""
        mentions: dict[str, tuple[dict, str, Account]] = {}
        for listing, records in read:
            if listing.context["edge"] == "mentions":
                for tweet, sha in records:
                    mentions.setdefault(tweet["id"], (tweet, sha, listing.context["account"]))
        return mentions

    def complaint(self, ident: str, tweet: dict, sha: str, account: Account) -> Collected:
        return Collected(
            source=self.source,
            complaint_id=ident,
            region_code=account.region_code,
            channel=self.channel,
            kind=classify_kind(tweet.get("text")),
            received_at=time_or_text(tweet.get("created_at")),
            reporter=f"x:{tweet['author_id']}" if tweet.get("author_id") else None,
            text=tweet.get("text"),
            opd_code=account.opd_code,
            attributed_by="akun" if account.opd_code else None,
            raw_shas={sha},
        )

    @staticmethod
    def attach_reply(
        tweet: dict, sha: str, account: Account, complaints: dict[str, Collected], by_conversation: dict[str, list[str]]
    ) -> None:
        """An account's tweet replying to complaints (directly, or further down their conversation)."""
        at = parse_time(tweet.get("created_at"))
        replied_to = [r["id"] for r in tweet.get("referenced_tweets") or [] if r.get("type") == "replied_to"]
        targets = [t for t in replied_to if t in complaints]
        if not targets:  # a reply further down the thread: the conversation's complaints before it
            targets = [
                c
                for c in by_conversation.get(str(tweet.get("conversation_id")), [])
                if isinstance(complaints[c].received_at, datetime) and complaints[c].received_at <= at
            ]
        for target in targets:
            complaints[target].replies.append(Reply(account.opd_code, at, is_resolution(tweet.get("text"))))
            complaints[target].raw_shas.add(sha)
