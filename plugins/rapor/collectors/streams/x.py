"""X API v2: mentions of each OPD account, and the accounts' own replies in the conversation.

One partition per region (its X accounts together, since an OPD may answer a complaint
that reached the Bupati's account). For each account, ``GET users/:id/mentions`` and
``GET users/:id/tweets`` (its timeline, where its replies are), both with ``since_id``
and ``max_results``, following ``meta.next_token`` as ``pagination_token`` to the end.

``since_id`` is the newest mention committed, moved back by a look-back
(``lookback_days``, default 45; X ids are time-ordered snowflakes, so an instant converts
to an id): a complaint is re-derived with every reply that arrived since, and a re-run
rewrites the same rows.

Which tweets are complaints, and which replies answer them (X API v2 fields):

- A mention by a citizen is a complaint; a mention by an account of the registry is not.
  A Retweet (``referenced_tweets`` type ``retweeted``) only repeats someone else's tweet,
  and a Quote Tweet (type ``quoted``) with no words of its own (only @handles and links,
  no ``attachments``) only points at one: neither is a complaint. A quote with its own
  words is the quoting citizen's complaint.
- An account's tweet answers a complaint only when it is a reply (type ``replied_to``).
  It answers the complaint it replies to; a reply under another tweet that was read (the
  account's own earlier answer, a mention by another account) answers the complaint that
  tweet answers, up the chain of ``replied_to``; a reply to a tweet that was not read
  answers the mention that started its conversation (``conversation_id`` is the id of the
  conversation's first tweet), if that mention is a complaint. Never a complaint chosen
  by time: a later mention in the same conversation is a complaint of its own.
- The account's timeline also shows whether it posted at all (the posting duty): its
  tweets that are not replies and not Retweets are its posts.
- The OPD account's earliest answer is the first response, one with ``#selesai`` the
  resolution; the central account's answer is the forwarding (``normalise``).
"""

from __future__ import annotations

import copy
import re
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
    own_posts,
    parse_time,
    time_or_text,
)
from rapor.registry import Account

TWITTER_EPOCH_MS = 1288834974657
TWEET_FIELDS = "created_at,author_id,conversation_id,in_reply_to_user_id,referenced_tweets,attachments"
_HANDLES_AND_LINKS = re.compile(r"@\w+|https?://\S+")


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
        "referenced_tweets": "array of {type: retweeted | quoted | replied_to, id} (absent on an original tweet)",
        "attachments": "object {media_keys, poll_ids} (absent without media)",
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
        """Mentions by citizens are the complaints; the accounts' own replies answer them."""
        complaints: dict[str, Collected] = {}
        for ident, (tweet, sha, account) in self.mentions(read).items():
            if ctx.registry.account(self.platform, tweet.get("author_id")):
                continue  # the region's own accounts mentioning each other
            if is_complaint(tweet):
                complaints[ident] = self.complaint(ident, tweet, sha, account)
        parents = replied_to_of_every_tweet(read)
        for listing, records in read:
            if listing.context["edge"] == "tweets":
                account = listing.context["account"]
                for tweet, sha in records:
                    self.attach_reply(tweet, sha, account, complaints, parents)
                batch.posts += own_posts(
                    account, ((t.get("id"), t.get("created_at")) for t, _ in records if is_post(t))
                )
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
        tweet: dict, sha: str, account: Account, complaints: dict[str, Collected], parents: dict[str, str | None]
    ) -> None:
        """An account's reply, to the one complaint it answers (module docstring); other tweets answer none."""
        parent = replied_to(tweet)
        if parent is None:
            return  # an original tweet, a Retweet or a Quote Tweet is not an answer
        target = answered_complaint(parent, tweet.get("conversation_id"), complaints, parents)
        if target is None:
            return
        at = parse_time(tweet.get("created_at"))
        complaints[target].replies.append(Reply(account.opd_code, at, is_resolution(tweet.get("text"))))
        complaints[target].raw_shas.add(sha)


def is_post(tweet: dict) -> bool:
    """A tweet of the account's own: not a reply, and not a Retweet that only repeats another's tweet."""
    return replied_to(tweet) is None and not referenced(tweet, "retweeted")


def referenced(tweet: dict, kind: str) -> list[str]:
    """The ids of the tweets this one references as ``kind`` (``retweeted``, ``quoted``, ``replied_to``)."""
    return [str(r["id"]) for r in tweet.get("referenced_tweets") or [] if r.get("type") == kind and r.get("id")]


def replied_to(tweet: dict) -> str | None:
    ids = referenced(tweet, "replied_to")
    return ids[0] if ids else None


def has_own_content(tweet: dict) -> bool:
    """Words besides @handles and links, or media or a poll of its own."""
    attachments = tweet.get("attachments") or {}
    words = _HANDLES_AND_LINKS.sub(" ", tweet.get("text") or "")
    return bool(re.search(r"\w", words) or attachments.get("media_keys") or attachments.get("poll_ids"))


def is_complaint(tweet: dict) -> bool:
    """A citizen's mention is a complaint unless it is a Retweet, or a Quote Tweet with nothing of its own."""
    if referenced(tweet, "retweeted"):
        return False
    return not referenced(tweet, "quoted") or has_own_content(tweet)


def replied_to_of_every_tweet(read: Read) -> dict[str, str | None]:
    """Tweet id -> the id it replies to, for every tweet read (mentions and the accounts' tweets)."""
    return {str(tweet["id"]): replied_to(tweet) for _, records in read for tweet, _ in records if tweet.get("id")}


def answered_complaint(
    parent: str, conversation: str | None, complaints: dict[str, Collected], parents: dict[str, str | None]
) -> str | None:
    """The complaint a reply to ``parent`` answers: up the chain of replies that were read, else the
    mention that started the conversation (when it is a complaint), else none."""
    seen: set[str] = set()
    node: str | None = parent
    while node is not None and node not in complaints and node in parents and node not in seen:
        seen.add(node)
        node = parents[node]
    if node in complaints:
        return node
    conversation = str(conversation) if conversation else None
    return conversation if conversation in complaints else None
