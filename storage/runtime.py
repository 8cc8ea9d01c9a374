"""Idempotency of incoming updates."""

from __future__ import annotations

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import ProcessedUpdate, utcnow


async def mark_processed(session: AsyncSession, channel: str, update_id: str) -> bool:
    """Record (channel, update_id) as handled; return False when it already was.

    One ``INSERT … ON CONFLICT DO NOTHING``, so two workers receiving the same redelivered
    update cannot both handle it.
    """
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = (
        insert(ProcessedUpdate)
        .values(channel=channel, update_id=update_id, processed_at=utcnow())
        .on_conflict_do_nothing(index_elements=["channel", "update_id"])
    )
    result = await session.execute(statement)
    return bool(result.rowcount)  # type: ignore[attr-defined]
