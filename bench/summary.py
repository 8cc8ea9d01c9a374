"""Benchmark "summary": /summary over a million items, next to the bare aggregate SQL.

For an official of one province and for the leader of one commune,
``storage.reporting.summary.summarize`` is timed (p50, p95) beside the floor: the single
``GROUP BY kind, status`` query with the same WHERE clause, run as many times, interleaved
with it so both see the same machine. Each of summarize's statements is timed too, to show
which one dominates.

    coopbot bench summary            # 1,000,000 items, SQLite and PostgreSQL
    coopbot bench summary --quick    # 20,000 items
"""

from __future__ import annotations

import datetime as dt
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import event, func, select
from sqlmodel import col

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
    usable_databases,
)
from bench.summary_data import NOW, open_data
from storage.calendar import VIETNAM
from storage.db import Database
from storage.models import AdminUnit, FeedbackItem, Role, UnitLevel
from storage.periods import Period
from storage.reporting.summary import summarize
from storage.scope import Actor, Grant, item_scope_clause

NAME = "summary"
TITLE = "Summaries at 1,000,000 items"
PROVINCE = "Thành phố Cần Thơ"
COMMUNE = "Xã Kế Sách"
PERIOD = Period("2026", dt.date(2026, 1, 1), dt.date(2027, 1, 1))
TARGET_P95 = 0.200
TARGET_RATIO = 1.5
WARMUP = 3


@dataclass
class Timing:
    """The runs of one scope on one database."""

    dialect: str
    scope: str
    in_scope: int = 0
    summary: list[float] = field(default_factory=list)
    floor: list[float] = field(default_factory=list)
    statements: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))

    @property
    def ratio(self) -> float:
        """Return summary p50 / floor p50."""
        return median(self.summary) / median(self.floor)


def floor_query(actor: Actor, period: Period) -> Any:
    """Return the bare aggregate: kind × status counts with summarize's WHERE clause."""
    start, end = period.bounds(VIETNAM)
    return (
        select(col(FeedbackItem.kind), col(FeedbackItem.status), func.count())
        .where(
            item_scope_clause(actor),
            col(FeedbackItem.created_at) >= start,
            col(FeedbackItem.created_at) < end,
        )
        .group_by(col(FeedbackItem.kind), col(FeedbackItem.status))
    )


def statement_label(sql: str) -> str:
    """Name one of summarize's statements: the summary statement, or the start of any other."""
    text = " ".join(sql.lower().split())
    return "the summary statement (every figure)" if "union all" in text else text[:60]


@contextmanager
def statement_timer(database: Database, into: dict[str, list[float]]) -> Iterator[None]:
    """Record the time of every statement run on ``database`` while the block runs."""
    engine = database.engine.sync_engine
    started: list[float] = []

    def before(*_: Any) -> None:
        started.append(time.perf_counter())

    def after(_conn: Any, _cursor: Any, statement: str, *__: Any) -> None:
        into[statement_label(statement)].append(time.perf_counter() - started.pop())

    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)
    try:
        yield
    finally:
        event.remove(engine, "before_cursor_execute", before)
        event.remove(engine, "after_cursor_execute", after)


async def scopes(database: Database) -> dict[str, Actor]:
    """Return the two people whose summaries are timed."""
    async with database.session() as session:
        province = await session.scalar(
            select(col(AdminUnit.id)).where(
                col(AdminUnit.name) == PROVINCE,
                col(AdminUnit.level) == UnitLevel.PROVINCE,
                col(AdminUnit.valid_to).is_(None),
            )
        )
        commune = await session.scalar(
            select(col(AdminUnit.id)).where(
                col(AdminUnit.name) == COMMUNE,
                col(AdminUnit.level) == UnitLevel.COMMUNE,
                col(AdminUnit.valid_to).is_(None),
            )
        )
    if province is None or commune is None:
        raise RuntimeError(f"{PROVINCE} or {COMMUNE} is missing from the units")
    return {
        f"official of {PROVINCE}": Actor(0, (Grant(Role.OFFICIAL, unit_id=province),)),
        f"leader of {COMMUNE}": Actor(0, (Grant(Role.COMMUNE_LEADER, unit_id=commune),)),
    }


def warmup(runs: int) -> int:
    """Return how many untimed runs go first (fewer when few are timed: slow queries)."""
    return WARMUP if runs >= 5 else 1


async def measure(database: Database, runs: int) -> list[Timing]:
    """Time summarize and the floor ``runs`` times for each scope, interleaved."""
    actors = await scopes(database)
    timings = {scope: Timing(database.dialect, scope) for scope in actors}
    for round_number in range(warmup(runs) + runs):
        counted = round_number >= warmup(runs)
        for scope, actor in actors.items():
            timing = timings[scope]
            statements: dict[str, list[float]] = defaultdict(list)
            async with database.session() as session:
                with statement_timer(database, statements):
                    started = time.perf_counter()
                    result = await summarize(session, actor, PERIOD, now=NOW)
                    elapsed = time.perf_counter() - started
            async with database.session() as session:
                started = time.perf_counter()
                rows = (await session.execute(floor_query(actor, PERIOD))).all()
                floor = time.perf_counter() - started
            if sum(int(n) for _, _, n in rows) != result.total:
                raise RuntimeError(f"the floor and the summary disagree for {scope}")
            if counted:
                timing.in_scope = result.total
                timing.summary.append(elapsed)
                timing.floor.append(floor)
                for label, values in statements.items():
                    timing.statements[label].append(sum(values))
    return list(timings.values())


def _table(timings: list[Timing]) -> list[str]:
    lines = [
        "| database | who | items in scope | summary p50 | summary p95 | floor p50 | floor p95 "
        f"| ratio (p50) | p95 < {TARGET_P95 * 1000:.0f} ms | ratio ≤ {TARGET_RATIO} |",
        "|---|---|---:|---:|---:|---:|---:|---:|---|---|",
    ]
    for t in timings:
        p95 = percentile(t.summary, 95)
        lines.append(
            f"| {t.dialect} | {t.scope} | {t.in_scope:,} | {ms(median(t.summary))} "
            f"| {ms(p95)} | {ms(median(t.floor))} | {ms(percentile(t.floor, 95))} "
            f"| {t.ratio:.2f}× | {met(p95 < TARGET_P95)} | {met(t.ratio <= TARGET_RATIO)} |"
        )
    return lines


def _breakdown(timings: list[Timing]) -> list[str]:
    lines = [
        "",
        "Where summarize's time goes: the database's share per statement (median), the rest is "
        "Python (building, compiling, reading the rows):",
        "",
        "| database | who | statement | median | share of summary p50 |",
        "|---|---|---|---:|---:|",
    ]
    for t in timings:
        total = median(t.summary)
        for label, values in sorted(t.statements.items(), key=lambda kv: -median(kv[1])):
            lines.append(
                f"| {t.dialect} | {t.scope} | {label} | {ms(median(values))} "
                f"| {median(values) / total:.0%} |"
            )
    return lines


async def run(config: Config) -> Section:
    """Run the benchmark and return its section of docs/BENCHMARKS.md."""
    items = config.pick(1_000_000, 20_000, 300)
    runs = config.pick_runs(30, 20, 3)
    province = "Cần Thơ" if config.size == "tiny" else None
    section = Section(NAME, TITLE)
    info = await describe(config)
    kinds = await usable_databases(config, section)
    timings: list[Timing] = []
    notes: list[str] = []
    for kind in kinds:
        config.progress(f"summary on {kind}: {items:,} items")
        data = await open_data(kind, items, province=province, progress=config.progress)
        try:
            config.progress(f"  timing {runs} runs of each scope, {warmup(runs)} warm-up run(s)")
            timings += await measure(data.database, runs)
        finally:
            await data.database.close()
        made = (
            f"generated in {data.generated_seconds:.0f} s"
            if data.generated_seconds is not None
            else "reused from an earlier run (same fingerprint)"
        )
        notes.append(f"- {kind}: {items:,} items, {made}")
    info.load_after = load_average()
    section.add(*header(info, config.command))
    section.add(
        f"Data: {items:,} feedback items over the communes of "
        f"{'the whole country (3,321)' if province is None else province}, two cooperatives "
        "per commune, kinds, statuses, categories and creation times (2025–2026) at random, "
        "first response and resolution times for a share; meetings in 7 communes of 10 each "
        f"quarter. Period: the year {PERIOD.key} (about half the items). "
        f"{runs} timed runs per scope after {warmup(runs)} warm-up run(s), summary and floor "
        "interleaved.",
        "",
        *notes,
        "",
        f"Target: summary p95 under {TARGET_P95 * 1000:.0f} ms and within {TARGET_RATIO}× of "
        "the floor (the single `GROUP BY kind, status` query with the same WHERE clause).",
        "",
        *_table(timings),
        *_breakdown(timings),
    )
    return section
