"""Offices items can be assigned to, found by key or by name as people type it."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from storage.errors import NotFound
from storage.models import Office
from storage.text import fold


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
