"""Conversation state and channel identities, so any worker can continue any conversation."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, bindparam, delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from storage.models import (
    AlertMode,
    ChannelIdentity,
    DialogState,
    Person,
    RoleAssignment,
    utcnow,
)
from storage.scope import Actor, Grant, grant_active

DIALOG_TTL = dt.timedelta(days=2)


# Built once (every incoming event looks its sender up), with the values as parameters.
_IDENTITY = select(ChannelIdentity).where(
    col(ChannelIdentity.channel) == bindparam("channel"),
    col(ChannelIdentity.external_id) == bindparam("external_id"),
)
_IDENTITY_LOCKED = _IDENTITY.with_for_update()


async def find_identity(
    session: AsyncSession, channel: str, external_id: str, *, lock: bool = False
) -> ChannelIdentity | None:
    """Return the account (channel, external_id), or None for someone we have never admitted.

    With ``lock`` the row stays locked until the transaction ends (``FOR UPDATE`` on
    PostgreSQL; SQLite has one writer anyway), so two workers handling two updates of one
    person at the same moment take turns instead of both acting on the same step.
    """
    query = _IDENTITY_LOCKED if lock else _IDENTITY
    params = {"channel": channel, "external_id": external_id}
    return (await session.execute(query, params)).scalar_one_or_none()


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


@dataclass(frozen=True)
class Speaker:
    """Who is behind an identity at one moment: the person, their grants, their conversation."""

    person: Person | None
    actor: Actor | None
    dialog: DialogState | None


# Person, active grants and conversation of one identity, in one statement. ``now`` is a bind
# parameter, so the statement is built once and its compiled form is reused.
_SPEAKER = (
    select(Person, RoleAssignment, DialogState)
    .select_from(ChannelIdentity)
    .outerjoin(Person, col(Person.id) == col(ChannelIdentity.person_id))
    .outerjoin(
        RoleAssignment,
        and_(col(RoleAssignment.person_id) == col(Person.id), grant_active(bindparam("now"))),
    )
    .outerjoin(DialogState, col(DialogState.identity_id) == col(ChannelIdentity.id))
    .where(col(ChannelIdentity.id) == bindparam("identity_id"))
)


async def load_speaker(
    session: AsyncSession, identity: ChannelIdentity, *, now: dt.datetime
) -> Speaker:
    """Return the person behind ``identity``, their grants active at ``now`` and the
    conversation in progress, in one query.

    The same as ``session.get(Person, …)``, ``storage.scope.load_actor`` and ``load_dialog``
    one after the other (an expired conversation is deleted), in one round trip instead of
    three. Call it after ``find_identity(..., lock=True)``, never in its place: on PostgreSQL a
    locking read that waited returns the other tables' rows as they were before the wait.
    """
    rows = (await session.execute(_SPEAKER, {"identity_id": identity.id, "now": now})).all()
    # One row per active grant (one with none when there are none); person and conversation
    # repeat on each. A missing row of an outer join comes back as None.
    person: Person | None = rows[0][0] if rows else None
    state: DialogState | None = rows[0][2] if rows else None
    actor = None
    if person is not None:
        grants = tuple(Grant.of(grant) for _, grant, _ in rows if grant is not None)
        actor = Actor(person_id=person.id or 0, grants=grants)
    dialog = None
    if state is not None:
        if state.expires_at <= now:
            await session.delete(state)
            await session.flush()
        else:
            dialog = state
    return Speaker(person=person, actor=actor, dialog=dialog)


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


async def set_alert_mode(session: AsyncSession, person_id: int, mode: AlertMode) -> None:
    """Choose how a person hears of new items: at once, once a day, or not at all."""
    person = await session.get(Person, person_id)
    if person is not None:
        person.alert_mode = mode
        await session.flush()


async def shown_buttons_of(
    session: AsyncSession, channel: str, external_id: str
) -> list[list[str]]:
    """Return the buttons last remembered for an account (none for an unknown one)."""
    identity = await find_identity(session, channel, external_id)
    return list(identity.shown_buttons) if identity is not None else []


async def remember_shown_buttons(
    session: AsyncSession, channel: str, external_id: str, buttons: list[list[str]]
) -> None:
    """Keep the buttons an account was shown, so their labels can be typed."""
    await session.execute(
        update(ChannelIdentity)
        .where(
            col(ChannelIdentity.channel) == channel,
            col(ChannelIdentity.external_id) == external_id,
        )
        .values(shown_buttons=buttons)
    )
