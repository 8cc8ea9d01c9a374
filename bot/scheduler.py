"""The clock: APScheduler on the bot's event loop, asking storage what is due.

The scheduler decides nothing. Every minute it runs the planner for "now"; the planner knows
from the database and the schedule what is due and plans it idempotently. So a missed tick —
the bot was down at 08:00, the machine slept — costs nothing: the next tick (and the catch-up
run at start-up) plans the same messages, once. APScheduler's misfire grace therefore never
matters, and is disabled anyway.

Given a retention policy, the same scheduler also purges the runtime's expired rows once a day
at 03:00 in Vietnam, when nobody is writing; a missed run is caught up by the next one (the
purge deletes whatever is past its time, however long ago it passed).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import zoneinfo
from collections.abc import Callable, Coroutine
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger

from bot.retention import purge_and_log
from storage.calendar import ReminderSchedule
from storage.db import Database
from storage.errors import Busy, Unavailable
from storage.models import utcnow
from storage.reminders import PlanReport, plan_due
from storage.retention import RetentionPolicy

logger = logging.getLogger(__name__)

# Fixed rather than a setting: the quietest hour of the people coopbot serves.
PURGE_TIME = dt.time(3, 0)
PURGE_ZONE = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")


class ReminderClock:
    """Runs the reminder planner now and then every minute; with ``retention``, the daily purge."""

    def __init__(
        self,
        database: Database,
        schedule: ReminderSchedule | None = None,
        clock: Callable[[], dt.datetime] = utcnow,
        *,
        retention: RetentionPolicy | None = None,
    ) -> None:
        self.database = database
        self.schedule = schedule or ReminderSchedule()
        self.clock = clock
        self.retention = retention
        self._scheduler: AsyncIOScheduler | None = None
        self._lock = asyncio.Lock()
        self._ticks: set[asyncio.Task[None]] = set()

    async def tick(self) -> PlanReport:
        """Plan everything due at the clock's "now"."""
        async with self._lock, self.database.transaction() as session:
            report = await plan_due(session, self.clock(), self.schedule)
        if report.new:
            logger.info("planned %d reminder(s)", report.new)
        return report

    async def purge(self) -> dict[str, int]:
        """Delete the rows past their retention at the clock's "now" (nothing without a policy)."""
        if self.retention is None:
            return {}
        return await purge_and_log(self.database, self.retention, self.clock())

    def start(self) -> None:
        """Start ticking on the running event loop, with a catch-up tick right away."""
        scheduler = AsyncIOScheduler(timezone=self.schedule.tz)
        scheduler.add_job(
            self.run_job,
            CronTrigger(minute="*", timezone=self.schedule.tz),
            id="plan-reminders",
            misfire_grace_time=None,
            coalesce=True,
            max_instances=1,
            next_run_time=dt.datetime.now(dt.UTC),  # the catch-up run at start-up
        )
        if self.retention is not None:
            scheduler.add_job(
                self.run_purge_job,
                CronTrigger(hour=PURGE_TIME.hour, minute=PURGE_TIME.minute, timezone=PURGE_ZONE),
                id="purge-expired",
                misfire_grace_time=None,
                coalesce=True,
                max_instances=1,
            )
        scheduler.start()
        self._scheduler = scheduler

    async def run_job(self) -> None:
        """Run one logged tick in a task of our own, shielded from APScheduler's shutdown.

        APScheduler cancels a running job when it shuts down; cancelled mid-transaction, a
        tick would leave a database connection half-closed. So the tick runs to its end and
        ``stop`` waits for it instead.
        """
        await self._run_shielded(plan_reminders_job(self), "plan-reminders")

    async def run_purge_job(self) -> None:
        """Run the daily purge like a tick: logged, shielded, waited for by ``stop``."""
        await self._run_shielded(purge_expired_job(self), "purge-expired")

    async def _run_shielded(self, job: Coroutine[Any, Any, None], name: str) -> None:
        task = asyncio.create_task(job, name=name)
        self._ticks.add(task)
        task.add_done_callback(self._ticks.discard)
        await asyncio.shield(task)

    async def stop(self) -> None:
        """Stop ticking and wait for a tick in progress to finish."""
        if self._scheduler is not None:
            self._scheduler.shutdown(wait=False)
            self._scheduler = None
        if self._ticks:
            await asyncio.gather(*self._ticks, return_exceptions=True)


async def plan_reminders_job(reminder_clock: ReminderClock) -> None:
    """Plan the reminders due now (an APScheduler job; failures are logged, never fatal)."""
    try:
        await reminder_clock.tick()
    except (Busy, Unavailable) as error:
        logger.warning("planning reminders failed: %s The next tick retries.", error)
    except Exception:
        logger.exception("planning reminders failed; the next tick retries")


async def purge_expired_job(reminder_clock: ReminderClock) -> None:
    """Purge the expired rows (an APScheduler job; failures are logged, never fatal)."""
    try:
        await reminder_clock.purge()
    except (Busy, Unavailable) as error:
        logger.warning("retention: purge failed: %s Tomorrow's run retries.", error)
    except Exception:
        logger.exception("retention: purge failed; tomorrow's run retries")
