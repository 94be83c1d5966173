"""Early warning: every duty each morning's warning named, to measure the warnings' effect.

Revision ID: 0007_early_warning_items
Revises: 0006_early_warning
"""

import sqlalchemy as sa
from alembic import op

revision = "0007_early_warning_items"
down_revision = "0006_early_warning"

Instant = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "early_warning_item",
        sa.Column("region_code", sa.String(16), primary_key=True),
        sa.Column("day", sa.Date, primary_key=True),
        sa.Column("source", sa.String(64), primary_key=True),
        sa.Column("complaint_id", sa.String(128), primary_key=True),
        sa.Column("duty", sa.String(32), primary_key=True),
        sa.Column("opd_code", sa.String(64), nullable=False),
        sa.Column("deadline_at", Instant, nullable=False),
        sa.Column("overdue", sa.Boolean, nullable=False),
    )
    op.create_index("ix_early_warning_item_region_day", "early_warning_item", ["region_code", "day"])


def downgrade() -> None:
    op.drop_index("ix_early_warning_item_region_day", table_name="early_warning_item")
    op.drop_table("early_warning_item")
