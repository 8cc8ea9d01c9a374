"""Offices items can be assigned to: found by key or by name as people type it, created by
admins, and routed by the categories each handles (a commune's Phòng Kinh tế, the province's
departments: finance, agriculture and environment, industry and trade, the cooperative
alliance)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from storage.errors import N_, InvalidInput, NotFound
from storage.models import Category, Office, OfficeCategory
from storage.text import fold

MAX_KEY = 40
MAX_NAME = 200


async def find_office(session: AsyncSession, text: str) -> Office:
    """Return the office whose key or name is ``text`` (case and diacritics aside).

    Raises:
        NotFound: no office is called that.
    """
    wanted = fold(text)
    for office in (await session.execute(select(Office).order_by(col(Office.id)))).scalars():
        if wanted in {fold(office.key), fold(office.name)}:
            return office
    raise NotFound(name=text)


async def set_office_categories(
    session: AsyncSession, office: Office, category_keys: Iterable[str]
) -> list[str]:
    """Make ``category_keys`` the categories ``office`` handles (replacing the old ones);
    return them sorted.

    Raises:
        InvalidInput: a key that is no category.
    """
    keys = sorted({key.strip() for key in category_keys if key.strip()})
    known = set((await session.execute(select(col(Category.key)))).scalars())
    unknown = [key for key in keys if key not in known]
    if unknown:
        raise InvalidInput(N_("No category has the key {keys}."), keys=", ".join(unknown)[:200])
    await session.execute(delete(OfficeCategory).where(col(OfficeCategory.office_id) == office.id))
    session.add_all(OfficeCategory(office_id=office.id or 0, category_key=key) for key in keys)
    await session.flush()
    return keys


async def add_office(
    session: AsyncSession,
    key: str,
    name: str,
    *,
    unit_id: int | None = None,
    category_keys: Iterable[str] = (),
) -> Office:
    """Create an office (of ``unit_id``, or of no unit in particular) handling the categories.

    Raises:
        InvalidInput: an empty or too long key or name, a key or name already used, or an
            unknown category.
    """
    key, name = key.strip(), " ".join(name.split())
    if not key or len(key) > MAX_KEY or not name or len(name) > MAX_NAME:
        raise InvalidInput(
            N_("An office needs a key of 1 to {key} characters and a name of 1 to {name}."),
            key=MAX_KEY,
            name=MAX_NAME,
        )
    for office in (await session.execute(select(Office))).scalars():
        if fold(office.key) == fold(key) or fold(office.name) == fold(name):
            raise InvalidInput(N_("An office called “{name}” exists already."), name=office.name)
    office = Office(key=key, name=name, unit_id=unit_id)
    session.add(office)
    await session.flush()
    await set_office_categories(session, office, category_keys)
    return office


async def office_categories(session: AsyncSession) -> dict[int, list[str]]:
    """Return, per office id, the keys of the categories it handles."""
    rows = await session.execute(
        select(col(OfficeCategory.office_id), col(OfficeCategory.category_key)).order_by(
            col(OfficeCategory.category_key)
        )
    )
    handled: dict[int, list[str]] = {}
    for office_id, key in rows.all():
        handled.setdefault(office_id, []).append(key)
    return handled


async def list_offices(session: AsyncSession) -> list[Office]:
    """Return every office by name."""
    rows = await session.execute(select(Office).order_by(col(Office.name)))
    return list(rows.scalars())
