"""office categories

Which categories each office handles, so an item is routed first to the body that handles
its category (a commune's Phòng Kinh tế, the province's departments).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-05 19:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "office_category",
        sa.Column("office_id", sa.Integer(), nullable=False),
        sa.Column("category_key", sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(
            ["office_id"], ["office.id"], name=op.f("fk_office_category_office_id_office")
        ),
        sa.ForeignKeyConstraint(
            ["category_key"],
            ["category.key"],
            name=op.f("fk_office_category_category_key_category"),
        ),
        sa.PrimaryKeyConstraint("office_id", "category_key", name=op.f("pk_office_category")),
    )


def downgrade() -> None:
    op.drop_table("office_category")
