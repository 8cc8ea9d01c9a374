"""The demo personas: admitted through invites once, and one person across the demo channels."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.demo_personas import (
    PERSONAS,
    ensure_persona,
    ensure_personas,
    find_persona,
    persona_locale,
)
from storage.dialogs import set_person_locale
from storage.models import ChannelIdentity, Invite, Person, RoleAssignment
from storage.scope import load_actor
from tests import factories as f


async def count(session: AsyncSession, model: type) -> int:
    """Count the rows of a table."""
    return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def test_every_persona_is_admitted_once_with_its_role_and_scope(
    demo_session: AsyncSession,
) -> None:
    """Two runs give four people, each with one redeemed invite and the expected grant."""
    first = await ensure_personas(demo_session, "web", now=f.T0)
    second = await ensure_personas(demo_session, "web", now=f.T0)
    assert [i.id for i in first] == [i.id for i in second]
    assert await count(demo_session, Person) == 4
    assert await count(demo_session, RoleAssignment) == 4
    assert await count(demo_session, Invite) == 4
    director = await load_actor(demo_session, first[0].person_id or 0, now=f.T0)
    trinh_phu = await f.cooperative(demo_session, "HTX Trinh Phú")
    assert director.cooperative_ids() == [trinh_phu.id]
    leader = await load_actor(demo_session, first[1].person_id or 0, now=f.T0)
    assert leader.unit_ids() == [(await f.unit(demo_session, "Xã An Lạc Thôn")).id]
    official = await load_actor(demo_session, first[2].person_id or 0, now=f.T0)
    assert official.unit_ids() == [(await f.unit(demo_session, "Thành phố Cần Thơ")).id]
    assert (await load_actor(demo_session, first[3].person_id or 0, now=f.T0)).is_admin
    assert [i.external_id for i in first] == [f"demo-{p.key}" for p in PERSONAS]


@pytest.mark.parametrize("channels", [("web", "console"), ("console", "web")])
async def test_a_persona_is_the_same_person_on_the_web_chat_and_the_console(
    demo_session: AsyncSession, channels: tuple[str, str]
) -> None:
    """Whichever channel comes first, the second account is bound to the same person."""
    director = find_persona("director")
    assert director is not None
    first = await ensure_persona(demo_session, director, channels[0], now=f.T0)
    second = await ensure_persona(demo_session, director, channels[1], now=f.T0)
    assert first.person_id == second.person_id
    assert (first.channel, second.channel) == channels
    assert await count(demo_session, Person) == 1
    assert await count(demo_session, ChannelIdentity) == 2


async def test_a_persona_reads_its_chosen_language_before_its_apps_language(
    demo_session: AsyncSession,
) -> None:
    """The account reports vi; after choosing English the persona reads English."""
    official = find_persona("official")
    assert official is not None
    identity = await ensure_persona(demo_session, official, "web", locale="vi", now=f.T0)
    assert await persona_locale(demo_session, "web", official) == "vi"
    await set_person_locale(demo_session, identity.person_id or 0, "en")
    assert await persona_locale(demo_session, "web", official) == "en"
    assert await persona_locale(demo_session, "console", official) is None


async def test_personas_are_only_admitted_on_the_demo_channels(
    demo_session: AsyncSession,
) -> None:
    """A Telegram account is never created for a demo persona."""
    with pytest.raises(ValueError, match="not a demo channel"):
        await ensure_persona(demo_session, PERSONAS[0], "telegram", now=f.T0)
    assert find_persona("mayor") is None
