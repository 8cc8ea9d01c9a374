"""Gap-tolerant counters shared by every worker, e.g. reference numbers per year."""

from __future__ import annotations

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import SequenceCounter


async def next_value(session: AsyncSession, name: str) -> int:
    """Increment the counter ``name`` atomically and return its new value (first is 1).

    One ``INSERT … ON CONFLICT DO UPDATE … RETURNING`` statement, so two workers never get
    the same number on either database.
    """
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    table = SequenceCounter.__table__  # type: ignore[attr-defined]
    statement = (
        insert(table)
        .values(name=name, value=1)
        .on_conflict_do_update(index_elements=["name"], set_={"value": table.c.value + 1})
        .returning(table.c.value)
    )
    value = (await session.execute(statement)).scalar_one()
    return int(value)
