"""Which item events reach the cooperative's directors, planned into the outbox.

The director is told of every status change and every comment made by someone else; internal
notes never leave the handlers' side. Today's directors of the cooperative are told — not
the author — because the cooperative, not the person, owns its items.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from storage.accounts_preferred import preferred_accounts
from storage.models import (
    ChannelIdentity,
    EventKind,
    FeedbackEvent,
    FeedbackItem,
    Role,
    RoleAssignment,
)
from storage.outbox import plan
from storage.outbox_payloads import ItemEvent
from storage.scope import grant_active

NOTIFY_KINDS = frozenset(
    {EventKind.STATUS, EventKind.COMMENT, EventKind.ASSIGNED, EventKind.QUESTION}
)


async def director_identities(
    session: AsyncSession, cooperative_id: int, now: dt.datetime
) -> list[ChannelIdentity]:
    """Return the account each current director of the cooperative used last."""
    rows = await session.execute(
        select(ChannelIdentity)
        .join(RoleAssignment, col(RoleAssignment.person_id) == col(ChannelIdentity.person_id))
        .where(
            col(RoleAssignment.role) == Role.DIRECTOR,
            col(RoleAssignment.cooperative_id) == cooperative_id,
            grant_active(now),
            col(ChannelIdentity.unreachable_since).is_(None),
        )
        .order_by(col(ChannelIdentity.id))
    )
    unique = {identity.id: identity for identity in rows.scalars()}
    return preferred_accounts(unique.values())


async def plan_item_event(
    session: AsyncSession, item: FeedbackItem, event: FeedbackEvent, now: dt.datetime
) -> int:
    """Plan a message about ``event`` to each director account; return how many were new."""
    if event.kind not in NOTIFY_KINDS or event.internal:
        return 0
    planned = 0
    for identity in await director_identities(session, item.cooperative_id, now):
        if identity.person_id == event.actor_person_id:
            continue
        planned += await plan(
            session,
            dedupe_key=f"item-event:{event.id}:{identity.id}",
            channel=identity.channel,
            recipient=identity.external_id,
            person_id=identity.person_id,
            payload=ItemEvent(item_id=item.id or 0, event_id=event.id or 0),
            now=now,
        )
    return planned
