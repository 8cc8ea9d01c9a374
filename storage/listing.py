"""Listing items inside a person's scope, newest first, a page at a time."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from storage.feedback import OPEN_STATUSES
from storage.models import FeedbackItem
from storage.scope import Actor, item_scope_clause


async def list_cooperative_items(
    session: AsyncSession,
    actor: Actor,
    *,
    page: int,
    page_size: int = 5,
    open_only: bool = False,
) -> tuple[list[FeedbackItem], int]:
    """Return one page of the items of the actor's cooperatives (only the open ones, if
    asked), newest first, and the total count."""
    where = [
        col(FeedbackItem.cooperative_id).in_(actor.cooperative_ids()),
        item_scope_clause(actor),
    ]
    if open_only:
        where.append(col(FeedbackItem.status).in_(list(OPEN_STATUSES)))
    total = await session.scalar(select(func.count()).select_from(FeedbackItem).where(*where))
    rows = await session.execute(
        select(FeedbackItem)
        .where(*where)
        .order_by(col(FeedbackItem.created_at).desc(), col(FeedbackItem.id).desc())
        .offset(max(page, 0) * page_size)
        .limit(page_size)
    )
    return list(rows.scalars()), int(total or 0)
