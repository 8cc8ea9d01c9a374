"""Plan targets against actual figures, for the cooperatives inside a set of units.

Targets are data per plan period and scope (``plan_target``). Actual figures count the
cooperatives inside both the target's scope and the person's units, any era, so a 2021
district plan is measured on today's communes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from storage.models import (
    AdminUnit,
    Cooperative,
    CooperativeKind,
    CooperativeRating,
    CooperativeStatus,
    OcopProduct,
    PlanTarget,
    UnitLevel,
)
from storage.scope import in_unit_subtree

# Grades counted as "khá or better", whatever the scheme calls them (lower case, with or
# without tone marks; SQLite lower-cases ASCII letters only, so the accented forms are listed).
GOOD_GRADES = ("tốt", "khá", "tot", "kha", "good", "fairly good", "excellent", "xuất sắc")

METRICS = (
    "new_htx",
    "new_union",
    "effective_share",
    "good_rating_share",
    "ocop_htx",
    "high_tech_htx",
)


@dataclass(frozen=True)
class TargetProgress:
    """One target and how far the cooperatives are from it."""

    plan_code: str
    title: str
    metric: str
    target_min: float
    target_max: float | None
    unit_of_measure: str
    period_start: int
    period_end: int
    actual: float

    @property
    def reached(self) -> bool:
        """Tell whether the minimum is met."""
        return self.actual >= self.target_min

    @property
    def ratio(self) -> float:
        """Return actual / minimum target (1.0 when the target is zero)."""
        return self.actual / self.target_min if self.target_min else 1.0


async def _actual(session: AsyncSession, target: PlanTarget, unit_ids: list[int]) -> float:
    inside = [
        in_unit_subtree(col(Cooperative.commune_id), [target.scope_unit_id]),
        in_unit_subtree(col(Cooperative.commune_id), unit_ids),
    ]
    htx = col(Cooperative.kind) == CooperativeKind.HTX
    alive = col(Cooperative.status) != CooperativeStatus.DISSOLVED
    # Dates, not ISO strings: PostgreSQL (asyncpg) refuses to compare a date with text.
    founded = col(Cooperative.founded_on).between(
        dt.date(target.period_start, 1, 1), dt.date(target.period_end, 12, 31)
    )

    async def count(*where: object) -> int:
        value = await session.scalar(
            select(func.count()).select_from(Cooperative).where(*inside, *where)  # type: ignore[arg-type]
        )
        return int(value or 0)

    if target.metric == "new_htx":
        return await count(htx, founded)
    if target.metric == "new_union":
        return await count(col(Cooperative.kind) == CooperativeKind.LHHTX, founded)
    if target.metric == "high_tech_htx":
        return await count(htx, alive, col(Cooperative.high_tech))
    if target.metric == "ocop_htx":
        with_product = select(col(OcopProduct.cooperative_id))
        return await count(
            htx,
            alive,
            col(Cooperative.ocop_stars).is_not(None) | col(Cooperative.id).in_(with_product),
        )
    total = await count(htx, alive)
    if not total:
        return 0.0
    latest = (
        select(func.max(col(CooperativeRating.year)))
        .where(col(CooperativeRating.year) <= target.period_end)
        .scalar_subquery()
    )
    rated = select(col(CooperativeRating.cooperative_id)).where(
        col(CooperativeRating.year) == latest
    )
    if target.metric == "effective_share":
        rated = rated.where(cast(Any, CooperativeRating.operating_effectively).is_(True))
    else:
        rated = rated.where(func.lower(col(CooperativeRating.grade)).in_(GOOD_GRADES))
    return await count(htx, alive, col(Cooperative.id).in_(rated)) / total


async def _overlaps(session: AsyncSession, scope_unit_id: int, unit_ids: list[int]) -> bool:
    """Tell whether some unit lies inside both the target's scope and the person's units."""
    found = await session.execute(
        select(col(AdminUnit.id))
        .where(
            in_unit_subtree(col(AdminUnit.id), [scope_unit_id]),
            in_unit_subtree(col(AdminUnit.id), unit_ids),
        )
        .limit(1)
    )
    return found.first() is not None


async def targets_progress(session: AsyncSession, unit_ids: list[int]) -> list[TargetProgress]:
    """Return every target whose scope overlaps ``unit_ids``, with its actual figure.

    Args:
        session: an open session.
        unit_ids: the person's units (any level, any era); an admin passes every province.
    """
    rows = await session.execute(
        select(PlanTarget).order_by(col(PlanTarget.plan_code), col(PlanTarget.id))
    )
    result = []
    for target in rows.scalars():
        if not await _overlaps(session, target.scope_unit_id, unit_ids):
            continue
        result.append(
            TargetProgress(
                plan_code=target.plan_code,
                title=target.title,
                metric=target.metric,
                target_min=target.target_min,
                target_max=target.target_max,
                unit_of_measure=target.unit_of_measure,
                period_start=target.period_start,
                period_end=target.period_end,
                actual=await _actual(session, target, unit_ids),
            )
        )
    return result


async def current_provinces(session: AsyncSession) -> list[int]:
    """Return the ids of today's provinces (an admin's area)."""
    rows = await session.execute(
        select(col(AdminUnit.id)).where(
            col(AdminUnit.level) == UnitLevel.PROVINCE, col(AdminUnit.valid_to).is_(None)
        )
    )
    return [i for i in rows.scalars() if i is not None]
