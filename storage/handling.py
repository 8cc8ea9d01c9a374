"""What handlers (commune leaders, officials, admins) do with items: inbox, assignment."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from storage.errors import N_, InvalidInput
from storage.feedback import OPEN_STATUSES
from storage.models import EventKind, FeedbackEvent, FeedbackItem, Office, Status
from storage.notifications import plan_item_event
from storage.scope import Actor, ensure_item_handleable, handler_scope_clause


async def inbox(
    session: AsyncSession, actor: Actor, *, now: dt.datetime, page: int, page_size: int = 5
) -> tuple[list[FeedbackItem], int]:
    """Return one page of the new, reopened and overdue items the actor handles, and the total.

    Overdue items come first (oldest due date first), then the newest new ones.
    """
    waiting = or_(
        col(FeedbackItem.status).in_([Status.NEW, Status.REOPENED]),
        and_(col(FeedbackItem.status).in_(list(OPEN_STATUSES)), col(FeedbackItem.due_at) < now),
    )
    where = [handler_scope_clause(actor), waiting]
    total = await session.scalar(select(func.count()).select_from(FeedbackItem).where(*where))
    overdue_first = (col(FeedbackItem.due_at) < now).desc()
    rows = await session.execute(
        select(FeedbackItem)
        .where(*where)
        .order_by(overdue_first, col(FeedbackItem.due_at), col(FeedbackItem.id))
        .offset(max(page, 0) * page_size)
        .limit(page_size)
    )
    return list(rows.scalars()), int(total or 0)


async def offices_for(session: AsyncSession) -> list[Office]:
    """Return the offices items can be assigned to."""
    rows = await session.execute(select(Office).order_by(col(Office.name)))
    return list(rows.scalars())


async def assign_office(
    session: AsyncSession, actor: Actor, item_id: int, office_id: int, *, now: dt.datetime
) -> FeedbackEvent:
    """Assign an item to an office, as an event the director is told of.

    Raises:
        PermissionDenied: the item is outside the actor's scope.
        InvalidInput: no such office.
    """
    item = await ensure_item_handleable(session, actor, item_id)
    office = await session.get(Office, office_id)
    if office is None:
        raise InvalidInput(N_("Unknown office."))
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
    return event
