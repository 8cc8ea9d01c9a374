"""Where an item can be referred, and which offices it can be assigned to.

The card offers exactly these, and storage accepts exactly these: a forged or stale button
naming any other unit or office changes nothing.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from storage.models import (
    AdminUnit,
    FeedbackItem,
    Office,
    OfficeCategory,
    UnitAncestor,
    UnitCurrent,
)


async def commune_of_today(session: AsyncSession, item: FeedbackItem) -> int:
    """Return the commune of today the item's commune lives on in (the first, if split)."""
    current = await session.scalar(
        select(col(UnitCurrent.current_id))
        .where(col(UnitCurrent.unit_id) == item.commune_id)
        .order_by(col(UnitCurrent.current_id))
        .limit(1)
    )
    return int(current or item.commune_id)


async def referral_targets(
    session: AsyncSession, item: FeedbackItem, now: dt.datetime
) -> list[AdminUnit]:
    """Return the units ``item`` can be referred to: its commune of today and the units above
    it (the province), except the one holding it now; the highest first."""
    del now  # units of today are those without an end; kept for a uniform signature
    commune = await commune_of_today(session, item)
    holder = item.assignee_unit_id or commune
    rows = await session.execute(
        select(AdminUnit)
        .join(UnitAncestor, col(UnitAncestor.ancestor_id) == col(AdminUnit.id))
        .where(
            col(UnitAncestor.unit_id) == commune,
            col(AdminUnit.valid_to).is_(None),
            col(AdminUnit.id) != holder,
        )
        .order_by(col(UnitAncestor.depth).desc())
    )
    return list(rows.scalars())


async def assignable_offices(session: AsyncSession, item: FeedbackItem) -> list[Office]:
    """Return the offices ``item`` can be assigned to: those of no unit in particular, and
    those of a unit containing the item's commune of today. Those that handle the item's
    category come first (``routed_offices`` names them), each group by name."""
    commune = await commune_of_today(session, item)
    containing = select(col(UnitAncestor.ancestor_id)).where(col(UnitAncestor.unit_id) == commune)
    rows = await session.execute(
        select(Office)
        .where(or_(col(Office.unit_id).is_(None), col(Office.unit_id).in_(containing)))
        .order_by(col(Office.name))
    )
    offices = list(rows.scalars())
    routed = await routed_offices(session, item)
    return sorted(offices, key=lambda office: office.id not in routed)


async def routed_offices(session: AsyncSession, item: FeedbackItem) -> set[int]:
    """Return the ids of the offices that handle the item's category."""
    rows = await session.execute(
        select(col(OfficeCategory.office_id)).where(
            col(OfficeCategory.category_key) == item.category_key
        )
    )
    return set(rows.scalars())
