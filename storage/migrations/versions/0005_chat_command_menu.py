"""chat command menu

Each chat remembers the fingerprint of the command menu last published to it, so a person's
menu is published again only when their roles or language change.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26 07:24:49.135338
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
import storage.models.types  # noqa: F401  (custom column types referenced below)
from alembic import op


revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('channel_identity', schema=None) as batch_op:
        batch_op.add_column(sa.Column('command_menu', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('channel_identity', schema=None) as batch_op:
        batch_op.drop_column('command_menu')

