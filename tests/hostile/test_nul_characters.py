"""NUL characters in typed text: dropped before anything is stored (PostgreSQL refuses them
in text columns, which failed the whole step: found by the fuzz on PostgreSQL)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.db import Database
from storage.invites import create_invite
from storage.models import FeedbackItem
from tests import factories as f
from tests.handlers.chat import Chat


async def test_a_report_typed_with_nul_characters_is_filed_without_them(
    db: Database, demo_session: AsyncSession
) -> None:
    cooperative = await f.cooperative(demo_session, "HTX Trinh Phú")
    code = (
        await create_invite(demo_session, role="director", cooperative_id=cooperative.id, now=f.T0)
    ).code
    await demo_session.commit()
    director = Chat(db, user="8899", now=f.T0)
    await director.join(code)
    await director.say("/report")
    await director.press("rp:kind:difficulty")
    await director.press("rp:cat:credit")
    await director.say("Thiếu vốn\x00 mua máy sấy lúa\x00")
    await director.press("rp:done")

    receipt = await director.press("rp:send")

    assert "PA-" in receipt
    texts = (await demo_session.execute(select(FeedbackItem.text))).scalars().all()
    assert texts == ["Thiếu vốn mua máy sấy lúa"]
