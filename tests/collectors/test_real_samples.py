"""The connectors read the platforms' real responses (shared/data/real/api-samples), served on loopback.

The saved pages keep their original ``paging.next`` links to graph.facebook.com: the client
re-bases them onto the connection's host, as it does in production for its own host.
"""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from rapor.collectors.http import AuthError, Credentials, HttpClient, PermissionMissingError, RetryPolicy
from rapor.collectors.normalise import Reply
from rapor.collectors.raw import RawLanding
from rapor.collectors.streams.base import Batch, RunContext
from rapor.collectors.streams.graph import FacebookComments, InstagramComments, graph_id
from rapor.collectors.streams.x import XMentions
from rapor.registry import Account, Registry

SAMPLES = Path(__file__).resolve().parents[3] / "shared" / "data" / "real" / "api-samples"
if not SAMPLES.is_dir():  # the project checkout sits next to ../shared
    SAMPLES = Path("/work/shared/data/real/api-samples")
FAST = RetryPolicy(time_scale=0.001)


def sample(name: str):
    return json.loads((SAMPLES / name).read_text(encoding="utf-8"))


class Routes:
    def __init__(self):
        self.routes = {}

    def add(self, path: str, respond):
        self.routes[path] = respond


@pytest.fixture
def served():
    routes = Routes()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_GET(self):  # noqa: N802
            parts = urlsplit(self.path)
            query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
            status, body, headers = routes.routes[parts.path](query)
            data = body if isinstance(body, bytes) else json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True).start()
    routes.url = f"http://127.0.0.1:{httpd.server_address[1]}"
    yield routes
    httpd.shutdown()
    httpd.server_close()


def context(served, base_path: str, registry: Registry, tmp_path) -> RunContext:
    client = HttpClient(Credentials("rapor_test", served.url + base_path, "t0ken-real"), "test", FAST)
    return RunContext(client, RawLanding(tmp_path / "raw"), registry, datetime(2021, 9, 1, tzinfo=UTC))


def registry_with(*accounts: Account) -> Registry:
    reg = Registry()
    reg.accounts = {(a.platform, a.account_id): a for a in accounts}
    reg.opds = {"52.05": {"DISKOMINFO": "Dinas Komunikasi"}}
    return reg


def test_facebook_comment_pages_are_read_to_the_end_and_replies_find_their_comment(served, tmp_path):
    post = "19292868552_10158407654328553"
    pages = {None: sample("facebook/comments_p1.json"), "after": sample("facebook/comments_p2.json")}
    served.add(f"/v11.0/{post}/comments", lambda q: (200, pages[q.get("after")], {}))
    page_account = Account("facebook", "19292868552", "52.05", "DISKOMINFO")
    ctx = context(served, "/v11.0", registry_with(page_account), tmp_path)
    stream, batch = FacebookComments(), Batch("t", {})
    comments = stream.comments_of(ctx, post, batch)
    assert batch.pages == 2 and len(comments) == 15  # 10 + 5 items: both pages, to the end
    threads = {c.complaint_id: c for c in stream.threads(comments, page_account, ctx)}
    assert len(threads) == 10  # the 5 replies (reply_comment_id in the permalink) are not complaints
    asked = threads["10158407654328553_10158407903973553"]
    assert asked.received_at == datetime(2021, 8, 10, 19, 38, 44, tzinfo=UTC)
    # No `from` without a Page token: the page's "Hi, please access ..." answer and the
    # citizen's "they don't respond" are both replies of unknown author. Neither becomes a
    # response (the first response stays unknown), and neither is dropped: they are counted.
    assert len(asked.raw_shas) == 1 and asked.replies == []
    assert asked.unidentified_replies == 2
    assert sum(t.unidentified_replies for t in threads.values()) == 5  # every reply of the two pages


def test_with_a_page_token_the_pages_earliest_reply_is_the_first_response(served, tmp_path):
    # A Page token adds `from` to every comment; the page's replies are the "Hi, ..." ones.
    post = "19292868552_10158407654328553"
    page_id = "19292868552"

    def with_from(name):
        body = sample(name)
        for item in body["data"]:
            mine = "reply_comment_id" in item["permalink_url"] and item["message"].startswith("Hi,")
            item["from"] = {"id": page_id if mine else "1000" + item["permalink_url"][-6:], "name": "x"}
        return body

    pages = {None: with_from("facebook/comments_p1.json"), "after": with_from("facebook/comments_p2.json")}
    served.add(f"/v11.0/{post}/comments", lambda q: (200, pages[q.get("after")], {}))
    page_account = Account("facebook", page_id, "52.05", "DISKOMINFO")
    ctx = context(served, "/v11.0", registry_with(page_account), tmp_path)
    stream = FacebookComments()
    threads = {
        c.complaint_id: c for c in stream.threads(stream.comments_of(ctx, post, Batch("t", {})), page_account, ctx)
    }
    asked = threads["10158407654328553_10158407903973553"]
    # The comment's permalink_url opens it on Facebook: kept for the Inspektorat (complaint.source_url).
    assert asked.source_url == (
        "https://www.facebook.com/19292868552/posts/10158407654328553/?comment_id=10158407903973553"
    )
    (reply,) = asked.replies  # the citizen's "they don't respond" is not a response
    hours = (reply.at - asked.received_at).total_seconds() / 3600
    assert reply.opd_code == "DISKOMINFO" and round(hours, 1) == 27.7


def serve_page_posts(served, tmp_path):
    """Page 4's two real /posts pages (time-based paging), each post without comments."""
    pages = [sample("facebook/feed_fields_p1.json"), sample("facebook/feed_fields_p2.json")]
    served.add("/v10.0/4/posts", lambda q: (200, pages[1 if "__paging_token" in q else 0], {}))
    for post in {p["id"] for page in pages for p in page["data"]}:
        served.add(f"/v10.0/{post}/comments", lambda q: (200, {"data": []}, {}))
    account = Account("facebook", "4", "52.05", "DISKOMINFO")
    ctx = context(served, "/v10.0", registry_with(account), tmp_path)
    ctx.until = datetime(2021, 7, 10, tzinfo=UTC)
    return pages, account, ctx


def test_facebook_posts_follow_time_based_paging_to_the_last_page(served, tmp_path):
    pages, account, ctx = serve_page_posts(served, tmp_path)
    batch = FacebookComments().sync(ctx, "4", {})
    assert batch.pages == 2 + 5  # two post pages, then one comments page per post (five distinct)
    assert batch.state["posts_since"] == "2021-07-04T19:50:58+00:00"


def test_instagram_comment_pages_and_their_next_link(served, tmp_path):
    media = "17846368219941692"
    pages = {None: sample("instagram/comments_p1.json"), "after": sample("instagram/comments_p2.json")}
    served.add(f"/v11.0/{media}/comments", lambda q: (200, pages[q.get("after")], {}))
    account = Account("instagram", "17841406338772941", "52.05", "DISKOMINFO")
    ctx = context(served, "/v11.0", registry_with(account), tmp_path)
    stream, batch = InstagramComments(), Batch("t", {})
    threads = stream.threads(stream.comments_of(ctx, media, batch), account, ctx)
    assert batch.pages == 2
    assert sorted(c.complaint_id for c in threads) == [
        "17858154961981086",
        "17874875428706419",
        "17892250648466172",
        "17914413430382429",
    ]


def test_x_mentions_read_the_real_v2_shape_and_follow_next_token(served, tmp_path):
    first = sample("x/recent_search_tweet_fields.json")
    served.add(
        "/2/users/17200003/mentions",
        lambda q: (
            200,
            {"meta": {"result_count": 0}} if "pagination_token" in q else first["body"],
            first["rate_limit_headers"],
        ),
    )
    served.add("/2/users/17200003/tweets", lambda q: (200, sample("x/recent_search_expanded_users.json")["body"], {}))
    account = Account("x", "17200003", "52.05", "DISKOMINFO")
    ctx = context(served, "/2", registry_with(account), tmp_path)
    ctx.settings["start_date"] = "2020-06-01"
    batch = XMentions().sync(ctx, "52.05", {})
    assert batch.pages == 3  # mentions: two pages (next_token, then an empty page); tweets: one
    # Of the page's 10 tweets, 7 are Retweets ("RT @…", referenced_tweets type "retweeted";
    # 1275840875466305542 retweets a Quote Tweet, so it carries "quoted" and "retweeted"):
    # the 3 complaints are the reply 1275840892281249793 and the two original tweets.
    assert sorted(c.complaint_id for c in batch.items) == [
        "1275840878238552064",
        "1275840891014561796",
        "1275840892281249793",
    ]
    assert {c.opd_code for c in batch.items} == {"DISKOMINFO"}
    # The watermark moves over everything read, Retweets included: the newest id is one.
    assert batch.state["accounts"]["17200003"]["newest_id"] == "1275840892285399041"


def test_the_real_x_429_waits_for_its_reset_and_the_graph_error_is_reported(served, tmp_path):
    limited = sample("x/rate_limit_429.json")
    calls = []

    def tweet(q):
        calls.append(q)
        if len(calls) == 1:
            return 429, limited["body"].encode(), limited["rate_limit_headers"]
        return 200, {"data": {"id": "1"}}, {}

    served.add("/2/tweets/1", tweet)
    served.add("/v11.0/123/comments", lambda q: (400, sample("facebook/error_data.json"), {}))
    x = HttpClient(Credentials("rapor_x", served.url + "/2", "t"), "x", FAST)
    assert x.get("tweets/1").payload == {"data": {"id": "1"}}
    assert x.stats.waits == [("rate limited", 1.0)]  # its reset (2020) is past: one second
    graph = HttpClient(Credentials("rapor_facebook", served.url + "/v11.0", "t"), "facebook", FAST)
    with pytest.raises(PermissionMissingError, match=r"\(#100\) Object does not exist"):
        graph.get("123/comments")


def test_the_real_code_100_is_a_configuration_error_naming_the_permission_not_an_expired_token(served):
    # error_data.json: {"error": {"code": 100, "type": "OAuthException", "message": "(#100) Object
    # does not exist, cannot be loaded due to missing permission ... requires the
    # 'pages_read_engagement' permission ..."}}. Renewing the token cannot fix it; the
    # message says what can, and the request is not retried.
    served.add("/v11.0/123/comments", lambda q: (400, sample("facebook/error_data.json"), {}))
    expired = {"error": {"message": "Error validating access token: Session has expired", "code": 190}}
    served.add("/v11.0/456/comments", lambda q: (400, expired, {}))
    graph = HttpClient(Credentials("rapor_facebook", served.url + "/v11.0", "t"), "facebook", FAST)
    with pytest.raises(PermissionMissingError) as refused:
        graph.get("123/comments")
    message = str(refused.value)
    assert refused.value.outcome == "permission_missing" and not isinstance(refused.value, AuthError)
    assert "configuration error" in message and "pages_read_engagement" in message
    assert "`rapor_facebook`" in message and "Renewing the token alone does not help" in message
    assert graph.stats.requests == 1 and graph.stats.retries == 0
    with pytest.raises(AuthError) as rejected:
        graph.get("456/comments")
    assert rejected.value.outcome == "token_expired" and "Renew the token" in str(rejected.value)


def test_a_comment_repeated_on_the_next_page_is_one_comment_read_from_the_later_page(served, tmp_path):
    post = "19292868552_10158407654328553"
    first, second = sample("facebook/comments_p1.json"), sample("facebook/comments_p2.json")
    drifted = first["data"][-1]
    second["data"].insert(0, drifted)  # the listing moved while it was paged: page 2 starts with page 1's last
    pages = {None: first, "after": second}
    served.add(f"/v11.0/{post}/comments", lambda q: (200, pages[q.get("after")], {}))
    ctx = context(served, "/v11.0", registry_with(Account("facebook", "19292868552", "52.05", "DISKOMINFO")), tmp_path)
    batch = Batch("t", {})
    comments = FacebookComments().comments_of(ctx, post, batch)
    assert batch.pages == 2 and len(comments) == 15  # 10 + 6 sightings, 15 comments
    position, (item, sha) = next((i, c) for i, c in enumerate(comments) if graph_id(c[0]) == graph_id(drifted))
    assert position == 9 and item == drifted  # in its first place ...
    assert sha == batch.landed[1].sha256  # ... read from the later page


def x_mentions_served(served, repeated_page: dict) -> None:
    """The real mentions page (with its ``next_token``), then a second page; the account tweeted nothing."""
    first = sample("x/recent_search_tweet_fields.json")
    served.add(
        "/2/users/17200003/mentions",
        lambda q: (200, repeated_page if "pagination_token" in q else first["body"], first["rate_limit_headers"]),
    )
    served.add("/2/users/17200003/tweets", lambda q: (200, {"meta": {"result_count": 0}}, {}))


def test_a_mention_repeated_across_pages_is_one_complaint_and_since_id_moves_once_to_the_newest(served, tmp_path):
    page = sample("x/recent_search_tweet_fields.json")["body"]["data"]
    newest, reply = page[0], page[1]  # the newest is a Retweet; the next one a citizen's reply
    x_mentions_served(served, {"data": [reply], "meta": {"result_count": 1, "newest_id": reply["id"]}})
    ctx = context(served, "/2", registry_with(Account("x", "17200003", "52.05", "DISKOMINFO")), tmp_path)
    ctx.settings["start_date"] = "2020-06-01"
    saved = {"accounts": {"17200003": {"newest_id": "1275840875466305542"}}}  # the oldest mention of the page
    batch = XMentions().sync(ctx, "52.05", saved)
    assert batch.pages == 3 and len(batch.items) == 3  # 11 sightings, 10 mentions, 7 of them Retweets
    (complaint,) = [c for c in batch.items if c.complaint_id == reply["id"]]
    assert complaint.raw_shas == {batch.landed[1].sha256}
    assert batch.state == {"accounts": {"17200003": {"newest_id": newest["id"]}}}
    assert saved == {"accounts": {"17200003": {"newest_id": "1275840875466305542"}}}  # moved in the batch only


def test_a_saved_watermark_newer_than_everything_read_stays_as_saved(served, tmp_path):
    x_mentions_served(served, {"meta": {"result_count": 0}})
    ctx = context(served, "/2", registry_with(Account("x", "17200003", "52.05", "DISKOMINFO")), tmp_path)
    later = {"accounts": {"17200003": {"newest_id": "1375840892285399041"}}}  # a mention of 2021, read before
    assert XMentions().sync(ctx, "52.05", later).state == later
    _, _, ctx = serve_page_posts(served, tmp_path)
    state = {"posts_since": "2021-07-06T08:00:00+07:00"}  # after the newest post (2021-07-04), in its own offset
    assert FacebookComments().sync(ctx, "4", state).state == state


# -- X threads: which mention a reply answers -----------------------------------------------
# The conversation of recent_search_expanded_users.json (a real thread, in `data` and
# `includes.tweets`). The sample did not ask for `conversation_id`; the X API docs
# (docs.x.com/x-api/fundamentals/conversation-id) say every reply in a thread carries
# "the ID of the original post that started the conversation", here 1273733248749690880,
# so it is added as the API returns it when asked. The account 17200003 ("snowman") is the
# OPD's; its tweets are the root post and two replies, the citizens' tweets its mentions.
ROOT = "1273733248749690880"
OPD_ACCOUNT = Account("x", "17200003", "52.05", "DISKOMINFO")


def thread_tweets() -> dict[str, dict]:
    body = sample("x/recent_search_expanded_users.json")["body"]
    tweets = {t["id"]: {**t, "conversation_id": ROOT} for t in body["data"] + body["includes"]["tweets"]}
    return tweets


def serve_thread(served, mentions: list[dict], own: list[dict]) -> None:
    """GET users/17200003/mentions and /tweets, newest first, as the X API v2 lists them."""

    def page(tweets):
        tweets = sorted(tweets, key=lambda t: -int(t["id"]))
        return {"data": tweets, "meta": {"result_count": len(tweets)}} if tweets else {"meta": {"result_count": 0}}

    served.add("/2/users/17200003/mentions", lambda q: (200, page(mentions), {}))
    served.add("/2/users/17200003/tweets", lambda q: (200, page(own), {}))


def collected_thread(served, tmp_path, mentions: list[dict], own: list[dict]) -> dict[str, list[Reply]]:
    serve_thread(served, mentions, own)
    ctx = context(served, "/2", registry_with(OPD_ACCOUNT), tmp_path)
    ctx.settings["start_date"] = "2020-06-01"
    return {c.complaint_id: sorted(c.replies, key=lambda r: r.at) for c in XMentions().sync(ctx, "52.05", {}).items}


def at(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def test_an_opd_reply_answers_only_the_mention_it_replies_to_not_a_later_mention_of_the_conversation(served, tmp_path):
    t = thread_tweets()
    mentions = [t["1274086728471461889"], t["1275763727908798470"], t["1276035977375477760"]]
    own = [t[ROOT], t["1275653067283759104"], t["1275882613572583424"]]
    replies = collected_thread(served, tmp_path, mentions, own)
    # 1275653067283759104 (2020-06-24 04:52:46Z) has referenced_tweets replied_to
    # 1274086728471461889: happycamper's mention, its one answer. 1275882613572583424
    # (20:04:54Z) replies to the OPD's own root post, not to a complaint: it answers none,
    # although jellybeanjones's mention 1275763727908798470 (12:12:29Z) came before it in the
    # same conversation (the old rule gave it that reply as its first response).
    assert replies == {
        "1274086728471461889": [Reply("DISKOMINFO", at("2020-06-24T04:52:46Z"))],
        "1275763727908798470": [],
        "1276035977375477760": [],
    }


def test_an_opd_reply_under_its_own_answer_belongs_to_the_mention_that_answer_replied_to(served, tmp_path):
    t = thread_tweets()
    closing = {  # the OPD closes the case in a reply to its own answer, as admins thread them
        "id": "1276100000000000000",
        "author_id": "17200003",
        "created_at": "2020-06-25T10:00:00.000Z",
        "conversation_id": ROOT,
        "in_reply_to_user_id": "17200003",
        "referenced_tweets": [{"type": "replied_to", "id": "1275653067283759104"}],
        "text": "Sudah kami perbaiki, terima kasih. #selesai",
    }
    mentions = [t["1274086728471461889"], t["1275763727908798470"], t["1276035977375477760"]]
    replies = collected_thread(served, tmp_path, mentions, [t[ROOT], t["1275653067283759104"], closing])
    # closing -> replied_to 1275653067283759104 (read: the OPD's answer) -> replied_to
    # 1274086728471461889, a complaint: the resolution is that mention's alone, not of the
    # other two mentions made before it in the conversation.
    assert replies == {
        "1274086728471461889": [
            Reply("DISKOMINFO", at("2020-06-24T04:52:46Z")),
            Reply("DISKOMINFO", at("2020-06-25T10:00:00Z"), resolves=True),
        ],
        "1275763727908798470": [],
        "1276035977375477760": [],
    }


def test_an_opd_reply_to_a_tweet_not_read_answers_the_mention_that_started_the_conversation(served, tmp_path):
    # A citizen's complaint A starts its conversation (conversation_id = its own id); B is a
    # second citizen's mention replying to A. The OPD replies to a tweet of the thread that
    # was not read (a third citizen's, without a mention): by conversation_id it answers A,
    # the conversation's first tweet; B, also before it, is not answered.
    a = {
        "id": "1300000000000000001",
        "author_id": "901",
        "created_at": "2020-08-01T01:00:00.000Z",
        "text": "@snowman Jalan rusak",
    }
    a["conversation_id"] = a["id"]
    b = {
        "id": "1300000000000000002",
        "author_id": "902",
        "created_at": "2020-08-01T02:00:00.000Z",
        "conversation_id": a["id"],
        "in_reply_to_user_id": "901",
        "referenced_tweets": [{"type": "replied_to", "id": a["id"]}],
        "text": "@warga901 @snowman Di desa kami juga",
    }
    answer = {
        "id": "1300000000000000009",
        "author_id": "17200003",
        "created_at": "2020-08-01T03:00:00.000Z",
        "conversation_id": a["id"],
        "in_reply_to_user_id": "903",
        "referenced_tweets": [{"type": "replied_to", "id": "1300000000000000003"}],  # not read
        "text": "@warga903 Kami cek hari ini",
    }
    replies = collected_thread(served, tmp_path, [a, b], [answer])
    assert replies == {a["id"]: [Reply("DISKOMINFO", at("2020-08-01T03:00:00Z"))], b["id"]: []}


def test_retweets_and_quotes_without_new_text_are_not_complaints_and_an_opd_retweet_is_no_answer(served, tmp_path):
    # Shapes as the X API v2 docs give them: referenced_tweets type "retweeted" (this Tweet
    # is a Retweet) or "quoted" (a Quote Tweet, a Retweet with comment). The real reply
    # with only handles and a photo (1275763727908798470, `attachments.media_keys`) is no
    # quote and stays a complaint; so does the quote with words of its own.
    t = thread_tweets()
    a = t["1274086728471461889"]
    retweet = {
        "id": "1300000000000000011",
        "author_id": "904",
        "created_at": "2020-08-02T01:00:00.000Z",
        "conversation_id": "1300000000000000011",
        "referenced_tweets": [{"type": "retweeted", "id": a["id"]}],
        "text": "RT @happycamper: " + a["text"][:100],
    }
    bare_quote = {
        "id": "1300000000000000012",
        "author_id": "905",
        "created_at": "2020-08-02T02:00:00.000Z",
        "conversation_id": "1300000000000000012",
        "referenced_tweets": [{"type": "quoted", "id": a["id"]}],
        "text": "@snowman https://t.co/14TzLYBBXi",
    }
    worded_quote = {**bare_quote, "id": "1300000000000000013", "text": "@snowman Sama, di sini juga https://t.co/x"}
    opd_retweet = {**retweet, "id": "1300000000000000014", "author_id": "17200003", "conversation_id": a["id"]}
    mentions = [a, t["1275763727908798470"], retweet, bare_quote, worded_quote]
    replies = collected_thread(served, tmp_path, mentions, [opd_retweet])
    # whatever conversation_id X gives the OPD's Retweet, it is not a reply: no answer.
    assert replies == {a["id"]: [], "1275763727908798470": [], worded_quote["id"]: []}


# -- the posting duty: which listed items are the account's own posts -----------------------


def test_facebook_page_posts_listed_are_the_pages_own_posts_with_their_created_time(served, tmp_path):
    # Graph API, Page /posts: "the posts that were published by this Page", each with
    # `id` and `created_time` as the fields parameter asked (feed_fields_p1/p2.json).
    pages, account, ctx = serve_page_posts(served, tmp_path)
    batch = FacebookComments().sync(ctx, "4", {})
    listed = {p["id"]: p["created_time"] for page in pages for p in page["data"]}
    assert {p.post_id: p.posted_at for p in batch.posts} == {
        ident: datetime.strptime(text, "%Y-%m-%dT%H:%M:%S%z") for ident, text in listed.items()
    }
    assert {p.account for p in batch.posts} == {account}


def test_x_posts_are_the_accounts_tweets_that_are_not_replies_or_retweets(served, tmp_path):
    t = thread_tweets()
    retweet = {  # a Retweet in the timeline only repeats another's tweet (referenced_tweets type retweeted)
        "id": "1276200000000000000",
        "author_id": "17200003",
        "created_at": "2020-06-26T08:00:00.000Z",
        "referenced_tweets": [{"type": "retweeted", "id": "1276035977375477760"}],
        "text": "RT @someone: ...",
    }
    own = [t[ROOT], t["1275653067283759104"], t["1275882613572583424"], retweet]
    serve_thread(served, [t["1274086728471461889"]], own)
    ctx = context(served, "/2", registry_with(OPD_ACCOUNT), tmp_path)
    ctx.settings["start_date"] = "2020-06-01"
    batch = XMentions().sync(ctx, "52.05", {})
    # The root post of the conversation is the account's own post; its two tweets with
    # referenced_tweets type replied_to are answers, the Retweet is not a post of its own.
    assert [(p.post_id, p.posted_at) for p in batch.posts] == [(ROOT, at(t[ROOT]["created_at"]))]
