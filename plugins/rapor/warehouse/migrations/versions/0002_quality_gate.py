"""Quality gate results per region and month.

Revision ID: 0002_quality_gate
Revises: 0001_core
"""

import sqlalchemy as sa
from alembic import op

revision = "0002_quality_gate"
down_revision = "0001_core"

Instant = sa.DateTime(timezone=True)
BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "quality_gate",
        sa.Column("gate_id", BigId, primary_key=True, autoincrement=True),
        sa.Column("region_code", sa.String(16), nullable=False),
        sa.Column("period", sa.String(7), nullable=False),
        sa.Column("checked_at", Instant, nullable=False),
        sa.Column("passed", sa.Boolean, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("critical_failures", sa.Text, nullable=False),
        sa.Column("warnings", sa.Text, nullable=False),
        sa.Column("data_docs_path", sa.String(500)),
        sa.Column("override_reason", sa.Text),
        sa.Column("override_by", sa.String(200)),
    )
    op.create_index("ix_quality_gate_region_period", "quality_gate", ["region_code", "period", "checked_at"])


def downgrade() -> None:
    op.drop_index("ix_quality_gate_region_period", table_name="quality_gate")
    op.drop_table("quality_gate")
