"""The figures behind officials' charts and Excel exports, in SQL, inside the person's scope.

Items are limited by ``item_scope_clause(actor)``, communes and meetings by the actor's units,
and both by the chosen unit (``in_unit_subtree``, any era) — always in the WHERE clause, never
by loading rows and filtering them afterwards. An item or meeting counts under the commune of
today its commune lives on in (``unit_current``); a commune that was split counts under the
first of its successors, so nothing is counted twice.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Subquery, case, exists, false, func, select, true
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from storage.calendar import VIETNAM, Quarter
from storage.errors import N_, PermissionDenied
from storage.feedback import OPEN_STATUSES
from storage.models import (
    AdminUnit,
    FeedbackItem,
    Meeting,
    UnitAncestor,
    UnitCurrent,
    UnitLevel,
)
from storage.periods import Period
from storage.scope import Actor, in_unit_subtree, item_scope_clause


@dataclass(frozen=True)
class ReportScope:
    """What a chart or export covers: whose view, which period, which unit (None: all)."""

    actor: Actor
    period: Period
    unit_ids: tuple[int, ...] = ()
    tz: dt.tzinfo = VIETNAM


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


def units_clause(actor: Actor, column: object) -> ColumnElement[bool]:
    """Return the clause keeping units (or rows of a unit column) inside the actor's units."""
    if actor.is_admin:
        return true()
    units = actor.unit_ids()
    return in_unit_subtree(column, units) if units else false()


def _chosen(scope: ReportScope, column: object) -> ColumnElement[bool]:
    return in_unit_subtree(column, list(scope.unit_ids)) if scope.unit_ids else true()


async def ensure_unit_in_scope(session: AsyncSession, actor: Actor, unit_id: int) -> AdminUnit:
    """Return the unit when it lies inside the actor's units (any era).

    A unit of before 2025 that has no single successor (Huyện Kế Sách) is inside when all of
    its parts are: an official of today's province may ask about a former district of it.

    Raises:
        PermissionDenied: the unit does not exist or is outside the actor's scope.
    """
    parts = select(col(UnitAncestor.unit_id)).where(
        col(UnitAncestor.ancestor_id) == unit_id, col(UnitAncestor.depth) > 0
    )
    parts_outside = parts.where(~units_clause(actor, col(UnitAncestor.unit_id)))
    unit = (
        await session.execute(
            select(AdminUnit).where(
                col(AdminUnit.id) == unit_id,
                units_clause(actor, col(AdminUnit.id)) | (exists(parts) & ~exists(parts_outside)),
            )
        )
    ).scalar_one_or_none()
    if unit is None:
        raise PermissionDenied(N_("That unit is outside your area."))
    return unit


def today_commune() -> Subquery:
    """Return (unit_id, current_id): the one commune of today each unit counts under."""
    return (
        select(
            col(UnitCurrent.unit_id).label("unit_id"),
            func.min(col(UnitCurrent.current_id)).label("current_id"),
        )
        .group_by(col(UnitCurrent.unit_id))
        .subquery("today_commune")
    )


def item_filters(scope: ReportScope) -> list[ColumnElement[bool]]:
    """Return the WHERE clauses of the items filed in the period, in scope and unit."""
    start, end = scope.period.bounds(scope.tz)
    return [
        item_scope_clause(scope.actor),
        _chosen(scope, col(FeedbackItem.commune_id)),
        col(FeedbackItem.created_at) >= start,
        col(FeedbackItem.created_at) < end,
    ]


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
            _chosen(scope, col(FeedbackItem.commune_id)),
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


def scoped_communes(scope: ReportScope) -> ColumnElement[bool]:
    """Return the clause selecting today's communes inside the actor's units and the unit."""
    return (
        (col(AdminUnit.level) == UnitLevel.COMMUNE)
        & col(AdminUnit.valid_to).is_(None)
        & units_clause(scope.actor, col(AdminUnit.id))
        & _chosen(scope, col(AdminUnit.id))
    )


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


def is_overdue(status: str, due_at: dt.datetime, now: dt.datetime) -> bool:
    """Tell whether an item is still open past its due date."""
    return status in OPEN_STATUSES and due_at < now


async def target_unit_ids(session: AsyncSession, scope: ReportScope) -> list[int]:
    """Return the units to measure plan targets on: the chosen unit, else the actor's units.

    An admin without a chosen unit is measured on every top-level unit of today.
    """
    if scope.unit_ids:
        return list(scope.unit_ids)
    if not scope.actor.is_admin:
        return scope.actor.unit_ids()
    rows = await session.execute(
        select(col(AdminUnit.id)).where(
            col(AdminUnit.parent_id).is_(None), col(AdminUnit.valid_to).is_(None)
        )
    )
    return [int(unit_id or 0) for unit_id in rows.scalars()]
