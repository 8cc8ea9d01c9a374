"""handling desk

What the handling desk needs: items keep their text folded for searching, the moment an open
question was asked (its due date waits meanwhile) and the director's rating of the answer;
attachments keep the key of their local copy; people choose how they hear of new items; an
official may belong to an office (invites carry it); a meeting's outcome may say what was
decided; an account remembers the buttons it was last shown, so a label typed instead of
tapped chooses the button.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04 18:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from storage.models.types import UTCDateTime
from storage.text import fold

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BATCH = 500


def upgrade() -> None:
    # Plain ALTER TABLE on both databases: a batch would rebuild the table on SQLite, which
    # cannot copy its stored generated columns.
    op.add_column(
        "feedback_item", sa.Column("search_text", sa.String(), nullable=False, server_default="")
    )
    op.add_column("feedback_item", sa.Column("waiting_since", UTCDateTime(), nullable=True))
    op.add_column("feedback_item", sa.Column("satisfaction", sa.Integer(), nullable=True))
    with op.batch_alter_table("attachment") as batch_op:
        batch_op.add_column(sa.Column("stored_key", sa.String(length=64), nullable=True))
    with op.batch_alter_table("person") as batch_op:
        batch_op.add_column(
            sa.Column("alert_mode", sa.String(length=8), nullable=False, server_default="now")
        )
    with op.batch_alter_table("channel_identity") as batch_op:
        batch_op.add_column(
            sa.Column("shown_buttons", sa.JSON(), nullable=False, server_default="[]")
        )
    with op.batch_alter_table("role_assignment") as batch_op:
        batch_op.add_column(sa.Column("office_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            "fk_role_assignment_office_id_office", "office", ["office_id"], ["id"]
        )
    with op.batch_alter_table("invite") as batch_op:
        batch_op.add_column(sa.Column("office_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key("fk_invite_office_id_office", "office", ["office_id"], ["id"])
    with op.batch_alter_table("meeting_item") as batch_op:
        batch_op.add_column(sa.Column("decision", sa.String(), nullable=True))
    _fold_existing_texts()


def _fold_existing_texts() -> None:
    """Fill ``search_text`` of the items filed before this revision (as
    ``storage.feedback.searchable`` does for new ones: reference, cooperative, text)."""
    connection = op.get_bind()
    items = sa.table(
        "feedback_item",
        sa.column("id", sa.Integer),
        sa.column("reference"),
        sa.column("cooperative_id", sa.Integer),
        sa.column("text"),
        sa.column("search_text"),
    )
    cooperatives = sa.table("cooperative", sa.column("id", sa.Integer), sa.column("name"))
    rows = connection.execute(
        sa.select(items.c.id, items.c.reference, cooperatives.c.name, items.c.text).join(
            cooperatives, cooperatives.c.id == items.c.cooperative_id
        )
    ).all()
    for start in range(0, len(rows), _BATCH):
        connection.execute(
            items.update()
            .where(items.c.id == sa.bindparam("item_id"))
            .values(search_text=sa.bindparam("folded")),
            [
                {"item_id": i, "folded": fold(f"{reference} {name} {text}")}
                for i, reference, name, text in rows[start : start + _BATCH]
            ],
        )


def downgrade() -> None:
    with op.batch_alter_table("meeting_item") as batch_op:
        batch_op.drop_column("decision")
    with op.batch_alter_table("invite") as batch_op:
        batch_op.drop_constraint("fk_invite_office_id_office", type_="foreignkey")
        batch_op.drop_column("office_id")
    with op.batch_alter_table("role_assignment") as batch_op:
        batch_op.drop_constraint("fk_role_assignment_office_id_office", type_="foreignkey")
        batch_op.drop_column("office_id")
    with op.batch_alter_table("channel_identity") as batch_op:
        batch_op.drop_column("shown_buttons")
    with op.batch_alter_table("person") as batch_op:
        batch_op.drop_column("alert_mode")
    with op.batch_alter_table("attachment") as batch_op:
        batch_op.drop_column("stored_key")
    for column in ("satisfaction", "waiting_since", "search_text"):
        op.drop_column("feedback_item", column)
