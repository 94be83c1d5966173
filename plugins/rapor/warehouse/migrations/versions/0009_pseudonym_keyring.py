"""The pseudonym keyring the warehouse's pseudonyms are under (key fingerprints, oldest first).

Revision ID: 0009_pseudonym_keyring
Revises: 0008_account_posts
"""

import sqlalchemy as sa
from alembic import op

revision = "0009_pseudonym_keyring"
down_revision = "0008_account_posts"


def upgrade() -> None:
    op.create_table(
        "pseudonym_keyring",
        sa.Column("position", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("key_fingerprint", sa.String(16), nullable=False),
        sa.Column("applied_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("pseudonym_keyring")
