"""Benchmark "fanout": the quarter's kick-off to 10,000 commune leaders through the outbox.

10,000 commune leaders over the country's 3,321 communes; ``plan_due`` at the kick-off moment
plans one reminder each; ``OutboxWorker`` with ``TelegramSender`` (on the bot that
``build_application`` makes, ``AIORateLimiter`` included) drains them to a fake Bot API on
127.0.0.1 that allows 30 messages a second (429 with ``retry_after`` beyond) and fails 2 % of
calls with 500. The floor is 10,000 / 30 s; every leader must get exactly one message.

    coopbot bench fanout            # 10,000 leaders, 5 runs, SQLite and PostgreSQL
    coopbot bench fanout --quick    # 1,000 leaders, 1 run
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlmodel import col

from bench.bot_api import bench_settings
from bench.common import (
    Config,
    Section,
    header,
    load_average,
    median,
    met,
)
from bench.databases import (
    describe,
    drop_database,
    fresh_database,
    usable_databases,
)
from bench.flood_api import FloodLimitedApi
from bench.people import add_people, communes
from bot.app import build_application
from bot.channels.telegram.channel import TelegramSender
from bot.outbox import OutboxWorker
from storage.calendar import Quarter, ReminderSchedule, WorkingCalendar
from storage.db import Database
from storage.models import OutboxMessage, OutboxStatus, Role
from storage.reminders import plan_due

NAME = "fanout"
TITLE = "Reminder fan-out"
RATE = 30
FAILURE_RATE = 0.02
TARGET = 1.1
QUARTER = Quarter(2026, 4)
WORKERS = 4


@dataclass
class Run:
    """One drain of the whole fan-out."""

    workers: int
    planned: int
    plan_seconds: float
    seconds: float
    delivered: int
    lost: int
    duplicates: int
    statuses: dict[int, int] = field(default_factory=dict)
    outbox: dict[str, int] = field(default_factory=dict)
    sending_seconds: float = 0.0
    """From the first accepted message to the last."""

    @property
    def rate(self) -> float:
        """Return accepted messages per second while sending."""
        return self.delivered / self.sending_seconds if self.sending_seconds else 0.0

    @property
    def floor(self) -> float:
        """Return the least time the fake's rate allows."""
        return self.planned / RATE

    @property
    def ratio(self) -> float:
        """Return wall time over the floor."""
        return self.seconds / self.floor


async def _pending(database: Database) -> dict[str, int]:
    async with database.session() as session:
        rows = await session.execute(
            select(col(OutboxMessage.status), func.count()).group_by(col(OutboxMessage.status))
        )
        return {str(status): int(n) for status, n in rows.all()}


async def drain(
    database: Database, api: FloodLimitedApi, deadline: float, workers: int = 1
) -> float:
    """Run outbox workers until nothing is left to send; return the seconds it took.

    The workers share one bot (so one rate limiter), as workers in one process would.
    """
    settings = bench_settings(database.url).model_copy(
        update={"telegram_api_base_url": api.base_url}
    )
    application = build_application(settings, database=database)
    async with application:
        sender = TelegramSender(application.bot)
        stop = asyncio.Event()
        started = time.perf_counter()
        tasks = [
            asyncio.create_task(
                OutboxWorker(database, {"telegram": sender}).run_forever(stop, idle_interval=0.2)
            )
            for _ in range(workers)
        ]
        try:
            while time.perf_counter() - started < deadline:
                await asyncio.sleep(0.5)
                counts = await _pending(database)
                if not counts.get(OutboxStatus.PENDING) and not counts.get(OutboxStatus.SENDING):
                    break
            seconds = time.perf_counter() - started
        finally:
            stop.set()
            await asyncio.wait_for(asyncio.gather(*tasks), timeout=30)
    return seconds


async def one_run(
    kind: str, leaders: int, workers: int, config: Config, setup: asyncio.Lock
) -> Run:
    """Plan and drain the kick-off to ``leaders`` leaders on a fresh database.

    ``setup`` is held while the database is made and the reminders planned: Alembic's
    migration context is global to the process, and planning is not what is timed side by side.
    """
    province = "Cần Thơ" if config.size == "tiny" else None
    async with setup:
        database = await fresh_database(kind, NAME, province=province, progress=config.progress)
    try:
        async with setup:
            units = await communes(database)
            users = await add_people(
                database, Role.COMMUNE_LEADER, [units[n % len(units)] for n in range(leaders)]
            )
            schedule = ReminderSchedule()
            async with database.transaction() as session:
                kickoff = schedule.kickoff(QUARTER, await WorkingCalendar.load(session))
                started = time.perf_counter()
                report = await plan_due(session, kickoff, schedule)
            plan_seconds = time.perf_counter() - started
        with FloodLimitedApi(rate=RATE, failure_rate=FAILURE_RATE) as api:
            floor = report.new / RATE
            seconds = await drain(database, api, deadline=3 * floor + 120, workers=workers)
        return Run(
            workers=workers,
            planned=report.new,
            plan_seconds=plan_seconds,
            seconds=seconds,
            delivered=sum(api.delivered[u] for u in users),
            lost=sum(1 for u in users if api.delivered[u] == 0),
            duplicates=sum(max(0, api.delivered[u] - 1) for u in users),
            statuses=dict(api.status),
            outbox=await _pending(database),
            sending_seconds=(api.last_delivery or 0.0) - (api.first_delivery or 0.0),
        )
    finally:
        await drop_database(database)


async def series(
    kind: str, leaders: int, plan: list[int], config: Config, setup: asyncio.Lock
) -> dict[tuple[str, int], list[Run]]:
    """Run one fan-out per entry of ``plan`` (its number of workers) on ``kind``."""
    results: dict[tuple[str, int], list[Run]] = {}
    for number, workers in enumerate(plan, start=1):
        result = await one_run(kind, leaders, workers, config, setup)
        results.setdefault((kind, workers), []).append(result)
        config.progress(
            f"  {kind} run {number} of {len(plan)} ({workers} worker(s)): {result.seconds:.1f} s "
            f"for {result.planned:,} (floor {result.floor:.1f} s, {result.rate:.1f}/s while "
            f"sending), lost {result.lost}, "
            f"duplicates {result.duplicates}, calls {result.statuses}, outbox {result.outbox}"
        )
    return results


def _table(results: dict[tuple[str, int], list[Run]]) -> list[str]:
    lines = [
        "| database | workers | runs | leaders | planning | wall time (median) | floor "
        "| wall / floor | accepted/s while sending | lost | duplicates | 429s | 500s | target |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for (kind, workers), runs in sorted(results.items()):
        ratio = median([r.ratio for r in runs])
        lost = sum(r.lost for r in runs)
        duplicates = sum(r.duplicates for r in runs)
        lines.append(
            f"| {kind} | {workers} | {len(runs)} | {runs[0].planned:,} "
            f"| {median([r.plan_seconds for r in runs]):.1f} s "
            f"| {median([r.seconds for r in runs]):.1f} s | {runs[0].floor:.1f} s "
            f"| {ratio:.3f} | {median([r.rate for r in runs]):.1f} | {lost} | {duplicates} "
            f"| {median([r.statuses.get(429, 0) for r in runs]):.0f} "
            f"| {median([r.statuses.get(500, 0) for r in runs]):.0f} "
            f"| {met(ratio <= TARGET and lost == 0 and duplicates == 0)} |"
        )
    each = [
        f"{kind} with {workers}: {', '.join(f'{r.seconds:.1f} s' for r in runs)}"
        for (kind, workers), runs in sorted(results.items())
    ]
    return [*lines, "", "Each run: " + "; ".join(each) + "."]


async def run(config: Config) -> Section:
    """Run the benchmark and return its section of docs/BENCHMARKS.md."""
    leaders = config.pick(10_000, 1_000, 40)
    runs = config.pick_runs(5, 1, 1)
    # One run with the single worker `coopbot run` starts, then the timed runs with several.
    plan = [1, *[WORKERS] * runs] if config.size != "tiny" else [WORKERS]
    section = Section(NAME, TITLE)
    info = await describe(config)
    # AIORateLimiter logs every 429 it passes on with a traceback; the table counts them.
    logging.getLogger("telegram.ext.AIORateLimiter").setLevel(logging.CRITICAL)
    kinds = await usable_databases(config, section)
    config.progress(f"fanout: {leaders:,} leaders, runs {plan} on {', '.join(kinds)} side by side")
    results: dict[tuple[str, int], list[Run]] = {}
    setup = asyncio.Lock()
    for found in await asyncio.gather(*(series(k, leaders, plan, config, setup) for k in kinds)):
        results.update(found)
    info.load_after = load_average()
    section.add(
        *header(info, config.command),
        f"{leaders:,} commune leaders (persons, Telegram identities, commune_leader grants "
        "over the country's communes); `plan_due` at the kick-off moment of "
        f"{QUARTER.key} plans one reminder each, then `OutboxWorker`s + `TelegramSender` "
        "(the bot from `build_application`, with its `AIORateLimiter`, shared by the workers) "
        f"drain them to a fake Bot API on 127.0.0.1 that accepts {RATE} messages in any one "
        f"second (429 with `retry_after` beyond) and fails {FAILURE_RATE:.0%} of calls with "
        "500 before delivering. Wall time runs from the workers' start until no message is "
        f"pending; the floor is leaders / {RATE} s. Lost and duplicates are counted per chat "
        "on the fake, over all runs. Each run on a fresh database; the databases ran side by "
        "side, each with its own fake server, bot and limiter. The first run of each "
        f"database uses one worker (what `coopbot run` starts), the timed runs {WORKERS} "
        "(several workers drain one outbox without sharing rows; see below).",
        "",
        f"Target: wall time / floor ≤ {TARGET}, lost = 0, duplicates = 0.",
        "",
        *_table(results),
    )
    return section
