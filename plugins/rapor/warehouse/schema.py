"""The warehouse tables, as SQLAlchemy Core objects used by the loaders and scoring.

The schema itself is created and changed only by the Alembic migrations in
``migrations/versions``; keep this file and the newest migration in step (a test
compares them on both SQLite and PostgreSQL).
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Index,
    Integer,
    MetaData,
    Numeric,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
    true,
)

metadata = MetaData()

# SQLite only auto-increments an INTEGER PRIMARY KEY; PostgreSQL gets a BIGINT identity.
BigId = BigInteger().with_variant(Integer(), "sqlite")
Instant = DateTime(timezone=True)  # always stored as UTC

region = Table(
    "region",
    metadata,
    Column("region_code", String(16), primary_key=True),
    Column("region_name", String(200), nullable=False),
    Column("timezone", String(64), nullable=False),
    Column("updated_at", Instant, nullable=False),
)

opd = Table(
    "opd",
    metadata,
    Column("region_code", String(16), primary_key=True),
    Column("opd_code", String(64), primary_key=True),
    Column("opd_name", String(300), nullable=False),
    Column("active", Boolean, nullable=False, server_default=true()),
    Column("updated_at", Instant, nullable=False),
)

# Which social-media page, app account or hotline number belongs to which OPD; an
# account with no opd_code is a central account of the region (routed by rules).
account = Table(
    "account",
    metadata,
    Column("platform", String(32), primary_key=True),
    Column("account_id", String(128), primary_key=True),
    Column("region_code", String(16), nullable=False),
    Column("opd_code", String(64)),
    Column("updated_at", Instant, nullable=False),
)

complaint = Table(
    "complaint",
    metadata,
    Column("source", String(64), primary_key=True),
    Column("complaint_id", String(128), primary_key=True),
    Column("region_code", String(16), nullable=False),
    Column("opd_code", String(64)),  # empty: not yet dispositioned (belum terdisposisi)
    Column("channel", String(16), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("received_at", Instant, nullable=False),
    Column("forwarded_at", Instant),
    Column("first_response_at", Instant),
    Column("resolved_at", Instant),
    Column("reporter_pseudonym", String(64)),
    Column("text_redacted", Text),
    Column("confidential", Boolean, nullable=False, server_default=false()),
    # Opens the complaint at its source, where the platform gives a link (a Facebook comment's
    # permalink_url); shown to authorised readers beside the source's own ticket, never published.
    Column("source_url", Text),
    Column("updated_at", Instant, nullable=False),
    Index("ix_complaint_region_received", "region_code", "received_at"),
)

inspection = Table(
    "inspection",
    metadata,
    Column("region_code", String(16), primary_key=True),
    Column("opd_code", String(64), primary_key=True),
    Column("inspected_on", Date, primary_key=True),
    Column("indicator", String(128), primary_key=True),
    Column("dimension", String(16), nullable=False),
    Column("score", SmallInteger, nullable=False),
    Column("updated_at", Instant, nullable=False),
)

# Rows that broke an import rule, with the rule, file and row: never dropped silently.
quarantine = Table(
    "quarantine",
    metadata,
    Column("quarantine_id", BigId, primary_key=True, autoincrement=True),
    Column("dataset", String(32), nullable=False),
    Column("source_file", String(500), nullable=False),
    Column("file_sha256", String(64), nullable=False),
    Column("row_number", Integer, nullable=False),
    Column("record_key", String(300), nullable=False),
    Column("field", String(64), nullable=False),
    Column("rule", String(64), nullable=False),
    Column("detail", Text, nullable=False),
    Column("raw_record", Text, nullable=False),  # the row, pseudonymised and redacted
    Column("quarantined_at", Instant, nullable=False),
    UniqueConstraint("file_sha256", "dataset", "row_number", "field", "rule", name="uq_quarantine_row_rule"),
)

import_file = Table(
    "import_file",
    metadata,
    Column("file_sha256", String(64), primary_key=True),
    Column("dataset", String(32), primary_key=True),
    Column("file_name", String(500), nullable=False),
    Column("rows_total", Integer, nullable=False),
    Column("rows_loaded", Integer, nullable=False),
    Column("rows_quarantined", Integer, nullable=False),
    Column("first_imported_at", Instant, nullable=False),
    Column("last_imported_at", Instant, nullable=False),
)

scorecard = Table(
    "scorecard",
    metadata,
    Column("region_code", String(16), primary_key=True),
    Column("period", String(7), primary_key=True),
    Column("opd_code", String(64), primary_key=True),
    Column("opd_name", String(300), nullable=False),
    Column("n_first_response", Integer, nullable=False),
    Column("n_first_response_on_time", Integer, nullable=False),
    Column("r1", Numeric(6, 4), nullable=False),
    Column("n_resolution", Integer, nullable=False),
    Column("n_resolution_on_time", Integer, nullable=False),
    Column("r2", Numeric(6, 4), nullable=False),
    Column("n_open", Integer, nullable=False),
    Column("n_open_overdue", Integer, nullable=False),
    Column("r3", Numeric(6, 4), nullable=False),
    Column("s_resp", Numeric(5, 2), nullable=False),
    Column("s_sop", Numeric(5, 2)),
    Column("index_score", Numeric(5, 2)),
    Column("category", String(1)),
    Column("zone", String(8)),
    Column("status", String(16), nullable=False),
    Column("tpp_cut_pct", Numeric(5, 2)),
    Column("tpp_run_months", Integer, nullable=False),
    Column("sop_inspected_on", Date),
    Column("method_version", String(16), nullable=False),
    Column("policy_sha256", String(64), nullable=False),
    Column("computed_at", Instant, nullable=False),
)

# Per complaint and period: which population it was in and whether it met its deadline.
# Every count on a scorecard is a count of these rows.
score_evidence = Table(
    "score_evidence",
    metadata,
    Column("region_code", String(16), primary_key=True),
    Column("period", String(7), primary_key=True),
    Column("source", String(64), primary_key=True),
    Column("complaint_id", String(128), primary_key=True),
    Column("opd_code", String(64), nullable=False),
    Column("channel", String(16), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("clock_start_at", Instant, nullable=False),
    Column("first_response_deadline_at", Instant, nullable=False),
    Column("resolution_deadline_at", Instant),
    # The coordinator's clock (SCORING.md §2), for forwarded complaints: evidence only.
    Column("forwarding_deadline_at", Instant),
    Column("forwarded_on_time", Boolean),
    Column("in_first_response", Boolean, nullable=False),
    Column("first_response_on_time", Boolean, nullable=False),
    Column("in_resolution", Boolean, nullable=False),
    Column("resolution_on_time", Boolean, nullable=False),
    Column("open_at_end", Boolean, nullable=False),
    Column("overdue_at_end", Boolean, nullable=False),
)

# One row per run of the data-quality gate for a (region, month); the latest row counts.
# status: "lulus" (passed) or "ditahan" (held: no publication, no TPP recommendation).
# critical_failures / warnings: JSON lists of {"suite", "expectation", "column", "detail"}.
quality_gate = Table(
    "quality_gate",
    metadata,
    Column("gate_id", BigId, primary_key=True, autoincrement=True),
    Column("region_code", String(16), nullable=False),
    Column("period", String(7), nullable=False),
    Column("checked_at", Instant, nullable=False),
    Column("passed", Boolean, nullable=False),
    Column("status", String(16), nullable=False),
    Column("critical_failures", Text, nullable=False),
    Column("warnings", Text, nullable=False),
    Column("data_docs_path", String(500)),
    Column("override_reason", Text),
    Column("override_by", String(200)),
    # OPDs held alone (migration 0006): JSON list of {opd_code, platform, account_id, conn_id,
    # outcome, error, uncollected_days}; their TPP recommendation is cleared, the others stand.
    Column("held_opds", Text, nullable=False, server_default="[]"),
    Index("ix_quality_gate_region_period", "region_code", "period", "checked_at"),
)

# --- Publication (migration 0005_publication) ---------------------------------------------
# One row per published revision of a region-month; a revision is never changed or removed.
# Its files live in output/published/<region>/<YYYY-MM>/r<revision>/ (``folder``, relative to
# the output folder); manifest_sha256 chains to the previous revision's manifest.
publication = Table(
    "publication",
    metadata,
    Column("region_code", String(16), primary_key=True),
    Column("period", String(7), primary_key=True),
    Column("revision", Integer, primary_key=True),
    Column("published_at", Instant, nullable=False),
    Column("published_by", String(200), nullable=False),
    Column("reason", Text, nullable=False),
    Column("gate_status", String(16), nullable=False),  # "lulus" or "belum diperiksa"
    Column("gate_checked_at", Instant),
    Column("method_version", String(16), nullable=False),
    Column("policy_sha256", String(64), nullable=False),
    Column("inputs_sha256", String(64), nullable=False),
    Column("scorecard_sha256", String(64), nullable=False),
    Column("manifest_sha256", String(64), nullable=False),
    Column("previous_manifest_sha256", String(64)),
    Column("bkd_produced", Boolean, nullable=False),
    Column("appeal_deadline_at", Instant),
    Column("folder", String(500), nullable=False),
    Column("n_opds", Integer, nullable=False),
)

# OPD heads (kepala) and named complaint handlers (pengelola_pengaduan) for the BKD file:
# officials' names are public-office data. Imported from staff.csv (rapor.imports.staff).
opd_staff = Table(
    "opd_staff",
    metadata,
    Column("region_code", String(16), primary_key=True),
    Column("opd_code", String(64), primary_key=True),
    Column("role", String(32), primary_key=True),
    Column("nip", String(32), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("email", String(254)),  # a complaint handler's work address, for the early warning (0006)
    Column("updated_at", Instant, nullable=False),
)

# Institutional addresses that get the publication e-mail: recipient "inspektorat" or "bkd".
notification_recipient = Table(
    "notification_recipient",
    metadata,
    Column("region_code", String(16), primary_key=True),
    Column("recipient", String(16), primary_key=True),
    Column("email", String(254), primary_key=True),
    Column("updated_at", Instant, nullable=False),
)

# Every notification attempt; event_key ("terbit:r2", "ditahan:<gate id>") makes sending idempotent.
notification_log = Table(
    "notification_log",
    metadata,
    Column("notification_id", BigId, primary_key=True, autoincrement=True),
    Column("region_code", String(16), nullable=False),
    Column("period", String(7), nullable=False),
    Column("revision", Integer),
    Column("event", String(16), nullable=False),  # "terbit" or "ditahan"
    Column("event_key", String(100), nullable=False),
    Column("recipients", Text, nullable=False),
    Column("subject", String(300), nullable=False),
    Column("status", String(16), nullable=False),  # "terkirim", "gagal" or "dilewati"
    Column("detail", Text),
    Column("logged_at", Instant, nullable=False),
    Index("ix_notification_log_event", "region_code", "period", "event_key"),
)

# Every duty a morning's early warning named (migration 0007): what was warned, to measure
# how many of those were then answered in time (the monthly report).
early_warning_item = Table(
    "early_warning_item",
    metadata,
    Column("region_code", String(16), primary_key=True),
    Column("day", Date, primary_key=True),  # the region's local working day of the warning
    Column("source", String(64), primary_key=True),
    Column("complaint_id", String(128), primary_key=True),
    Column("duty", String(32), primary_key=True),  # vocabulary DUTY_*
    Column("opd_code", String(64), nullable=False),
    Column("deadline_at", Instant, nullable=False),
    Column("overdue", Boolean, nullable=False),  # already past its deadline that morning
    Index("ix_early_warning_item_region_day", "region_code", "day"),
)

# --- Collectors (migration 0004_collectors) ------------------------------------------------
# Where each stream (one platform endpoint, one account) stopped: a JSON state (cursor,
# watermark) written in the same transaction as the complaints it produced.
collector_state = Table(
    "collector_state",
    metadata,
    Column("stream_id", String(200), primary_key=True),
    Column("state", Text, nullable=False),
    Column("updated_at", Instant, nullable=False),
)

# Every payload page or file as received, stored unchanged under the raw folder (``path``);
# ``request`` is the URL without credentials, or the file's inbox name.
raw_landing = Table(
    "raw_landing",
    metadata,
    Column("source", String(64), primary_key=True),
    Column("sha256", String(64), primary_key=True),
    Column("stream", String(64), nullable=False),
    Column("path", String(500), nullable=False),
    Column("request", String(1000), nullable=False),
    Column("n_bytes", Integer, nullable=False),
    Column("fetched_at", Instant, nullable=False),
)

# Lineage: the raw pages or files each collected complaint was read from.
complaint_raw = Table(
    "complaint_raw",
    metadata,
    Column("source", String(64), primary_key=True),
    Column("complaint_id", String(128), primary_key=True),
    Column("raw_sha256", String(64), primary_key=True),
)

# The registry's keyword rules for complaints reaching a region's central accounts.
routing_rule = Table(
    "routing_rule",
    metadata,
    Column("region_code", String(16), primary_key=True),
    Column("keyword", String(200), primary_key=True),
    Column("opd_code", String(64), nullable=False),
    Column("updated_at", Instant, nullable=False),
)

# How each collected complaint got its OPD: routed_by "akun" (an OPD's own account),
# "disposisi" (the platform's disposition), "kata_kunci" (a keyword rule) or
# "belum_terdisposisi" (no OPD yet: opd_code NULL, visible here and in complaint).
complaint_routing = Table(
    "complaint_routing",
    metadata,
    Column("source", String(64), primary_key=True),
    Column("complaint_id", String(128), primary_key=True),
    Column("region_code", String(16), nullable=False),
    Column("opd_code", String(64)),
    Column("routed_by", String(32), nullable=False),
    Column("keyword", String(200)),
    Column("updated_at", Instant, nullable=False),
    Index("ix_complaint_routing_region_opd", "region_code", "opd_code"),
)

# Coverage and freshness per (region, month), written by the gate (rapor.quality.coverage).
# Complaints that arrived per source and local day of the month (zeros included).
quality_coverage_daily = Table(
    "quality_coverage_daily",
    metadata,
    Column("region_code", String(16), primary_key=True),
    Column("period", String(7), primary_key=True),
    Column("source", String(64), primary_key=True),
    Column("arrival_date", Date, primary_key=True),
    Column("channel", String(16), nullable=False),
    Column("n_complaints", Integer, nullable=False),
    Column("computed_at", Instant, nullable=False),
)

# Per source: the longest run of days without a complaint touching the month; flagged
# when longer than the policy's quality.silent_source_days (e.g. an expired token).
quality_source_silence = Table(
    "quality_source_silence",
    metadata,
    Column("region_code", String(16), primary_key=True),
    Column("period", String(7), primary_key=True),
    Column("source", String(64), primary_key=True),
    Column("channel", String(16), nullable=False),
    Column("n_complaints", Integer, nullable=False),
    Column("days_with_complaints", Integer, nullable=False),
    Column("last_received_on", Date),
    Column("longest_silent_days", Integer, nullable=False),
    Column("silent_from", Date),
    Column("silent_to", Date),
    Column("threshold_days", Integer, nullable=False),
    Column("flagged", Boolean, nullable=False),
    Column("computed_at", Instant, nullable=False),
)

# Quarantined rows attributed to the region and month, counted by dataset and rule.
quality_quarantine_count = Table(
    "quality_quarantine_count",
    metadata,
    Column("region_code", String(16), primary_key=True),
    Column("period", String(7), primary_key=True),
    Column("dataset", String(32), primary_key=True),
    Column("rule", String(64), primary_key=True),
    Column("n_rows", Integer, nullable=False),
    Column("computed_at", Instant, nullable=False),
)

# --- Appeals (migration 0006_appeals) -----------------------------------------------------
# One row per contested item of a published month (a complaint of the evidence, or an
# inspection indicator): filed by an authenticated Airflow user within the appeal window,
# decided (diterima / ditolak) with a reason by an authenticated user. ``applied_at``: when
# the month was re-scored after the decision (rapor_appeals). Rows are never deleted.
appeal = Table(
    "appeal",
    metadata,
    Column("appeal_id", BigId, primary_key=True, autoincrement=True),
    Column("region_code", String(16), nullable=False),
    Column("period", String(7), nullable=False),
    Column("revision", Integer, nullable=False),  # the revision whose appeal window it was filed in
    Column("opd_code", String(64), nullable=False),
    Column("item", String(16), nullable=False),  # keluhan | indikator
    Column("source", String(64)),
    Column("complaint_id", String(128)),
    Column("complaint_ref", String(20)),  # the k-… reference the publication shows
    Column("inspected_on", Date),
    Column("indicator", String(128)),
    Column("requested", String(16), nullable=False),  # keluarkan | koreksi
    Column("corrected_first_response_at", Instant),
    Column("corrected_resolved_at", Instant),
    Column("corrected_score", SmallInteger),
    Column("ground", String(64), nullable=False),
    Column("explanation", Text, nullable=False),  # redacted on the way in
    Column("filed_by", String(200), nullable=False),
    Column("filed_at", Instant, nullable=False),
    Column("status", String(16), nullable=False),  # diajukan | diterima | ditolak
    Column("decision_reason", Text),
    Column("decided_by", String(200)),
    Column("decided_at", Instant),
    Column("applied_at", Instant),
    Index("ix_appeal_region_period", "region_code", "period"),
)

# What an accepted appeal changes in the data a month is scored from; the raw record stays as
# it arrived. Scoring (include/sql/staging) reads complaints and inspections through these.
complaint_override = Table(
    "complaint_override",
    metadata,
    Column("source", String(64), primary_key=True),
    Column("complaint_id", String(128), primary_key=True),
    Column("appeal_id", BigId, nullable=False),
    Column("excluded", Boolean, nullable=False),
    Column("first_response_at", Instant),  # NULL: as recorded
    Column("resolved_at", Instant),
    Column("decided_by", String(200), nullable=False),
    Column("created_at", Instant, nullable=False),
)

inspection_override = Table(
    "inspection_override",
    metadata,
    Column("region_code", String(16), primary_key=True),
    Column("opd_code", String(64), primary_key=True),
    Column("inspected_on", Date, primary_key=True),
    Column("indicator", String(128), primary_key=True),
    Column("appeal_id", BigId, nullable=False),
    Column("score", SmallInteger, nullable=False),
    Column("decided_by", String(200), nullable=False),
    Column("created_at", Instant, nullable=False),
)

# --- Collection attempts (migration 0006_collection_attempts) ------------------------------
# One row per account and attempt of a stream to collect it: the window the attempt was to
# cover (from the end of the account's last successful attempt to the run's end), its
# outcome ("ok" or a vocabulary.COLLECTION_OUTCOMES cause) and the error, never a token.
collection_attempt = Table(
    "collection_attempt",
    metadata,
    Column("attempt_id", BigId, primary_key=True, autoincrement=True),
    Column("stream", String(64), nullable=False),
    Column("platform", String(32), nullable=False),
    Column("account_id", String(128), nullable=False),
    Column("region_code", String(16), nullable=False),
    Column("opd_code", String(64)),
    Column("conn_id", String(200), nullable=False),
    Column("window_start", Instant, nullable=False),
    Column("window_end", Instant, nullable=False),
    Column("attempted_at", Instant, nullable=False),
    Column("outcome", String(32), nullable=False),
    Column("error", Text),
    Column("pages", Integer, nullable=False),
    Column("complaints", Integer, nullable=False),
    Column("unidentified_replies", Integer, nullable=False),
    Index("ix_collection_attempt_region_window", "region_code", "window_end", "window_start"),
)

# The official accounts' own posts (Facebook page posts, Instagram media, X tweets that are not
# replies), as the collectors list them: the posting duty of SCORING.md §4 (rapor.scoring.duties).
account_post = Table(
    "account_post",
    metadata,
    Column("platform", String(32), primary_key=True),
    Column("post_id", String(128), primary_key=True),
    Column("account_id", String(128), nullable=False),
    Column("region_code", String(16), nullable=False),
    Column("opd_code", String(64)),
    Column("posted_at", Instant, nullable=False),
    Index("ix_account_post_region_posted", "region_code", "posted_at"),
)

# Per account of the region and month: how much of the month could not be collected, and
# replies whose author the platform did not say (Facebook without a Page token).
quality_account_coverage = Table(
    "quality_account_coverage",
    metadata,
    Column("region_code", String(16), primary_key=True),
    Column("period", String(7), primary_key=True),
    Column("platform", String(32), primary_key=True),
    Column("account_id", String(128), primary_key=True),
    Column("opd_code", String(64)),
    Column("conn_id", String(200), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("failed_attempts", Integer, nullable=False),
    Column("uncollected_days", Numeric(6, 2), nullable=False),
    Column("uncollected_from", Instant),
    Column("uncollected_to", Instant),
    Column("outcome", String(32)),
    Column("error", Text),
    Column("threshold_days", Integer, nullable=False),
    Column("flagged", Boolean, nullable=False),
    Column("unidentified_replies", Integer, nullable=False),
    Column("computed_at", Instant, nullable=False),
)

# The pseudonym keyring the stored pseudonyms (complaint.reporter_pseudonym, the quarantine's
# copies) and appeals' complaint references are under, by key fingerprint (never the key),
# oldest first. Written by ``rapor rekey-pseudonyms``; no rows = under the first key alone.
pseudonym_keyring = Table(
    "pseudonym_keyring",
    metadata,
    Column("position", Integer, primary_key=True, autoincrement=False),
    Column("key_fingerprint", String(16), nullable=False),
    Column("applied_at", Instant, nullable=False),
)
