"""The handling desk: the views of the items a person handles, search, and references.

Every query starts from the person's scope (``storage.scope.handler_scope_clause``), so a view,
a search or a typed reference never reaches an item outside it. The views:

- ``new``: new and reopened items, waiting for someone to take them;
- ``active``: acknowledged, in progress, or waiting for the cooperative's reply;
- ``mine``: open items referred to one of the person's units or assigned to their office;
- ``overdue``: open items past their due date;
- ``open``: every open item in the person's scope.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, case, false, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from storage.feedback import OPEN_STATUSES, overdue_clause
from storage.models import AdminUnit, Cooperative, FeedbackItem, Status
from storage.reporting.scope import today_commune
from storage.scope import Actor, handler_scope_clause, item_scope_clause
from storage.text import fold

MAX_SEARCH_WORDS = 8
MAX_WORD = 40

# PA-2026-000123, pa2026000123, "PA 2026 123", "/item pa-2026-123", "xem PA-2026-000123", and
# "2026-000123" (the number alone, all six digits). ASCII digits only.
REFERENCE = re.compile(
    r"^\s*(?:/item\s+)?(?:[^\W\d_]{1,12}\s+){0,2}"
    r"(?:pa[\s-]*([0-9]{4})[\s-]*([0-9]{1,6})|([0-9]{4})-([0-9]{6}))\s*$",
    re.IGNORECASE,
)


class DeskView(StrEnum):
    """The lists of the desk; stored in buttons, so never rename a value."""

    NEW = "new"
    ACTIVE = "active"
    MINE = "mine"
    OVERDUE = "overdue"
    OPEN = "open"


@dataclass(frozen=True)
class DeskLine:
    """An item as a list shows it: with its cooperative, its commune of today and its topic."""

    item: FeedbackItem
    cooperative: str
    commune: str


def _view_clause(view: DeskView, actor: Actor, now: dt.datetime) -> ColumnElement[bool]:
    status = col(FeedbackItem.status)
    is_open = status.in_(list(OPEN_STATUSES))
    if view == DeskView.NEW:
        return status.in_([Status.NEW, Status.REOPENED])
    if view == DeskView.ACTIVE:
        return status.in_([Status.ACKNOWLEDGED, Status.IN_PROGRESS, Status.WAITING])
    if view == DeskView.OVERDUE:
        return overdue_clause(now)
    if view == DeskView.MINE:
        held = [
            col(FeedbackItem.assignee_unit_id).in_(actor.unit_ids()) if actor.unit_ids() else None,
            col(FeedbackItem.assignee_office_id).in_(actor.office_ids())
            if actor.office_ids()
            else None,
        ]
        clauses = [clause for clause in held if clause is not None]
        return and_(is_open, or_(*clauses)) if clauses else false()
    return is_open


async def view_counts(
    session: AsyncSession, actor: Actor, now: dt.datetime
) -> dict[DeskView, int]:
    """Return how many items each view holds, in one query."""
    sums = [
        func.coalesce(func.sum(case((_view_clause(view, actor, now), 1), else_=0)), 0)
        for view in DeskView
    ]
    row = (
        await session.execute(
            select(*sums).select_from(FeedbackItem).where(handler_scope_clause(actor))
        )
    ).one()
    return {view: int(count) for view, count in zip(DeskView, row, strict=True)}


def _lines_query(where: list[ColumnElement[bool]]) -> Select[FeedbackItem, str, str]:
    today = today_commune()
    commune_id = func.coalesce(today.c.current_id, col(FeedbackItem.commune_id))
    return (
        select(FeedbackItem, col(Cooperative.name), col(AdminUnit.name))
        .join(Cooperative, col(Cooperative.id) == col(FeedbackItem.cooperative_id))
        .outerjoin(today, today.c.unit_id == col(FeedbackItem.commune_id))
        .join(AdminUnit, col(AdminUnit.id) == commune_id)
        .where(*where)
    )


async def _page(
    session: AsyncSession,
    where: list[ColumnElement[bool]],
    order: Sequence[Any],
    page: int,
    page_size: int,
) -> tuple[list[DeskLine], int]:
    total = await session.scalar(select(func.count()).select_from(FeedbackItem).where(*where))
    rows = await session.execute(
        _lines_query(where).order_by(*order).offset(max(page, 0) * page_size).limit(page_size)
    )
    lines = [DeskLine(item, cooperative, commune) for item, cooperative, commune in rows]
    return lines, int(total or 0)


async def view_page(
    session: AsyncSession,
    actor: Actor,
    view: DeskView,
    *,
    now: dt.datetime,
    page: int,
    page_size: int = 5,
) -> tuple[list[DeskLine], int]:
    """Return one page of a view and its total: the oldest due first (overdue on top)."""
    where = [handler_scope_clause(actor), _view_clause(view, actor, now)]
    order = [col(FeedbackItem.due_at), col(FeedbackItem.id)]
    return await _page(session, where, order, page, page_size)


def search_words(text: str) -> list[str]:
    """Return the words of a search, folded like the stored texts (at most eight)."""
    words = [word[:MAX_WORD] for word in fold(text).split() if word]
    return list(dict.fromkeys(words))[:MAX_SEARCH_WORDS]


async def find_items(
    session: AsyncSession, actor: Actor, words: list[str], *, page: int, page_size: int = 5
) -> tuple[list[DeskLine], int]:
    """Return one page of the items in the actor's scope whose text holds every word, newest
    first, and their total. Diacritics and case do not matter ("may say" finds "Máy sấy")."""
    if not words:
        return [], 0
    where = [item_scope_clause(actor)]
    for word in words:
        escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        where.append(col(FeedbackItem.search_text).like(f"%{escaped}%", escape="\\"))
    order = [col(FeedbackItem.created_at).desc(), col(FeedbackItem.id).desc()]
    return await _page(session, where, order, page, page_size)


def parse_reference(text: str) -> str | None:
    """Return the reference a typed text names (``PA-2026-000123``), or None."""
    match = REFERENCE.match(text)
    if match is None:
        return None
    year, number = match.group(1) or match.group(3), match.group(2) or match.group(4)
    return f"PA-{year}-{int(number):06d}"


async def find_reference(session: AsyncSession, actor: Actor, reference: str) -> int | None:
    """Return the id of the item with ``reference`` if the actor may see it, else None.

    An item outside the scope and one that does not exist give the same None, so references
    cannot be probed.
    """
    return await session.scalar(
        select(col(FeedbackItem.id)).where(
            col(FeedbackItem.reference) == reference, item_scope_clause(actor)
        )
    )
