"""Early warning: complaint handlers' e-mail addresses in the staff registry.

Revision ID: 0006_early_warning
Revises: 0005_publication
"""

import sqlalchemy as sa
from alembic import op

revision = "0006_early_warning"
down_revision = "0005_publication"


def upgrade() -> None:
    with op.batch_alter_table("opd_staff") as batch:
        batch.add_column(sa.Column("email", sa.String(254)))


def downgrade() -> None:
    with op.batch_alter_table("opd_staff") as batch:
        batch.drop_column("email")
