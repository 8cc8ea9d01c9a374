"""The channel's duties around the conversations: button answers, errors, menus, the sender."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from telegram.ext import ApplicationBuilder

from bot.app import TelegramApplication, file_base_url, services
from bot.channels.base import (
    DeliveryError,
    PermanentFailure,
    RecipientUnreachable,
    RetryLater,
    TransientFailure,
)
from bot.channels.telegram.channel import TelegramSender
from handlers.types import Handled, Incoming, Reply
from storage.models import ChannelIdentity, OutboxMessage, Person, Role, RoleAssignment
from storage.people import admin_chat_ids
from tests.fakes import FakeTelegram
from tests.support.buttons import show_and_press
from tests.telegram.conftest import ADMIN, TOKEN, USER, deliver


async def add_admin(
    session: AsyncSession, external_id: str, locale: str | None = "en"
) -> tuple[ChannelIdentity, RoleAssignment]:
    """Store a person holding the admin role who is reachable on Telegram."""
    person = Person(full_name="Quản trị", locale=locale)
    session.add(person)
    await session.flush()
    assignment = RoleAssignment(person_id=person.id or 0, role=Role.ADMIN)
    identity = ChannelIdentity(channel="telegram", external_id=external_id, person_id=person.id)
    session.add_all([assignment, identity])
    await session.commit()
    return identity, assignment


@pytest.fixture
def broken_router(application: TelegramApplication, monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the router fail with an unexpected exception (a bug, not a domain error)."""

    async def failing(incoming: Incoming) -> Handled:
        raise RuntimeError(f"boom with token {TOKEN}")

    monkeypatch.setattr(services(application).router, "handle_with_menu", failing)


async def test_a_button_press_is_answered_so_the_spinner_stops(
    application: TelegramApplication, fake_telegram: FakeTelegram
) -> None:
    """Every callback query gets answerCallbackQuery after its replies are sent."""
    query_id = await show_and_press(application, fake_telegram, "lang:en")

    assert fake_telegram.last_call("answerCallbackQuery").params == {"callback_query_id": query_id}
    assert fake_telegram.calls()[-1].method == "answerCallbackQuery"


async def test_a_button_press_is_answered_even_when_handling_it_fails(
    application: TelegramApplication, fake_telegram: FakeTelegram, broken_router: None
) -> None:
    """A failing press still stops the spinner."""
    query_id = await show_and_press(application, fake_telegram, "rp:send")

    assert fake_telegram.last_call("answerCallbackQuery").params["callback_query_id"] == query_id


async def test_an_unexpected_error_apologises_and_alerts_the_admins_without_its_text(
    application: TelegramApplication,
    fake_telegram: FakeTelegram,
    demo_session: AsyncSession,
    broken_router: None,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The person gets an apology in their language; each admin an alert planned in the
    outbox naming the error's kind, never its text (which here holds the token)."""
    await add_admin(demo_session, str(ADMIN))
    fake_telegram.add_user(ADMIN, "Admin", language_code="en")
    raw = fake_telegram.push_message(USER, "Thiếu vốn lưu động")

    with caplog.at_level(logging.ERROR):
        await deliver(application, raw)

    (apology,) = fake_telegram.sent_texts(USER)
    assert apology.startswith("Xin lỗi")
    assert fake_telegram.sent_texts(ADMIN) == []  # alerts go through the outbox
    [alert] = await planned_payloads(demo_session, "failure_alert")
    assert alert["error_kind"] == "RuntimeError at bot.channels.telegram.channel.on_update"
    assert alert["count"] == 1
    assert TOKEN not in str(alert)
    assert "boom" not in str(alert)
    assert "boom" not in caplog.text  # the text is logged at DEBUG only
    assert all(record.exc_info is None for record in caplog.records)


async def test_the_error_handler_survives_when_telegram_refuses_everything(
    application: TelegramApplication,
    fake_telegram: FakeTelegram,
    demo_session: AsyncSession,
    broken_router: None,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """When the apology fails too, the failure is logged and nothing raises."""
    await add_admin(demo_session, str(ADMIN))
    fake_telegram.add_user(ADMIN, "Admin")
    fake_telegram.fail_next("sendMessage", 403)

    await deliver(application, fake_telegram.push_message(USER, "xin chào"))

    assert [call.status for call in fake_telegram.calls("sendMessage")] == [403]
    assert "could not apologise" in caplog.text


async def planned_payloads(session: AsyncSession, kind: str) -> list[dict[str, object]]:
    """Return the payloads of the outbox messages of ``kind``."""
    session.expire_all()
    rows = await session.scalars(select(OutboxMessage))
    return [row.payload for row in rows if row.payload.get("kind") == kind]


async def test_admins_are_those_holding_the_role_now_and_reachable_on_the_channel(
    demo_session: AsyncSession,
) -> None:
    """Admins who left, who blocked the bot, or who use another channel are not told."""
    await add_admin(demo_session, "1")
    blocked, _ = await add_admin(demo_session, "2")
    elsewhere, _ = await add_admin(demo_session, "3")
    _, former = await add_admin(demo_session, "4")
    blocked.unreachable_since = dt.datetime.now(dt.UTC)
    elsewhere.channel = "zalo"
    former.valid_to = dt.datetime.now(dt.UTC) - dt.timedelta(days=1)
    await demo_session.flush()

    assert await admin_chat_ids(demo_session, "telegram") == ["1"]


async def test_a_refused_command_menu_is_logged_and_the_bot_still_starts(
    application: TelegramApplication,
    fake_telegram: FakeTelegram,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A failing setMyCommands is a warning, not a reason to stop."""
    fake_telegram.fail_next("setMyCommands", 500)
    assert application.post_init is not None
    await application.post_init(application)

    assert "could not set the default command menu" in caplog.text
    assert len(fake_telegram.calls("setMyCommands")) == 3


async def test_the_sender_delivers_replies_to_the_recipient(
    application: TelegramApplication, fake_telegram: FakeTelegram
) -> None:
    """The outbox's sender sends each reply to the chat named by the recipient id."""
    sender = TelegramSender(application.bot)
    await sender.send(str(USER), [Reply(text="Nhắc họp quý"), Reply(text="Chương trình họp")])

    assert sender.name == "telegram"
    assert fake_telegram.sent_texts(USER) == ["Nhắc họp quý", "Chương trình họp"]


@pytest.mark.parametrize(
    ("status", "description", "expected"),
    [
        (403, None, RecipientUnreachable),
        (429, None, RetryLater),
        (500, None, TransientFailure),
        (502, None, TransientFailure),
        (400, "Bad Request: message is too long", PermanentFailure),
        (400, "Bad Request: chat not found", RecipientUnreachable),
    ],
    ids=["blocked", "flood", "server-error", "bad-gateway", "bad-request", "no-chat"],
)
async def test_the_sender_turns_telegram_errors_into_delivery_errors(
    application: TelegramApplication,
    fake_telegram: FakeTelegram,
    status: int,
    description: str | None,
    expected: type[DeliveryError],
) -> None:
    """Blocked, flood control, server errors and refusals each say what the outbox should do."""
    fake_telegram.fail_next(
        "sendMessage", status, description, retry_after=7 if status == 429 else None
    )

    with pytest.raises(expected) as raised:
        await TelegramSender(application.bot).send(str(USER), [Reply(text="Nhắc họp")])

    if isinstance(raised.value, RetryLater):
        assert raised.value.seconds == 7


def test_the_file_url_goes_with_a_base_url_ending_in_bot() -> None:
    """A self-hosted Bot API's file downloads live beside its methods, under /file/bot."""
    assert file_base_url("http://127.0.0.1:8081/bot") == "http://127.0.0.1:8081/file/bot"
    assert file_base_url("https://api.telegram.org/bot/") == "https://api.telegram.org/file/bot"
    assert file_base_url("http://127.0.0.1:8081/api") is None


def test_an_application_built_elsewhere_has_no_services() -> None:
    """The typed accessor refuses an application the composition root did not build."""
    with pytest.raises(RuntimeError, match="build_application"):
        services(ApplicationBuilder().token(TOKEN).build())
