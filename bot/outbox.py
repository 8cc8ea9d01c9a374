"""The outbox sender: drains planned messages through the channels, with retries.

Long-lived (started with the bot, stopped with it). Any number of workers may run against the
same database: rows are claimed, never shared. Failures back off exponentially with jitter up
to a limit; ``RetryLater`` waits as the platform says; a recipient who blocked the bot is
marked unreachable instead of being retried forever; a message a channel cannot carry to the
person now (Zalo's reply window closed and no template could go) is ended there and planned
on the person's next channel (``storage.delivery_plan``); only when none is left are the
admins told, once per person and quarter.

A message is claimed right before it is sent, one at a time, and its outcome is recorded only
while the row is still in that attempt (storage/outbox.py). So a worker killed mid-way leaves
at most one message in doubt — the one whose send was under way — and no claimed-but-unsent
batch waiting for a lease. That one message is sent again once its lease runs out, so it may
arrive twice if the crash came after Telegram had taken it (docs/operations.md).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import random
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from bot.channels.base import (
    ChannelSender,
    DeliveryError,
    MessagingWindowClosed,
    NoWayHere,
    PermanentFailure,
    RecipientUnreachable,
    RetryLater,
    Unasked,
)
from bot.metrics import Metrics
from handlers.i18n import choose_locale, get_translator
from handlers.notices import Unrenderable, render
from handlers.notices.context import Notice
from handlers.typed_choice import merged, shown_buttons
from handlers.types import Reply
from storage.db import Database
from storage.delivery_plan import Cause, reroute
from storage.dialogs import find_identity, remember_shown_buttons, shown_buttons_of
from storage.errors import Busy, Unavailable
from storage.models import OutboxMessage, Person, utcnow
from storage.outbox import (
    CLAIM_LEASE,
    INTERRUPTED,
    claim_due,
    mark_failed,
    mark_retry,
    mark_sent,
    mark_unreachable,
)
from storage.outbox_payloads import InvalidPayload, read_payload

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class OutboxPolicy:
    """How hard to try."""

    max_attempts: int = 8
    base_delay: float = 5.0
    max_delay: float = 3600.0
    batch_size: int = 50  # the most messages one ``run_once`` sends
    per_chat_interval: float = 1.0  # Telegram allows about one message per second per chat
    lease: dt.timedelta = CLAIM_LEASE  # after this, a claimed message counts as interrupted


def backoff(attempts: int, policy: OutboxPolicy, rng: random.Random | None = None) -> float:
    """Return the delay before attempt ``attempts + 1``: exponential, capped, with jitter."""
    delay: float = min(policy.max_delay, policy.base_delay * 2.0 ** max(attempts - 1, 0))
    return delay * (0.5 + (rng or random).random() / 2)


# An attempt's outcome: the storage call recording it, given (session, message id, attempt).
Outcome = Callable[[AsyncSession, int, int], Awaitable[object]]


def failed_with(reason: str) -> Outcome:
    """Return the outcome "failed for good, with ``reason``"."""
    return lambda session, id_, attempt: mark_failed(session, id_, reason, attempt=attempt)


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
        metrics: Metrics | None = None,
    ) -> None:
        self.database = database
        self.senders = dict(senders)
        self.default_locale = default_locale
        self.policy = policy or OutboxPolicy()
        self.clock = clock
        self.metrics = metrics
        self._last_sent: dict[tuple[str, str], float] = {}
        self._paused = False  # the database was unavailable on the last try

    async def run_once(self) -> int:
        """Send the messages due now (at most a batch); return how many were attempted."""
        attempted = 0
        while attempted < self.policy.batch_size and await self.send_next():
            attempted += 1
        return attempted

    async def send_next(self) -> bool:
        """Claim the next due message and deliver it; return False when nothing is due."""
        async with self.database.transaction() as session:
            claimed = await claim_due(
                session,
                limit=1,
                now=self.clock(),
                channels=sorted(self.senders),
                lease=self.policy.lease,
            )
        if not claimed:
            return False
        await self._deliver(claimed[0])
        return True

    async def run_forever(self, stop: asyncio.Event, idle_interval: float = 1.0) -> None:
        """Keep draining until ``stop`` is set; a failing round is logged, never fatal."""
        while not stop.is_set():
            try:
                attempted = await self.send_next()
                if self._paused:
                    logger.info("outbox: the database answers again; sending resumed")
                    self._paused = False
            except (Busy, Unavailable) as error:
                if not self._paused:
                    logger.warning("outbox paused: %s Retrying every %ss.", error, idle_interval)
                self._paused = True
                attempted = False
            except Exception:
                logger.exception("outbox round failed; retrying shortly")
                attempted = False
            if not attempted:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=idle_interval)

    async def _deliver(self, message: OutboxMessage) -> None:
        if message.last_error == INTERRUPTED:
            logger.warning(
                "outbox message %s: an earlier attempt was interrupted; sending it again "
                "(it may arrive twice)",
                message.id,
            )
        sender = self.senders.get(message.channel)
        if sender is None:
            missing = f"channel {message.channel} is not running"
            await self._retry(message, dt.timedelta(minutes=5), missing)
            return
        replies = await self._replies(message)
        if replies is None:
            return
        try:
            if replies:
                await self._pace(message.channel, message.recipient)
                unasked = Unasked(
                    message.dedupe_key, message.person_id, read_payload(message.payload)
                )
                await sender.send(message.recipient, replies, unasked)
        except DeliveryError as error:
            await self._undelivered(message, error)
            return
        now = self.clock()
        if self.metrics is not None and replies:
            self.metrics.message_sent(message.channel, message.next_attempt_at, now)
        shown = shown_buttons(replies)

        async def sent(session: AsyncSession, id_: int, attempt: int) -> None:
            if await mark_sent(session, id_, now, attempt=attempt) and shown:
                # Its buttons' labels can now be typed too, beside those of the conversation.
                earlier = await shown_buttons_of(session, message.channel, message.recipient)
                both = merged(earlier, shown)
                await remember_shown_buttons(session, message.channel, message.recipient, both)

        await self._settle(message, sent)

    async def _replies(self, message: OutboxMessage) -> list[Reply] | None:
        """Return what a message says, or None when rendering failed (the outcome is recorded).

        A passing database fault or an unexpected error is tried again later; a payload no
        attempt can read (unknown or invalid kind) fails the message with the reason.
        """
        try:
            return await self._render(message)
        except (Busy, Unavailable) as error:
            logger.warning("outbox message %s not rendered: %s", message.id, error)
            await self._retry(message, dt.timedelta(seconds=5), str(error))
        except (InvalidPayload, Unrenderable) as error:
            logger.error("outbox message %s cannot be sent: %s", message.id, error)
            self._failed(message, "invalid")
            await self._settle(message, failed_with(str(error)))
        except Exception as error:
            logger.exception("outbox message %s could not be rendered", message.id)
            await self._retry(message, self._backoff(message), f"render: {error}"[:200])
        return None

    async def _undelivered(self, message: OutboxMessage, error: DeliveryError) -> None:
        """Record what a channel's refusal means: unreachable, later, again, or never."""
        reason = str(error)
        if isinstance(error, RecipientUnreachable):
            logger.warning(
                "recipient %s on %s is unreachable: %s", message.recipient, message.channel, error
            )
            self._failed(message, "unreachable")
            now = self.clock()
            await self._settle(
                message,
                lambda session, id_, attempt: mark_unreachable(
                    session, id_, reason or "blocked", now=now, attempt=attempt
                ),
            )
        elif isinstance(error, RetryLater):
            self._failed(message, "retry_later")
            delay = dt.timedelta(seconds=error.seconds)
            await self._retry(message, delay, reason, max_attempts=self.policy.max_attempts + 1)
        elif isinstance(error, MessagingWindowClosed):
            # Not the person but this way to them: the next channel of theirs gets it.
            logger.warning(
                "outbox message %s cannot go on %s: %s", message.id, message.channel, error
            )
            self._failed(message, "refused")
            now = self.clock()
            causes = error.causes if isinstance(error, NoWayHere) else [Cause.REFUSED]
            await self._settle(
                message,
                lambda session, id_, attempt: reroute(
                    session, id_, reason, causes, now=now, attempt=attempt
                ),
            )
        elif isinstance(error, PermanentFailure):
            logger.error("outbox message %s refused: %s", message.id, error)
            self._failed(message, "permanent")
            await self._settle(message, failed_with(reason))
        else:  # TransientFailure, or any other delivery error: try again later
            self._failed(message, "transient")
            await self._retry(message, self._backoff(message), reason or type(error).__name__)

    async def _settle(self, message: OutboxMessage, outcome: Outcome) -> None:
        """Record ``outcome`` for the attempt ``message`` is in."""
        message_id, attempt = message.id or 0, message.attempts
        await self._record(message_id, lambda session: outcome(session, message_id, attempt))

    async def _render(self, message: OutboxMessage) -> list[Reply]:
        """Return the replies a message stands for, in its recipient's language.

        Raises:
            InvalidPayload, Unrenderable: the stored payload is not one the sender can write.
        """
        async with self.database.session() as session:
            identity = await find_identity(session, message.channel, message.recipient)
            person = await session.get(Person, message.person_id) if message.person_id else None
            locale = choose_locale(
                person.locale if person else None,
                identity.platform_locale if identity else None,
                self.default_locale,
            )
            payload = read_payload(message.payload)
            notice = Notice(session, get_translator(locale), self.clock())
            return await render(notice, payload)

    def _backoff(self, message: OutboxMessage) -> dt.timedelta:
        return dt.timedelta(seconds=backoff(message.attempts, self.policy))

    def _failed(self, message: OutboxMessage, reason: str) -> None:
        if self.metrics is not None:
            self.metrics.send_failed(message.channel, reason)

    async def _retry(
        self,
        message: OutboxMessage,
        delay: dt.timedelta,
        error: str,
        *,
        max_attempts: int | None = None,
    ) -> None:
        """Schedule another attempt of ``message`` (unless it left this attempt meanwhile)."""
        await self._settle(
            message,
            lambda session, id_, attempt: mark_retry(
                session,
                id_,
                delay=delay,
                error=error,
                max_attempts=max_attempts or self.policy.max_attempts,
                now=self.clock(),
                attempt=attempt,
            ),
        )

    async def _record(
        self, message_id: int, action: Callable[[AsyncSession], Awaitable[object]]
    ) -> None:
        """Record an attempt's outcome, retrying while the database is busy or unreachable.

        A message that was sent but could not be recorded within half its lease is left to the
        lease: it will be tried again, and may arrive twice (it is logged as an error).
        """
        loop = asyncio.get_running_loop()
        give_up = loop.time() + self.policy.lease.total_seconds() / 2
        delay = 0.2
        while True:
            try:
                async with self.database.transaction() as session:
                    await action(session)
                return
            except (Busy, Unavailable) as error:
                if loop.time() + delay > give_up:
                    logger.error(
                        "outbox message %s: the outcome could not be recorded (%s); it will be "
                        "tried again when its lease runs out",
                        message_id,
                        error,
                    )
                    return
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)

    async def _pace(self, channel: str, recipient: str) -> None:
        """Keep at least ``per_chat_interval`` between two messages to the same chat."""
        loop = asyncio.get_running_loop()
        key = (channel, recipient)
        wait = self._last_sent.get(key, 0.0) + self.policy.per_chat_interval - loop.time()
        if wait > 0:
            await asyncio.sleep(wait)
        self._last_sent[key] = loop.time()
