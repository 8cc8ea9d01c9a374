"""Counts for officials' notices: open, overdue and new items inside units (any era)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from storage.feedback import OPEN_STATUSES, overdue_clause
from storage.models import FeedbackItem
from storage.scope import in_unit_subtree

MAX_REFERENCES = 10


@dataclass
class WeekSummary:
    """A unit's items at a glance."""

    open: int = 0
    overdue: int = 0
    new_this_week: int = 0
    overdue_references: list[str] = field(default_factory=list)


async def week_summary(
    session: AsyncSession, unit_ids: list[int], now: dt.datetime
) -> WeekSummary:
    """Count the open, overdue and recent items inside ``unit_ids``."""
    inside = or_(
        in_unit_subtree(col(FeedbackItem.commune_id), unit_ids),
        in_unit_subtree(col(FeedbackItem.assignee_unit_id), unit_ids),
    )
    is_open = col(FeedbackItem.status).in_(list(OPEN_STATUSES))
    overdue = overdue_clause(now)

    async def count(*where: object) -> int:
        total = await session.scalar(
            select(func.count()).select_from(FeedbackItem).where(inside, *where)  # type: ignore[arg-type]
        )
        return int(total or 0)

    references = await session.execute(
        select(col(FeedbackItem.reference))
        .where(inside, is_open, overdue)
        .order_by(col(FeedbackItem.due_at))
        .limit(MAX_REFERENCES)
    )
    return WeekSummary(
        open=await count(is_open),
        overdue=await count(is_open, overdue),
        new_this_week=await count(col(FeedbackItem.created_at) >= now - dt.timedelta(days=7)),
        overdue_references=list(references.scalars()),
    )
