"""button overflow

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26 04:51:23.377632
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
import storage.models.types  # noqa: F401  (custom column types referenced below)
from alembic import op


revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('button_overflow',
    sa.Column('channel', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('external_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('buttons', sa.JSON(), nullable=False),
    sa.Column('updated_at', storage.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('channel', 'external_id', name=op.f('pk_button_overflow'))
    )


def downgrade() -> None:
    op.drop_table('button_overflow')
