"""Pressing inline buttons on the fake Telegram server, as a user would."""

from __future__ import annotations

from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.app import TelegramApplication
from tests.fakes import FakeTelegram
from tests.telegram.conftest import USER, deliver


def press(fake: FakeTelegram, chat: int, payload: str) -> dict[str, Any]:
    """Press the button ``payload`` on the latest bot message showing it; return the update."""
    for message in reversed(fake.messages(chat)):
        rows = message.get("reply_markup", {}).get("inline_keyboard", [])
        if any(button.get("callback_data") == payload for row in rows for button in row):
            return fake.push_callback(chat, payload, message["message_id"])
    raise AssertionError(f"no message to {chat} has a button {payload!r}")


async def show_and_press(application: TelegramApplication, fake: FakeTelegram, data: str) -> str:
    """Show a button, press it, and return the callback query's id."""
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Bấm", callback_data=data)]])
    await application.bot.send_message(USER, "Chọn", reply_markup=keyboard)
    raw = fake.push_callback(USER, data)
    await deliver(application, raw)
    return raw["callback_query"]["id"]
