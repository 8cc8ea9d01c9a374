"""Conversation state and channel identities, so any worker can continue any conversation."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from storage.models import ChannelIdentity, DialogState, Person, utcnow

DIALOG_TTL = dt.timedelta(days=2)


async def find_identity(
    session: AsyncSession, channel: str, external_id: str, *, lock: bool = False
) -> ChannelIdentity | None:
    """Return the account (channel, external_id), or None for someone we have never admitted.

    With ``lock`` the row stays locked until the transaction ends (``FOR UPDATE`` on
    PostgreSQL; SQLite has one writer anyway), so two workers handling two updates of one
    person at the same moment take turns instead of both acting on the same step.
    """
    query = select(ChannelIdentity).where(
        col(ChannelIdentity.channel) == channel,
        col(ChannelIdentity.external_id) == external_id,
    )
    if lock:
        query = query.with_for_update()
    return (await session.execute(query)).scalar_one_or_none()


async def ensure_identity(
    session: AsyncSession, channel: str, external_id: str, *, now: dt.datetime | None = None
) -> ChannelIdentity:
    """Return the account, creating a bare one (no person) when it is new.

    Only used when something must be kept for a stranger (a conversation step); a stranger who
    merely writes to the bot gets no row.
    """
    identity = await find_identity(session, channel, external_id)
    if identity is None:
        identity = ChannelIdentity(
            channel=channel, external_id=external_id, created_at=now or utcnow()
        )
        session.add(identity)
        await session.flush()
    return identity


async def set_person_locale(session: AsyncSession, person_id: int, locale: str) -> None:
    """Store a person's chosen language."""
    person = await session.get(Person, person_id)
    if person is not None:
        person.locale = locale
        await session.flush()


async def load_dialog(
    session: AsyncSession, identity_id: int, *, now: dt.datetime | None = None
) -> DialogState | None:
    """Return the conversation in progress, or None when there is none or it has expired."""
    state = await session.get(DialogState, identity_id)
    if state is None:
        return None
    if state.expires_at <= (now or utcnow()):
        await session.delete(state)
        await session.flush()
        return None
    return state


async def save_dialog(
    session: AsyncSession,
    identity_id: int,
    flow: str,
    step: str,
    draft: dict[str, Any],
    *,
    now: dt.datetime | None = None,
) -> DialogState:
    """Store where the conversation stands (replacing what was there)."""
    now = now or utcnow()
    state = await session.get(DialogState, identity_id)
    if state is None:
        state = DialogState(identity_id=identity_id, flow=flow, step=step, expires_at=now)
        session.add(state)
    state.flow, state.step = flow, step
    # A new dict so SQLAlchemy sees the JSON column change.
    state.draft = dict(draft)
    state.updated_at = now
    state.expires_at = now + DIALOG_TTL
    await session.flush()
    return state


async def clear_dialog(session: AsyncSession, identity_id: int) -> None:
    """End the conversation in progress, if any."""
    await session.execute(delete(DialogState).where(col(DialogState.identity_id) == identity_id))


async def set_digest(session: AsyncSession, person_id: int, enabled: bool) -> None:
    """Turn a person's weekly digest on or off."""
    person = await session.get(Person, person_id)
    if person is not None:
        person.digest_enabled = enabled
        await session.flush()
