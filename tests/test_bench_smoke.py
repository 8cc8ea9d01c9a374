"""The benchmarks in bench/ run end to end in their tiniest size (figures are not checked).

Each runs on SQLite under the test's own directory, never writes docs/BENCHMARKS.md, and takes
a few seconds: this only proves the benchmark code still works against today's bot.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bench import NAMES, runner
from bench.common import Config, Section


@pytest.fixture(autouse=True)
def bench_data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Keep the benchmarks' databases in the test's directory."""
    monkeypatch.setenv("COOPBOT_BENCH_DATA_DIR", str(tmp_path))
    # python-telegram-bot warns on every RetryAfter unless durations are timedelta.
    monkeypatch.setenv("PTB_TIMEDELTA", "1")
    return tmp_path


async def tiny(name: str) -> Section:
    """Run one benchmark in its tiniest size on SQLite."""
    return await runner(name)(Config(size="tiny", databases=("sqlite",), command="test"))


def row(section: Section, first_cell: str) -> list[str]:
    """Return the cells of the section's first table row that starts with ``first_cell``."""
    for line in section.lines:
        for part in line.splitlines():
            cells = [c.strip() for c in part.strip().strip("|").split("|")]
            if cells and cells[0] == first_cell:
                return cells
    raise AssertionError(f"no row for {first_cell!r} in:\n{section.render()}")


async def test_the_summary_benchmark_times_both_scopes_against_the_floor() -> None:
    """Both people's summaries and floors are timed and the floor agreed with the summary."""
    section = await tiny("summary")

    rendered = section.render()
    assert rendered.startswith("<!-- bench:summary -->")
    assert "official of Thành phố Cần Thơ" in rendered
    assert "leader of Xã Kế Sách" in rendered
    assert row(section, "sqlite")[2].replace(",", "").isdigit()


async def test_the_throughput_benchmark_files_every_directors_report() -> None:
    """Every simulated director's /report ends with a filed item (failed = 0)."""
    section = await tiny("throughput")

    cells = row(section, "sqlite")
    assert cells[1] == "5"
    assert cells[-2] == "0"


async def test_the_fanout_benchmark_reaches_every_leader_exactly_once() -> None:
    """Every leader got exactly one reminder from the rate-limited fake (lost = duplicates = 0)."""
    section = await tiny("fanout")

    cells = row(section, "sqlite")
    assert cells[3] == "40"
    lost, duplicates = cells[9], cells[10]
    assert (lost, duplicates) == ("0", "0")


async def test_the_memory_benchmark_samples_the_resident_size() -> None:
    """The resident size is sampled idle and after each batch of updates."""
    section = await tiny("memory")

    assert "MiB" in row(section, "sqlite")[1]
    assert "- sqlite: 0: " in section.render()


async def test_the_rate_limit_benchmark_answers_every_director_under_a_flood() -> None:
    """With the limit, the flood is cut to its burst and no director is refused."""
    section = await tiny("rate_limit")

    rows = {
        tuple(cells[:2]): cells
        for line in section.lines
        for part in line.splitlines()
        if (cells := [c.strip() for c in part.strip().strip("|").split("|")])
    }
    limited = rows[("sqlite", "flood, limited")]
    assert rows[("sqlite", "baseline")]
    assert int(limited[9]) < int(limited[8])  # fewer flood events handled than sent
    assert limited[11] == "0"  # no director refused


def test_every_benchmark_is_known_to_the_runner() -> None:
    """Each name `coopbot bench` accepts has a module with a ``run``."""
    assert NAMES == ("summary", "throughput", "fanout", "memory", "rate_limit")
    for name in NAMES:
        assert callable(runner(name))
