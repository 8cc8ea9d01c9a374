"""item scope and period indexes

Summaries and lists filter items by the units of a scope (commune or assignee) and a period:
these indexes answer both at once.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26 05:01:03.394679
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
import storage.models.types  # noqa: F401  (custom column types referenced below)
from alembic import op


revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('feedback_item', schema=None) as batch_op:
        batch_op.create_index('ix_item_assignee_created', ['assignee_unit_id', 'created_at'], unique=False)
        batch_op.create_index('ix_item_commune_created', ['commune_id', 'created_at'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('feedback_item', schema=None) as batch_op:
        batch_op.drop_index('ix_item_commune_created')
        batch_op.drop_index('ix_item_assignee_created')

