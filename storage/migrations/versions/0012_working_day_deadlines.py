"""working day deadlines

Reply deadlines count working days: ``category.due_days`` (calendar days) becomes
``category.due_working_days``, each value converted to the working days the same span holds
on average (five in seven, rounded up: 15 calendar days become 11 working days).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-05 19:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("category") as batch_op:
        batch_op.alter_column(
            "due_days", new_column_name="due_working_days", existing_type=sa.Integer()
        )
    op.execute("UPDATE category SET due_working_days = (due_working_days * 5 + 6) / 7")


def downgrade() -> None:
    op.execute("UPDATE category SET due_working_days = (due_working_days * 7) / 5")
    with op.batch_alter_table("category") as batch_op:
        batch_op.alter_column(
            "due_working_days", new_column_name="due_days", existing_type=sa.Integer()
        )
