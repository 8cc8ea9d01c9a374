"""Our polling loop confirms an update to Telegram only once it was handled.

An update that finds the database unreachable is neither answered nor confirmed; updates after
it wait in order. Stopping then (as a crash would) leaves both with Telegram, and the next
poller handles them, each exactly once.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from pathlib import Path

import pytest

from bot.app import ALLOWED_UPDATES, build_application, services
from bot.channels.telegram.polling import UpdatePoller
from handlers.types import Handled, Incoming
from storage.db import Database
from storage.errors import Unavailable
from tests.fakes import FakeTelegram
from tests.faults.fan_out import deliveries
from tests.faults.waits import wait_until
from tests.telegram.conftest import telegram_settings

FIRST, DEFERRED, LAST = 7201, 7202, 7203


async def test_an_update_is_confirmed_only_after_it_was_handled(
    fake_telegram: FakeTelegram, db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A deferred update and the next one stay with Telegram until a later poller handles them."""
    application = build_application(telegram_settings(tmp_path, fake_telegram), database=db)
    router = services(application).router
    original = router.handle_with_menu
    tries: Counter[str] = Counter()
    outage = True

    async def flaky(incoming: Incoming) -> Handled:
        tries[incoming.external_id] += 1
        if outage and incoming.external_id == str(DEFERRED):
            raise Unavailable()
        return await original(incoming)

    monkeypatch.setattr(router, "handle_with_menu", flaky)
    updates = [fake_telegram.push_command(user, "help") for user in (FIRST, DEFERRED, LAST)]

    async def poll_until(condition, what: str) -> None:
        stop = asyncio.Event()
        poller = UpdatePoller(
            application,
            services(application).channel,
            allowed_updates=list(ALLOWED_UPDATES),
            poll_timeout=1,
        )
        task = asyncio.create_task(poller.run(stop))
        try:
            await wait_until(condition, 10, None, what)
        finally:
            stop.set()
            await asyncio.wait_for(task, 10)

    async with application:
        await poll_until(lambda: tries[str(DEFERRED)] >= 2, "the deferred update tried twice")
        assert deliveries(fake_telegram) == {FIRST: 1}
        pending = [u["update_id"] for u in fake_telegram.pending_updates()]
        assert pending == [updates[1]["update_id"], updates[2]["update_id"]]

        outage = False
        await poll_until(lambda: len(deliveries(fake_telegram)) == 3, "three answers")

    assert deliveries(fake_telegram) == {FIRST: 1, DEFERRED: 1, LAST: 1}
    assert fake_telegram.pending_updates() == []
    assert tries[str(FIRST)] == 1
