"""Small factories for storage tests: people with roles, and items in a given state."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.consent import NOTICE_VERSION
from storage.feedback import NewItem, create_item
from storage.models import (
    AdminUnit,
    Consent,
    ConsentDecision,
    Cooperative,
    CooperativeRating,
    FeedbackItem,
    OcopProduct,
    Person,
    PlanTarget,
    RoleAssignment,
    Status,
)
from storage.scope import Actor, load_actor
from storage.text import fold

T0 = dt.datetime(2026, 3, 2, 1, 0, tzinfo=dt.UTC)


async def unit(session: AsyncSession, name: str, *, current: bool = True) -> AdminUnit:
    """Return the demo unit called ``name`` of today (or of before the reform)."""
    rows = await session.execute(select(AdminUnit).where(AdminUnit.name == name))
    for found in rows.scalars():
        if (found.valid_to is None) == current:
            return found
    raise LookupError(name)


async def cooperative(session: AsyncSession, name: str) -> Cooperative:
    """Return the demo cooperative called ``name``."""
    row = await session.execute(select(Cooperative).where(Cooperative.folded_name == fold(name)))
    return row.scalar_one()


async def actor(
    session: AsyncSession,
    role: str,
    *,
    unit_id: int | None = None,
    cooperative_id: int | None = None,
    name: str = "Test person",
) -> Actor:
    """Create a person holding ``role`` in the given scope and return them as an actor."""
    person = Person(full_name=name)
    session.add(person)
    await session.flush()
    session.add(
        RoleAssignment(
            person_id=person.id or 0,
            role=role,
            unit_id=unit_id,
            cooperative_id=cooperative_id,
            valid_from=T0 - dt.timedelta(days=365),
        )
    )
    # People made here were admitted before the tests begin: they agreed to the notice then.
    session.add(
        Consent(
            person_id=person.id,
            notice_version=NOTICE_VERSION,
            decision=ConsentDecision.AGREED,
            channel="telegram",
            decided_at=T0 - dt.timedelta(days=365),
        )
    )
    await session.flush()
    return await load_actor(session, person.id or 0, now=T0)


async def director_of(session: AsyncSession, cooperative_name: str) -> Actor:
    """Create a director of the named demo cooperative."""
    coop = await cooperative(session, cooperative_name)
    return await actor(session, "director", cooperative_id=coop.id, name="Director")


async def item(
    session: AsyncSession,
    director: Actor,
    *,
    text: str = "Thiếu vốn để mua máy sấy lúa cho vụ Đông Xuân.",
    category: str = "credit",
    status: Status = Status.NEW,
    now: dt.datetime = T0,
) -> FeedbackItem:
    """File an item for the director's cooperative, then force it into ``status``."""
    created = await create_item(
        session,
        director,
        NewItem(
            cooperative_id=director.cooperative_ids()[0],
            kind="difficulty",
            category_key=category,
            text=text,
        ),
        now=now,
    )
    created.status = status
    await session.flush()
    return created


async def new_cooperative(
    session: AsyncSession,
    name: str,
    commune: AdminUnit,
    *,
    kind: str = "HTX",
    founded_on: dt.date | None = None,
    status: str = "active",
    dissolved_on: dt.date | None = None,
    high_tech: bool = False,
) -> Cooperative:
    """Register a (real, not illustrative) cooperative in ``commune``."""
    coop = Cooperative(
        kind=kind,
        name=name,
        folded_name=fold(name),
        commune_id=commune.id or 0,
        founded_on=founded_on,
        status=status,
        dissolved_on=dissolved_on,
        high_tech=high_tech,
    )
    session.add(coop)
    await session.flush()
    return coop


async def rating(
    session: AsyncSession,
    coop: Cooperative,
    year: int,
    grade: str,
    *,
    effective: bool,
    scheme: str = "TT-01-2020-BKHDT",
) -> CooperativeRating:
    """Record the cooperative's grade and effectiveness for ``year``."""
    row = CooperativeRating(
        cooperative_id=coop.id or 0,
        scheme=scheme,
        grade=grade,
        year=year,
        operating_effectively=effective,
    )
    session.add(row)
    await session.flush()
    return row


async def ocop_product(
    session: AsyncSession, coop: Cooperative, certified_on: dt.date, expires_on: dt.date
) -> OcopProduct:
    """Record an OCOP certificate of the cooperative, valid up to ``expires_on``."""
    row = OcopProduct(
        cooperative_id=coop.id or 0,
        name=f"Sản phẩm của {coop.name}",
        stars=3,
        certified_on=certified_on,
        expires_on=expires_on,
    )
    session.add(row)
    await session.flush()
    return row


async def plan_target(
    session: AsyncSession,
    scope: AdminUnit,
    metric: str,
    minimum: float,
    *,
    years: tuple[int, int],
    unit_of_measure: str = "count",
    definition: str | None = None,
    plan_code: str = "test-plan",
) -> PlanTarget:
    """Add one target of a plan over ``years`` for the units inside ``scope``."""
    row = PlanTarget(
        plan_code=plan_code,
        title="Kế hoạch thử",
        scope_unit_id=scope.id or 0,
        period_start=years[0],
        period_end=years[1],
        metric=metric,
        target_min=minimum,
        unit_of_measure=unit_of_measure,
        definition=definition,
    )
    session.add(row)
    await session.flush()
    return row
