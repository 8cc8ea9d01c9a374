"""item stored seconds

The seconds from an item's creation to its first response and to its resolution, as stored
generated columns: the summary's medians read them instead of decoding two timestamps per
item on every summary.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26 10:40:00
"""

from collections.abc import Sequence

from alembic import op

from storage.models.elapsed import stored_seconds

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _columns() -> list:
    return [
        stored_seconds("response_seconds", "first_response_at", "created_at"),
        stored_seconds("resolution_seconds", "resolved_at", "created_at"),
    ]


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        for column in _columns():
            op.add_column("feedback_item", column)
        return
    # SQLite cannot add a stored generated column to a table: the table is rebuilt
    # (``storage.migrate`` turns foreign keys off meanwhile and checks them after).
    with op.batch_alter_table("feedback_item", recreate="always") as batch_op:
        for column in _columns():
            batch_op.add_column(column)


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        op.drop_column("feedback_item", "resolution_seconds")
        op.drop_column("feedback_item", "response_seconds")
        return
    with op.batch_alter_table("feedback_item", recreate="always") as batch_op:
        batch_op.drop_column("resolution_seconds")
        batch_op.drop_column("response_seconds")
