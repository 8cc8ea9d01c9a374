"""When an item is due, and how its due date waits while the cooperative is asked something.

Deadlines count working days, as government offices do (``storage.calendar.WorkingCalendar``:
weekends, Vietnam's public holidays and the overrides of the year are not counted). The due
date is set when the item is filed: the category's number of working days after the day it
was filed, at the same time of day. While the item waits for the cooperative's reply to a
question the clock stops: when it leaves that state the due date moves forward by the working
days it waited (a question answered the same day moves nothing), so a handler is never overdue
for time the cooperative took. Days are Vietnam's days, whatever the deployment's zone.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy.ext.asyncio import AsyncSession

from storage.calendar import VIETNAM, WorkingCalendar
from storage.models import Category, FeedbackItem


def working_days_after(calendar: WorkingCalendar, moment: dt.datetime, days: int) -> dt.datetime:
    """Return ``moment`` moved ``days`` working days later, at the same time of day."""
    local = moment.astimezone(VIETNAM)
    day = calendar.add_working_days(local.date(), days)
    return dt.datetime.combine(day, local.time(), tzinfo=VIETNAM).astimezone(dt.UTC)


async def initial_due(
    session: AsyncSession, category: Category, filed_at: dt.datetime
) -> dt.datetime:
    """Return the due date of an item of ``category`` filed at ``filed_at``."""
    calendar = await WorkingCalendar.load(session)
    return working_days_after(calendar, filed_at, category.due_working_days)


def pause(item: FeedbackItem, now: dt.datetime) -> None:
    """Stop the item's clock: it waits for the cooperative from ``now``."""
    if item.waiting_since is None:
        item.waiting_since = now


async def resume(session: AsyncSession, item: FeedbackItem, now: dt.datetime) -> None:
    """Start the item's clock again, moving its due date by the working days it waited."""
    if item.waiting_since is None:
        return
    calendar = await WorkingCalendar.load(session)
    waited = calendar.working_days_between(
        item.waiting_since.astimezone(VIETNAM).date(), now.astimezone(VIETNAM).date()
    )
    item.due_at = working_days_after(calendar, item.due_at, waited)
    item.waiting_since = None
