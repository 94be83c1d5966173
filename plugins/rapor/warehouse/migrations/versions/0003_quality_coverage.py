"""Coverage and freshness of the data-quality gate: arrivals per source and day,
silent sources, quarantine counts by rule, per region and month.

Revision ID: 0003_quality_coverage
Revises: 0002_quality_gate
"""

import sqlalchemy as sa
from alembic import op

revision = "0003_quality_coverage"
down_revision = "0002_quality_gate"

Instant = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "quality_coverage_daily",
        sa.Column("region_code", sa.String(16), primary_key=True),
        sa.Column("period", sa.String(7), primary_key=True),
        sa.Column("source", sa.String(64), primary_key=True),
        sa.Column("arrival_date", sa.Date, primary_key=True),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("n_complaints", sa.Integer, nullable=False),
        sa.Column("computed_at", Instant, nullable=False),
    )
    op.create_table(
        "quality_source_silence",
        sa.Column("region_code", sa.String(16), primary_key=True),
        sa.Column("period", sa.String(7), primary_key=True),
        sa.Column("source", sa.String(64), primary_key=True),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("n_complaints", sa.Integer, nullable=False),
        sa.Column("days_with_complaints", sa.Integer, nullable=False),
        sa.Column("last_received_on", sa.Date),
        sa.Column("longest_silent_days", sa.Integer, nullable=False),
        sa.Column("silent_from", sa.Date),
        sa.Column("silent_to", sa.Date),
        sa.Column("threshold_days", sa.Integer, nullable=False),
        sa.Column("flagged", sa.Boolean, nullable=False),
        sa.Column("computed_at", Instant, nullable=False),
    )
    op.create_table(
        "quality_quarantine_count",
        sa.Column("region_code", sa.String(16), primary_key=True),
        sa.Column("period", sa.String(7), primary_key=True),
        sa.Column("dataset", sa.String(32), primary_key=True),
        sa.Column("rule", sa.String(64), primary_key=True),
        sa.Column("n_rows", sa.Integer, nullable=False),
        sa.Column("computed_at", Instant, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("quality_quarantine_count")
    op.drop_table("quality_source_silence")
    op.drop_table("quality_coverage_daily")
