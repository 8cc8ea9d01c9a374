"""unit succession check

What the distance rule said of each commune succession of the ``vietnamadminunits`` package at
the last import (``unit_succession`` keeps only the plausible ones, which scope follows), and
the admins' decisions that override the rule, keyed by unit codes.

Revision ID: 0010
Revises: 0013
Create Date: 2026-12-05 19:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from storage.models.types import UTCDateTime

revision: str = "0010"
# Numbered 0010 as planned, but 0011–0013 were written on top of 0009 meanwhile: revising the
# latest keeps a single head.
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "unit_succession_check",
        sa.Column("old_id", sa.Integer(), nullable=False),
        sa.Column("new_id", sa.Integer(), nullable=False),
        sa.Column("verdict", sa.String(length=16), nullable=False),
        sa.Column("distance_km", sa.Float(), nullable=True),
        sa.Column("nearest_km", sa.Float(), nullable=True),
        sa.Column("override", sa.String(length=8), nullable=True),
        sa.ForeignKeyConstraint(
            ["old_id"], ["admin_unit.id"], name=op.f("fk_unit_succession_check_old_id_admin_unit")
        ),
        sa.ForeignKeyConstraint(
            ["new_id"], ["admin_unit.id"], name=op.f("fk_unit_succession_check_new_id_admin_unit")
        ),
        sa.PrimaryKeyConstraint("old_id", "new_id", name=op.f("pk_unit_succession_check")),
    )
    with op.batch_alter_table("unit_succession_check") as batch_op:
        batch_op.create_index(
            batch_op.f("ix_unit_succession_check_new_id"), ["new_id"], unique=False
        )
    op.create_table(
        "unit_succession_override",
        sa.Column("old_code", sa.String(length=16), nullable=False),
        sa.Column("new_code", sa.String(length=16), nullable=False),
        sa.Column("decision", sa.String(length=8), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("old_code", "new_code", name=op.f("pk_unit_succession_override")),
    )


def downgrade() -> None:
    op.drop_table("unit_succession_override")
    with op.batch_alter_table("unit_succession_check") as batch_op:
        batch_op.drop_index(batch_op.f("ix_unit_succession_check_new_id"))
    op.drop_table("unit_succession_check")
