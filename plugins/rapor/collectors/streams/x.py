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

from datetime import UTC, datetime

from rapor.collectors.normalise import Collected, Reply, classify_kind, is_resolution
from rapor.collectors.streams.base import Batch, RunContext, Stream, TokenPaginator, parse_time, time_or_text

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

    def _list(self, ctx: RunContext, path: str, since_id: int, batch: Batch) -> list[tuple[dict, str]]:
        params = {
            "since_id": str(since_id) if since_id else None,
            "max_results": int(ctx.setting("page_size", 100)),
            "tweet.fields": TWEET_FIELDS,
            "expansions": "author_id",
            "user.fields": "username",
        }
        params = {k: v for k, v in params.items() if v is not None}
        out, seen = [], set()
        for page in self.pages(ctx, path, params, batch):
            for tweet in (page.payload or {}).get("data", []) or []:
                if tweet["id"] not in seen:  # repeated across pages: once
                    seen.add(tweet["id"])
                    out.append((tweet, page.landed.sha256))
        return out

    def sync(self, ctx: RunContext, partition: str, state: dict) -> Batch:
        accounts = [a for a in ctx.registry.accounts_of(self.platform) if a.region_code == partition]
        batch = Batch(self.stream_id(partition), state={"accounts": dict(state.get("accounts", {}))})
        lookback = ctx.lookback(45)
        mentions: dict[str, tuple[dict, str, object]] = {}
        replies: list[tuple[dict, str, object]] = []
        for account in accounts:
            newest = (state.get("accounts") or {}).get(account.account_id, {})
            if newest.get("newest_id"):
                since_id = min(int(newest["newest_id"]), id_at(time_of(newest["newest_id"]) - lookback))
            else:
                since_id = id_at(ctx.start_date())
            found = self._list(ctx, f"users/{account.account_id}/mentions", since_id, batch)
            for tweet, sha in found:
                mentions.setdefault(tweet["id"], (tweet, sha, account))
            replies += [
                (t, sha, account) for t, sha in self._list(ctx, f"users/{account.account_id}/tweets", since_id, batch)
            ]
            if found:
                top = max(int(t["id"]) for t, _ in found)
                old = int(newest.get("newest_id") or 0)
                batch.state["accounts"][account.account_id] = {"newest_id": str(max(top, old))}
        by_conversation: dict[str, list[str]] = {}
        complaints: dict[str, Collected] = {}
        for ident, (tweet, sha, account) in mentions.items():
            if ctx.registry.account(self.platform, tweet.get("author_id")):
                continue  # the region's own accounts mentioning each other
            complaints[ident] = Collected(
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
            by_conversation.setdefault(str(tweet.get("conversation_id") or ident), []).append(ident)
        for tweet, sha, account in replies:
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
        batch.items = list(complaints.values())
        return batch
