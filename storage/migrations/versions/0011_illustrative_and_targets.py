"""illustrative data and targets as the plan defines them

Rows the demo loader writes (cooperatives, their ratings and OCOP products) carry an
``illustrative`` flag, so whatever is shown from them is labelled as made up and a real
deployment's rows never are. Each plan target keeps the plan's own words for it
(``definition``). Ratings the demo stored under the wrong label "ND-2020" (the 2020 scheme is
Circular 01/2020/TT-BKHĐT, not a decree) are moved to the scheme's real key.

Revision ID: 0011
Revises: 0009
Create Date: 2026-12-05 19:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FLAGGED = ("cooperative", "cooperative_rating", "ocop_product")
OLD_SCHEME, SCHEME = "ND-2020", "TT-01-2020-BKHDT"


def upgrade() -> None:
    for table in FLAGGED:
        with op.batch_alter_table(table) as batch_op:
            batch_op.add_column(
                sa.Column("illustrative", sa.Boolean(), server_default=sa.false(), nullable=False)
            )
    with op.batch_alter_table("plan_target") as batch_op:
        batch_op.add_column(sa.Column("definition", sa.String(length=500), nullable=True))
    rating = sa.table("cooperative_rating", sa.column("scheme", sa.String))
    op.execute(rating.update().where(rating.c.scheme == OLD_SCHEME).values(scheme=SCHEME))


def downgrade() -> None:
    rating = sa.table("cooperative_rating", sa.column("scheme", sa.String))
    op.execute(rating.update().where(rating.c.scheme == SCHEME).values(scheme=OLD_SCHEME))
    with op.batch_alter_table("plan_target") as batch_op:
        batch_op.drop_column("definition")
    for table in reversed(FLAGGED):
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_column("illustrative")
