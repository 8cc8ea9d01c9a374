"""Idempotency of incoming updates."""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import ProcessedUpdate, utcnow

# Built once, with the values as parameters: every incoming update runs one of these.
_VALUES: dict[str, Any] = {
    "channel": bindparam("channel"),
    "update_id": bindparam("update_id"),
    "processed_at": bindparam("processed_at"),
}
_KEY = ["channel", "update_id"]
_MARK = {
    name: dialect.insert(ProcessedUpdate)
    .values(**_VALUES)
    .on_conflict_do_nothing(index_elements=_KEY)
    for name, dialect in (("postgresql", postgresql), ("sqlite", sqlite))
}


async def mark_processed(session: AsyncSession, channel: str, update_id: str) -> bool:
    """Record (channel, update_id) as handled; return False when it already was.

    One ``INSERT … ON CONFLICT DO NOTHING``, so two workers receiving the same redelivered
    update cannot both handle it.
    """
    # On the session's connection (the same transaction): the ORM would take a dict of
    # parameters for a bulk insert, which tells no row count.
    connection = await session.connection()
    statement = _MARK["postgresql" if connection.dialect.name == "postgresql" else "sqlite"]
    result = await connection.execute(
        statement, {"channel": channel, "update_id": update_id, "processed_at": utcnow()}
    )
    return bool(result.rowcount)
