"""Assigning an item to an office, among those the card offers for it."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.ext.asyncio import AsyncSession

from storage.alerts import plan_alerts
from storage.errors import N_, InvalidInput
from storage.models import EventKind, FeedbackEvent
from storage.notifications import plan_item_event
from storage.referrals import assignable_offices
from storage.scope import Actor, ensure_item_handleable


async def assign_office(
    session: AsyncSession, actor: Actor, item_id: int, office_id: int, *, now: dt.datetime
) -> FeedbackEvent:
    """Assign an item to an office, as an event the director and the office are told of.

    Raises:
        PermissionDenied: the item is outside the actor's scope.
        InvalidInput: not an office the item can be assigned to.
    """
    item = await ensure_item_handleable(session, actor, item_id)
    office = next((o for o in await assignable_offices(session, item) if o.id == office_id), None)
    if office is None:
        raise InvalidInput(N_("This item cannot be assigned to that office."))
    item.assignee_office_id = office.id
    item.updated_at = now
    if item.first_response_at is None:
        item.first_response_at = now
    event = FeedbackEvent(
        item_id=item.id or 0,
        actor_person_id=actor.person_id,
        kind=EventKind.ASSIGNED,
        text=office.name,
        data={"office_id": office.id},
        created_at=now,
    )
    session.add(event)
    await session.flush()
    await plan_item_event(session, item, event, now)
    await plan_alerts(session, item, event, now)
    return event
