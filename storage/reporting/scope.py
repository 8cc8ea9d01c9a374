"""What a report covers — whose view, which period, which unit — as SQL clauses.

Items are limited by ``item_scope_clause(actor)``, communes and meetings by the actor's units,
and both by the chosen unit (``in_unit_subtree``, any era) — always in the WHERE clause, never
by loading rows and filtering them afterwards. An item or meeting counts under the commune of
today its commune lives on in (``unit_current``); a commune that was split counts under the
first of its successors, so nothing is counted twice.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Subquery, exists, false, func, select, true
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from storage.calendar import VIETNAM
from storage.errors import N_, PermissionDenied
from storage.models import AdminUnit, FeedbackItem, UnitAncestor, UnitCurrent, UnitLevel
from storage.periods import Period
from storage.scope import Actor, in_unit_subtree, item_scope_clause


@dataclass(frozen=True)
class ReportScope:
    """What a chart or export covers: whose view, which period, which unit (None: all)."""

    actor: Actor
    period: Period
    unit_ids: tuple[int, ...] = ()
    tz: dt.tzinfo = VIETNAM


def units_clause(actor: Actor, column: object) -> ColumnElement[bool]:
    """Return the clause keeping units (or rows of a unit column) inside the actor's units."""
    if actor.is_admin:
        return true()
    units = actor.unit_ids()
    return in_unit_subtree(column, units) if units else false()


def chosen_unit_clause(scope: ReportScope, column: object) -> ColumnElement[bool]:
    """Return the clause keeping rows of ``column`` inside the chosen unit (all when none)."""
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
        chosen_unit_clause(scope, col(FeedbackItem.commune_id)),
        col(FeedbackItem.created_at) >= start,
        col(FeedbackItem.created_at) < end,
    ]


def scoped_communes(scope: ReportScope) -> ColumnElement[bool]:
    """Return the clause selecting today's communes inside the actor's units and the unit."""
    return (
        (col(AdminUnit.level) == UnitLevel.COMMUNE)
        & col(AdminUnit.valid_to).is_(None)
        & units_clause(scope.actor, col(AdminUnit.id))
        & chosen_unit_clause(scope, col(AdminUnit.id))
    )


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
