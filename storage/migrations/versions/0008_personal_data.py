"""personal data

What the Law on Personal Data Protection asks to keep: each choice a person made on the
notice (a refusal before admission keeps no person), the requests people make about their
data with their legal deadline, and the moment a person's data was erased; wrong invite codes
indexed by age alone, for the nightly retention purge.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-05 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from storage.models.types import UTCDateTime

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "consent",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("notice_version", sa.String(length=16), nullable=False),
        sa.Column("decision", sa.String(length=12), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("decided_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_consent_person_id_person")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consent")),
    )
    op.create_index(op.f("ix_consent_person_id"), "consent", ["person_id"])
    op.create_table(
        "privacy_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("details", sa.String(length=1000), nullable=True),
        sa.Column("received_at", UTCDateTime(), nullable=False),
        sa.Column("due_at", UTCDateTime(), nullable=False),
        sa.Column("done_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_privacy_request_person_id_person")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_privacy_request")),
    )
    op.create_index(op.f("ix_privacy_request_person_id"), "privacy_request", ["person_id"])
    with op.batch_alter_table("person") as batch_op:
        batch_op.add_column(sa.Column("erased_at", UTCDateTime(), nullable=True))
    op.create_index("ix_invite_attempt_at", "invite_attempt", ["at"])


def downgrade() -> None:
    op.drop_index("ix_invite_attempt_at", table_name="invite_attempt")
    with op.batch_alter_table("person") as batch_op:
        batch_op.drop_column("erased_at")
    op.drop_index(op.f("ix_privacy_request_person_id"), table_name="privacy_request")
    op.drop_table("privacy_request")
    op.drop_index(op.f("ix_consent_person_id"), table_name="consent")
    op.drop_table("consent")
