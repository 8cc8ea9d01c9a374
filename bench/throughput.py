"""Benchmark "throughput": directors' /report conversations through the Telegram adapter.

N directors each complete /report (start → kind → category → text → skip attachments → send)
at the same time, through the real application (``bot.app.build_application``, updates fed to
``Application.process_update``) on an in-memory Bot API that answers every call at once. The
baseline, in the same run and on the same transport: a minimal python-telegram-bot echo bot
given as many text messages from as many users. Each run alternates baseline and bot.

    coopbot bench throughput            # 200 directors, 5 runs, SQLite and PostgreSQL
    coopbot bench throughput --quick    # 50 directors, 3 runs
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select

from bench.bot_api import (
    MemoryBotApi,
    Updates,
    coopbot_application,
    deliver,
    echo_application,
)
from bench.common import (
    Config,
    Section,
    header,
    load_average,
    median,
    met,
    ms,
    percentile,
)
from bench.databases import (
    describe,
    drop_database,
    fresh_database,
    usable_databases,
)
from bench.people import add_cooperatives, add_people, communes
from storage.models import FeedbackItem, Role

NAME = "throughput"
TITLE = "Conversation throughput"
TARGET_RATIO = 0.5
PROVINCE = "Thành phố Cần Thơ"
TEXT = "Thiếu vốn lưu động để mua phân bón cho vụ Hè Thu; lãi suất vay còn cao."


def report_script(updates: Updates, user: int) -> list[dict[str, Any]]:
    """Return the six updates of one director's complete /report."""
    return [
        updates.text(user, "/report"),
        updates.press(user, "rp:kind:difficulty"),
        updates.press(user, "rp:cat:credit"),
        updates.text(user, f"{TEXT} ({user})"),
        updates.press(user, "rp:done"),
        updates.press(user, "rp:send"),
    ]


def echo_script(updates: Updates, user: int) -> list[dict[str, Any]]:
    """Return six text messages of one user for the echo bot."""
    return [updates.text(user, f"Tin nhắn {n} của {user}") for n in range(6)]


@dataclass
class Round:
    """One bot's pass over every user: updates, seconds and each update's latency."""

    updates: int
    seconds: float
    latencies: list[float] = field(default_factory=list)

    @property
    def rate(self) -> float:
        """Return updates per second."""
        return self.updates / self.seconds


async def conversations(
    application: Any,
    users: list[int],
    script: Callable[[Updates, int], list[dict[str, Any]]],
    updates: Updates,
) -> Round:
    """Run every user's script at the same time (each user's updates in order)."""
    scripts = {user: script(updates, user) for user in users}
    latencies: list[float] = []

    async def one(user: int) -> None:
        for raw in scripts[user]:
            latencies.append(await deliver(application, raw))

    started = time.perf_counter()
    await asyncio.gather(*(one(user) for user in users))
    seconds = time.perf_counter() - started
    return Round(sum(len(s) for s in scripts.values()), seconds, latencies)


@dataclass
class Result:
    """The runs on one database."""

    dialect: str
    directors: int
    echo: list[Round] = field(default_factory=list)
    bot: list[Round] = field(default_factory=list)
    failed: int = 0

    @property
    def ratio(self) -> float:
        """Return the median of the per-run ratios bot / echo."""
        return median([b.rate / e.rate for b, e in zip(self.bot, self.echo, strict=True)])


async def _items(database: Any) -> int:
    async with database.session() as session:
        return int(await session.scalar(select(func.count()).select_from(FeedbackItem)) or 0)


async def measure(kind: str, directors: int, runs: int, config: Config) -> Result:
    """Run ``runs`` rounds of echo and bot on a fresh database of ``kind``."""
    province = "Cần Thơ" if config.size == "tiny" else None
    database = await fresh_database(kind, NAME, province=province, progress=config.progress)
    result = Result(kind, directors)
    try:
        cooperatives = await add_cooperatives(
            database, await communes(database, PROVINCE), directors
        )
        users = await add_people(database, Role.DIRECTOR, cooperatives)
        api, echo_api = MemoryBotApi(), MemoryBotApi()
        updates = Updates()
        async with coopbot_application(database, api) as bot, echo_application(echo_api) as echo:
            # One untimed round first: caches (compiled SQL, catalogs) fill as in a running bot.
            await conversations(echo, users, echo_script, updates)
            await conversations(bot, users, report_script, updates)
            api.last_text.clear()
            for number in range(runs):
                before = await _items(database)
                result.echo.append(await conversations(echo, users, echo_script, updates))
                result.bot.append(await conversations(bot, users, report_script, updates))
                made = await _items(database) - before
                receipts = sum(1 for u in users if "PA-" in api.last_text.get(u, ""))
                result.failed += directors - min(made, receipts)
                config.progress(
                    f"  {kind} run {number + 1}: echo {result.echo[-1].rate:,.0f}/s, "
                    f"bot {result.bot[-1].rate:,.0f}/s, {made} reports filed"
                )
                api.last_text.clear()
    finally:
        await drop_database(database)
    return result


def _table(results: list[Result]) -> list[str]:
    lines = [
        "| database | directors | echo updates/s | bot updates/s | ratio | bot p50 | bot p99 "
        "| echo p99 | failed | target |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in results:
        bot_latency = [x for run in r.bot for x in run.latencies]
        echo_latency = [x for run in r.echo for x in run.latencies]
        lines.append(
            f"| {r.dialect} | {r.directors} | {median([e.rate for e in r.echo]):,.0f} "
            f"| {median([b.rate for b in r.bot]):,.0f} | {r.ratio:.0%} "
            f"| {ms(percentile(bot_latency, 50))} | {ms(percentile(bot_latency, 99))} "
            f"| {ms(percentile(echo_latency, 99))} | {r.failed} "
            f"| {met(r.ratio >= TARGET_RATIO and r.failed == 0)} |"
        )
    return lines


async def run(config: Config) -> Section:
    """Run the benchmark and return its section of docs/BENCHMARKS.md."""
    directors = config.pick(200, 50, 5)
    runs = config.pick_runs(5, 3, 1)
    section = Section(NAME, TITLE)
    info = await describe(config)
    results = []
    for kind in await usable_databases(config, section):
        config.progress(f"throughput on {kind}: {directors} directors, {runs} runs")
        results.append(await measure(kind, directors, runs, config))
    info.load_after = load_average()
    section.add(
        *header(info, config.command),
        f"{directors} directors each complete /report (six updates: /report, kind, topic, "
        "text, skip attachments, send) at the same time through the real application on an "
        "in-memory Bot API; the baseline is a minimal python-telegram-bot echo bot given six "
        f"text messages from each of as many users, on the same transport. One untimed round, "
        f"then {runs} runs, "
        "echo and bot alternating; updates/s is the median over the runs, the ratio the "
        "median of the runs' ratios, latencies are per update over all runs. The bot's "
        "`AIORateLimiter` has its limits lifted (in production it holds replies to Telegram's "
        "30 messages a second); every update of the bot is one database transaction.",
        "",
        f"Target: the bot handles at least {TARGET_RATIO:.0%} of the echo bot's updates/s, "
        "and every director's report is filed (failed = 0).",
        "",
        *_table(results),
    )
    return section
