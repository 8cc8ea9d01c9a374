"""zalo reach

What reaching people on Zalo outside its reply window needs: how many messages went to an
account since the person last wrote (Zalo's free replies) and the last message of theirs a
reply can answer, the template each kind of unasked message goes as, and phone numbers with where they came from and whether Zalo knows them.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-05 14:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from storage.models.types import UTCDateTime

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "zalo_template",
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("template_id", sa.String(length=64), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("kind", name=op.f("pk_zalo_template")),
    )
    with op.batch_alter_table("channel_identity") as batch_op:
        batch_op.add_column(
            sa.Column("sent_since_seen", sa.Integer(), server_default="0", nullable=False)
        )
        batch_op.add_column(sa.Column("last_message_ref", sa.String(length=64), nullable=True))
    with op.batch_alter_table("person") as batch_op:
        batch_op.add_column(sa.Column("phone_source", sa.String(length=12), nullable=True))
        batch_op.add_column(sa.Column("phone_unreachable_since", UTCDateTime(), nullable=True))
    with op.batch_alter_table("invite") as batch_op:
        batch_op.add_column(sa.Column("phone", sa.String(length=15), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("invite") as batch_op:
        batch_op.drop_column("phone")
    with op.batch_alter_table("person") as batch_op:
        batch_op.drop_column("phone_unreachable_since")
        batch_op.drop_column("phone_source")
    with op.batch_alter_table("channel_identity") as batch_op:
        batch_op.drop_column("last_message_ref")
        batch_op.drop_column("sent_since_seen")
    op.drop_table("zalo_template")
