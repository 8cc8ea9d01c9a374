"""Runtime rows of a chosen age, for the retention tests (one row per call, flushed)."""

from __future__ import annotations

import datetime as dt
import itertools

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import (
    ButtonOverflow,
    ChannelIdentity,
    DialogState,
    InviteAttempt,
    OutboxMessage,
    OutboxStatus,
    ProcessedUpdate,
)
from storage.retention import (
    BUTTON_OVERFLOW,
    DIALOGS,
    INVITE_ATTEMPTS,
    OUTBOX,
    PROCESSED_UPDATES,
)

_numbers = itertools.count(1)


def _next() -> str:
    return str(next(_numbers))


async def processed_update(session: AsyncSession, at: dt.datetime) -> None:
    """Record a handled update at ``at``."""
    session.add(ProcessedUpdate(channel="telegram", update_id=_next(), processed_at=at))
    await session.flush()


async def dialog(session: AsyncSession, at: dt.datetime) -> None:
    """Store a conversation last touched at ``at`` (on an account of its own)."""
    identity = ChannelIdentity(channel="telegram", external_id=_next(), created_at=at)
    session.add(identity)
    await session.flush()
    session.add(
        DialogState(
            identity_id=identity.id or 0,
            flow="report",
            step="text",
            draft={"text": "máy sấy lúa hỏng"},
            expires_at=at + dt.timedelta(days=2),
            updated_at=at,
        )
    )
    await session.flush()


async def invite_attempt(session: AsyncSession, at: dt.datetime) -> None:
    """Record a wrong invite code typed at ``at``."""
    session.add(InviteAttempt(channel="zalo", external_id=_next(), at=at))
    await session.flush()


async def outbox(
    session: AsyncSession,
    at: dt.datetime,
    status: OutboxStatus = OutboxStatus.SENT,
    *,
    created_at: dt.datetime | None = None,
    sent_at: dt.datetime | None = None,
) -> None:
    """Plan a message at ``at`` (its creation and last attempt), in ``status``.

    A sent message is sent at ``at`` unless ``sent_at`` says otherwise.
    """
    if sent_at is None and status == OutboxStatus.SENT:
        sent_at = at
    session.add(
        OutboxMessage(
            dedupe_key=f"test:{_next()}",
            channel="telegram",
            recipient="101",
            payload={"kind": "item_event", "event_id": 1},
            status=status,
            attempts=1,
            created_at=created_at or at,
            next_attempt_at=at,
            sent_at=sent_at,
        )
    )
    await session.flush()


async def button_overflow(session: AsyncSession, at: dt.datetime) -> None:
    """Keep a Zalo "More…" list last replaced at ``at``."""
    session.add(
        ButtonOverflow(
            channel="zalo", external_id=_next(), buttons=[["Máy móc", "rep:cat:1"]], updated_at=at
        )
    )
    await session.flush()


# Each table's row maker and model, by the key purge_expired counts it under.
MAKERS = {
    PROCESSED_UPDATES: (processed_update, ProcessedUpdate),
    DIALOGS: (dialog, DialogState),
    INVITE_ATTEMPTS: (invite_attempt, InviteAttempt),
    OUTBOX: (outbox, OutboxMessage),
    BUTTON_OVERFLOW: (button_overflow, ButtonOverflow),
}


async def count(session: AsyncSession, table: str) -> int:
    """Count the rows left in ``table`` (a key of ``MAKERS``)."""
    model = MAKERS[table][1]
    return int(await session.scalar(select(func.count()).select_from(model)) or 0)
