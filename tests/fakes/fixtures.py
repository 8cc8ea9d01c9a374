"""Pytest fixtures for the fakes (Telegram's Bot API, Zalo's OA API), for every test.

``fake_telegram`` fails the test at teardown if the bot broke the Bot API spec, unless the test
has checked and cleared the violations it provoked on purpose (``fake.clear_violations()``);
``fake_zalo`` likewise for malformed Zalo messages and a refresh token spent twice. Many tests
send to Zalo users who never wrote (reminders, notices), so ``fake_zalo`` delivers outside the
48-hour reply window; a test of the window sets ``fake_zalo.enforce_window = True``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.fakes.telegram_api import FakeTelegram
from tests.fakes.zalo_api import FakeZalo


@pytest.fixture
async def fake_telegram() -> AsyncIterator[FakeTelegram]:
    """Give a running fake Telegram Bot API server that accepts any bot token."""
    async with FakeTelegram() as fake:
        yield fake
    assert not fake.violations, "Bot API spec violations:\n" + "\n".join(fake.violations)


@pytest.fixture
async def fake_zalo() -> AsyncIterator[FakeZalo]:
    """Give a running fake Zalo OA API whose first tokens are access-0 and refresh-0, not
    enforcing the reply window."""
    async with FakeZalo(enforce_window=False) as fake:
        yield fake
    assert not fake.violations, "Zalo API violations:\n" + "\n".join(fake.violations)
