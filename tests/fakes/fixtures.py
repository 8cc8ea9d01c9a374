"""Pytest fixtures for the fakes; a test module (or conftest.py) imports what it uses.

``fake_telegram`` fails the test at teardown if the bot broke the Bot API spec, unless the test
has checked and cleared the violations it provoked on purpose (``fake.clear_violations()``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.fakes.telegram_api import FakeTelegram


@pytest.fixture
async def fake_telegram() -> AsyncIterator[FakeTelegram]:
    """Give a running fake Telegram Bot API server that accepts any bot token."""
    async with FakeTelegram() as fake:
        yield fake
    assert not fake.violations, "Bot API spec violations:\n" + "\n".join(fake.violations)
