"""The demo clock: real time plus an offset, so a demo can jump to the next quarter.

The router and the outbox worker take a clock (a function returning an aware UTC datetime);
in demo mode they get ``DemoClock.now``. Jumps only go forward: stored timestamps (items,
events, outbox rows, conversation expiries) assume time never runs backwards.

Quarters are calendar quarters in the deployment's time zone (Asia/Ho_Chi_Minh by default),
the same rule the scheduler uses for its kick-off: the first Monday of January, April, July and
October at 08:00.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path

from storage.models import utcnow

logger = logging.getLogger(__name__)

KICKOFF_HOUR = 8
FOLLOW_UP_BEFORE_END = dt.timedelta(days=14)

JumpHook = Callable[[dt.datetime], Awaitable[None]]


def _quarter_start(year: int, quarter: int) -> dt.date:
    return dt.date(year, 3 * (quarter - 1) + 1, 1)


def _next_quarter(year: int, quarter: int) -> tuple[int, int]:
    return (year + 1, 1) if quarter == 4 else (year, quarter + 1)


def _at_kickoff_hour(day: dt.date, tz: dt.tzinfo) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(KICKOFF_HOUR), tzinfo=tz).astimezone(dt.UTC)


def _first_monday(day: dt.date) -> dt.date:
    return day + dt.timedelta(days=(7 - day.weekday()) % 7)


def next_quarter_start(now: dt.datetime, tz: dt.tzinfo) -> dt.datetime:
    """Return the next quarterly kick-off after ``now``: first Monday of the quarter, 08:00."""
    local = now.astimezone(tz)
    year, quarter = local.year, (local.month - 1) // 3 + 1
    kickoff = _at_kickoff_hour(_first_monday(_quarter_start(year, quarter)), tz)
    if kickoff > now:
        return kickoff
    year, quarter = _next_quarter(year, quarter)
    return _at_kickoff_hour(_first_monday(_quarter_start(year, quarter)), tz)


def two_weeks_before_quarter_end(now: dt.datetime, tz: dt.tzinfo) -> dt.datetime:
    """Return the next moment two weeks before a quarter ends, at 08:00 local time.

    That is the current quarter's when it is still ahead, else the next quarter's.
    """
    local = now.astimezone(tz)
    year, quarter = local.year, (local.month - 1) // 3 + 1
    for _ in range(2):
        following = _quarter_start(*_next_quarter(year, quarter))
        moment = _at_kickoff_hour(following - FOLLOW_UP_BEFORE_END, tz)
        if moment > now:
            return moment
        year, quarter = _next_quarter(year, quarter)
    raise AssertionError("unreachable: a quarter is longer than two weeks")  # pragma: no cover


class DemoClock:
    """Real time shifted by an offset that only grows; one per demo process.

    Args:
        state_file: where the offset is kept, so a restarted demo (or a shell on the same
            demo database) keeps the demo time. None keeps it in memory only.
        real_now: the real clock (tests pass a fixed one).
    """

    def __init__(
        self,
        state_file: Path | None = None,
        *,
        real_now: Callable[[], dt.datetime] = utcnow,
    ) -> None:
        self.state_file = state_file
        self._real_now = real_now
        self.offset = dt.timedelta(0)
        # Planners run after every jump (the scheduler plans due reminders there).
        self.on_jump: list[JumpHook] = []
        if state_file is not None and state_file.exists():
            self.offset = self._read(state_file)

    @staticmethod
    def _read(path: Path) -> dt.timedelta:
        try:
            seconds = float(json.loads(path.read_text(encoding="utf-8"))["offset_seconds"])
        except (OSError, ValueError, KeyError, TypeError):
            logger.warning("ignoring an unreadable demo clock file %s", path)
            return dt.timedelta(0)
        return dt.timedelta(seconds=max(seconds, 0.0))

    @staticmethod
    def _write(path: Path, offset: dt.timedelta) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({"offset_seconds": offset.total_seconds()}), encoding="utf-8")

    def now(self) -> dt.datetime:
        """Return the demo time (aware, UTC)."""
        return self._real_now() + self.offset

    async def jump_to(self, moment: dt.datetime) -> None:
        """Move the demo time to ``moment``, then run the ``on_jump`` planners.

        Raises:
            ValueError: ``moment`` is naive, or earlier than the demo time.
        """
        if moment.tzinfo is None:
            raise ValueError("the demo clock needs an aware datetime")
        if moment < self.now():
            raise ValueError("the demo clock only moves forward")
        self.offset = moment - self._real_now()
        if self.state_file is not None:
            await asyncio.to_thread(self._write, self.state_file, self.offset)
        logger.info("demo clock moved to %s", moment.isoformat())
        for hook in self.on_jump:
            try:
                await hook(moment)
            except Exception:
                # One failing planner must not leave the others unrun or the clock half-moved.
                logger.exception("a demo clock planner failed after the jump")
