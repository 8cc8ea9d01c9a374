"""Fixtures for the Telegram channel: the real application, built against the fake Bot API.

``application`` is what ``coopbot run`` builds (same router, channel, error handler), with its
bot pointed at the fake server and its database the test's; updates are fed to it with
``deliver``, as python-telegram-bot's own tests feed ``Application.process_update``.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from telegram import Update

from bot.app import (
    TelegramApplication,
    build_application,
    services,
    stop_background_services,
)
from bot.settings import Settings
from handlers.types import Handled, Incoming
from storage.db import Database
from tests.conftest import database_url
from tests.fakes import FakeTelegram

# python-telegram-bot 22 warns (an error under pytest's settings) whenever it builds a
# RetryAfter, unless durations are opted in to timedelta, as `coopbot run` does.
os.environ.setdefault("PTB_TIMEDELTA", "1")

TOKEN = "123456:TEST-TOKEN"
USER = 4201
ADMIN = 9001


def telegram_settings(tmp_path: Path, fake: FakeTelegram | None = None, **extra: Any) -> Settings:
    """Return settings for a bot talking to ``fake`` (no .env file is read)."""
    values: dict[str, Any] = {
        "telegram_bot_token": TOKEN,
        "database_url": database_url(tmp_path),
        "default_locale": "vi",
        "files_dir": tmp_path / "files",
    }
    if fake is not None:
        values["telegram_api_base_url"] = fake.base_url
    values.update(extra)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@pytest.fixture
async def application(
    fake_telegram: FakeTelegram, db: Database, tmp_path: Path
) -> AsyncIterator[TelegramApplication]:
    """Give the bot's application, initialised against the fake, with one known user."""
    fake_telegram.add_user(USER, "Lan", language_code="vi")
    built = build_application(telegram_settings(tmp_path, fake_telegram), database=db)
    async with built:
        yield built
        # post_init may have been called by a test: stop what it started, as run_polling does.
        await stop_background_services(built)


@pytest.fixture
def received(application: TelegramApplication, monkeypatch: pytest.MonkeyPatch) -> list[Incoming]:
    """Record every ``Incoming`` the channel hands to the router (which still answers it)."""
    router = services(application).router
    original = router.handle_with_menu
    seen: list[Incoming] = []

    async def recording(incoming: Incoming) -> Handled:
        seen.append(incoming)
        return await original(incoming)

    monkeypatch.setattr(router, "handle_with_menu", recording)
    return seen


async def deliver(application: TelegramApplication, raw: dict[str, Any]) -> None:
    """Feed one raw update (as the fake queued it) to the application and wait for it."""
    await application.process_update(Update.de_json(raw, application.bot))
