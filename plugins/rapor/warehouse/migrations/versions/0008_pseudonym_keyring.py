"""The pseudonym keyring the warehouse's pseudonyms are under (key fingerprints, oldest first).

Revision ID: 0008_pseudonym_keyring
Revises: 0007_early_warning_items
"""

import sqlalchemy as sa
from alembic import op

revision = "0008_pseudonym_keyring"
down_revision = "0007_early_warning_items"


def upgrade() -> None:
    op.create_table(
        "pseudonym_keyring",
        sa.Column("position", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("key_fingerprint", sa.String(16), nullable=False),
        sa.Column("applied_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("pseudonym_keyring")
