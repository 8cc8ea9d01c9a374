"""Bounded waits for the fault tests, failing with the bot's logs."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from tests.support.processes import BotProcess


async def wait_until(
    condition: Callable[[], bool], within: float, bot: BotProcess | None, what: str
) -> None:
    """Wait until ``condition()`` holds, failing (with the bot's logs) after ``within`` seconds."""
    deadline = time.monotonic() + within
    while not condition():
        logs = bot.output() if bot is not None else ""
        assert time.monotonic() < deadline, f"{what}: not within {within}s\n{logs}"
        await asyncio.sleep(0.02)
