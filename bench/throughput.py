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

from sqlalchemy import event, func, select

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
from bot.app import services
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
class Alone:
    """Every user's script once more, one update at a time: the cost of an update by itself."""

    updates: int
    statements: int  # SQL statements the bot sent to the database
    seconds: float
    cpu: float  # CPU seconds of the event loop's thread (the drivers' threads not included)
    echo_seconds: float

    def per_update(self, value: float) -> float:
        """Return ``value`` divided over the updates."""
        return value / self.updates


async def alone(bot: Any, echo: Any, database: Any, users: list[int], updates: Updates) -> Alone:
    """Deliver every user's updates one at a time (step by step over the users)."""
    bot_scripts = [report_script(updates, user) for user in users]
    echo_scripts = [echo_script(updates, user) for user in users]
    statements = 0

    def count(*_args: Any) -> None:
        nonlocal statements
        statements += 1

    started = time.perf_counter()
    for step in range(6):
        for script in echo_scripts:
            await deliver(echo, script[step])
    echo_seconds = time.perf_counter() - started
    event.listen(database.engine.sync_engine, "before_cursor_execute", count)
    try:
        started, cpu = time.perf_counter(), time.thread_time()
        for step in range(6):
            for script in bot_scripts:
                await deliver(bot, script[step])
        seconds, cpu = time.perf_counter() - started, time.thread_time() - cpu
    finally:
        event.remove(database.engine.sync_engine, "before_cursor_execute", count)
    return Alone(6 * len(users), statements, seconds, cpu, echo_seconds)


@dataclass
class Result:
    """The runs on one database."""

    dialect: str
    directors: int
    echo: list[Round] = field(default_factory=list)
    bot: list[Round] = field(default_factory=list)
    failed: int = 0
    busy: int = 0  # updates answered "the database is busy, send it again" in the runs
    alone: Alone | None = None

    @property
    def ratio(self) -> float:
        """Return the median of the per-run ratios bot / echo."""
        return median([b.rate / e.rate for b, e in zip(self.bot, self.echo, strict=True)])


def _busy(application: Any) -> int:
    """Return how many updates the bot has answered with "busy, send it again"."""
    registry = services(application).metrics.registry
    found = registry.get_sample_value(
        "coopbot_updates_total", {"channel": "telegram", "outcome": "busy"}
    )
    return int(found or 0)


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
                before, busy = await _items(database), _busy(bot)
                result.echo.append(await conversations(echo, users, echo_script, updates))
                result.bot.append(await conversations(bot, users, report_script, updates))
                made = await _items(database) - before
                result.busy += _busy(bot) - busy
                receipts = sum(1 for u in users if "PA-" in api.last_text.get(u, ""))
                result.failed += directors - min(made, receipts)
                config.progress(
                    f"  {kind} run {number + 1}: echo {result.echo[-1].rate:,.0f}/s, "
                    f"bot {result.bot[-1].rate:,.0f}/s, {made} reports filed"
                )
                api.last_text.clear()
            result.alone = await alone(bot, echo, database, users, updates)
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


def _alone_table(results: list[Result]) -> list[str]:
    lines = [
        "| database | SQL statements per update | bot ms per update | of which event-loop CPU "
        "| echo ms per update |",
        "|---|---:|---:|---:|---:|",
    ]
    for r in results:
        if r.alone is None:
            continue
        a = r.alone
        lines.append(
            f"| {r.dialect} | {a.per_update(a.statements):.2f} | {ms(a.per_update(a.seconds))} "
            f"| {ms(a.per_update(a.cpu))} | {ms(a.per_update(a.echo_seconds))} |"
        )
    return lines


_EVERY_UPDATE = (
    "five on every update whatever it is (the dedupe `INSERT … ON CONFLICT DO NOTHING` into "
    "processed_update, the sender's identity `SELECT … FOR UPDATE`, one `SELECT` of the "
    "person, their active grants and the conversation, and the route's `SAVEPOINT`/`RELEASE`), "
    "plus the step's own: save the conversation, list the categories, load the cooperative; "
    "filing the item writes the sequence, the item and its event."
)
_PROFILE = (
    "A cProfile of that thread (2026-11-26, SQLite) puts about half of it in SQLAlchemy and "
    "the driver (building, executing and loading statements, ORM flushes, greenlet and thread "
    "hand-offs: aiosqlite makes about four thread round trips per statement), about 15% in "
    "python-telegram-bot (parsing the update, building and sending replies: all of the echo "
    "bot's cost), about 15% in the asyncio loop and about 10% in coopbot's own routing and "
    "rendering; each statement removed saves roughly 0.5–1 ms on this machine. Running "
    "updates concurrently does not buy it back: the two cores are shared by the bot, the "
    "database server and the driver threads, and SQLite admits one writer at a time (an "
    "update writes from its first statement), so with {directors} in flight latency is mostly "
    "queueing. The 50% target would need a bot update to cost under twice an echo update — "
    "less than a single statement costs here — so it is out of reach for a bot that keeps "
    "each conversation step and its dedupe record in a transaction; what was cheap to remove "
    "is gone (the person, grants and conversation took three queries, now one; the two "
    "statements every update runs are built once)."
)


def _where_the_time_goes(results: list[Result]) -> str:
    measured = [r.alone for r in results if r.alone is not None]
    times = median([a.seconds / a.echo_seconds for a in measured])
    cpu = median([a.cpu / a.seconds for a in measured])
    statements = median([a.per_update(a.statements) for a in measured])
    busy = [r for r in results if r.failed]
    failures = (
        " "
        + ", ".join(f"{r.failed} on {r.dialect}" for r in busy)
        + " failed: in the runs the bot answered "
        + ", ".join(f"{r.busy} updates on {r.dialect}" for r in busy)
        + " with “the database is busy, send it again” (a lock waited for past the busy "
        "timeout, 5 s on SQLite, behind the other updates in flight), and a simulated director "
        "does not send it again, so that report is not filed."
        if busy
        else ""
    )
    return (
        f"Where the time goes: every bot update is one database transaction of {statements:.1f} "
        f"SQL statements on average — {_EVERY_UPDATE} One at a time, a bot update takes "
        f"{times:.0f}× as long as an echo update; {cpu:.0%} of that is CPU on the event loop's "
        "thread, the rest waiting for the database (the driver's thread or the server, on "
        "SQLite also the fsync of each commit) or for a core. "
        f"{_PROFILE.format(directors=results[0].directors if results else 0)}{failures}"
    )


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
        "",
        "The same directors once more, one update at a time (after the runs; not in the figures "
        "above): SQL statements per bot update, milliseconds per update, and the CPU time of "
        "the event loop's thread in it.",
        "",
        *_alone_table(results),
        "",
        _where_the_time_goes(results),
    )
    return section
