"""The official accounts' own posts, as the collectors list them (the posting duty).

Revision ID: 0008_account_posts
Revises: 0007_early_warning_items
"""

import sqlalchemy as sa
from alembic import op

revision = "0008_account_posts"
down_revision = "0007_early_warning_items"

Instant = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "account_post",
        sa.Column("platform", sa.String(32), primary_key=True),
        sa.Column("post_id", sa.String(128), primary_key=True),
        sa.Column("account_id", sa.String(128), nullable=False),
        sa.Column("region_code", sa.String(16), nullable=False),
        sa.Column("opd_code", sa.String(64)),
        sa.Column("posted_at", Instant, nullable=False),
    )
    op.create_index("ix_account_post_region_posted", "account_post", ["region_code", "posted_at"])


def downgrade() -> None:
    op.drop_index("ix_account_post_region_posted", table_name="account_post")
    op.drop_table("account_post")
