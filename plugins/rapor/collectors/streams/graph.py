"""Graph API threads (Facebook pages, Instagram accounts): posts, their comments, the replies.

One partition per registry account. A run lists the account's posts (media) created since
the last watermark minus a look-back (``lookback_days``, default 45: comments keep coming
on older posts, and a resolution may take weeks), reads every comment and reply of each,
and re-derives each complaint from its whole thread, so a re-run rewrites the same rows.

A citizen's top-level comment is a complaint. A reply by an account of the registry is
the region speaking: the central account forwarding, the OPD's account answering (its
earliest reply is the first response) or closing (a reply with ``#selesai``). Replies by
citizens are neither. Pagination follows ``paging.next`` (cursor ``after``) to the end.

Who wrote a reply is its ``from`` field, which the Graph API returns only when asked for in
``fields`` and only with a Page access token ("for any comments or replies owned by (on) a
Page, you must use a Page access token if you want User information to be included in the
response", Graph API Comment reference); with another token the real comments come without
``from`` (and without ``id``: see api-samples/facebook/comments_p1.json). A reply without
``from`` is not dropped as a citizen's: it is counted on its complaint
(``unidentified_replies``), whose first response stays unknown, and the page is reported as
"replies not identifiable" in the month's coverage.
"""

from __future__ import annotations

from datetime import datetime
from urllib.parse import parse_qs, urlsplit

from rapor.collectors.normalise import Collected, Reply, classify_kind, is_resolution
from rapor.collectors.streams.base import (
    Batch,
    GraphPaginator,
    Listing,
    Read,
    Records,
    RunContext,
    Stream,
    own_posts,
    parse_time,
    time_or_text,
)
from rapor.registry import Account


class GraphThreads(Stream):
    channel = "media_sosial"
    listing_edge = ""  # "posts" or "media"
    listing_fields = ""
    time_field = ""  # "created_time" or "timestamp"
    text_field = ""  # "message" or "text"
    paginator = GraphPaginator()

    def comment_params(self, ctx: RunContext) -> dict:
        raise NotImplementedError

    def comments_of(self, ctx: RunContext, object_id: str, batch: Batch) -> list[tuple[dict, str]]:
        """Every comment and reply of one post, flattened, each reply with ``parent.id``."""
        raise NotImplementedError

    def listings(self, ctx: RunContext, partition: str, state: dict) -> list[Listing]:
        """The account's posts since the watermark less a look-back (comments keep coming on older posts)."""
        saved = state.get("posts_since")
        # With no state, posts from before the start still carry comments made after it.
        since = (datetime.fromisoformat(saved) if saved else ctx.start_date()) - ctx.lookback(45)
        params = {
            "fields": self.listing_fields,
            "since": int(since.timestamp()),
            "until": int(ctx.until.timestamp()),
            "limit": int(ctx.setting("page_size", 25)),
        }
        return [Listing(f"{partition}/{self.listing_edge}", params, bookmark="posts_since")]

    def record_key(self, record: dict, ctx: RunContext) -> str | None:
        return graph_id(record)

    def collect(self, ctx: RunContext, partition: str, read: Read, batch: Batch) -> list[Collected]:
        """Each post's comments (a child listing per post), re-derived into threads."""
        account = ctx.registry.account(self.platform, partition)
        ((_, posts),) = read
        threads: list[Collected] = []
        for post_id in posts.keys():
            threads += self.threads(self.comments_of(ctx, post_id, batch), account, ctx)
        if account is not None:  # the edge lists the account's own posts: the posting duty
            batch.posts += own_posts(account, ((graph_id(p), p.get(self.time_field)) for p, _ in posts))
        return threads

    def reporter_of(self, item: dict) -> str | None:
        author = item.get("from") or {}
        if author.get("id"):
            return f"{self.platform}:{author['id']}"
        if item.get("username"):
            return f"{self.platform}:@{item['username']}"
        return None

    def threads(self, comments: list[tuple[dict, str]], account: Account | None, ctx: RunContext) -> list[Collected]:
        """The complaints of one post, from its comments as ``comments_of`` gives them (each once, with an id)."""
        if account is None:
            return []
        items = {graph_id(item): (item, sha) for item, sha in comments}
        parent = {ident: _parent_id(item) for ident, (item, _) in items.items()}

        def root(ident: str) -> str:
            seen = set()
            while parent.get(ident) and parent[ident] in items and ident not in seen:
                seen.add(ident)
                ident = parent[ident]
            return ident

        collected: dict[str, Collected] = {}
        for ident, (item, sha) in items.items():
            if parent[ident]:
                continue
            author = (item.get("from") or {}).get("id")
            if author and ctx.registry.account(self.platform, author):
                continue  # the page's own comment (an announcement) is not a complaint
            text = item.get(self.text_field)
            collected[ident] = Collected(
                source=self.source,
                complaint_id=ident,
                region_code=account.region_code,
                channel=self.channel,
                kind=classify_kind(text),
                received_at=time_or_text(item.get(self.time_field)),
                reporter=self.reporter_of(item),
                text=text,
                opd_code=account.opd_code,
                attributed_by="akun" if account.opd_code else None,
                source_url=item.get("permalink_url") or None,
                raw_shas={sha},
            )
        for ident, (item, sha) in items.items():
            if not parent[ident]:
                continue
            thread = collected.get(root(ident))
            if thread is None:
                continue
            thread.raw_shas.add(sha)
            author_id = (item.get("from") or {}).get("id") or (item.get("user") or {}).get("id")
            if not author_id:
                if not item.get("username"):
                    thread.unidentified_replies += 1  # the page's answer or a citizen's: the response does not say
                continue
            author = ctx.registry.account(self.platform, author_id)
            if author is None or author.region_code != account.region_code:
                continue  # a citizen joining in is not a response
            at = parse_time(item.get(self.time_field))
            thread.replies.append(Reply(author.opd_code, at, is_resolution(item.get(self.text_field))))
        return list(collected.values())


def _permalink(item: dict) -> tuple[str | None, dict]:
    """The post part of a comment's permalink (``/<page>/posts/<post>/``) and its query."""
    parts = urlsplit(item.get("permalink_url") or "")
    segments = [p for p in parts.path.split("/") if p]
    post = segments[segments.index("posts") + 1] if "posts" in segments[:-1] else None
    return post, {k: v[0] for k, v in parse_qs(parts.query).items()}


def graph_id(item: dict) -> str | None:
    """A comment's id; when a token may not read ``id`` (real pages without it), from its permalink."""
    if item.get("id"):
        return str(item["id"])
    post, query = _permalink(item)
    own = query.get("reply_comment_id") or query.get("comment_id")
    return f"{post}_{own}" if post and own else None


def _parent_id(item: dict) -> str | None:
    """A reply's parent: ``parent.id``, else the ``comment_id`` of a ``reply_comment_id`` permalink."""
    parent = (item.get("parent") or {}).get("id")
    if parent:
        return str(parent)
    post, query = _permalink(item)
    if "reply_comment_id" in query and "comment_id" in query:
        post_part = str(item["id"]).split("_")[0] if item.get("id") else post
        return f"{post_part}_{query['comment_id']}"
    return None


class FacebookComments(GraphThreads):
    """Comments and replies on the posts of each OPD's (and the Bupati's) Facebook page."""

    name = "facebook_comments"
    source = "facebook"
    platform = "facebook"
    conn_id = "rapor_facebook"
    replication_key = "created_time"
    listing_edge = "posts"
    listing_fields = "id,created_time"
    time_field = "created_time"
    text_field = "message"
    schema = {
        "id": "string",
        "created_time": "string (ISO 8601, +0000)",
        "message": "string",
        "from": "object {id, name} (page token)",
        "parent": "object {id} (replies)",
        "permalink_url": "string",
    }

    def comment_params(self, ctx: RunContext) -> dict:
        return {
            "filter": "stream",
            "order": "chronological",
            "limit": int(ctx.setting("page_size", 25)),
            "fields": "id,created_time,message,from{id,name},parent{id},permalink_url",
        }

    def comments_of(self, ctx, object_id, batch):
        return list(self.read(ctx, Listing(f"{object_id}/comments", self.comment_params(ctx)), batch))


class InstagramComments(GraphThreads):
    """Comments on the media of each OPD's (and the region's) Instagram account, replies nested."""

    name = "instagram_comments"
    source = "instagram"
    platform = "instagram"
    conn_id = "rapor_instagram"
    replication_key = "timestamp"
    listing_edge = "media"
    listing_fields = "id,timestamp"
    time_field = "timestamp"
    text_field = "text"
    schema = {
        "id": "string",
        "timestamp": "string (ISO 8601, +0000)",
        "text": "string",
        "username": "string",
        "from": "object {id, username}",
        "replies": "object {data: [comment], paging}",
    }
    reply_fields = "id,text,timestamp,username,from{id,username}"

    def comment_params(self, ctx: RunContext) -> dict:
        return {
            "limit": int(ctx.setting("page_size", 25)),
            "fields": f"{self.reply_fields},replies{{{self.reply_fields}}}",
        }

    def comments_of(self, ctx, object_id, batch):
        out = []
        for item, sha in self.read(ctx, Listing(f"{object_id}/comments", self.comment_params(ctx)), batch):
            out.append((item, sha))
            replies = self.replies_of(ctx, item, sha, batch)
            out += [({**reply, "parent": {"id": item["id"]}}, reply_sha) for reply, reply_sha in replies]
        return out

    def replies_of(self, ctx: RunContext, comment: dict, sha: str, batch: Batch) -> Records:
        """A comment's replies: those nested in it, then their own pages when more than fit."""
        nested = comment.get("replies") or {}
        replies = Records()
        self.keep(ctx, replies, self.records_of(nested), sha)
        more = (nested.get("paging") or {}).get("next")
        return self.read(ctx, Listing(more), batch, replies) if more else replies
