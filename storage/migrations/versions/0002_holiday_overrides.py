"""holiday overrides

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 04:21:46.251020
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
import storage.models.types  # noqa: F401  (custom column types referenced below)
from alembic import op


revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('holiday_override',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('day_off', sa.Boolean(), nullable=False),
    sa.Column('note', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.PrimaryKeyConstraint('day', name=op.f('pk_holiday_override'))
    )


def downgrade() -> None:
    op.drop_table('holiday_override')
