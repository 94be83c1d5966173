"""Raw landing keeps personal data: retention, purge, and files only the service user reads.

The pages landed here are the platforms' real responses (shared/data/real/api-samples):
a Graph API comments page, its next page, a feed page, and an X recent search.
"""

from __future__ import annotations

import json
import os
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from rapor.collectors.raw import RawLanding, expiry_day, narrow_permissions, purge_expired, read_landed, record_landings
from rapor.collectors.streams.graph import graph_id
from rapor.errors import ConfigError
from rapor.policy import load_policy, parse_policy
from rapor.warehouse import schema

SAMPLES = Path(__file__).resolve().parents[3] / "shared" / "data" / "real" / "api-samples"
if not SAMPLES.is_dir():  # the project checkout sits next to ../shared
    SAMPLES = Path("/work/shared/data/real/api-samples")
AS_OF = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)


def sample(name: str) -> bytes:
    """A saved response body as the platform sent it (the X samples wrap theirs with headers)."""
    data = json.loads((SAMPLES / name).read_bytes())
    return json.dumps(data["body"]).encode() if "body" in data else (SAMPLES / name).read_bytes()


def comment_ids(body: bytes) -> list[str]:
    """The ids of a page's records (real Graph comments may carry only a permalink)."""
    return [graph_id(item) for item in json.loads(body)["data"]]


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def landing(tmp_path) -> RawLanding:
    return RawLanding(tmp_path / "raw")


def land_and_record(engine, landing, source, stream, body, fetched_at, complaint_source=None):
    """Land one page on the day of ``fetched_at`` and link the complaints read from it."""
    landed = landing.land(source, stream, body, request=f"https://graph.facebook.com/{stream}", fetched_at=fetched_at)
    lineage = {(complaint_source or source, cid): {landed.sha256} for cid in comment_ids(body)}
    with engine.begin() as conn:
        record_landings(conn, [landed], lineage)
    return landed


def rows(engine, table):
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(select(table)).mappings()]


def test_a_purge_deletes_only_the_expired_files_and_rows_and_lineage_keeps_the_hashes(warehouse, landing):
    old = land_and_record(
        warehouse, landing, "facebook", "facebook_comments", sample("facebook/comments_p1.json"), AS_OF - timedelta(100)
    )
    kept = land_and_record(
        warehouse, landing, "facebook", "facebook_comments", sample("facebook/comments_p2.json"), AS_OF - timedelta(10)
    )
    # The same page fetched again five days later is a second file; its row stays the first one's.
    again = landing.land(
        "facebook", "facebook_comments", sample("facebook/comments_p1.json"), "r", fetched_at=AS_OF - timedelta(95)
    )
    other = land_and_record(
        warehouse, landing, "x", "x_mentions", sample("x/recent_search_tweet_fields.json"), AS_OF - timedelta(100)
    )
    lineage_before = rows(warehouse, schema.complaint_raw)

    purge = purge_expired(warehouse, ["facebook"], AS_OF, 90, root=landing.root)

    assert not old.path.exists() and not again.path.exists() and again.path != old.path
    assert not old.path.parent.exists()  # the emptied day folder goes too
    assert kept.path.exists() and other.path.exists()  # not expired / another source
    assert {(r["source"], r["sha256"]) for r in rows(warehouse, schema.raw_landing)} == {
        ("facebook", kept.sha256),
        ("x", other.sha256),
    }
    assert rows(warehouse, schema.complaint_raw) == lineage_before  # lineage keeps every hash
    assert {r["raw_sha256"] for r in lineage_before if r["source"] == "facebook"} == {old.sha256, kept.sha256}
    assert (purge.files_deleted, purge.rows_deleted) == (2, 1)
    assert purge.bytes_deleted == 2 * old.n_bytes
    assert purge.before == (AS_OF - timedelta(90)).date()
    with warehouse.connect() as conn, pytest.raises(LookupError, match="purged after its retention period"):
        read_landed(conn, "facebook", old.sha256)
    with warehouse.connect() as conn:
        assert read_landed(conn, "facebook", kept.sha256) == sample("facebook/comments_p2.json")


def test_a_purge_is_idempotent(warehouse, landing):
    land_and_record(
        warehouse, landing, "facebook", "facebook_comments", sample("facebook/comments_p1.json"), AS_OF - timedelta(91)
    )
    first = purge_expired(warehouse, ["facebook"], AS_OF, 90, root=landing.root)
    files_after_first = sorted(p for p in landing.root.rglob("*"))
    second = purge_expired(warehouse, ["facebook"], AS_OF, 90, root=landing.root)
    assert (first.files_deleted, first.rows_deleted) == (1, 1)
    assert (second.files_deleted, second.rows_deleted, second.bytes_deleted) == (0, 0, 0)
    assert sorted(p for p in landing.root.rglob("*")) == files_after_first
    assert len(rows(warehouse, schema.complaint_raw)) == len(comment_ids(sample("facebook/comments_p1.json")))


def test_the_retention_counts_whole_utc_days_back_from_the_run(warehouse, landing):
    first_kept_day = expiry_day(AS_OF, 90)
    edge = datetime.combine(first_kept_day, datetime.min.time(), tzinfo=UTC)
    kept = land_and_record(
        warehouse, landing, "facebook", "facebook_comments", sample("facebook/comments_p1.json"), edge
    )
    gone = land_and_record(
        warehouse,
        landing,
        "facebook",
        "facebook_comments",
        sample("facebook/comments_p2.json"),
        edge - timedelta(microseconds=1),
    )
    purge_expired(warehouse, ["facebook"], AS_OF, 90, root=landing.root)
    assert kept.path.exists() and not gone.path.exists()
    assert kept.path.parent.name == first_kept_day.isoformat()


def test_raw_files_and_folders_are_readable_by_the_service_user_only(landing):
    previous = os.umask(0)  # even a permissive umask gives no one else access
    try:
        landed = landing.land(
            "facebook", "facebook_comments", sample("facebook/feed_fields_p1.json"), "r", fetched_at=AS_OF
        )
    finally:
        os.umask(previous)
    assert mode(landed.path) == 0o600
    assert [mode(p) for p in (landing.root, landed.path.parent.parent, landed.path.parent)] == [0o700] * 3


def test_a_purge_narrows_the_permissions_of_older_landings(warehouse, landing):
    day = landing.root / "facebook" / AS_OF.date().isoformat()
    day.mkdir(parents=True)
    loose = day / "facebook_comments-0000000000000000.json"
    loose.write_bytes(sample("facebook/feed_fields_p2.json"))
    os.chmod(loose, 0o644)
    os.chmod(day, 0o755)
    purge = purge_expired(warehouse, ["facebook"], AS_OF, 90, root=landing.root)
    assert loose.exists() and mode(loose) == 0o600 and mode(day) == 0o700
    assert purge.files_deleted == 0 and purge.modes_narrowed >= 2
    assert narrow_permissions(landing.root / "facebook") == 0  # nothing left to narrow


def test_the_policy_gives_the_retention_period():
    assert load_policy().raw_landing.retention_days == 90
    data = _default_policy_data()
    data["raw_landing"] = {"retention_days": 30}
    assert parse_policy(data).raw_landing.retention_days == 30
    del data["raw_landing"]
    assert parse_policy(data).raw_landing.retention_days == 90  # a policy file without the section


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"retention_days": 0}, "1 or more"),
        ({"retention_days": "90"}, "whole number"),
        ({"retention_days": 1.5}, "whole number"),
        ({"keep_days": 90}, "unknown raw_landing settings"),
        ([90], "mapping"),
    ],
)
def test_a_bad_retention_setting_is_a_clear_error(spec, message):
    data = _default_policy_data()
    data["raw_landing"] = spec
    with pytest.raises(ConfigError, match=message):
        parse_policy(data)


def _default_policy_data() -> dict:
    import yaml

    from rapor import config

    return yaml.safe_load(config.policy_path().read_bytes())


def test_raw_landing_and_its_purge_on_an_fsspec_url(warehouse, object_store):
    import fsspec

    url = f"{object_store}/raw"
    fs, _ = fsspec.core.url_to_fs(url)
    landing = RawLanding(url + "/")
    old = land_and_record(
        warehouse,
        landing,
        "facebook",
        "facebook_comments",
        sample("facebook/comments_p1.json"),
        AS_OF - timedelta(100),
    )
    kept = land_and_record(
        warehouse,
        landing,
        "facebook",
        "facebook_comments",
        sample("facebook/comments_p2.json"),
        AS_OF - timedelta(10),
    )
    day = (AS_OF - timedelta(100)).strftime("%Y-%m-%d")
    assert old.path == f"{url}/facebook/{day}/facebook_comments-{old.sha256[:16]}.json"
    assert landing.land(
        "facebook", "facebook_comments", sample("facebook/comments_p1.json"), "r", fetched_at=AS_OF - timedelta(100)
    ) == old.__class__(**{**old.__dict__, "request": "r"})
    with warehouse.connect() as conn:
        assert read_landed(conn, "facebook", old.sha256) == sample("facebook/comments_p1.json")
    assert fs.cat_file(fs._strip_protocol(kept.path)) == sample("facebook/comments_p2.json")
    purge = purge_expired(warehouse, ["facebook"], AS_OF, 90, root=landing.root)
    assert (purge.files_deleted, purge.rows_deleted, purge.bytes_deleted) == (1, 1, old.n_bytes)
    assert not fs.exists(fs._strip_protocol(old.path)) and fs.exists(fs._strip_protocol(kept.path))
    with warehouse.connect() as conn, pytest.raises(LookupError, match="purged after its retention period"):
        read_landed(conn, "facebook", old.sha256)
    again = purge_expired(warehouse, ["facebook"], AS_OF, 90, root=landing.root)
    assert (again.files_deleted, again.rows_deleted) == (0, 0)


def test_a_file_url_raw_root_is_the_local_folder_with_its_modes(monkeypatch, tmp_path):
    from rapor import config

    monkeypatch.setenv("RAPOR_RAW_DIR", (tmp_path / "raw").as_uri())
    assert config.raw_dir() == tmp_path / "raw"
    landed = RawLanding().land("x", "x_mentions", b"{}", "r", fetched_at=AS_OF)
    assert landed.path.parent.parent.parent == tmp_path / "raw" and mode(landed.path) == 0o600
