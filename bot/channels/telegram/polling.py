"""Long polling that confirms an update to Telegram only after it was handled.

python-telegram-bot's ``Updater`` (22.8) puts the updates of a ``getUpdates`` answer on the
application's queue and at once raises its offset past them; its next ``getUpdates`` — sent
right away, long before the queued updates are processed — tells Telegram they are done. An
update still on the queue is then lost when the process is killed, and an update whose
handling failed because the database was down is lost too (the error handler ran, so it
counts as processed). So ``coopbot run`` polls with this loop instead::

    getUpdates(offset) → for each update: handle it (Application.process_update)
                         → only then offset = update_id + 1

An update that found the database unreachable (``Outcome.DEFERRED``) is handled again, after
a growing pause, until the database answers; later updates wait behind it, in order. A crash
at any point leaves the unconfirmed updates with Telegram, which delivers them again; the
router's record of handled update ids makes a repeat change nothing.

``serve_polling`` runs the whole bot this way until SIGINT or SIGTERM: the application's
start-up (``post_init``: command menu, outbox sender, reminder clock), the loop, optionally the
``/healthz`` and ``/metrics`` endpoints on their own port, and an orderly shutdown.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Awaitable
from typing import Any, TypeVar

from telegram import Update
from telegram.error import Conflict, InvalidToken, RetryAfter, TelegramError, TimedOut
from telegram.ext import Application

from bot.app import ALLOWED_UPDATES, TelegramApplication, services
from bot.channels.telegram.channel import Outcome, TelegramChannel
from bot.ops import ops_server

logger = logging.getLogger(__name__)

T = TypeVar("T")

POLL_TIMEOUT = 25  # seconds Telegram holds a getUpdates call open while nothing happens
MAX_RETRY_DELAY = 15.0  # the longest pause between two tries of a deferred update
_CONFLICT_DELAY = 5.0


class UpdatePoller:
    """Fetches updates and hands them to the channel one by one, confirming only handled ones."""

    def __init__(
        self,
        application: Application[Any, Any, Any, Any, Any, Any],
        channel: TelegramChannel,
        *,
        allowed_updates: list[str],
        poll_timeout: int = POLL_TIMEOUT,
        max_retry_delay: float = MAX_RETRY_DELAY,
    ) -> None:
        self.application = application
        self.channel = channel
        self.allowed_updates = allowed_updates
        self.poll_timeout = poll_timeout
        self.max_retry_delay = max_retry_delay
        self.offset: int | None = None  # the next update id to ask for; older ones are done

    async def run(self, stop: asyncio.Event) -> None:
        """Poll and handle updates until ``stop`` is set.

        Raises:
            InvalidToken: Telegram refused the bot's token.
        """
        if not await self._bootstrap(stop):
            return
        logger.info("polling Telegram for updates")
        while not stop.is_set():
            updates = await self._fetch(stop)
            for update in updates or []:
                if stop.is_set() or not await self._handle(update, stop):
                    break
                self.offset = update.update_id + 1
        await self._confirm()

    async def _bootstrap(self, stop: asyncio.Event) -> bool:
        """Remove any webhook (Telegram refuses getUpdates while one is set); False if stopped."""
        delay = 1.0
        while not stop.is_set():
            try:
                await self.application.bot.delete_webhook(drop_pending_updates=False)
                return True
            except InvalidToken:
                raise
            except TelegramError as error:
                logger.warning("could not remove the webhook (%s); retry in %.0fs", error, delay)
                await _sleep_unless_stopped(stop, delay)
                delay = min(delay * 2, 30.0)
        return False

    async def _fetch(self, stop: asyncio.Event) -> list[Update] | None:
        """Return the next updates Telegram has, or None once ``stop`` is set."""
        delay = 1.0
        while not stop.is_set():
            try:
                return await _unless_stopped(
                    stop,
                    self.application.bot.get_updates(
                        offset=self.offset,
                        timeout=self.poll_timeout,
                        allowed_updates=self.allowed_updates,
                    ),
                )
            except InvalidToken:
                raise
            except TimedOut:
                continue  # a long poll that outlived the read timeout: ask again
            except RetryAfter as error:
                wait = error.retry_after
                pause = wait if isinstance(wait, int | float) else wait.total_seconds()
                logger.warning("Telegram asked to wait %.0fs before polling again", pause)
                await _sleep_unless_stopped(stop, pause)
            except Conflict as error:
                logger.error(
                    "another process polls with this bot token, or a webhook is set: %s", error
                )
                await _sleep_unless_stopped(stop, _CONFLICT_DELAY)
            except Exception as error:  # network errors, or updates that could not be parsed
                logger.warning("polling failed (%s); retrying in %.0fs", error, delay)
                await _sleep_unless_stopped(stop, delay)
                delay = min(delay * 2, 30.0)
        return None

    async def _handle(self, update: Update, stop: asyncio.Event) -> bool:
        """Handle one update until it is done; False when stopped while it was deferred."""
        delay = 1.0
        while True:
            outcome = await self.channel.process(self.application, update)
            if outcome is not Outcome.DEFERRED:
                return True
            logger.warning(
                "update %s waits for the database; trying again in %.0fs", update.update_id, delay
            )
            if await _sleep_unless_stopped(stop, delay):
                return False
            delay = min(delay * 2, self.max_retry_delay)

    async def _confirm(self) -> None:
        """Tell Telegram which updates are done, so a restart does not fetch them again."""
        if self.offset is None:
            return
        try:
            await self.application.bot.get_updates(
                offset=self.offset, limit=1, timeout=0, allowed_updates=self.allowed_updates
            )
        except TelegramError as error:
            # Harmless: the next start fetches them again and the router skips them.
            logger.warning("could not confirm the last handled updates: %s", error)


async def _unless_stopped(stop: asyncio.Event, awaitable: Awaitable[T]) -> T | None:
    """Return what ``awaitable`` gives, or None (cancelling it) if ``stop`` is set first."""
    work = asyncio.ensure_future(awaitable)
    stopped = asyncio.ensure_future(stop.wait())
    try:
        await asyncio.wait({work, stopped}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        stopped.cancel()
        if not work.done():
            work.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await work
    if work.cancelled():
        return None
    return work.result()


async def _sleep_unless_stopped(stop: asyncio.Event, seconds: float) -> bool:
    """Wait ``seconds`` or until ``stop`` is set; return whether it was set."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=seconds)
    return stop.is_set()


async def serve_polling(
    application: TelegramApplication, *, host: str = "127.0.0.1", metrics_port: int | None = None
) -> None:
    """Run the bot by long polling until SIGINT or SIGTERM.

    Raises:
        InvalidToken: Telegram refused the bot's token.
        ServeError: the metrics port could not be served.
    """
    stop = asyncio.Event()
    install_stop_signals(stop)
    try:
        async with application:
            if application.post_init is not None:
                await application.post_init(application)
            await application.start()
            try:
                async with contextlib.AsyncExitStack() as stack:
                    found = services(application)
                    if metrics_port is not None:
                        await stack.enter_async_context(
                            ops_server(found.database, found.metrics, host=host, port=metrics_port)
                        )
                    poller = UpdatePoller(
                        application, found.channel, allowed_updates=list(ALLOWED_UPDATES)
                    )
                    await poller.run(stop)
            finally:
                await application.stop()
    finally:
        remove_stop_signals()
        if application.post_shutdown is not None:
            await application.post_shutdown(application)


def install_stop_signals(stop: asyncio.Event) -> None:
    """Set ``stop`` on SIGINT and SIGTERM, so the bot finishes what it does and shuts down."""
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)


def remove_stop_signals() -> None:
    """Give SIGINT and SIGTERM back to Python's defaults."""
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.remove_signal_handler(sig)
