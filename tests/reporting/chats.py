"""People admitted through invites, chatting with a router that can draw charts and files."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.ext.asyncio import AsyncSession

from bot.render import DefaultRenderers
from handlers.ports import Renderers
from handlers.router import Router
from handlers.turn import HandlerConfig
from storage.db import Database
from storage.invites import create_invite
from storage.models import AdminUnit, UnitLevel
from storage.units import rebuild_unit_closure
from tests import factories as f
from tests.handlers.chat import Chat

NOW = dt.datetime(2026, 5, 20, 3, 0, tzinfo=dt.UTC)


async def join(
    db: Database,
    session: AsyncSession,
    user: str,
    role: str,
    *,
    unit: str | None = None,
    cooperative: str | None = None,
    locale: str = "vi",
    renderers: Renderers | None = None,
    bot_username: str | None = None,
) -> Chat:
    """Admit a person in ``role`` through an invite and return their chat."""
    unit_id = (await f.unit(session, unit)).id if unit else None
    cooperative_id = (await f.cooperative(session, cooperative)).id if cooperative else None
    code = (
        await create_invite(
            session, role=role, unit_id=unit_id, cooperative_id=cooperative_id, now=NOW
        )
    ).code
    await session.commit()
    chat = Chat(db, user=user, now=NOW, locale=locale)
    config = HandlerConfig(renderers=renderers or DefaultRenderers(), bot_username=bot_username)
    chat.router = Router(db, config, clock=lambda: chat.now)
    await chat.join(code)
    return chat


async def other_province(session: AsyncSession) -> AdminUnit:
    """Add Tỉnh Vĩnh Long with one commune, outside the Kế Sách data, and return the province."""
    province = AdminUnit(
        code="86",
        name="Tỉnh Vĩnh Long",
        unit_type="Tỉnh",
        folded_name="vinh long",
        level=UnitLevel.PROVINCE,
        valid_from=dt.date(2025, 7, 1),
    )
    session.add(province)
    await session.flush()
    session.add(
        AdminUnit(
            code="29551",
            name="Xã Tân Hạnh",
            unit_type="Xã",
            folded_name="tan hanh",
            level=UnitLevel.COMMUNE,
            parent_id=province.id,
            valid_from=dt.date(2025, 7, 1),
        )
    )
    await session.flush()
    await rebuild_unit_closure(session)
    await session.commit()
    return province
