"""The demo clock: quarter jumps in Vietnam's time zone, forward only, remembered on disk."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from pathlib import Path

import pytest

from bot.clock import DemoClock, next_quarter_start, two_weeks_before_quarter_end

VN = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")


def local(*parts: int) -> dt.datetime:
    """Return a moment given in Vietnam's local time."""
    return dt.datetime(*parts, tzinfo=VN)


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (local(2026, 11, 26, 11, 0), local(2027, 1, 4, 8, 0)),  # 1 Jan 2027 is a Friday
        (local(2026, 1, 1, 9, 0), local(2026, 1, 5, 8, 0)),  # this quarter's is still ahead
        (local(2026, 1, 5, 8, 0), local(2026, 4, 6, 8, 0)),  # exactly at it: the next one
        (local(2026, 6, 30, 23, 59), local(2026, 7, 6, 8, 0)),
    ],
)
def test_the_next_quarter_starts_on_its_first_monday_at_eight(
    now: dt.datetime, expected: dt.datetime
) -> None:
    """The kick-off is the first Monday of Jan/Apr/Jul/Oct at 08:00 in Vietnam."""
    assert next_quarter_start(now.astimezone(dt.UTC), VN) == expected


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (local(2026, 11, 26, 11, 0), local(2026, 12, 18, 8, 0)),
        (local(2026, 12, 20, 8, 0), local(2027, 3, 18, 8, 0)),  # past it: next quarter's
    ],
)
def test_two_weeks_before_the_quarter_ends_is_the_next_such_morning(
    now: dt.datetime, expected: dt.datetime
) -> None:
    """The follow-up moment is 14 days before the next quarter begins, at 08:00."""
    assert two_weeks_before_quarter_end(now.astimezone(dt.UTC), VN) == expected


async def test_a_jump_moves_time_runs_the_planners_and_is_remembered(tmp_path: Path) -> None:
    """After a jump the clock runs on from the new moment, also for a clock reopened later."""
    real = dt.datetime(2026, 11, 26, 4, 0, tzinfo=dt.UTC)
    state = tmp_path / "clock.json"
    clock = DemoClock(state, real_now=lambda: real)
    seen: list[dt.datetime] = []

    async def failing(_moment: dt.datetime) -> None:
        raise RuntimeError("planner broke")

    async def planner(moment: dt.datetime) -> None:
        seen.append(moment)

    clock.on_jump.extend([failing, planner])
    target = local(2027, 1, 4, 8, 0)
    await clock.jump_to(target)
    assert clock.now() == target
    assert seen == [target]
    assert DemoClock(state, real_now=lambda: real).now() == target


async def test_the_clock_never_goes_back_and_needs_an_aware_time(tmp_path: Path) -> None:
    """A moment before the demo time, or a naive one, is refused and changes nothing."""
    clock = DemoClock(tmp_path / "clock.json")
    before = clock.now()
    with pytest.raises(ValueError, match="forward"):
        await clock.jump_to(before - dt.timedelta(days=1))
    with pytest.raises(ValueError, match="aware"):
        await clock.jump_to(dt.datetime(2030, 1, 1))  # noqa: DTZ001 - the point of the test
    assert clock.offset == dt.timedelta(0)
    assert not (tmp_path / "clock.json").exists()


def test_an_unreadable_clock_file_starts_at_real_time(tmp_path: Path) -> None:
    """A damaged state file is ignored rather than stopping the demo."""
    state = tmp_path / "clock.json"
    state.write_text("{not json", encoding="utf-8")
    assert DemoClock(state).offset == dt.timedelta(0)
