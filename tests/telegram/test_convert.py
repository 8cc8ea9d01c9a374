"""Telegram updates become the right ``Incoming``, seen through the real application."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import pytest
from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.app import TelegramApplication
from handlers.types import Incoming, IncomingKind, Media, MediaKind
from tests.fakes import FakeTelegram
from tests.fakes import telegram_updates as tg
from tests.telegram.conftest import USER, deliver

GROUP = -100777


def file_fields(kind: str, file_id: str = "F1", **extra: Any) -> dict[str, Any]:
    """Return the Message fields of a file of ``kind``, as the fake's factory builds them."""
    return tg.media(kind, file_id, f"U{file_id}", 1234, **extra)


def without_copies(media: Sequence[Media]) -> tuple[Media, ...]:
    """Return files as Telegram described them, leaving out the local copies the channel made."""
    return tuple(replace(item, stored_key=None) for item in media)


async def test_a_private_text_becomes_a_text_with_the_person_and_their_language(
    application: TelegramApplication, fake_telegram: FakeTelegram, received: list[Incoming]
) -> None:
    """A plain message carries who sent it, where to answer, their language and its time."""
    raw = fake_telegram.push_message(USER, "xin chào")
    await deliver(application, raw)

    (incoming,) = received
    assert incoming.kind == IncomingKind.TEXT
    assert (incoming.channel, incoming.external_id, incoming.chat_id) == (
        "telegram",
        "4201",
        "4201",
    )
    assert (incoming.text, incoming.display_name, incoming.platform_locale) == (
        "xin chào",
        "Lan",
        "vi",
    )
    assert (incoming.private, incoming.edited, incoming.forwarded) == (True, False, False)
    assert incoming.update_id == str(raw["update_id"])
    assert incoming.received_at == dt.datetime.fromtimestamp(raw["message"]["date"], dt.UTC)


async def test_a_deep_link_start_gives_the_command_and_the_code_as_its_text(
    application: TelegramApplication, fake_telegram: FakeTelegram, received: list[Incoming]
) -> None:
    """``/start CODE`` (what a t.me deep link sends) is the start command with the code."""
    await deliver(application, fake_telegram.push_command(USER, "start", "K7QM-3XPA-HT"))

    assert (received[0].kind, received[0].command, received[0].text) == (
        IncomingKind.COMMAND,
        "start",
        "K7QM-3XPA-HT",
    )


async def test_a_command_naming_this_bot_loses_the_bot_name(
    application: TelegramApplication, fake_telegram: FakeTelegram, received: list[Incoming]
) -> None:
    """``/Help@coopbot_test_bot`` is the help command without arguments."""
    await deliver(application, fake_telegram.push_message(USER, "/Help@coopbot_test_bot"))

    assert (received[0].command, received[0].text) == ("help", "")


async def test_a_command_entity_over_text_that_is_no_command_leaves_it_a_text(
    application: TelegramApplication, fake_telegram: FakeTelegram, received: list[Incoming]
) -> None:
    """A forged ``bot_command`` entity over "@0" (found by the fuzz) is read as the text."""
    entity = {"type": "bot_command", "offset": 0, "length": 2}
    await deliver(application, fake_telegram.push_message(USER, "@0", entities=[entity]))

    assert (received[0].kind, received[0].text) == (IncomingKind.TEXT, "@0")


async def test_a_command_entity_ending_inside_a_character_leaves_it_a_text(
    application: TelegramApplication, fake_telegram: FakeTelegram, received: list[Incoming]
) -> None:
    """An entity whose end splits an emoji's UTF-16 pair (found by the fuzz) is no command."""
    entity = {"type": "bot_command", "offset": 0, "length": 2}
    await deliver(application, fake_telegram.push_message(USER, "/😀 x", entities=[entity]))

    assert (received[0].kind, received[0].text) == (IncomingKind.TEXT, "/😀 x")


async def test_a_command_for_another_bot_in_a_group_is_ignored(
    application: TelegramApplication, fake_telegram: FakeTelegram, received: list[Incoming]
) -> None:
    """A command addressed to another bot is not ours to answer."""
    fake_telegram.add_group(GROUP, "Nhóm HTX")
    await deliver(application, fake_telegram.push_message(USER, "/help@other_bot", chat_id=GROUP))

    assert received == []
    assert fake_telegram.calls("sendMessage") == []


async def test_a_button_press_carries_its_payload_chat_and_presser(
    application: TelegramApplication, fake_telegram: FakeTelegram, received: list[Incoming]
) -> None:
    """A callback query is a button press with the button's data as its payload."""
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Xem", callback_data="my:i:42")]])
    await application.bot.send_message(USER, "Chọn", reply_markup=keyboard)
    raw = fake_telegram.push_callback(USER, "my:i:42")
    await deliver(application, raw)

    (incoming,) = received
    assert (incoming.kind, incoming.payload) == (IncomingKind.BUTTON, "my:i:42")
    assert (incoming.external_id, incoming.chat_id, incoming.private) == ("4201", "4201", True)
    assert incoming.update_id == str(raw["update_id"])


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        (
            file_fields("document", file_name="de-xuat.pdf", mime_type="application/pdf"),
            Media(MediaKind.DOCUMENT, "F1", "de-xuat.pdf", "application/pdf", 1234),
        ),
        (
            file_fields("voice", mime_type="audio/ogg"),
            Media(MediaKind.VOICE, "F1", None, "audio/ogg", 1234),
        ),
        (
            file_fields("video", file_name="ruong.mp4", mime_type="video/mp4"),
            Media(MediaKind.VIDEO, "F1", "ruong.mp4", "video/mp4", 1234),
        ),
    ],
    ids=["document", "voice", "video"],
)
async def test_documents_voice_notes_and_videos_become_media_with_their_caption(
    application: TelegramApplication,
    fake_telegram: FakeTelegram,
    received: list[Incoming],
    fields: dict[str, Any],
    expected: Media,
) -> None:
    """A file keeps its id, name, type and size, and its caption becomes the text."""
    await deliver(application, fake_telegram.push_message(USER, caption="Hồ sơ", **fields))

    assert (received[0].kind, without_copies(received[0].media), received[0].text) == (
        IncomingKind.MEDIA,
        (expected,),
        "Hồ sơ",
    )


async def test_a_photo_is_kept_in_its_largest_size(
    application: TelegramApplication, fake_telegram: FakeTelegram, received: list[Incoming]
) -> None:
    """Of the sizes Telegram offers, the largest one's file id is kept."""
    sizes = [
        {"file_id": "SMALL", "file_unique_id": "s", "width": 90, "height": 60, "file_size": 900},
        {"file_id": "LARGE", "file_unique_id": "l", "width": 1280, "height": 960},
        {"file_id": "MID", "file_unique_id": "m", "width": 320, "height": 240},
    ]
    await deliver(application, fake_telegram.push_message(USER, photo=sizes))

    assert without_copies(received[0].media) == (
        Media(MediaKind.PHOTO, "LARGE", None, "image/jpeg", None),
    )
    assert received[0].text == ""


LOCATION = tg.location(10.03, 105.78)
UNSUPPORTED = {
    "sticker": file_fields("sticker"),
    "venue": {
        **LOCATION,
        "venue": {**LOCATION, "title": "UBND xã", "address": "Kế Sách"},
    },
    "location": LOCATION,
    "contact": tg.contact("+84901234567", "Lan"),
    "poll": tg.poll("Họp lúc nào?", ["Sáng", "Chiều"]),
    "dice": {"dice": {"emoji": "🎲", "value": 4}},
    # Telegram sends an animation with a document beside it.
    "animation": {
        **file_fields("animation", "A1"),
        **file_fields("document", "A1", file_name="a.gif.mp4"),
    },
    "audio": file_fields("audio"),
    "video_note": file_fields("video_note"),
    "game": {"game": {"title": "Đố vui", "description": "…", "photo": []}},
    "story": {"story": {"chat": {"id": USER, "type": "private"}, "id": 7}},
    "other": {"write_access_allowed": {}},
}


@pytest.mark.parametrize("name", list(UNSUPPORTED))
async def test_content_the_conversations_cannot_use_is_unsupported_with_its_name(
    application: TelegramApplication,
    fake_telegram: FakeTelegram,
    received: list[Incoming],
    name: str,
) -> None:
    """Stickers, places, contacts, polls, games and the like are named and answered politely."""
    await deliver(application, fake_telegram.push_message(USER, **UNSUPPORTED[name]))

    assert (received[0].kind, received[0].unsupported) == (IncomingKind.UNSUPPORTED, name)
    assert "không sử dụng được" in fake_telegram.sent_texts(USER)[-1]


async def test_an_edited_message_is_marked_edited_and_not_applied(
    application: TelegramApplication, fake_telegram: FakeTelegram, received: list[Incoming]
) -> None:
    """An edit arrives with its new text, marked edited, and the person is told."""
    original = fake_telegram.push_message(USER, "Thiếu vốn")["message"]
    await deliver(application, fake_telegram.push_edit(USER, original["message_id"], "Thiếu nước"))

    (incoming,) = received
    assert (incoming.text, incoming.edited) == ("Thiếu nước", True)
    assert "chỉnh sửa" in fake_telegram.sent_texts(USER)[-1]


async def test_a_forwarded_message_is_marked_and_answered_with_the_forwarding_notice(
    application: TelegramApplication, fake_telegram: FakeTelegram, received: list[Incoming]
) -> None:
    """Someone else's words are marked forwarded and the person is asked to write their own."""
    await deliver(application, fake_telegram.push_message(USER, "Tin từ nhóm", forward_from=4300))

    assert received[0].forwarded
    assert "chuyển tiếp" in fake_telegram.sent_texts(USER)[-1]


async def test_a_group_message_is_not_private_and_is_answered_in_the_group(
    application: TelegramApplication, fake_telegram: FakeTelegram, received: list[Incoming]
) -> None:
    """In a group the chat is the group's and the person stays the sender."""
    fake_telegram.add_group(GROUP, "Nhóm HTX")
    await deliver(application, fake_telegram.push_message(USER, "chào cả nhóm", chat_id=GROUP))

    (incoming,) = received
    assert (incoming.private, incoming.chat_id, incoming.external_id) == (
        False,
        str(GROUP),
        "4201",
    )
    assert "trò chuyện riêng" in fake_telegram.sent_texts(GROUP)[0]


async def test_updates_no_person_sent_are_ignored(
    application: TelegramApplication, fake_telegram: FakeTelegram, received: list[Incoming]
) -> None:
    """Channel posts and membership changes reach no conversation and send nothing."""
    channel = {"id": -100900, "type": "channel", "title": "Tin HTX"}
    fake_telegram.add_chat(channel)
    post = tg.message(1, channel, None, text="Thông báo")
    member = {
        "chat": tg.private_chat(fake_telegram.add_user(USER, "Lan")),
        "from": fake_telegram.add_user(USER, "Lan"),
        "date": tg.now(),
        "old_chat_member": {"status": "member", "user": fake_telegram.bot},
        "new_chat_member": {
            "status": "kicked",
            "user": fake_telegram.bot,
            "until_date": 0,
        },
    }
    await deliver(application, fake_telegram.push_update({"channel_post": post}))
    await deliver(application, fake_telegram.push_update({"my_chat_member": member}))

    assert received == []
    assert fake_telegram.calls("sendMessage") == []
