"""What admins see of the outbox and do with it: counts, the oldest due message, problems,
and putting failed messages back in the queue (``coopbot outbox``, /metrics)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from storage.models import OutboxMessage, OutboxStatus, utcnow


async def retry(
    session: AsyncSession, message_id: int | None = None, *, failed: bool = False
) -> int:
    """Put a failed (or unreachable) message, or every failed one, back in the queue."""
    query = update(OutboxMessage).values(
        status=OutboxStatus.PENDING, next_attempt_at=utcnow(), attempts=0, claimed_until=None
    )
    if message_id is not None:
        query = query.where(
            col(OutboxMessage.id) == message_id,
            col(OutboxMessage.status).in_([OutboxStatus.FAILED, OutboxStatus.UNREACHABLE]),
        )
    elif failed:
        query = query.where(col(OutboxMessage.status) == OutboxStatus.FAILED)
    else:
        return 0
    result = await session.execute(query)
    return int(result.rowcount)  # type: ignore[attr-defined]


async def status_counts(session: AsyncSession) -> dict[str, int]:
    """Count messages by delivery status."""
    rows = await session.execute(
        select(col(OutboxMessage.status), func.count()).group_by(col(OutboxMessage.status))
    )
    return {status: int(count) for status, count in rows.all()}


async def oldest_due(session: AsyncSession, now: dt.datetime | None = None) -> dt.datetime | None:
    """Return when the longest-waiting due, undelivered message became due (None when none)."""
    return await session.scalar(
        select(func.min(col(OutboxMessage.next_attempt_at))).where(
            col(OutboxMessage.status).in_([OutboxStatus.PENDING, OutboxStatus.SENDING]),
            col(OutboxMessage.next_attempt_at) <= (now or utcnow()),
        )
    )


async def problem_messages(session: AsyncSession, limit: int = 20) -> list[OutboxMessage]:
    """Return the latest failed and unreachable messages, for admins."""
    rows = await session.execute(
        select(OutboxMessage)
        .where(col(OutboxMessage.status).in_([OutboxStatus.FAILED, OutboxStatus.UNREACHABLE]))
        .order_by(col(OutboxMessage.id).desc())
        .limit(limit)
    )
    return list(rows.scalars())
