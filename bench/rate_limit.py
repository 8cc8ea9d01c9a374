"""Benchmark "rate_limit": other people's answer latency while one person floods the bot.

One worker handles events one at a time in the order they arrive, as ``coopbot run`` does in
polling mode. Registered directors write at a human pace (each one message every few seconds:
/help, free text answered with an offer to report it, and the offer's 'No' button in turn);
their answer latency runs from when a message arrives to when its replies are ready, waiting
in the queue included. Three scenarios in each run, in the same process and on the same
database:

- baseline: the directors alone;
- flood, limited: one more director's script sends free text at ``FLOOD_PER_SECOND`` on top,
  to a Router with the per-person rate limit (the limits ``coopbot run`` uses by default);
- flood, unlimited: the same flood without the limit, for scale.

    coopbot bench rate_limit            # 50 directors for 10 s per scenario, 5 runs
    coopbot bench rate_limit --quick    # 3 s per scenario, 2 runs
"""

from __future__ import annotations

import asyncio
import itertools
import time
from dataclasses import dataclass, field, replace
from enum import StrEnum

from bench.common import Config, Section, header, load_average, median, met, ms, percentile
from bench.databases import describe, drop_database, fresh_database, usable_databases
from bench.people import add_cooperatives, add_people, communes
from bot.settings import Settings
from handlers.rate_limit import RateLimiter
from handlers.router import Router
from handlers.turn import HandlerConfig
from handlers.types import Incoming, IncomingKind
from storage.db import Database
from storage.models import Role

NAME = "rate_limit"
TITLE = "Rate limit per person under a flood"
PROVINCE = "Thành phố Cần Thơ"
UNITS = "Cần Thơ"  # only this province's units are imported: the scope does not matter here
# A script in a loop: well past what one worker handles without the limit (100-200 events/s).
FLOOD_PER_SECOND = 500
# Every director together: one message every 5 s each, well inside the limit.
OTHERS_PER_SECOND = 10.0
# Target: the flood leaves the others' median latency within this factor of the baseline.
TARGET_RATIO = 1.25
RATE = float(Settings.model_fields["rate_per_second"].default)
BURST = int(Settings.model_fields["rate_burst"].default)

_update_ids = itertools.count(1)


class Scenario(StrEnum):
    """What runs beside the directors."""

    BASELINE = "baseline"
    LIMITED = "flood, limited"
    UNLIMITED = "flood, unlimited"


@dataclass
class Outcome:
    """One scenario of one run: the directors' latencies, and what became of the flood."""

    latencies: list[float] = field(default_factory=list)
    others_refused: int = 0
    flood_sent: int = 0
    flood_answered: int = 0  # handled by the router
    flood_warned: int = 0
    drained_after: float = 0.0  # seconds from the last arrival to the last answer

    def p(self, q: float) -> float:
        """Return the ``q``-th percentile of the directors' latencies."""
        return percentile(self.latencies, q)


@dataclass
class Arrival:
    """An event and when it arrives, in seconds from the scenario's start."""

    at: float
    incoming: Incoming
    flood: bool


def event(user: int, step: int) -> Incoming:
    """Return a director's ``step``-th message: /help, free text, then the offer's 'No'."""
    base = Incoming(
        channel="telegram",
        external_id=str(user),
        chat_id=str(user),
        kind=IncomingKind.TEXT,
        platform_locale="vi",
        update_id=f"rl-{next(_update_ids)}",
    )
    kind = step % 3
    if kind == 0:
        return replace(base, kind=IncomingKind.COMMAND, command="help")
    if kind == 1:
        return replace(base, text=f"Hợp tác xã cần hỗ trợ vốn, tin {step}")
    return replace(base, kind=IncomingKind.BUTTON, payload="rp:cancel")


def schedule(others: list[int], flooder: int | None, seconds: float) -> list[Arrival]:
    """Return every event of a scenario in order of arrival."""
    arrivals = []
    gap = 1 / OTHERS_PER_SECOND
    for n in range(int(seconds * OTHERS_PER_SECOND)):
        user = others[n % len(others)]
        arrivals.append(Arrival(n * gap, event(user, n // len(others)), flood=False))
    if flooder is not None:
        for n in range(int(seconds * FLOOD_PER_SECOND)):
            incoming = event(flooder, 1)  # free text, always
            arrivals.append(Arrival(n / FLOOD_PER_SECOND, incoming, flood=True))
    return sorted(arrivals, key=lambda a: a.at)


async def play(database: Database, scenario: Scenario, arrivals: list[Arrival]) -> Outcome:
    """Deliver ``arrivals`` on time to one worker (a Router) that answers them in order."""
    limiter = RateLimiter(RATE, BURST) if scenario is not Scenario.UNLIMITED else None
    outcomes: list[str] = []  # what the router reported for each event, in order
    router = Router(
        database,
        HandlerConfig(),
        observe=lambda _channel, what: outcomes.append(what),
        limiter=limiter,
    )
    outcome = Outcome()
    queue: asyncio.Queue[tuple[float, Arrival] | None] = asyncio.Queue()
    start = time.perf_counter()

    async def arrive() -> None:
        for arrival in arrivals:
            delay = start + arrival.at - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            queue.put_nowait((start + arrival.at, arrival))
        queue.put_nowait(None)

    async def work() -> None:
        while (item := await queue.get()) is not None:
            arrived, arrival = item
            replies = await router.handle(arrival.incoming)
            handled = outcomes[-1] != "limited"
            if arrival.flood:
                outcome.flood_sent += 1
                outcome.flood_answered += handled
                outcome.flood_warned += not handled and bool(replies)
            else:
                outcome.latencies.append(time.perf_counter() - arrived)
                outcome.others_refused += not handled

    await asyncio.gather(arrive(), work())
    last = arrivals[-1].at if arrivals else 0.0
    outcome.drained_after = time.perf_counter() - start - last
    return outcome


@dataclass
class Result:
    """One database's runs, by scenario."""

    dialect: str
    others: int
    seconds: float
    runs: dict[Scenario, list[Outcome]] = field(default_factory=dict)
    refused_cost: float = 0.0  # seconds per refused event in Router.handle

    def ratios(self, scenario: Scenario, q: float) -> list[float]:
        """Return each run's ``q``-th percentile latency over the baseline's in that run."""
        return [
            flood.p(q) / base.p(q)
            for base, flood in zip(self.runs[Scenario.BASELINE], self.runs[scenario], strict=True)
        ]


async def setup(kind: str, others: int, config: Config) -> tuple[Database, list[int], int]:
    """Return a fresh database with ``others`` directors and one more, the flooder."""
    database = await fresh_database(kind, NAME, province=UNITS, progress=config.progress)
    cooperatives = await add_cooperatives(database, await communes(database, PROVINCE), others + 1)
    people = await add_people(database, Role.DIRECTOR, cooperatives)
    return database, people[:-1], people[-1]


async def measure(
    kind: str, others: int, seconds: float, runs: int, calls: int, config: Config
) -> Result:
    """Run every scenario ``runs`` times on a fresh database of ``kind``."""
    database, directors, flooder = await setup(kind, others, config)
    result = Result(kind, others, seconds, {scenario: [] for scenario in Scenario})
    try:
        warm_up = Router(database, HandlerConfig())
        for user in [*directors, flooder]:  # caches, statements, connections
            await warm_up.handle(event(user, 0))
        for n in range(runs):
            for scenario in Scenario:
                flood = None if scenario is Scenario.BASELINE else flooder
                outcome = await play(database, scenario, schedule(directors, flood, seconds))
                result.runs[scenario].append(outcome)
                config.progress(
                    f"  {kind} run {n + 1}/{runs}, {scenario}: p50 {ms(outcome.p(50))}, "
                    f"p95 {ms(outcome.p(95))}, flood answered {outcome.flood_answered:,} "
                    f"of {outcome.flood_sent:,}"
                )
        result.refused_cost = await refused_cost(database, calls)
    finally:
        await drop_database(database)
    return result


async def refused_cost(database: Database, count: int, repeats: int = 5) -> float:
    """Return the seconds ``Router.handle`` takes for an event the limit refuses (median)."""
    limiter = RateLimiter(RATE, BURST)
    flood = event(0, 1)
    for _ in range(BURST + 1):  # spend the burst and the warning, without the database
        limiter.check((flood.channel, flood.external_id))
    router = Router(database, HandlerConfig(), limiter=limiter)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(count):
            await router.handle(flood)
        times.append((time.perf_counter() - start) / count)
    return median(times)


def _row(r: Result, scenario: Scenario, outcomes: list[Outcome]) -> str:
    base = scenario is Scenario.BASELINE
    ratio50 = 1.0 if base else median(r.ratios(scenario, 50))
    ratio95 = 1.0 if base else median(r.ratios(scenario, 95))
    refused = sum(o.others_refused for o in outcomes)
    limited = scenario is Scenario.LIMITED
    target = met(ratio50 <= TARGET_RATIO and refused == 0) if limited else ""
    cells = [
        r.dialect,
        str(scenario),
        f"{median([len(o.latencies) for o in outcomes]):,.0f}",
        ms(median([o.p(50) for o in outcomes])),
        ms(median([o.p(95) for o in outcomes])),
        ms(max(max(o.latencies, default=0.0) for o in outcomes)),
        f"{ratio50:.2f}×",
        f"{ratio95:.2f}×",
        f"{median([o.flood_sent for o in outcomes]):,.0f}",
        f"{median([o.flood_answered for o in outcomes]):,.0f}",
        f"{median([o.flood_warned for o in outcomes]):,.0f}",
        str(refused),
        ms(median([o.drained_after for o in outcomes])),
        target,
    ]
    return "| " + " | ".join(cells) + " |"


def _table(results: list[Result]) -> list[str]:
    return [
        "| database | scenario | directors' messages | p50 | p95 | max | p50 / baseline "
        '| p95 / baseline | flood events | flood handled | "please wait" | refused directors '
        "| backlog at the end | target |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
        *(_row(r, scenario, outcomes) for r in results for scenario, outcomes in r.runs.items()),
    ]


async def run(config: Config) -> Section:
    """Run the benchmark and return its section of docs/BENCHMARKS.md."""
    others = config.pick(50, 50, 3)
    seconds = {"full": 10.0, "quick": 3.0, "tiny": 0.3}[config.size]
    runs = config.pick_runs(5, 2, 1)
    calls = config.pick(100_000, 100_000, 1_000)
    section = Section(NAME, TITLE)
    info = await describe(config)
    results = []
    for kind in await usable_databases(config, section):
        config.progress(f"rate_limit on {kind}: {others} directors, {seconds:g} s, {runs} runs")
        results.append(await measure(kind, others, seconds, runs, calls, config))
    info.load_after = load_average()
    section.add(
        *header(info, config.command),
        f"{others} registered directors write {OTHERS_PER_SECOND:g} messages a second "
        f"together (each one every {others / OTHERS_PER_SECOND:g} s: /help, free text "
        "answered with an offer to report it, the offer's 'No' button) for "
        f"{seconds:g} s, to one worker that handles events one at a time in the order they "
        "arrive (polling mode). Latency runs from a message's arrival to its replies, queueing "
        f"included. Beside them, one more director's script sends {FLOOD_PER_SECOND} free "
        "texts a second: to a Router with the per-person limit "
        f"({RATE:g} a second, burst {BURST}: the defaults), and to one without it. "
        f"{runs} runs, the three scenarios in turn in each, on the same database in the same "
        "process; latencies are the median over the runs of each run's percentile, ratios the "
        "median of the runs' ratios to that run's baseline; the flood columns are medians per "
        "run; backlog is how long after the last arrival the worker finished.",
        "",
        f"Target: under the flood, with the limit, the directors' p50 within {TARGET_RATIO}× "
        "of the baseline, and no director refused.",
        "",
        *_table(results),
        "",
        "A refused event costs "
        + ", ".join(f"{r.refused_cost * 1e6:.1f} µs ({r.dialect})" for r in results)
        + f" in `Router.handle` (the flooder's, in a loop, median of 5 × {calls:,}), against "
        "milliseconds for an event the router handles (one database transaction).",
    )
    return section
