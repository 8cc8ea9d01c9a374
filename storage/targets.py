"""Plan targets against actual figures, counted as each plan's text defines them.

Targets are data per plan period and scope (``plan_target``), each with the plan's own words
(``definition``). Actual figures count the cooperatives inside both the target's scope and the
person's units, any era, so a 2021 district plan is measured on today's communes.

Every figure is taken on a reference day: today while the plan runs, the plan's last day once
it has ended (a 2021–2025 plan is judged on 31/12/2025, and then shows met or missed).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, cast

from sqlalchemy import exists, func, or_, select
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
from storage.rating_schemes import rating_schemes
from storage.scope import in_unit_subtree

METRICS = (
    "new_htx",
    "new_union",
    "effective_share",
    "good_rating_share",
    "ocop_htx",
    "high_tech_htx",
)
# An OCOP certificate is valid for 36 months from its grant (docs/usage.md names the source).
OCOP_VALID_MONTHS = 36


class TargetState(StrEnum):
    """Where a target stands: met, missed (the plan has ended) or still in progress."""

    MET = "met"
    MISSED = "missed"
    IN_PROGRESS = "in_progress"


@dataclass(frozen=True)
class TargetProgress:
    """One target, what was counted for it and how far the cooperatives are from it.

    ``actual`` is ``counted / base`` for shares (0 when the base is empty), else ``counted``.
    """

    plan_code: str
    title: str
    metric: str
    definition: str | None
    target_min: float
    target_max: float | None
    unit_of_measure: str
    period_start: int
    period_end: int
    reference_day: dt.date
    ended: bool
    counted: int
    base: int | None
    illustrative: bool

    @property
    def actual(self) -> float:
        """Return the figure compared with the target."""
        if self.base is None:
            return float(self.counted)
        return self.counted / self.base if self.base else 0.0

    @property
    def reached(self) -> bool:
        """Tell whether the minimum is met."""
        return self.actual >= self.target_min

    @property
    def state(self) -> TargetState:
        """Return met, missed once the plan has ended, else in progress."""
        if self.reached:
            return TargetState.MET
        return TargetState.MISSED if self.ended else TargetState.IN_PROGRESS

    @property
    def ratio(self) -> float:
        """Return actual / minimum target (1.0 when the target is zero)."""
        return self.actual / self.target_min if self.target_min else 1.0


def add_months(day: dt.date, months: int) -> dt.date:
    """Return ``day`` ``months`` later, on the month's last day when it is shorter."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    for candidate in range(day.day, 27, -1):
        try:
            return dt.date(year, month, candidate)
        except ValueError:
            continue
    return dt.date(year, month, min(day.day, 28))


def certificate_valid_on(
    certified_on: dt.date | None, expires_on: dt.date | None, day: dt.date
) -> bool:
    """Tell whether an OCOP certificate is valid on ``day``.

    ``expires_on`` is the last valid day (a certificate expiring on the reference day still
    counts that day); without it the certificate lasts 36 months from ``certified_on``.
    A certificate of unknown dates counts: nothing says it has lapsed.
    """
    if certified_on is not None and certified_on > day:
        return False
    last = expires_on
    if last is None and certified_on is not None:
        last = add_months(certified_on, OCOP_VALID_MONTHS)
    return last is None or day <= last


def reference_day(target: PlanTarget, today: dt.date) -> tuple[dt.date, bool]:
    """Return the day a target is measured on, and whether its plan has ended."""
    last = dt.date(target.period_end, 12, 31)
    return (last, True) if today > last else (today, False)


@dataclass(frozen=True)
class _Area:
    """The cooperatives a target is counted on, as SQL clauses, and its reference day."""

    clauses: tuple[Any, ...]
    day: dt.date

    def htx_alive(self) -> tuple[Any, ...]:
        """HTX existing on the reference day: founded by then, not dissolved by then."""
        founded = or_(
            col(Cooperative.founded_on).is_(None), col(Cooperative.founded_on) <= self.day
        )
        alive = or_(
            col(Cooperative.status) != CooperativeStatus.DISSOLVED,
            col(Cooperative.dissolved_on) > self.day,
        )
        return (*self.clauses, col(Cooperative.kind) == CooperativeKind.HTX, founded, alive)


async def _count(session: AsyncSession, *where: Any) -> int:
    value = await session.scalar(select(func.count()).select_from(Cooperative).where(*where))
    return int(value or 0)


async def _founded(session: AsyncSession, area: _Area, target: PlanTarget, kind: str) -> int:
    """Count organisations of ``kind`` founded in the plan's years, up to the reference day."""
    # Dates, not ISO strings: PostgreSQL (asyncpg) refuses to compare a date with text.
    founded = col(Cooperative.founded_on).between(dt.date(target.period_start, 1, 1), area.day)
    return await _count(session, *area.clauses, col(Cooperative.kind) == kind, founded)


async def _with_ocop(session: AsyncSession, area: _Area) -> int:
    """Count HTX holding a certificate valid on the reference day.

    A registry's star column without any certificate row is taken as valid (the registry
    states the cooperative holds it); a certificate row is judged by its dates.
    """
    rows = await session.execute(
        select(
            col(Cooperative.id),
            col(Cooperative.ocop_stars),
            col(OcopProduct.certified_on),
            col(OcopProduct.expires_on),
            col(OcopProduct.id),
        )
        .outerjoin(OcopProduct, col(OcopProduct.cooperative_id) == col(Cooperative.id))
        .where(*area.htx_alive())
    )
    holding: set[int | None] = set()
    for coop_id, stars, certified_on, expires_on, product_id in rows.all():
        if product_id is None:
            if stars is not None:
                holding.add(coop_id)
        elif certificate_valid_on(certified_on, expires_on, area.day):
            holding.add(coop_id)
    return len(holding)


async def _rated(session: AsyncSession, area: _Area, metric: str) -> tuple[int, int]:
    """Return (counted, base) for the two shares, on the latest assessment year.

    ``effective_share``: HTX operating effectively ÷ every HTX.
    ``good_rating_share``: effective HTX rated fairly good or better ÷ effective HTX (the
    plan's "half of those" refers to the effective ones).
    """
    alive = area.htx_alive()
    in_area = select(col(Cooperative.id)).where(*alive)
    latest_year = await session.scalar(
        select(func.max(col(CooperativeRating.year))).where(
            col(CooperativeRating.year) <= area.day.year,
            col(CooperativeRating.cooperative_id).in_(in_area),
        )
    )
    effective = select(col(CooperativeRating.cooperative_id)).where(
        col(CooperativeRating.year) == latest_year,
        cast(Any, CooperativeRating.operating_effectively).is_(True),
    )
    effective_count = await _count(session, *alive, col(Cooperative.id).in_(effective))
    if metric == "effective_share":
        return effective_count, await _count(session, *alive)
    good = effective.where(
        func.lower(col(CooperativeRating.grade)).in_(rating_schemes().good_grades())
    )
    return await _count(session, *alive, col(Cooperative.id).in_(good)), effective_count


async def _measure(
    session: AsyncSession, target: PlanTarget, area: _Area
) -> tuple[int, int | None]:
    if target.metric == "new_htx":
        return await _founded(session, area, target, CooperativeKind.HTX), None
    if target.metric == "new_union":
        return await _founded(session, area, target, CooperativeKind.LHHTX), None
    if target.metric == "high_tech_htx":
        return await _count(session, *area.htx_alive(), col(Cooperative.high_tech)), None
    if target.metric == "ocop_htx":
        return await _with_ocop(session, area), None
    return await _rated(session, area, target.metric)


async def _illustrative(session: AsyncSession, area: _Area) -> bool:
    """Tell whether any cooperative of the area, or a rating or product of one, is made up."""
    made_up = or_(
        col(Cooperative.illustrative),
        exists().where(
            col(CooperativeRating.cooperative_id) == col(Cooperative.id),
            col(CooperativeRating.illustrative),
        ),
        exists().where(
            col(OcopProduct.cooperative_id) == col(Cooperative.id),
            col(OcopProduct.illustrative),
        ),
    )
    found = await session.execute(
        select(col(Cooperative.id)).where(*area.clauses, made_up).limit(1)
    )
    return found.first() is not None


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


async def targets_progress(
    session: AsyncSession, unit_ids: list[int], *, today: dt.date
) -> list[TargetProgress]:
    """Return every target whose scope overlaps ``unit_ids``, with its actual figure.

    Args:
        session: an open session.
        unit_ids: the person's units (any level, any era); an admin passes every province.
        today: the local date; a plan that ended before it is measured on its last day.
    """
    rows = await session.execute(
        select(PlanTarget).order_by(col(PlanTarget.plan_code), col(PlanTarget.id))
    )
    result = []
    for target in rows.scalars():
        if not await _overlaps(session, target.scope_unit_id, unit_ids):
            continue
        day, ended = reference_day(target, today)
        area = _Area(
            (
                in_unit_subtree(col(Cooperative.commune_id), [target.scope_unit_id]),
                in_unit_subtree(col(Cooperative.commune_id), unit_ids),
            ),
            day,
        )
        counted, base = await _measure(session, target, area)
        result.append(
            TargetProgress(
                plan_code=target.plan_code,
                title=target.title,
                metric=target.metric,
                definition=target.definition,
                target_min=target.target_min,
                target_max=target.target_max,
                unit_of_measure=target.unit_of_measure,
                period_start=target.period_start,
                period_end=target.period_end,
                reference_day=day,
                ended=ended,
                counted=counted,
                base=base,
                illustrative=await _illustrative(session, area),
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
