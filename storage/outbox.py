"""The outbox: every message the system sends on its own is planned here, then delivered.

Planning is ``INSERT … ON CONFLICT DO NOTHING`` on a dedupe key, so planning the same thing
twice (a retried job, two workers) yields one message. Delivery claims rows — with
``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so several workers never take the same row — and
records the outcome. A claim that is never finished (a worker killed mid-send) expires and the
row is taken again: at-least-once delivery, with the dedupe key keeping planning exactly-once.

A claim is one delivery attempt: the sender claims a message right before sending it, so a
claimed row always means "this attempt may have reached the recipient". The attempt's number
(``attempts`` after the claim) is its token: an outcome is recorded only while the row is still
in that attempt, so a worker that stalled past its lease cannot overwrite what the worker that
took the row over recorded. A row whose lease ran out is "interrupted": it is sent again and
may therefore arrive twice (docs/operations.md, "Delivery guarantees").
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import and_, case, literal, or_, select, true, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from storage.accounts_preferred import preferred_accounts
from storage.models import ChannelIdentity, OutboxMessage, OutboxStatus, utcnow
from storage.outbox_payloads import (
    AdminNotice,
    OutboxPayload,
    RecipientUnreachable,
    stored_form,
)
from storage.people import admin_identities

CLAIM_LEASE = dt.timedelta(minutes=2)
# Kept on a row taken over after its lease ran out, so the sender can say it may be a repeat.
INTERRUPTED = "interrupted: the previous attempt may have been delivered"

# The dedupe key's word for each notice to admins (one a day per account and admin).
_NOTICE_KEYS = {"recipient_unreachable": "unreachable", "delivery_refused": "refused"}


async def plan(
    session: AsyncSession,
    *,
    dedupe_key: str,
    channel: str,
    recipient: str,
    payload: OutboxPayload,
    person_id: int | None = None,
    not_before: dt.datetime | None = None,
    now: dt.datetime | None = None,
) -> bool:
    """Plan one message; return False when a message with this key was already planned.

    ``payload`` is one of the typed kinds of ``storage.outbox_payloads``, so what is stored
    is valid by construction; the sender validates it again when it reads it.
    """
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
            payload=stored_form(payload),
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
    lease: dt.timedelta = CLAIM_LEASE,
) -> list[OutboxMessage]:
    """Claim up to ``limit`` messages that are due, oldest first, for this worker.

    ``channels`` limits the claim to the channels this worker can send on, so a worker never
    holds up messages another process is there to deliver. The caller commits right after,
    so other workers see the claim. After ``lease`` the claim counts as interrupted and any
    worker may take the row again; a row taken over this way says so in ``last_error``.
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
            claimed_until=now + lease,
            attempts=col(OutboxMessage.attempts) + 1,
            last_error=case(
                (col(OutboxMessage.status) == OutboxStatus.SENDING, literal(INTERRUPTED)),
                else_=col(OutboxMessage.last_error),
            ),
        )
        .returning(OutboxMessage)
        .execution_options(populate_existing=True, synchronize_session=False)
    )
    rows = list((await session.execute(statement)).scalars())
    rows.sort(key=lambda row: (row.next_attempt_at, row.id or 0))
    return rows


def _in_attempt(message_id: int, attempt: int | None) -> list[Any]:
    """Return the conditions of an update that applies only while the row is in ``attempt``."""
    conditions: list[Any] = [col(OutboxMessage.id) == message_id]
    if attempt is not None:
        conditions += [
            col(OutboxMessage.attempts) == attempt,
            col(OutboxMessage.status) == OutboxStatus.SENDING,
        ]
    return conditions


def _is_current(message: OutboxMessage, attempt: int | None) -> bool:
    """Tell whether a loaded row is still in ``attempt`` (always, when no attempt is given)."""
    return attempt is None or (
        message.attempts == attempt and message.status == OutboxStatus.SENDING
    )


async def mark_sent(
    session: AsyncSession,
    message_id: int,
    now: dt.datetime | None = None,
    *,
    attempt: int | None = None,
) -> bool:
    """Record a delivery; with ``attempt``, only if the row is still in that attempt.

    Returns whether the row was updated.
    """
    result = await session.execute(
        update(OutboxMessage)
        .where(*_in_attempt(message_id, attempt))
        .values(
            status=OutboxStatus.SENT, sent_at=now or utcnow(), claimed_until=None, last_error=None
        )
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def mark_retry(
    session: AsyncSession,
    message_id: int,
    *,
    delay: dt.timedelta,
    error: str,
    max_attempts: int,
    now: dt.datetime | None = None,
    attempt: int | None = None,
) -> OutboxStatus:
    """Schedule another attempt after ``delay``, or give up after ``max_attempts``.

    With ``attempt``, nothing changes unless the row is still in that attempt.
    """
    now = now or utcnow()
    message = await session.get(OutboxMessage, message_id)
    if message is None:
        return OutboxStatus.FAILED
    if not _is_current(message, attempt):
        return OutboxStatus(message.status)
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
    session: AsyncSession,
    message_id: int,
    error: str,
    now: dt.datetime | None = None,
    *,
    attempt: int | None = None,
) -> None:
    """Give up on a message the platform refused outright (with ``attempt``: if still in it)."""
    del now  # the failure time is the row's last update; kept for a uniform signature
    await session.execute(
        update(OutboxMessage)
        .where(*_in_attempt(message_id, attempt))
        .values(status=OutboxStatus.FAILED, last_error=error[:500], claimed_until=None)
    )


async def finish_attempt(
    session: AsyncSession,
    message_id: int,
    attempt: int | None,
    status: OutboxStatus,
    reason: str,
) -> OutboxMessage | None:
    """End a message's delivery with ``status``, if it is still in ``attempt``; return it."""
    message = await session.get(OutboxMessage, message_id)
    if message is None or not _is_current(message, attempt):
        return None
    message.status = status
    message.last_error = reason[:500]
    message.claimed_until = None
    await session.flush()
    return message


async def mark_unreachable(
    session: AsyncSession,
    message_id: int,
    reason: str,
    now: dt.datetime | None = None,
    *,
    attempt: int | None = None,
) -> None:
    """Stop trying a recipient who blocked the bot, and flag their account for admins."""
    now = now or utcnow()
    message = await finish_attempt(session, message_id, attempt, OutboxStatus.UNREACHABLE, reason)
    if message is None:
        return
    await session.execute(
        update(ChannelIdentity)
        .where(
            col(ChannelIdentity.channel) == message.channel,
            col(ChannelIdentity.external_id) == message.recipient,
        )
        .values(unreachable_since=now, unreachable_reason=reason[:200])
    )
    await session.flush()
    notice = RecipientUnreachable(
        channel=message.channel,
        recipient=message.recipient,
        person_id=message.person_id,
        reason=reason[:200],
    )
    await tell_admins(session, notice, now=now)


async def tell_admins(session: AsyncSession, notice: AdminNotice, *, now: dt.datetime) -> int:
    """Plan ``notice`` about an account to every admin, at most once a day each.

    The account itself is left out when it belongs to an admin. Returns how many were new.
    """
    word = _NOTICE_KEYS[notice.kind]
    about = f"{word}:{notice.channel}:{notice.recipient}:{now.date()}"
    return await plan_for_admins(
        session, notice, about, now=now, leave_out=(notice.channel, notice.recipient)
    )


async def plan_for_admins(
    session: AsyncSession,
    payload: OutboxPayload,
    about: str,
    *,
    now: dt.datetime,
    leave_out: tuple[str, str] | None = None,
) -> int:
    """Plan ``payload`` to every reachable admin account but ``leave_out`` (channel, id), once
    per ``about`` (the dedupe key's subject); return how many were new."""
    planned = 0
    for admin in preferred_accounts(await admin_identities(session, now=now)):
        if (admin.channel, admin.external_id) == leave_out:
            continue
        planned += await plan(
            session,
            dedupe_key=f"{about}:{admin.id}",
            channel=admin.channel,
            recipient=admin.external_id,
            person_id=admin.person_id,
            payload=payload,
            now=now,
        )
    return planned
