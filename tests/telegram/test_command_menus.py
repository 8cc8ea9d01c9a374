"""Each person's chat shows the commands of their roles, in their language, kept up to date."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col
from telegram import BotCommandScopeChat

from bot.app import TelegramApplication
from handlers.payloads import AgreeAndJoin
from storage.invites import create_invite, normalize_code
from storage.models import ChannelIdentity, RoleAssignment, utcnow
from tests import factories as f
from tests.fakes import FakeTelegram
from tests.support.buttons import show_and_press
from tests.telegram.conftest import USER, deliver

OFFICIAL = 4301
PUBLIC = ["start", "help", "language", "cancel"]
DIRECTOR = ["report", "my", "find", "item", "phone", "privacy", "help", "language", "cancel"]
HANDLER = [
    "inbox",
    "find",
    "item",
    "alerts",
    "summary",
    "targets",
    "chart",
    "export",
    "invite",
    "people",
    "digest",
]


async def chat_menu(application: TelegramApplication, chat_id: int) -> list[tuple[str, str]]:
    """Return the commands the fake shows in ``chat_id`` (empty: the public default applies)."""
    commands = await application.bot.get_my_commands(scope=BotCommandScopeChat(chat_id))
    return [(c.command, c.description) for c in commands]


async def join_as_director(
    application: TelegramApplication, fake: FakeTelegram, session: AsyncSession
) -> None:
    """Redeem a director invite for HTX Trinh Phú from USER's chat."""
    cooperative = await f.cooperative(session, "HTX Trinh Phú")
    issued = await create_invite(
        session, role="director", cooperative_id=cooperative.id, now=utcnow()
    )
    await session.commit()
    await deliver(application, fake.push_command(USER, "start", issued.code))
    agree = AgreeAndJoin(normalize_code(issued.code)).encode()
    await deliver(application, fake.push_callback(USER, agree))


async def test_the_public_menu_is_the_default_in_every_language(
    application: TelegramApplication, fake_telegram: FakeTelegram
) -> None:
    """Before anyone registers, the menu offers only what a stranger can do."""
    assert application.post_init is not None
    await application.post_init(application)

    vietnamese = await application.bot.get_my_commands(language_code="vi")
    english = await application.bot.get_my_commands(language_code="en")
    assert [c.command for c in vietnamese] == [c.command for c in english] == PUBLIC
    assert english[0].description == "Start, or join with an invite code"
    assert vietnamese[0].description == "Bắt đầu, hoặc tham gia bằng mã mời"
    assert await application.bot.get_my_commands() == vietnamese


async def test_a_director_gets_the_menu_of_the_role_once_registered(
    application: TelegramApplication, fake_telegram: FakeTelegram, demo_session: AsyncSession
) -> None:
    """Redeeming the invite publishes the director's commands in that chat, in Vietnamese."""
    await join_as_director(application, fake_telegram, demo_session)

    menu = await chat_menu(application, USER)
    assert [name for name, _ in menu] == DIRECTOR
    assert menu[0] == ("report", "Gửi phản ánh: khó khăn, kiến nghị hoặc hỏi đáp")
    (published,) = fake_telegram.calls("setMyCommands")
    assert published.params["scope"] == {"type": "chat", "chat_id": USER}
    assert "language_code" not in published.params

    # Nothing changed: the next update publishes nothing.
    await deliver(application, fake_telegram.push_command(USER, "help"))
    assert len(fake_telegram.calls("setMyCommands")) == 1


async def test_choosing_english_publishes_the_menu_in_english(
    application: TelegramApplication, fake_telegram: FakeTelegram, demo_session: AsyncSession
) -> None:
    """A language change is a menu change."""
    await join_as_director(application, fake_telegram, demo_session)
    await show_and_press(application, fake_telegram, "lang:en")

    menu = await chat_menu(application, USER)
    assert [name for name, _ in menu] == DIRECTOR
    assert menu[0] == ("report", "Send a difficulty, proposal or question")
    assert len(fake_telegram.calls("setMyCommands")) == 2


async def test_an_official_gets_the_handling_commands_and_no_report(
    application: TelegramApplication, fake_telegram: FakeTelegram, demo_session: AsyncSession
) -> None:
    """An official of a province sees /inbox, /summary and the rest, and not /report."""
    province = await f.unit(demo_session, "Thành phố Cần Thơ")
    actor = await f.actor(demo_session, "official", unit_id=province.id)
    demo_session.add(
        ChannelIdentity(channel="telegram", external_id=str(OFFICIAL), person_id=actor.person_id)
    )
    await demo_session.commit()
    fake_telegram.add_user(OFFICIAL, "Hòa", language_code="vi")

    await deliver(application, fake_telegram.push_command(OFFICIAL, "help"))

    names = [name for name, _ in await chat_menu(application, OFFICIAL)]
    assert names == [*HANDLER, "phone", "privacy", "help", "language", "cancel"]
    (help_text,) = fake_telegram.sent_texts(OFFICIAL)
    assert "/summary [kỳ] [đơn vị] — Tình hình chung" in help_text
    assert "/report" not in help_text


async def test_a_person_whose_access_ended_gets_the_public_menu_back(
    application: TelegramApplication, fake_telegram: FakeTelegram, demo_session: AsyncSession
) -> None:
    """When the grant ends, the chat's own menu is deleted, so the public default shows."""
    await join_as_director(application, fake_telegram, demo_session)
    person_id = await demo_session.scalar(
        select(col(ChannelIdentity.person_id)).where(col(ChannelIdentity.external_id) == str(USER))
    )
    await demo_session.execute(
        update(RoleAssignment)
        .where(col(RoleAssignment.person_id) == person_id)
        .values(valid_to=utcnow() - dt.timedelta(minutes=1))
    )
    await demo_session.commit()

    await deliver(application, fake_telegram.push_command(USER, "help"))

    (deleted,) = fake_telegram.calls("deleteMyCommands")
    assert deleted.params["scope"] == {"type": "chat", "chat_id": USER}
    assert await chat_menu(application, USER) == []


async def test_a_refused_menu_is_logged_and_published_at_the_next_update(
    application: TelegramApplication,
    fake_telegram: FakeTelegram,
    demo_session: AsyncSession,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """setMyCommands failing never stops the answer, and is tried again later."""
    fake_telegram.fail_next("setMyCommands", 500)
    await join_as_director(application, fake_telegram, demo_session)

    assert "could not set the command menu of chat" in caplog.text
    assert any(text.startswith("Chào mừng") for text in fake_telegram.sent_texts(USER))
    assert await chat_menu(application, USER) == []

    await deliver(application, fake_telegram.push_command(USER, "help"))
    assert [name for name, _ in await chat_menu(application, USER)] == DIRECTOR
