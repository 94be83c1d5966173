"""Core warehouse: registry, complaints, inspections, quarantine, scorecards.

Revision ID: 0001_core
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001_core"
down_revision = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Instant = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "region",
        sa.Column("region_code", sa.String(16), primary_key=True),
        sa.Column("region_name", sa.String(200), nullable=False),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("updated_at", Instant, nullable=False),
    )
    op.create_table(
        "opd",
        sa.Column("region_code", sa.String(16), primary_key=True),
        sa.Column("opd_code", sa.String(64), primary_key=True),
        sa.Column("opd_name", sa.String(300), nullable=False),
        sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("updated_at", Instant, nullable=False),
    )
    op.create_table(
        "account",
        sa.Column("platform", sa.String(32), primary_key=True),
        sa.Column("account_id", sa.String(128), primary_key=True),
        sa.Column("region_code", sa.String(16), nullable=False),
        sa.Column("opd_code", sa.String(64)),
        sa.Column("updated_at", Instant, nullable=False),
    )
    op.create_table(
        "complaint",
        sa.Column("source", sa.String(64), primary_key=True),
        sa.Column("complaint_id", sa.String(128), primary_key=True),
        sa.Column("region_code", sa.String(16), nullable=False),
        sa.Column("opd_code", sa.String(64)),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("received_at", Instant, nullable=False),
        sa.Column("forwarded_at", Instant),
        sa.Column("first_response_at", Instant),
        sa.Column("resolved_at", Instant),
        sa.Column("reporter_pseudonym", sa.String(64)),
        sa.Column("text_redacted", sa.Text),
        sa.Column("confidential", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("updated_at", Instant, nullable=False),
    )
    op.create_index("ix_complaint_region_received", "complaint", ["region_code", "received_at"])
    op.create_table(
        "inspection",
        sa.Column("region_code", sa.String(16), primary_key=True),
        sa.Column("opd_code", sa.String(64), primary_key=True),
        sa.Column("inspected_on", sa.Date, primary_key=True),
        sa.Column("indicator", sa.String(128), primary_key=True),
        sa.Column("dimension", sa.String(16), nullable=False),
        sa.Column("score", sa.SmallInteger, nullable=False),
        sa.Column("updated_at", Instant, nullable=False),
    )
    op.create_table(
        "quarantine",
        sa.Column("quarantine_id", BigId, primary_key=True, autoincrement=True),
        sa.Column("dataset", sa.String(32), nullable=False),
        sa.Column("source_file", sa.String(500), nullable=False),
        sa.Column("file_sha256", sa.String(64), nullable=False),
        sa.Column("row_number", sa.Integer, nullable=False),
        sa.Column("record_key", sa.String(300), nullable=False),
        sa.Column("field", sa.String(64), nullable=False),
        sa.Column("rule", sa.String(64), nullable=False),
        sa.Column("detail", sa.Text, nullable=False),
        sa.Column("raw_record", sa.Text, nullable=False),
        sa.Column("quarantined_at", Instant, nullable=False),
        sa.UniqueConstraint("file_sha256", "dataset", "row_number", "field", "rule", name="uq_quarantine_row_rule"),
    )
    op.create_table(
        "import_file",
        sa.Column("file_sha256", sa.String(64), primary_key=True),
        sa.Column("dataset", sa.String(32), primary_key=True),
        sa.Column("file_name", sa.String(500), nullable=False),
        sa.Column("rows_total", sa.Integer, nullable=False),
        sa.Column("rows_loaded", sa.Integer, nullable=False),
        sa.Column("rows_quarantined", sa.Integer, nullable=False),
        sa.Column("first_imported_at", Instant, nullable=False),
        sa.Column("last_imported_at", Instant, nullable=False),
    )
    op.create_table(
        "scorecard",
        sa.Column("region_code", sa.String(16), primary_key=True),
        sa.Column("period", sa.String(7), primary_key=True),
        sa.Column("opd_code", sa.String(64), primary_key=True),
        sa.Column("opd_name", sa.String(300), nullable=False),
        sa.Column("n_first_response", sa.Integer, nullable=False),
        sa.Column("n_first_response_on_time", sa.Integer, nullable=False),
        sa.Column("r1", sa.Numeric(6, 4), nullable=False),
        sa.Column("n_resolution", sa.Integer, nullable=False),
        sa.Column("n_resolution_on_time", sa.Integer, nullable=False),
        sa.Column("r2", sa.Numeric(6, 4), nullable=False),
        sa.Column("n_open", sa.Integer, nullable=False),
        sa.Column("n_open_overdue", sa.Integer, nullable=False),
        sa.Column("r3", sa.Numeric(6, 4), nullable=False),
        sa.Column("s_resp", sa.Numeric(5, 2), nullable=False),
        sa.Column("s_sop", sa.Numeric(5, 2)),
        sa.Column("index_score", sa.Numeric(5, 2)),
        sa.Column("category", sa.String(1)),
        sa.Column("zone", sa.String(8)),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("tpp_cut_pct", sa.Numeric(5, 2)),
        sa.Column("tpp_run_months", sa.Integer, nullable=False),
        sa.Column("sop_inspected_on", sa.Date),
        sa.Column("method_version", sa.String(16), nullable=False),
        sa.Column("policy_sha256", sa.String(64), nullable=False),
        sa.Column("computed_at", Instant, nullable=False),
    )
    op.create_table(
        "score_evidence",
        sa.Column("region_code", sa.String(16), primary_key=True),
        sa.Column("period", sa.String(7), primary_key=True),
        sa.Column("source", sa.String(64), primary_key=True),
        sa.Column("complaint_id", sa.String(128), primary_key=True),
        sa.Column("opd_code", sa.String(64), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("clock_start_at", Instant, nullable=False),
        sa.Column("first_response_deadline_at", Instant, nullable=False),
        sa.Column("resolution_deadline_at", Instant),
        sa.Column("forwarding_deadline_at", Instant),
        sa.Column("forwarded_on_time", sa.Boolean),
        sa.Column("in_first_response", sa.Boolean, nullable=False),
        sa.Column("first_response_on_time", sa.Boolean, nullable=False),
        sa.Column("in_resolution", sa.Boolean, nullable=False),
        sa.Column("resolution_on_time", sa.Boolean, nullable=False),
        sa.Column("open_at_end", sa.Boolean, nullable=False),
        sa.Column("overdue_at_end", sa.Boolean, nullable=False),
    )


def downgrade() -> None:
    for name in ("score_evidence", "scorecard", "import_file", "quarantine", "inspection"):
        op.drop_table(name)
    op.drop_index("ix_complaint_region_received", table_name="complaint")
    for name in ("complaint", "account", "opd", "region"):
        op.drop_table(name)
