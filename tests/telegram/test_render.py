"""Replies are shown on Telegram as written: escaped, split to fit, with their buttons."""

from __future__ import annotations

import logging

import pytest

from bot.app import TelegramApplication
from bot.channels.telegram.render import render, send_replies, shown_length, split_text
from handlers.types import Button, FileOut, Reply
from tests.fakes import FakeTelegram
from tests.telegram.conftest import USER

PNG = FileOut("bieu-do.png", b"\x89PNG fake chart", "image/png")


def visible_texts(fake: FakeTelegram) -> list[str]:
    """Return the texts of the bot's messages as the user sees them."""
    return [m["text"] for m in fake.messages(USER) if "text" in m]


def test_split_text_cuts_at_a_line_break_before_a_space() -> None:
    """A long text is cut at its last line break that fits, keeping words whole."""
    text = "a" * 30 + "\n" + "b " * 20
    assert split_text(text, limit=40) == ["a" * 30, "b " * 20]


def test_split_text_counts_emoji_as_telegram_does() -> None:
    """An emoji outside the Basic Multilingual Plane counts as two units, as on Telegram."""
    parts = split_text("😀" * 3000)
    assert [shown_length(part) for part in parts] == [4096, 1904]
    assert "".join(parts) == "😀" * 3000


async def test_markup_characters_typed_by_a_person_are_shown_as_typed(
    application: TelegramApplication, fake_telegram: FakeTelegram
) -> None:
    """``<b>``, ``&`` and ``</code>`` are escaped, and only the title is bold."""
    typed = "Giá phân bón <b>tăng</b> & </code> không rõ"
    await send_replies(application.bot, USER, [Reply(text=typed, bold_prefix="Phản ánh <1>")])

    call = fake_telegram.last_call("sendMessage")
    assert call.params["text"] == (
        "<b>Phản ánh &lt;1&gt;</b>\n"
        "Giá phân bón &lt;b&gt;tăng&lt;/b&gt; &amp; &lt;/code&gt; không rõ"
    )
    assert call.params["parse_mode"] == "HTML"
    assert call.params["link_preview_options"] == {"is_disabled": True}
    assert visible_texts(fake_telegram) == [f"Phản ánh <1>\n{typed}"]


async def test_a_ten_thousand_character_reply_is_split_with_its_buttons_on_the_last_part(
    application: TelegramApplication, fake_telegram: FakeTelegram
) -> None:
    """A reply over 4096 characters becomes several messages, each within the limit."""
    words = [f"từ{n:04d}" for n in range(1429)]
    text = " ".join(words)
    assert len(text) == 10_002
    buttons = ((Button("📨 Gửi", "rp:send"),),)
    await send_replies(application.bot, USER, [Reply(text=text, buttons=buttons)])

    calls = fake_telegram.calls("sendMessage")
    shown = visible_texts(fake_telegram)
    assert len(calls) == 3
    assert all(len(part) <= 4096 for part in shown)
    assert " ".join(shown).split() == words
    assert [("reply_markup" in call.params) for call in calls] == [False, False, True]


async def test_the_limit_counts_the_text_as_shown_not_its_escaped_form(
    application: TelegramApplication, fake_telegram: FakeTelegram
) -> None:
    """5,000 ampersands (25,000 characters escaped) fit in two messages."""
    await send_replies(application.bot, USER, [Reply(text="&" * 5000)])

    assert [len(text) for text in visible_texts(fake_telegram)] == [4096, 904]


async def test_a_payload_over_64_bytes_is_logged_and_dropped_and_the_message_still_goes(
    application: TelegramApplication,
    fake_telegram: FakeTelegram,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A button whose payload is too long in UTF-8 is left out, the others are kept."""
    too_long = "rp:cat:" + "đ" * 29  # 65 bytes, 36 characters
    buttons = ((Button("Tín dụng", too_long), Button("Đất đai", "rp:cat:land")),)
    with caplog.at_level(logging.ERROR, logger="bot.channels.telegram.render"):
        await send_replies(application.bot, USER, [Reply(text="Chọn lĩnh vực", buttons=buttons)])

    markup = fake_telegram.last_call("sendMessage").params["reply_markup"]
    assert markup == {"inline_keyboard": [[{"text": "Đất đai", "callback_data": "rp:cat:land"}]]}
    assert "65 bytes" in caplog.text


async def test_an_image_takes_a_short_text_as_its_caption_with_the_buttons(
    application: TelegramApplication, fake_telegram: FakeTelegram
) -> None:
    """A chart with a short text is one photo whose caption is escaped HTML."""
    reply = Reply(text="Quý 1 & 2", image=PNG, buttons=((Button("Xuất Excel", "x:1"),),))
    await send_replies(application.bot, USER, [reply])

    call = fake_telegram.last_call("sendPhoto")
    assert call.files["photo"].filename == "bieu-do.png"
    assert (call.params["caption"], call.params["parse_mode"]) == ("Quý 1 &amp; 2", "HTML")
    assert call.params["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "x:1"
    assert fake_telegram.calls("sendMessage") == []


async def test_a_text_too_long_for_a_caption_follows_the_image_as_a_message(
    application: TelegramApplication, fake_telegram: FakeTelegram
) -> None:
    """Over 1024 characters the photo goes bare and the text, with the buttons, follows it."""
    reply = Reply(text="x " * 600, image=PNG, buttons=((Button("OK", "ok"),),))
    await send_replies(application.bot, USER, [reply])

    assert [call.method for call in fake_telegram.calls()[-2:]] == ["sendPhoto", "sendMessage"]
    assert "caption" not in fake_telegram.last_call("sendPhoto").params
    assert "reply_markup" in fake_telegram.last_call("sendMessage").params


async def test_a_document_is_sent_as_a_file_with_its_name(
    application: TelegramApplication, fake_telegram: FakeTelegram
) -> None:
    """An export goes out with sendDocument under its own file name."""
    export = FileOut("phan-anh-2026Q1.xlsx", b"PK fake xlsx")
    await send_replies(application.bot, USER, [Reply(document=export, bold_prefix="Xuất file")])

    call = fake_telegram.last_call("sendDocument")
    assert call.files["document"].filename == "phan-anh-2026Q1.xlsx"
    assert call.params["caption"] == "<b>Xuất file</b>"


def test_a_reply_with_nothing_to_show_sends_nothing() -> None:
    """An empty reply gives no call rather than an empty message Telegram would refuse."""
    assert render(Reply(text="  \n", buttons=((Button("OK", "ok"),),))) == []
