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
    FeedbackItem,
    Person,
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
