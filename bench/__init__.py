"""Benchmarks of coopbot, run by ``coopbot bench [NAME] [--quick]``; never part of the tests.

Each module runs one benchmark and returns its section of docs/BENCHMARKS.md:

- ``summary``: /summary over 1,000,000 items against the bare aggregate SQL;
- ``throughput``: directors' /report conversations through the Telegram adapter against an
  echo bot on the same in-memory Bot API transport;
- ``fanout``: 10,000 quarterly reminders through the outbox to a rate-limited, failing fake
  Bot API on 127.0.0.1;
- ``memory``: resident size idle and over 100,000 updates;
- ``rate_limit``: other people's answer latency while one person floods the bot, with and
  without the per-person rate limit, against the same people without the flood.
"""

from __future__ import annotations

import importlib
from collections.abc import Awaitable, Callable

from bench.common import Config, Section

NAMES = ("summary", "throughput", "fanout", "memory", "rate_limit")


def runner(name: str) -> Callable[[Config], Awaitable[Section]]:
    """Return the ``run`` function of the benchmark called ``name``."""
    if name not in NAMES:
        raise ValueError(f"no benchmark called {name!r} (choose from {', '.join(NAMES)})")
    module = importlib.import_module(f"bench.{name}")
    run: Callable[[Config], Awaitable[Section]] = module.run
    return run
