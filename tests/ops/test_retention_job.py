"""The daily purge: registered at 03:00 in Vietnam, logged in one line; and its CLI twin."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot import retention as bot_retention
from bot.cli import app
from bot.retention import purge
from bot.scheduler import ReminderClock, purge_expired_job
from bot.settings import SettingsError, load_settings
from storage.db import Database
from storage.errors import Unavailable
from storage.models import OutboxStatus, utcnow
from storage.retention import PROCESSED_UPDATES, RetentionPolicy
from tests.conftest import database_url
from tests.support import retention_rows as rows

NOW = dt.datetime(2026, 5, 1, 20, 0, tzinfo=dt.UTC)
EXPIRED = NOW - dt.timedelta(days=200)  # past every default limit
POLICY = RetentionPolicy()


async def some_expired_rows(db: Database, moment: dt.datetime) -> None:
    """Store two expired updates, one expired sent message, one pending message and a fresh
    update, as of ``moment``."""
    async with db.transaction() as session:
        await rows.processed_update(session, moment - dt.timedelta(days=31))
        await rows.processed_update(session, moment - dt.timedelta(days=31))
        await rows.processed_update(session, moment - dt.timedelta(days=29))
        await rows.outbox(session, moment - dt.timedelta(days=181), OutboxStatus.SENT)
        await rows.outbox(session, moment - dt.timedelta(days=181), OutboxStatus.PENDING)


async def test_the_clock_purges_at_its_own_now_and_logs_one_line(
    db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    """The purge reads the clock (the demo's, in a demo) and says what it deleted, once."""
    await some_expired_rows(db, NOW)
    clock = ReminderClock(db, clock=lambda: NOW, retention=POLICY)

    with caplog.at_level(logging.INFO, logger="bot.retention"):
        await purge_expired_job(clock)

    lines = [r for r in caplog.records if r.getMessage().startswith("retention:")]
    assert [(r.levelname, r.getMessage()) for r in lines] == [
        (
            "INFO",
            "retention: deleted 2 processed updates, 0 conversation states, "
            "0 invite attempts, 1 outbox message, 0 button lists",
        )
    ]


async def test_a_clock_without_a_policy_purges_nothing(db: Database) -> None:
    """The demo's clock is given no policy: its purge is a no-op."""
    await some_expired_rows(db, NOW)
    assert await ReminderClock(db, clock=lambda: NOW).purge() == {}
    async with db.session() as session:
        assert await rows.count(session, PROCESSED_UPDATES) == 3


async def test_the_purge_runs_in_batches_until_nothing_is_left(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With batches of 2, five expired updates all go, over three transactions."""
    monkeypatch.setattr(bot_retention, "BATCH", 2)
    async with db.transaction() as session:
        for _ in range(5):
            await rows.processed_update(session, EXPIRED)
    assert (await purge(db, POLICY, NOW))[PROCESSED_UPDATES] == 5
    async with db.session() as session:
        assert await rows.count(session, PROCESSED_UPDATES) == 0


async def test_the_job_is_registered_daily_at_three_in_vietnam(db: Database) -> None:
    """03:00 in Asia/Ho_Chi_Minh is 20:00 UTC the day before, whatever the display zone."""
    clock = ReminderClock(db, clock=lambda: NOW, retention=POLICY)
    clock.start()
    try:
        assert clock._scheduler is not None
        job = clock._scheduler.get_job("purge-expired")
        after = dt.datetime(2026, 5, 1, 12, 0, tzinfo=dt.UTC)
        fire = job.trigger.get_next_fire_time(None, after)
        assert fire == dt.datetime(2026, 5, 1, 20, 0, tzinfo=dt.UTC)
        following = job.trigger.get_next_fire_time(fire, fire + dt.timedelta(seconds=1))
        assert following - fire == dt.timedelta(days=1)
    finally:
        await clock.stop()


async def test_without_a_policy_no_purge_job_is_registered(db: Database) -> None:
    """The reminder clock of the demo keeps only its minute tick."""
    clock = ReminderClock(db, clock=lambda: NOW)
    clock.start()
    try:
        assert clock._scheduler is not None
        assert clock._scheduler.get_job("purge-expired") is None
    finally:
        await clock.stop()


async def test_a_failing_purge_is_a_warning_for_tomorrow(
    db: Database, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An unreachable database does not stop the scheduler: one warning, tomorrow retries."""

    async def unreachable(*_args: object) -> dict[str, int]:
        raise Unavailable()

    monkeypatch.setattr("bot.scheduler.purge_and_log", unreachable)
    await purge_expired_job(ReminderClock(db, clock=lambda: NOW, retention=POLICY))
    (record,) = [r for r in caplog.records if "purge failed" in r.getMessage()]
    assert record.levelname == "WARNING"


def test_the_settings_build_the_policy_in_days(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each COOPBOT_RETAIN_*_DAYS reaches its period; the defaults are 30, 30, 90 and 180."""
    for name in ("PROCESSED_UPDATES", "DIALOGS", "INVITE_ATTEMPTS", "OUTBOX"):
        monkeypatch.delenv(f"COOPBOT_RETAIN_{name}_DAYS", raising=False)
    assert load_settings(_env_file=None).retention_policy() == RetentionPolicy()
    monkeypatch.setenv("COOPBOT_RETAIN_DIALOGS_DAYS", "7")
    monkeypatch.setenv("COOPBOT_RETAIN_OUTBOX_DAYS", "365")
    policy = load_settings(_env_file=None).retention_policy()
    assert (policy.dialogs, policy.outbox) == (dt.timedelta(days=7), dt.timedelta(days=365))


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("COOPBOT_RETAIN_PROCESSED_UPDATES_DAYS", "1"),
        ("COOPBOT_RETAIN_DIALOGS_DAYS", "1"),
        ("COOPBOT_RETAIN_INVITE_ATTEMPTS_DAYS", "0"),
        ("COOPBOT_RETAIN_OUTBOX_DAYS", "99"),
        ("COOPBOT_RETAIN_OUTBOX_DAYS", "3651"),
    ],
)
def test_a_period_out_of_bounds_names_its_variable(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str
) -> None:
    """A too short (or absurdly long) retention stops the command with the variable named."""
    monkeypatch.setenv(variable, value)
    with pytest.raises(SettingsError, match=variable):
        load_settings(_env_file=None)


def test_coopbot_retention_run_purges_once_and_prints_the_counts(
    empty_db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The CLI deletes what is past its time as of now and prints one line of counts."""
    url = database_url(tmp_path)
    monkeypatch.setenv("COOPBOT_DATABASE_URL", url)
    monkeypatch.chdir(tmp_path)  # no stray .env is read
    runner = CliRunner()
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0

    async def seed() -> None:
        database = Database(url)
        try:
            await some_expired_rows(database, utcnow())
        finally:
            await database.close()

    asyncio.run(seed())
    result = runner.invoke(app, ["retention", "run"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == (
        "deleted 2 processed updates, 0 conversation states, 0 invite attempts, "
        "1 outbox message, 0 button lists"
    )
    again = runner.invoke(app, ["retention", "run"])
    assert again.output.startswith("deleted 0 processed updates, ")
