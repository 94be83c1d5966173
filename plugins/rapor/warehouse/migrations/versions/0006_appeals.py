"""Appeals (banding) of a published month, and the overrides accepted appeals put on the data.

Revision ID: 0006_appeals
Revises: 0005_publication
"""

import sqlalchemy as sa
from alembic import op

revision = "0006_appeals"
down_revision = "0005_publication"

Instant = sa.DateTime(timezone=True)
BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "appeal",
        sa.Column("appeal_id", BigId, primary_key=True, autoincrement=True),
        sa.Column("region_code", sa.String(16), nullable=False),
        sa.Column("period", sa.String(7), nullable=False),
        sa.Column("revision", sa.Integer, nullable=False),
        sa.Column("opd_code", sa.String(64), nullable=False),
        sa.Column("item", sa.String(16), nullable=False),
        sa.Column("source", sa.String(64)),
        sa.Column("complaint_id", sa.String(128)),
        sa.Column("complaint_ref", sa.String(20)),
        sa.Column("inspected_on", sa.Date),
        sa.Column("indicator", sa.String(128)),
        sa.Column("requested", sa.String(16), nullable=False),
        sa.Column("corrected_first_response_at", Instant),
        sa.Column("corrected_resolved_at", Instant),
        sa.Column("corrected_score", sa.SmallInteger),
        sa.Column("ground", sa.String(64), nullable=False),
        sa.Column("explanation", sa.Text, nullable=False),
        sa.Column("filed_by", sa.String(200), nullable=False),
        sa.Column("filed_at", Instant, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("decision_reason", sa.Text),
        sa.Column("decided_by", sa.String(200)),
        sa.Column("decided_at", Instant),
        sa.Column("applied_at", Instant),
    )
    op.create_index("ix_appeal_region_period", "appeal", ["region_code", "period"])
    op.create_table(
        "complaint_override",
        sa.Column("source", sa.String(64), primary_key=True),
        sa.Column("complaint_id", sa.String(128), primary_key=True),
        sa.Column("appeal_id", BigId, nullable=False),
        sa.Column("excluded", sa.Boolean, nullable=False),
        sa.Column("first_response_at", Instant),
        sa.Column("resolved_at", Instant),
        sa.Column("decided_by", sa.String(200), nullable=False),
        sa.Column("created_at", Instant, nullable=False),
    )
    op.create_table(
        "inspection_override",
        sa.Column("region_code", sa.String(16), primary_key=True),
        sa.Column("opd_code", sa.String(64), primary_key=True),
        sa.Column("inspected_on", sa.Date, primary_key=True),
        sa.Column("indicator", sa.String(128), primary_key=True),
        sa.Column("appeal_id", BigId, nullable=False),
        sa.Column("score", sa.SmallInteger, nullable=False),
        sa.Column("decided_by", sa.String(200), nullable=False),
        sa.Column("created_at", Instant, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("inspection_override")
    op.drop_table("complaint_override")
    op.drop_index("ix_appeal_region_period", table_name="appeal")
    op.drop_table("appeal")
