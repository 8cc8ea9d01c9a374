"""The figures behind officials' charts, workbooks and targets, counted in SQL.

Every count is bounded by the clauses of ``storage.reporting.scope``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from storage.calendar import Quarter
from storage.models import AdminUnit, FeedbackItem, Meeting, Office
from storage.periods import Period
from storage.reporting.scope import (
    ReportScope,
    chosen_unit_clause,
    item_filters,
    scoped_communes,
    today_commune,
)
from storage.scope import item_scope_clause


@dataclass(frozen=True)
class CommuneStatusCount:
    """Items of one of today's communes in one status."""

    commune_id: int
    commune: str
    status: str
    count: int


@dataclass(frozen=True)
class QuarterCompliance:
    """How many of today's communes in scope held a quarter's meeting."""

    quarter: Quarter
    held: int
    total: int

    @property
    def percent(self) -> float:
        """Return the share of communes that met, in percent (0 when there are none)."""
        return round(100.0 * self.held / self.total, 1) if self.total else 0.0


def trend_quarters(period: Period, today: dt.date, count: int = 4) -> list[Quarter]:
    """Return the ``count`` quarters up to the period's last one, never past today's."""
    last = min(period.quarters()[-1], Quarter.of(today))
    quarters = [last]
    while len(quarters) < count:
        quarters.insert(0, quarters[0].previous())
    return quarters


def elapsed_quarters(period: Period, today: dt.date) -> list[Quarter]:
    """Return the period's quarters that have begun by ``today`` (at least its first)."""
    begun = [q for q in period.quarters() if q.first_day <= today]
    return begun or period.quarters()[:1]


async def items_by_commune_status(
    session: AsyncSession, scope: ReportScope
) -> list[CommuneStatusCount]:
    """Count the period's items per commune of today and status, by commune name."""
    today = today_commune()
    commune_id = func.coalesce(today.c.current_id, col(FeedbackItem.commune_id))
    count = func.count().label("n")
    rows = await session.execute(
        select(commune_id, col(AdminUnit.name), col(FeedbackItem.status), count)
        .select_from(FeedbackItem)
        .outerjoin(today, today.c.unit_id == col(FeedbackItem.commune_id))
        .join(AdminUnit, col(AdminUnit.id) == commune_id)
        .where(*item_filters(scope))
        # Folded names sort "Xã Đại Hải" beside "Xã Dân Thành", whatever the collation.
        .group_by(
            commune_id, col(AdminUnit.name), col(AdminUnit.folded_name), col(FeedbackItem.status)
        )
        .order_by(col(AdminUnit.folded_name), commune_id, col(FeedbackItem.status))
    )
    return [CommuneStatusCount(int(i), name, status, int(n)) for i, name, status, n in rows]


async def items_by_category_quarter(
    session: AsyncSession, scope: ReportScope, quarters: list[Quarter]
) -> dict[tuple[str, str], int]:
    """Count items per (quarter key, category key) over ``quarters`` (the period is ignored)."""
    created = col(FeedbackItem.created_at)
    buckets = []
    for quarter in quarters:
        start, end = _bounds(quarter, scope.tz)
        buckets.append(((created >= start) & (created < end), quarter.key))
    bucket = case(*buckets, else_=None).label("quarter")
    first, _ = _bounds(quarters[0], scope.tz)
    _, last = _bounds(quarters[-1], scope.tz)
    rows = await session.execute(
        select(bucket, col(FeedbackItem.category_key), func.count())
        .where(
            item_scope_clause(scope.actor),
            chosen_unit_clause(scope, col(FeedbackItem.commune_id)),
            created >= first,
            created < last,
        )
        .group_by(bucket, col(FeedbackItem.category_key))
    )
    return {(key, category): int(n) for key, category, n in rows if key is not None}


def _bounds(quarter: Quarter, tz: dt.tzinfo) -> tuple[dt.datetime, dt.datetime]:
    start = dt.datetime.combine(quarter.first_day, dt.time(), tzinfo=tz).astimezone(dt.UTC)
    end = dt.datetime.combine(quarter.end, dt.time(), tzinfo=tz).astimezone(dt.UTC)
    return start, end


async def meeting_compliance(
    session: AsyncSession, scope: ReportScope, quarters: list[Quarter]
) -> list[QuarterCompliance]:
    """Return, per quarter, the communes of today in scope that met and how many there are."""
    communes = select(col(AdminUnit.id)).where(scoped_communes(scope))
    total = int(await session.scalar(select(func.count()).select_from(communes.subquery())) or 0)
    today = today_commune()
    commune_id = func.coalesce(today.c.current_id, col(Meeting.commune_id))
    rows = await session.execute(
        select(col(Meeting.quarter), func.count(func.distinct(commune_id)))
        .select_from(Meeting)
        .outerjoin(today, today.c.unit_id == col(Meeting.commune_id))
        .where(
            col(Meeting.quarter).in_([q.key for q in quarters]),
            commune_id.in_(communes),
        )
        .group_by(col(Meeting.quarter))
    )
    held = {key: int(n) for key, n in rows}
    return [QuarterCompliance(q, held.get(q.key, 0), total) for q in quarters]


async def status_counts(
    session: AsyncSession, scope: ReportScope, dimension: str
) -> dict[tuple[str, str], int]:
    """Count the period's items per (kind or category key, status).

    Args:
        session: an open session.
        scope: whose view, which period and unit.
        dimension: ``"kind"`` or ``"category"``.
    """
    column = col(FeedbackItem.kind) if dimension == "kind" else col(FeedbackItem.category_key)
    rows = await session.execute(
        select(column, col(FeedbackItem.status), func.count())
        .where(*item_filters(scope))
        .group_by(column, col(FeedbackItem.status))
    )
    return {(key, status): int(n) for key, status, n in rows}


@dataclass(frozen=True)
class RatingGroup:
    """The directors' ratings of the answers (1–5) in one commune or office."""

    name: str
    rated: int
    mean: float


async def ratings_by_commune(session: AsyncSession, scope: ReportScope) -> list[RatingGroup]:
    """Return the period's rated items per commune of today: how many, and their mean."""
    today = today_commune()
    commune_id = func.coalesce(today.c.current_id, col(FeedbackItem.commune_id))
    return await _ratings(
        session,
        select(col(AdminUnit.name), func.count(), func.avg(col(FeedbackItem.satisfaction)))
        .select_from(FeedbackItem)
        .outerjoin(today, today.c.unit_id == col(FeedbackItem.commune_id))
        .join(AdminUnit, col(AdminUnit.id) == commune_id)
        .where(*item_filters(scope), col(FeedbackItem.satisfaction).is_not(None))
        .group_by(col(AdminUnit.name))
        .order_by(col(AdminUnit.name)),
    )


async def ratings_by_office(session: AsyncSession, scope: ReportScope) -> list[RatingGroup]:
    """Return the period's rated items per office they were assigned to."""
    return await _ratings(
        session,
        select(col(Office.name), func.count(), func.avg(col(FeedbackItem.satisfaction)))
        .select_from(FeedbackItem)
        .join(Office, col(Office.id) == col(FeedbackItem.assignee_office_id))
        .where(*item_filters(scope), col(FeedbackItem.satisfaction).is_not(None))
        .group_by(col(Office.name))
        .order_by(col(Office.name)),
    )


async def _ratings(session: AsyncSession, query: Any) -> list[RatingGroup]:
    rows = await session.execute(query)
    return [RatingGroup(name, int(n), round(float(mean), 1)) for name, n, mean in rows]
