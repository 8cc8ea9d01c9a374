"""The officials' summary: counts by kind and status, categories, communes, timeliness and
quarterly meeting compliance, for a period and a unit, inside the person's scope.

Everything is an aggregate in SQL with the person's scope in the WHERE clause, medians
included (``percentile_cont`` on PostgreSQL, the middle rows in order on SQLite).
"""

from __future__ import annotations

import datetime as dt
import statistics
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, func, select, true
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from storage.calendar import VIETNAM, Quarter
from storage.feedback import OPEN_STATUSES
from storage.models import AdminUnit, FeedbackItem, Meeting, UnitCurrent, UnitLevel
from storage.periods import Period
from storage.scope import Actor, in_unit_subtree, item_scope_clause

TOP_CATEGORIES = 5
TOP_COMMUNES = 10
DAY = 86400.0


@dataclass
class Summary:
    """What /summary shows."""

    period: Period
    total: int = 0
    by_kind_status: dict[tuple[str, str], int] = field(default_factory=dict)
    top_categories: list[tuple[str, int]] = field(default_factory=list)
    by_commune: list[tuple[int, str, int]] = field(default_factory=list)
    overdue: int = 0
    median_first_response_days: float | None = None
    median_resolution_days: float | None = None
    compliance_quarter: Quarter | None = None
    meetings_held: int = 0
    communes_total: int = 0


def _filters(
    actor: Actor, period: Period, unit_ids: list[int] | None, tz: dt.tzinfo
) -> list[ColumnElement[bool]]:
    start, end = period.bounds(tz)
    where = [
        item_scope_clause(actor),
        col(FeedbackItem.created_at) >= start,
        col(FeedbackItem.created_at) < end,
    ]
    if unit_ids:
        where.append(in_unit_subtree(col(FeedbackItem.commune_id), unit_ids))
    return where


async def _median_days(
    session: AsyncSession, where: list[ColumnElement[bool]], end_column: Any
) -> float | None:
    """Return the median of (end_column - created_at) in days, computed in the database."""
    done = [*where, end_column.is_not(None)]
    created = col(FeedbackItem.created_at)
    if session.get_bind().dialect.name == "postgresql":
        seconds = func.extract("epoch", end_column - created)
        value = await session.scalar(
            select(func.percentile_cont(0.5).within_group(seconds)).where(*done)
        )
        return round(float(value) / DAY, 1) if value is not None else None
    # SQLite has no percentile: count, then read the one or two middle values in order.
    days = func.julianday(end_column) - func.julianday(created)
    n = int(await session.scalar(select(func.count()).select_from(FeedbackItem).where(*done)) or 0)
    if n == 0:
        return None
    middle = await session.execute(
        select(days).where(*done).order_by(days).offset((n - 1) // 2).limit(2 - n % 2)
    )
    values = [float(v) for v in middle.scalars()]
    return round(statistics.fmean(values), 1)


def compliance_quarter(period: Period, today: dt.date) -> Quarter:
    """Return the quarter whose meetings the summary reports: the period's latest one so far."""
    quarters = [q for q in period.quarters() if q.first_day <= today] or period.quarters()[:1]
    return quarters[-1]


async def meeting_compliance(
    session: AsyncSession, unit_ids: list[int] | None, quarter: Quarter
) -> tuple[int, int]:
    """Return (communes that held the quarter's meeting, communes in scope) among today's."""
    inside: ColumnElement[bool] = (
        in_unit_subtree(col(AdminUnit.id), unit_ids) if unit_ids is not None else true()
    )
    communes = (
        select(col(AdminUnit.id))
        .where(
            col(AdminUnit.level) == UnitLevel.COMMUNE,
            col(AdminUnit.valid_to).is_(None),
            inside,
        )
        .subquery()
    )
    total = await session.scalar(select(func.count()).select_from(communes))
    held = await session.scalar(
        select(func.count(func.distinct(col(Meeting.commune_id)))).where(
            col(Meeting.quarter) == quarter.key,
            col(Meeting.commune_id).in_(select(communes.c.id)),
        )
    )
    return int(held or 0), int(total or 0)


async def summarize(
    session: AsyncSession,
    actor: Actor,
    period: Period,
    *,
    unit_ids: list[int] | None = None,
    now: dt.datetime,
    tz: dt.tzinfo = VIETNAM,
) -> Summary:
    """Summarise the items filed in ``period`` inside ``unit_ids`` (default: all in scope)."""
    where = _filters(actor, period, unit_ids, tz)
    summary = Summary(period=period)
    rows = await session.execute(
        select(col(FeedbackItem.kind), col(FeedbackItem.status), func.count())
        .where(*where)
        .group_by(col(FeedbackItem.kind), col(FeedbackItem.status))
    )
    summary.by_kind_status = {(kind, status): int(n) for kind, status, n in rows}
    summary.total = sum(summary.by_kind_status.values())
    count = func.count().label("n")
    categories = await session.execute(
        select(col(FeedbackItem.category_key), count)
        .where(*where)
        .group_by(col(FeedbackItem.category_key))
        .order_by(count.desc(), col(FeedbackItem.category_key))
        .limit(TOP_CATEGORIES)
    )
    summary.top_categories = [(key, int(n)) for key, n in categories]
    communes = await session.execute(
        select(col(AdminUnit.id), col(AdminUnit.name), count)
        .select_from(FeedbackItem)
        .join(UnitCurrent, col(UnitCurrent.unit_id) == col(FeedbackItem.commune_id))
        .join(AdminUnit, col(AdminUnit.id) == col(UnitCurrent.current_id))
        .where(*where)
        .group_by(col(AdminUnit.id), col(AdminUnit.name))
        .order_by(count.desc(), col(AdminUnit.name))
        .limit(TOP_COMMUNES)
    )
    summary.by_commune = [(i or 0, name, int(n)) for i, name, n in communes]
    overdue = await session.scalar(
        select(func.count())
        .select_from(FeedbackItem)
        .where(
            *where,
            col(FeedbackItem.status).in_(list(OPEN_STATUSES)),
            col(FeedbackItem.due_at) < now,
        )
    )
    summary.overdue = int(overdue or 0)
    summary.median_first_response_days = await _median_days(
        session, where, col(FeedbackItem.first_response_at)
    )
    summary.median_resolution_days = await _median_days(
        session, where, col(FeedbackItem.resolved_at)
    )
    quarter = compliance_quarter(period, now.astimezone(tz).date())
    scope_units = unit_ids if unit_ids else (None if actor.is_admin else actor.unit_ids())
    summary.compliance_quarter = quarter
    summary.meetings_held, summary.communes_total = await meeting_compliance(
        session, scope_units, quarter
    )
    return summary


async def items_in_summary(
    session: AsyncSession,
    actor: Actor,
    period: Period,
    *,
    unit_ids: list[int] | None = None,
    category: str | None = None,
    limit: int = 20,
    tz: dt.tzinfo = VIETNAM,
) -> list[FeedbackItem]:
    """Return the newest items behind a summary figure (optionally of one category)."""
    where = _filters(actor, period, unit_ids, tz)
    if category is not None:
        where.append(col(FeedbackItem.category_key) == category)
    rows = await session.execute(
        select(FeedbackItem)
        .where(*where)
        .order_by(col(FeedbackItem.created_at).desc(), col(FeedbackItem.id).desc())
        .limit(limit)
    )
    return list(rows.scalars())


async def unit_in_scope(session: AsyncSession, actor: Actor, unit_id: int) -> bool:
    """Tell whether a unit (any era) lies inside the units the actor handles."""
    if actor.is_admin:
        return True
    units = actor.unit_ids()
    if not units:
        return False
    found = await session.execute(
        select(col(AdminUnit.id))
        .where(col(AdminUnit.id) == unit_id, in_unit_subtree(col(AdminUnit.id), units))
        .limit(1)
    )
    return found.first() is not None
