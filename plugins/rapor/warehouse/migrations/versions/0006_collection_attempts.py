"""Collection attempts per account, per-account coverage of a month, and per-OPD holds of the gate.

Revision ID: 0006_collection_attempts
Revises: 0003_quality_coverage
"""

import sqlalchemy as sa
from alembic import op

revision = "0006_collection_attempts"
down_revision = "0003_quality_coverage"

Instant = sa.DateTime(timezone=True)
BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "collection_attempt",
        sa.Column("attempt_id", BigId, primary_key=True, autoincrement=True),
        sa.Column("stream", sa.String(64), nullable=False),
        sa.Column("platform", sa.String(32), nullable=False),
        sa.Column("account_id", sa.String(128), nullable=False),
        sa.Column("region_code", sa.String(16), nullable=False),
        sa.Column("opd_code", sa.String(64)),
        sa.Column("conn_id", sa.String(200), nullable=False),
        sa.Column("window_start", Instant, nullable=False),
        sa.Column("window_end", Instant, nullable=False),
        sa.Column("attempted_at", Instant, nullable=False),
        sa.Column("outcome", sa.String(32), nullable=False),
        sa.Column("error", sa.Text),
        sa.Column("pages", sa.Integer, nullable=False),
        sa.Column("complaints", sa.Integer, nullable=False),
        sa.Column("unidentified_replies", sa.Integer, nullable=False),
    )
    op.create_index(
        "ix_collection_attempt_region_window", "collection_attempt", ["region_code", "window_end", "window_start"]
    )
    op.create_table(
        "quality_account_coverage",
        sa.Column("region_code", sa.String(16), primary_key=True),
        sa.Column("period", sa.String(7), primary_key=True),
        sa.Column("platform", sa.String(32), primary_key=True),
        sa.Column("account_id", sa.String(128), primary_key=True),
        sa.Column("opd_code", sa.String(64)),
        sa.Column("conn_id", sa.String(200), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("failed_attempts", sa.Integer, nullable=False),
        sa.Column("uncollected_days", sa.Numeric(6, 2), nullable=False),
        sa.Column("uncollected_from", Instant),
        sa.Column("uncollected_to", Instant),
        sa.Column("outcome", sa.String(32)),
        sa.Column("error", sa.Text),
        sa.Column("threshold_days", sa.Integer, nullable=False),
        sa.Column("flagged", sa.Boolean, nullable=False),
        sa.Column("unidentified_replies", sa.Integer, nullable=False),
        sa.Column("computed_at", Instant, nullable=False),
    )
    with op.batch_alter_table("quality_gate") as batch:
        batch.add_column(sa.Column("held_opds", sa.Text, nullable=False, server_default="[]"))


def downgrade() -> None:
    with op.batch_alter_table("quality_gate") as batch:
        batch.drop_column("held_opds")
    op.drop_table("quality_account_coverage")
    op.drop_index("ix_collection_attempt_region_window", table_name="collection_attempt")
    op.drop_table("collection_attempt")
