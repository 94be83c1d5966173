"""Collectors: stream state, raw landing index, complaint lineage, routing rules and decisions.

Revision ID: 0004_collectors
Revises: 0001_core
"""

import sqlalchemy as sa
from alembic import op

revision = "0004_collectors"
down_revision = "0001_core"

Instant = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "collector_state",
        sa.Column("stream_id", sa.String(200), primary_key=True),
        sa.Column("state", sa.Text, nullable=False),
        sa.Column("updated_at", Instant, nullable=False),
    )
    op.create_table(
        "raw_landing",
        sa.Column("source", sa.String(64), primary_key=True),
        sa.Column("sha256", sa.String(64), primary_key=True),
        sa.Column("stream", sa.String(64), nullable=False),
        sa.Column("path", sa.String(500), nullable=False),
        sa.Column("request", sa.String(1000), nullable=False),
        sa.Column("n_bytes", sa.Integer, nullable=False),
        sa.Column("fetched_at", Instant, nullable=False),
    )
    op.create_table(
        "complaint_raw",
        sa.Column("source", sa.String(64), primary_key=True),
        sa.Column("complaint_id", sa.String(128), primary_key=True),
        sa.Column("raw_sha256", sa.String(64), primary_key=True),
    )
    op.create_table(
        "routing_rule",
        sa.Column("region_code", sa.String(16), primary_key=True),
        sa.Column("keyword", sa.String(200), primary_key=True),
        sa.Column("opd_code", sa.String(64), nullable=False),
        sa.Column("updated_at", Instant, nullable=False),
    )
    op.create_table(
        "complaint_routing",
        sa.Column("source", sa.String(64), primary_key=True),
        sa.Column("complaint_id", sa.String(128), primary_key=True),
        sa.Column("region_code", sa.String(16), nullable=False),
        sa.Column("opd_code", sa.String(64)),
        sa.Column("routed_by", sa.String(32), nullable=False),
        sa.Column("keyword", sa.String(200)),
        sa.Column("updated_at", Instant, nullable=False),
    )
    op.create_index("ix_complaint_routing_region_opd", "complaint_routing", ["region_code", "opd_code"])


def downgrade() -> None:
    op.drop_index("ix_complaint_routing_region_opd", table_name="complaint_routing")
    for name in ("complaint_routing", "routing_rule", "complaint_raw", "raw_landing", "collector_state"):
        op.drop_table(name)
