"""Publication: versioned scorecard revisions, OPD officials, notification recipients and log.

Revision ID: 0005_publication
Revises: 0002_quality_gate
"""

import sqlalchemy as sa
from alembic import op

revision = "0005_publication"
down_revision = "0002_quality_gate"

Instant = sa.DateTime(timezone=True)
BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "publication",
        sa.Column("region_code", sa.String(16), primary_key=True),
        sa.Column("period", sa.String(7), primary_key=True),
        sa.Column("revision", sa.Integer, primary_key=True),
        sa.Column("published_at", Instant, nullable=False),
        sa.Column("published_by", sa.String(200), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("gate_status", sa.String(16), nullable=False),
        sa.Column("gate_checked_at", Instant),
        sa.Column("method_version", sa.String(16), nullable=False),
        sa.Column("policy_sha256", sa.String(64), nullable=False),
        sa.Column("inputs_sha256", sa.String(64), nullable=False),
        sa.Column("scorecard_sha256", sa.String(64), nullable=False),
        sa.Column("manifest_sha256", sa.String(64), nullable=False),
        sa.Column("previous_manifest_sha256", sa.String(64)),
        sa.Column("bkd_produced", sa.Boolean, nullable=False),
        sa.Column("appeal_deadline_at", Instant),
        sa.Column("folder", sa.String(500), nullable=False),
        sa.Column("n_opds", sa.Integer, nullable=False),
    )
    op.create_table(
        "opd_staff",
        sa.Column("region_code", sa.String(16), primary_key=True),
        sa.Column("opd_code", sa.String(64), primary_key=True),
        sa.Column("role", sa.String(32), primary_key=True),
        sa.Column("nip", sa.String(32), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("updated_at", Instant, nullable=False),
    )
    op.create_table(
        "notification_recipient",
        sa.Column("region_code", sa.String(16), primary_key=True),
        sa.Column("recipient", sa.String(16), primary_key=True),
        sa.Column("email", sa.String(254), primary_key=True),
        sa.Column("updated_at", Instant, nullable=False),
    )
    op.create_table(
        "notification_log",
        sa.Column("notification_id", BigId, primary_key=True, autoincrement=True),
        sa.Column("region_code", sa.String(16), nullable=False),
        sa.Column("period", sa.String(7), nullable=False),
        sa.Column("revision", sa.Integer),
        sa.Column("event", sa.String(16), nullable=False),
        sa.Column("event_key", sa.String(100), nullable=False),
        sa.Column("recipients", sa.Text, nullable=False),
        sa.Column("subject", sa.String(300), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("detail", sa.Text),
        sa.Column("logged_at", Instant, nullable=False),
    )
    op.create_index("ix_notification_log_event", "notification_log", ["region_code", "period", "event_key"])


def downgrade() -> None:
    op.drop_index("ix_notification_log_event", table_name="notification_log")
    for table in ("notification_log", "notification_recipient", "opd_staff", "publication"):
        op.drop_table(table)
