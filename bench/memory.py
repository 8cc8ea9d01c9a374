"""Benchmark "memory": the bot's resident size idle after start and over 100,000 updates.

The real application (``build_application``) on the in-memory Bot API handles a mix of /help,
free text (answered with an offer to report it) and button presses (declining that offer) from
1,000 registered directors, 50 updates in flight at a time. The resident set size (VmRSS from
/proc/self/status, after a garbage collection) is sampled idle after start and every 10,000
updates; it levels off when the second half adds no more than noise.

    coopbot bench memory            # 100,000 updates, SQLite and PostgreSQL
    coopbot bench memory --quick    # 20,000 updates
"""

from __future__ import annotations

import asyncio
import gc
import re
from dataclasses import dataclass, field
from typing import Any

from bench.bot_api import MemoryBotApi, Updates, coopbot_application, deliver
from bench.common import (
    DATABASES,
    DOC,
    Config,
    Section,
    header,
    load_average,
    rss_bytes,
)
from bench.databases import (
    describe,
    drop_database,
    fresh_database,
    usable_databases,
)
from bench.people import add_cooperatives, add_people, communes
from storage.models import Role

NAME = "memory"
TITLE = "Memory"
PROVINCE = "Thành phố Cần Thơ"
IN_FLIGHT = 50
MIB = 1024 * 1024
# Growth over the second half that still counts as noise: allocator arenas and caches settle.
NOISE_MIB = 4.0


@dataclass
class Trace:
    """RSS samples of one database's run: (updates handled, bytes)."""

    dialect: str
    users: int
    samples: list[tuple[int, int]] = field(default_factory=list)
    answered: int = 0

    @property
    def start(self) -> int:
        """Return the idle RSS."""
        return self.samples[0][1]

    @property
    def end(self) -> int:
        """Return the RSS after the last update."""
        return self.samples[-1][1]

    @property
    def second_half_growth(self) -> int:
        """Return the growth from the middle sample to the last."""
        middle = self.samples[len(self.samples) // 2][1]
        return self.end - middle

    @property
    def levels_off(self) -> bool:
        """Tell whether the second half grew no more than noise."""
        return self.second_half_growth <= NOISE_MIB * MIB


def script(updates: Updates, user: int, step: int) -> dict[str, Any]:
    """Return the ``step``-th update of ``user``: /help, free text, then the 'No' button."""
    kind = step % 3
    if kind == 0:
        return updates.text(user, "/help")
    if kind == 1:
        return updates.text(user, f"Hợp tác xã cần hỗ trợ vốn, tin {step} của {user}")
    return updates.press(user, "rp:cancel")


def sample() -> int:
    """Return the RSS after a full garbage collection."""
    gc.collect()
    return rss_bytes()


async def measure(kind: str, users: int, total: int, every: int, config: Config) -> Trace:
    """Run ``total`` updates from ``users`` users on a fresh database, sampling RSS."""
    province = "Cần Thơ" if config.size == "tiny" else None
    database = await fresh_database(kind, NAME, province=province, progress=config.progress)
    trace = Trace(kind, users)
    try:
        cooperatives = await add_cooperatives(database, await communes(database, PROVINCE), users)
        people = await add_people(database, Role.DIRECTOR, cooperatives)
        api = MemoryBotApi()
        updates = Updates()
        async with coopbot_application(database, api) as application:
            trace.samples.append((0, sample()))
            queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
            handled = 0
            for batch_start in range(0, total, every):
                # Round-robin over the users, so one person's updates are never in flight twice.
                for n in range(batch_start, min(batch_start + every, total)):
                    queue.put_nowait(script(updates, people[n % users], n // users))

                async def worker() -> None:
                    while not queue.empty():
                        await deliver(application, queue.get_nowait())

                await asyncio.gather(*(worker() for _ in range(IN_FLIGHT)))
                handled = min(batch_start + every, total)
                trace.samples.append((handled, sample()))
                config.progress(
                    f"  {kind}: {handled:,} updates, RSS {trace.samples[-1][1] / MIB:.1f} MiB"
                )
        trace.answered = sum(api.messages.values())
    finally:
        await drop_database(database)
    return trace


def recorded(kinds: set[str]) -> tuple[list[str], list[str]]:
    """Return the table rows and sample lines of ``kinds`` in the recorded section."""
    text = DOC.read_text() if DOC.exists() else ""
    found = re.search(rf"<!-- bench:{NAME} -->(.*?)<!-- /bench:{NAME} -->", text, re.DOTALL)
    rows, samples = [], []
    for line in (found.group(1) if found else "").splitlines():
        if any(line.startswith(f"| {kind} |") for kind in kinds):
            rows.append(line)
        elif any(line.startswith(f"- {kind}: ") for kind in kinds):
            samples.append(line)
    return rows, samples


def _table(traces: list[Trace], kept: tuple[list[str], list[str]]) -> list[str]:
    lines = [
        "| database | idle after start | after all updates | growth | growth in the second half "
        "| levels off |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for t in traces:
        lines.append(
            f"| {t.dialect} | {t.start / MIB:.1f} MiB | {t.end / MIB:.1f} MiB "
            f"| {(t.end - t.start) / MIB:+.1f} MiB | {t.second_half_growth / MIB:+.1f} MiB "
            f"| {'**yes**' if t.levels_off else '**no**'} |"
        )
    lines += [*kept[0], "", "Samples (updates handled: RSS in MiB):", ""]
    for t in traces:
        points = ", ".join(f"{n:,}: {b / MIB:.1f}" for n, b in t.samples)
        lines.append(f"- {t.dialect}: {points}")
    return [*lines, *kept[1]]


async def run(config: Config) -> Section:
    """Run the benchmark and return its section of docs/BENCHMARKS.md."""
    total = config.pick(100_000, 20_000, 30)
    every = config.pick(10_000, 2_000, 10)
    users = config.pick(1_000, 1_000, 5)
    section = Section(NAME, TITLE)
    info = await describe(config)
    traces = []
    for kind in await usable_databases(config, section):
        config.progress(f"memory on {kind}: {total:,} updates from {users:,} users")
        traces.append(await measure(kind, users, total, every, config))
    info.load_after = load_average()
    # A full run on some of the databases keeps the recorded figures of the others, so the
    # databases can be measured by separate processes (RSS is per process).
    others = set(DATABASES) - {t.dialect for t in traces}
    kept = recorded(others) if config.size == "full" else ([], [])
    note = (
        [
            f"Figures of {', '.join(sorted(others))} are kept from its own run "
            f"(`coopbot bench memory --database {' '.join(sorted(others))}`), in another "
            "process, since resident size is per process.",
            "",
        ]
        if kept[0]
        else []
    )
    section.add(
        *header(info, config.command),
        *note,
        f"The real application on the in-memory Bot API handles {total:,} updates from "
        f"{users:,} registered directors: /help, free text (answered with an offer to file "
        f"it as a report) and the offer's 'No' button in turn, {IN_FLIGHT} updates in flight. "
        "RSS is VmRSS from /proc/self/status after a full garbage collection, idle after start "
        f"and every {every:,} updates; the process also holds the benchmark's own data (the "
        "queued updates), released batch by batch. One run per database: the samples are the "
        "figure.",
        "",
        f"Target: no growth beyond noise — the second half adds at most {NOISE_MIB:.0f} MiB.",
        "",
        *_table(traces, kept),
    )
    return section
