"""An in-process Bot API: a ``BaseRequest`` that answers every call at once, in memory.

No sockets and no checks beyond what python-telegram-bot needs to parse the answers, so a
benchmark through it measures the bot's own work (and python-telegram-bot's). It counts the
calls per method and the messages per chat, and keeps each chat's last text, which is how the
benchmarks check that every conversation got its answers.
"""

from __future__ import annotations

import itertools
import json
import time
from collections import Counter
from typing import Any

from telegram import Update
from telegram.ext import Application, ApplicationBuilder, ContextTypes, MessageHandler, filters
from telegram.request import BaseRequest, RequestData

from bot.app import TelegramApplication, build_application
from bot.settings import Settings
from storage.db import Database

TOKEN = "123456:BENCH-TOKEN"  # noqa: S105  (the in-memory Bot API takes any token)
BOT_ID = 7_000_000_001
BOT_USERNAME = "coopbot_bench_bot"
_BOT = {
    "id": BOT_ID,
    "is_bot": True,
    "first_name": "Coopbot",
    "username": BOT_USERNAME,
    "can_join_groups": True,
    "can_read_all_group_messages": False,
    "supports_inline_queries": False,
}
_SENDS = {"sendMessage", "sendPhoto", "sendDocument"}


class MemoryBotApi(BaseRequest):
    """Answers Bot API calls instantly; counts what the bot sent."""

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        self.messages: Counter[int] = Counter()
        self.last_text: dict[int, str] = {}
        self._message_ids = itertools.count(1)

    @property
    def read_timeout(self) -> float | None:
        """Return the default read timeout (none: nothing ever waits here)."""
        return None

    async def initialize(self) -> None:
        """Nothing to open."""

    async def shutdown(self) -> None:
        """Nothing to close."""

    async def do_request(
        self,
        url: str,
        method: str,  # noqa: ARG002  (the signature is python-telegram-bot's)
        request_data: RequestData | None = None,
        read_timeout: Any = None,  # noqa: ARG002
        write_timeout: Any = None,  # noqa: ARG002
        connect_timeout: Any = None,  # noqa: ARG002
        pool_timeout: Any = None,  # noqa: ARG002
    ) -> tuple[int, bytes]:
        """Answer one call as Telegram would when all goes well."""
        endpoint = url.rsplit("/", 1)[-1]
        params = request_data.parameters if request_data is not None else {}
        self.calls[endpoint] += 1
        result: Any = True
        if endpoint == "getMe":
            result = _BOT
        elif endpoint in _SENDS or endpoint == "editMessageText":
            chat_id = int(str(params.get("chat_id", 0)))
            text = str(params.get("text") or params.get("caption") or "")
            self.messages[chat_id] += 1
            self.last_text[chat_id] = text
            result = {
                "message_id": next(self._message_ids),
                "date": int(time.time()),
                "chat": {"id": chat_id, "type": "private", "first_name": "Bench"},
                "from": _BOT,
                "text": text,
            }
        elif endpoint == "getUpdates":
            result = []
        return 200, json.dumps({"ok": True, "result": result}).encode()


class Updates:
    """Makes raw updates of private chats with unique update ids."""

    def __init__(self) -> None:
        self._ids = itertools.count(1)
        self._message_ids = itertools.count(1)

    @staticmethod
    def _user(user_id: int) -> dict[str, Any]:
        return {
            "id": user_id,
            "is_bot": False,
            "first_name": f"Giám đốc {user_id}",
            "language_code": "vi",
        }

    def _message(self, user_id: int, text: str, sender: dict[str, Any]) -> dict[str, Any]:
        message: dict[str, Any] = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": {"id": user_id, "type": "private", "first_name": f"Giám đốc {user_id}"},
            "from": sender,
            "text": text,
        }
        if text.startswith("/"):
            command = text.split(maxsplit=1)[0]
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        return message

    def text(self, user_id: int, text: str) -> dict[str, Any]:
        """Return a text (or /command) message from ``user_id``."""
        return {
            "update_id": next(self._ids),
            "message": self._message(user_id, text, self._user(user_id)),
        }

    def press(self, user_id: int, payload: str) -> dict[str, Any]:
        """Return a press of the button ``payload`` under a message of the bot."""
        update_id = next(self._ids)
        return {
            "update_id": update_id,
            "callback_query": {
                "id": str(update_id),
                "from": self._user(user_id),
                "chat_instance": str(user_id),
                "data": payload,
                "message": self._message(user_id, "…", _BOT),
            },
        }


def bench_settings(database_url: str) -> Settings:
    """Return settings for a bot with no background services and no .env file."""
    values: dict[str, Any] = {
        "telegram_bot_token": TOKEN,
        "database_url": database_url,
        "default_locale": "vi",
        "background_services": False,
    }
    return Settings(_env_file=None, **values)


def coopbot_application(database: Database, api: MemoryBotApi) -> TelegramApplication:
    """Build the real bot (``bot.app.build_application``) on the in-memory Bot API.

    The rate limiter's limits are lifted: it holds outgoing messages to Telegram's 30 a
    second, which would measure the limiter rather than the bot.
    """
    return build_application(
        bench_settings(database.url), database=database, request=api, rate_limited=False
    )


async def _echo(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
    """Reply with the message's own text."""
    if update.message is not None and update.message.text is not None:
        await update.message.reply_text(update.message.text)


def echo_application(api: MemoryBotApi) -> Application[Any, Any, Any, Any, Any, Any]:
    """Build the baseline: a minimal python-telegram-bot echo bot on the same transport."""
    application = ApplicationBuilder().token(TOKEN).request(api).get_updates_request(api).build()
    application.add_handler(MessageHandler(filters.TEXT, _echo))
    return application


async def deliver(application: Application[Any, Any, Any, Any, Any, Any], raw: Any) -> float:
    """Process one raw update and return the seconds it took."""
    started = time.perf_counter()
    await application.process_update(Update.de_json(raw, application.bot))
    return time.perf_counter() - started
