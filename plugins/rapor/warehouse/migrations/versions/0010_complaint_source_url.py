"""The link that opens a complaint at its source, where the platform gives one (a Facebook comment's permalink).

Revision ID: 0010_complaint_source_url
Revises: 0009_pseudonym_keyring
"""

import sqlalchemy as sa
from alembic import op

revision = "0010_complaint_source_url"
down_revision = "0009_pseudonym_keyring"


def upgrade() -> None:
    with op.batch_alter_table("complaint") as batch:
        batch.add_column(sa.Column("source_url", sa.Text))


def downgrade() -> None:
    with op.batch_alter_table("complaint") as batch:
        batch.drop_column("source_url")
