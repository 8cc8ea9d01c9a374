"""The outbox: every message the system sends on its own is planned here, then delivered.

Planning is ``INSERT … ON CONFLICT DO NOTHING`` on a dedupe key, so planning the same thing
twice (a retried job, two workers) yields one message. Delivery claims rows — with
``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so several workers never take the same row — and
records the outcome. A claim that is never finished (a worker killed mid-send) expires and the
row is taken again: at-least-once delivery, with the dedupe key keeping planning exactly-once.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import and_, func, or_, select, true, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from storage.models import ChannelIdentity, OutboxMessage, OutboxStatus, utcnow
from storage.people import admin_identities

CLAIM_LEASE = dt.timedelta(minutes=2)


async def plan(
    session: AsyncSession,
    *,
    dedupe_key: str,
    channel: str,
    recipient: str,
    payload: dict[str, Any],
    person_id: int | None = None,
    not_before: dt.datetime | None = None,
    now: dt.datetime | None = None,
) -> bool:
    """Plan one message; return False when a message with this key was already planned."""
    now = now or utcnow()
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = (
        insert(OutboxMessage)
        .values(
            dedupe_key=dedupe_key,
            channel=channel,
            recipient=recipient,
            person_id=person_id,
            payload=payload,
            status=OutboxStatus.PENDING,
            attempts=0,
            next_attempt_at=not_before or now,
            created_at=now,
        )
        .on_conflict_do_nothing(index_elements=["dedupe_key"])
    )
    result = await session.execute(statement)
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def claim_due(
    session: AsyncSession,
    *,
    limit: int = 50,
    now: dt.datetime | None = None,
    channels: list[str] | None = None,
) -> list[OutboxMessage]:
    """Claim up to ``limit`` messages that are due, oldest first, for this worker.

    ``channels`` limits the claim to the channels this worker can send on, so a worker never
    holds up messages another process is there to deliver. The caller commits right after,
    so other workers see the claim.
    """
    now = now or utcnow()
    due = or_(
        and_(
            col(OutboxMessage.status) == OutboxStatus.PENDING,
            col(OutboxMessage.next_attempt_at) <= now,
        ),
        and_(
            col(OutboxMessage.status) == OutboxStatus.SENDING,
            col(OutboxMessage.claimed_until) < now,
        ),
    )
    # One statement, so the claim is atomic on SQLite too (a SELECT then an UPDATE would let two
    # workers read the same rows before either writes).
    chosen = (
        select(col(OutboxMessage.id))
        .where(due, col(OutboxMessage.channel).in_(channels) if channels is not None else true())
        .order_by(col(OutboxMessage.next_attempt_at), col(OutboxMessage.id))
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    statement = (
        update(OutboxMessage)
        .where(col(OutboxMessage.id).in_(chosen))
        .values(
            status=OutboxStatus.SENDING,
            claimed_until=now + CLAIM_LEASE,
            attempts=col(OutboxMessage.attempts) + 1,
        )
        .returning(OutboxMessage)
        .execution_options(populate_existing=True, synchronize_session=False)
    )
    rows = list((await session.execute(statement)).scalars())
    rows.sort(key=lambda row: (row.next_attempt_at, row.id or 0))
    return rows


async def mark_sent(
    session: AsyncSession, message_id: int, now: dt.datetime | None = None
) -> None:
    """Record a delivery."""
    await session.execute(
        update(OutboxMessage)
        .where(col(OutboxMessage.id) == message_id)
        .values(
            status=OutboxStatus.SENT, sent_at=now or utcnow(), claimed_until=None, last_error=None
        )
    )


async def mark_retry(
    session: AsyncSession,
    message_id: int,
    *,
    delay: dt.timedelta,
    error: str,
    max_attempts: int,
    now: dt.datetime | None = None,
) -> OutboxStatus:
    """Schedule another attempt after ``delay``, or give up after ``max_attempts``."""
    now = now or utcnow()
    message = await session.get(OutboxMessage, message_id)
    if message is None:
        return OutboxStatus.FAILED
    message.last_error = error[:500]
    message.claimed_until = None
    if message.attempts >= max_attempts:
        message.status = OutboxStatus.FAILED
    else:
        message.status = OutboxStatus.PENDING
        message.next_attempt_at = now + delay
    await session.flush()
    return OutboxStatus(message.status)


async def mark_failed(
    session: AsyncSession, message_id: int, error: str, now: dt.datetime | None = None
) -> None:
    """Give up on a message the platform refused outright."""
    del now  # the failure time is the row's last update; kept for a uniform signature
    await session.execute(
        update(OutboxMessage)
        .where(col(OutboxMessage.id) == message_id)
        .values(status=OutboxStatus.FAILED, last_error=error[:500], claimed_until=None)
    )


async def mark_unreachable(
    session: AsyncSession, message_id: int, reason: str, now: dt.datetime | None = None
) -> None:
    """Stop trying a recipient who blocked the bot, and flag their account for admins."""
    now = now or utcnow()
    message = await session.get(OutboxMessage, message_id)
    if message is None:
        return
    message.status = OutboxStatus.UNREACHABLE
    message.last_error = reason[:500]
    message.claimed_until = None
    await session.execute(
        update(ChannelIdentity)
        .where(
            col(ChannelIdentity.channel) == message.channel,
            col(ChannelIdentity.external_id) == message.recipient,
        )
        .values(unreachable_since=now, unreachable_reason=reason[:200])
    )
    await session.flush()
    await _tell_admins(session, message, reason, now)


async def _tell_admins(
    session: AsyncSession, message: OutboxMessage, reason: str, now: dt.datetime
) -> None:
    """Plan a notice to every admin that a recipient can no longer be reached."""
    for admin in await admin_identities(session, now=now):
        if (admin.channel, admin.external_id) == (message.channel, message.recipient):
            continue
        await plan(
            session,
            dedupe_key=f"unreachable:{message.channel}:{message.recipient}:{now.date()}:{admin.id}",
            channel=admin.channel,
            recipient=admin.external_id,
            person_id=admin.person_id,
            payload={
                "kind": "recipient_unreachable",
                "channel": message.channel,
                "recipient": message.recipient,
                "person_id": message.person_id,
                "reason": reason[:200],
            },
            now=now,
        )


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


async def problem_messages(session: AsyncSession, limit: int = 20) -> list[OutboxMessage]:
    """Return the latest failed and unreachable messages, for admins."""
    rows = await session.execute(
        select(OutboxMessage)
        .where(col(OutboxMessage.status).in_([OutboxStatus.FAILED, OutboxStatus.UNREACHABLE]))
        .order_by(col(OutboxMessage.id).desc())
        .limit(limit)
    )
    return list(rows.scalars())
