"""What every benchmark shares: its configuration, statistics, the machine, docs/BENCHMARKS.md.

Each benchmark writes its own section of docs/BENCHMARKS.md between ``<!-- bench:NAME -->`` and
``<!-- /bench:NAME -->``; everything outside the markers is written by hand and kept as it is.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import platform
import re
import sqlite3
import statistics
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "BENCHMARKS.md"

Progress = Callable[[str], None]
DATABASES = ("sqlite", "postgresql")


def quiet(_: str) -> None:
    """Swallow progress lines (the smoke test's default)."""


@dataclass(frozen=True)
class Config:
    """How a benchmark runs: its size, on which databases, and how it was started."""

    size: str = "full"
    """``full`` (the recorded figures), ``quick`` (a smoke run) or ``tiny`` (the test suite)."""
    databases: tuple[str, ...] = DATABASES
    command: str = "coopbot bench"
    progress: Progress = quiet
    runs: int | None = None
    """How many timed runs, instead of the benchmark's own number for the size."""

    def pick(self, full: int, quick: int, tiny: int) -> int:
        """Return the number that goes with this size."""
        return {"full": full, "quick": quick, "tiny": tiny}[self.size]

    def pick_runs(self, full: int, quick: int, tiny: int) -> int:
        """Return the number of timed runs: ``runs`` when given, else the size's."""
        return self.runs if self.runs is not None else self.pick(full, quick, tiny)


# Statistics.


def median(values: Sequence[float]) -> float:
    """Return the median; NaN for no values."""
    return statistics.median(values) if values else math.nan


def percentile(values: Iterable[float], q: float) -> float:
    """Return the ``q``-th percentile (0-100) by linear interpolation between closest ranks."""
    ordered = sorted(values)
    if not ordered:
        return math.nan
    rank = (len(ordered) - 1) * q / 100
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def ms(seconds: float) -> str:
    """Format seconds as milliseconds for a table."""
    return f"{seconds * 1000:.1f} ms" if not math.isnan(seconds) else "n/a"


def met(condition: bool) -> str:
    """Return the words a table uses for a target met or missed."""
    return "**met**" if condition else "**missed**"


# The machine.


@dataclass
class Machine:
    """What the figures were measured on."""

    cpu: str
    cores: int
    memory_gib: float
    python: str
    sqlite: str
    postgres: str | None = None
    load_before: tuple[float, float, float] = (0.0, 0.0, 0.0)
    load_after: tuple[float, float, float] | None = None

    def describe(self) -> str:
        """Return the machine as a short Markdown list."""
        load = "/".join(f"{x:.2f}" for x in self.load_before)
        after = "/".join(f"{x:.2f}" for x in self.load_after) if self.load_after else "?"
        return "\n".join(
            [
                f"- Machine: {self.cpu}, {self.cores} cores, {self.memory_gib:.0f} GiB memory",
                f"- Software: Python {self.python}, SQLite {self.sqlite}, "
                f"PostgreSQL {self.postgres or 'not reached'}",
                f"- Load average (1/5/15 min) before: {load}; after: {after} "
                "(other work shared the machine)",
            ]
        )


def cpu_model() -> str:
    """Return the CPU model name from /proc/cpuinfo (or what the platform says)."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def memory_gib() -> float:
    """Return the machine's memory in GiB from /proc/meminfo."""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) / 1024 / 1024
    except OSError:
        pass
    return math.nan


def load_average() -> tuple[float, float, float]:
    """Return the load average, zeros where the platform has none."""
    try:
        return os.getloadavg()
    except OSError:
        return (0.0, 0.0, 0.0)


def machine(postgres: str | None) -> Machine:
    """Describe this machine; ``postgres`` is the server's version when one is used."""
    return Machine(
        cpu=cpu_model(),
        cores=os.cpu_count() or 1,
        memory_gib=memory_gib(),
        python=platform.python_version(),
        sqlite=sqlite3.sqlite_version,
        postgres=postgres,
        load_before=load_average(),
    )


def rss_bytes() -> int:
    """Return this process's resident set size, from /proc/self/status (VmRSS)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


# The report.


@dataclass
class Section:
    """One benchmark's part of docs/BENCHMARKS.md."""

    name: str
    title: str
    lines: list[str] = field(default_factory=list)

    def add(self, *lines: str) -> None:
        """Append lines of Markdown."""
        self.lines.extend(lines)

    def render(self) -> str:
        """Return the section between its markers."""
        body = "\n".join([f"## {self.title}", "", *self.lines]).rstrip()
        return f"<!-- bench:{self.name} -->\n{body}\n<!-- /bench:{self.name} -->"


def header(machine_info: Machine, command: str) -> list[str]:
    """Return the lines every section starts with: machine, date, command."""
    today = dt.datetime.now(dt.UTC).astimezone().strftime("%Y-%m-%d %H:%M %Z")
    return [machine_info.describe(), f"- Date: {today}", f"- Command: `{command}`", ""]


def write_section(section: Section, path: Path = DOC) -> None:
    """Replace (or append) ``section`` in the benchmarks document."""
    text = path.read_text() if path.exists() else "# Benchmarks\n"
    pattern = re.compile(
        rf"<!-- bench:{re.escape(section.name)} -->.*?<!-- /bench:{re.escape(section.name)} -->",
        re.DOTALL,
    )
    rendered = section.render()
    if pattern.search(text):
        text = pattern.sub(lambda _: rendered, text, count=1)
    else:
        text = text.rstrip("\n") + "\n\n" + rendered + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
