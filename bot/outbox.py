"""The outbox sender: drains planned messages through the channels, with retries.

Long-lived (started with the bot, stopped with it). Any number of workers may run against the
same database: rows are claimed, never shared. Failures back off exponentially with jitter up
to a limit; ``RetryLater`` waits as the platform says; a recipient who blocked the bot is
marked unreachable instead of being retried forever; a message the platform's rules refuse
for now (Zalo's 48-hour window) is marked failed with the reason, and the admins are told.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from bot.channels.base import (
    ChannelSender,
    MessagingWindowClosed,
    PermanentFailure,
    RecipientUnreachable,
    RetryLater,
    TransientFailure,
)
from handlers.i18n import choose_locale, get_translator
from handlers.notifications import render_outbox_payload
from storage.db import Database
from storage.dialogs import find_identity
from storage.models import OutboxMessage, Person, utcnow
from storage.outbox import (
    claim_due,
    mark_failed,
    mark_refused,
    mark_retry,
    mark_sent,
    mark_unreachable,
)

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class OutboxPolicy:
    """How hard to try."""

    max_attempts: int = 8
    base_delay: float = 5.0
    max_delay: float = 3600.0
    batch_size: int = 50
    per_chat_interval: float = 1.0  # Telegram allows about one message per second per chat


def backoff(attempts: int, policy: OutboxPolicy, rng: random.Random | None = None) -> float:
    """Return the delay before attempt ``attempts + 1``: exponential, capped, with jitter."""
    delay = min(policy.max_delay, policy.base_delay * 2 ** max(attempts - 1, 0))
    return delay * (0.5 + (rng or random).random() / 2)


class OutboxWorker:
    """Claims due messages and sends them through the matching channel."""

    def __init__(
        self,
        database: Database,
        senders: Mapping[str, ChannelSender],
        *,
        default_locale: str = "vi",
        policy: OutboxPolicy | None = None,
        clock: Callable[[], dt.datetime] = utcnow,
    ) -> None:
        self.database = database
        self.senders = dict(senders)
        self.default_locale = default_locale
        self.policy = policy or OutboxPolicy()
        self.clock = clock
        self._last_sent: dict[tuple[str, str], float] = {}

    async def run_once(self) -> int:
        """Send every message due now; return how many were attempted."""
        async with self.database.transaction() as session:
            claimed = await claim_due(
                session,
                limit=self.policy.batch_size,
                now=self.clock(),
                channels=sorted(self.senders),
            )
        for message in claimed:
            await self._deliver(message)
        return len(claimed)

    async def run_forever(self, stop: asyncio.Event, idle_interval: float = 1.0) -> None:
        """Keep draining until ``stop`` is set; a failing round is logged, never fatal."""
        while not stop.is_set():
            try:
                attempted = await self.run_once()
            except Exception:
                logger.exception("outbox round failed; retrying shortly")
                attempted = 0
            if attempted == 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=idle_interval)

    async def _deliver(self, message: OutboxMessage) -> None:
        message_id = message.id or 0
        sender = self.senders.get(message.channel)
        if sender is None:
            async with self.database.transaction() as session:
                await mark_retry(
                    session,
                    message_id,
                    delay=dt.timedelta(minutes=5),
                    error=f"channel {message.channel} is not running",
                    max_attempts=self.policy.max_attempts,
                    now=self.clock(),
                )
            return
        async with self.database.session() as session:
            identity = await find_identity(session, message.channel, message.recipient)
            person = await session.get(Person, message.person_id) if message.person_id else None
            locale = choose_locale(
                person.locale if person else None,
                identity.platform_locale if identity else None,
                self.default_locale,
            )
            replies = await render_outbox_payload(session, message.payload, get_translator(locale))
        try:
            if replies:
                await self._pace(message.channel, message.recipient)
                await sender.send(message.recipient, replies)
        except RecipientUnreachable as error:
            logger.warning(
                "recipient %s on %s is unreachable: %s", message.recipient, message.channel, error
            )
            async with self.database.transaction() as session:
                await mark_unreachable(
                    session, message_id, str(error) or "blocked", now=self.clock()
                )
        except RetryLater as error:
            async with self.database.transaction() as session:
                await mark_retry(
                    session,
                    message_id,
                    delay=dt.timedelta(seconds=error.seconds),
                    error=str(error),
                    max_attempts=self.policy.max_attempts + 1,
                    now=self.clock(),
                )
        except TransientFailure as error:
            delay = backoff(message.attempts, self.policy)
            async with self.database.transaction() as session:
                await mark_retry(
                    session,
                    message_id,
                    delay=dt.timedelta(seconds=delay),
                    error=str(error) or type(error).__name__,
                    max_attempts=self.policy.max_attempts,
                    now=self.clock(),
                )
        except MessagingWindowClosed as error:
            logger.warning("outbox message %s not allowed now: %s", message_id, error)
            async with self.database.transaction() as session:
                await mark_refused(session, message_id, str(error), now=self.clock())
        except PermanentFailure as error:
            logger.error("outbox message %s refused: %s", message_id, error)
            async with self.database.transaction() as session:
                await mark_failed(session, message_id, str(error))
        else:
            async with self.database.transaction() as session:
                await mark_sent(session, message_id, now=self.clock())

    async def _pace(self, channel: str, recipient: str) -> None:
        """Keep at least ``per_chat_interval`` between two messages to the same chat."""
        loop = asyncio.get_running_loop()
        key = (channel, recipient)
        wait = self._last_sent.get(key, 0.0) + self.policy.per_chat_interval - loop.time()
        if wait > 0:
            await asyncio.sleep(wait)
        self._last_sent[key] = loop.time()
