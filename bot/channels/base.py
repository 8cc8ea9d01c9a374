"""What every channel offers the outbox sender, and the delivery errors it may raise."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from handlers.types import Reply
from storage.delivery_plan import Cause
from storage.outbox_payloads import OutboxPayload


class DeliveryError(Exception):
    """A message could not be delivered; subclasses say what to do about it."""


class RecipientUnreachable(DeliveryError):
    """The person blocked the bot or left the platform: do not retry."""


class RetryLater(DeliveryError):
    """The platform asked us to slow down; retry after ``seconds``."""

    def __init__(self, seconds: float, message: str = "") -> None:
        super().__init__(message or f"retry after {seconds} s")
        self.seconds = seconds


class TransientFailure(DeliveryError):
    """A network error or a server error: retry with back-off."""


class PermanentFailure(DeliveryError):
    """The platform refused the message itself (bad request): retrying will not help."""


class MessagingWindowClosed(PermanentFailure):
    """The platform's rules refuse this message for now, not the person.

    Zalo's reply window and proactive quota are such rules. The message is not retried on
    this channel; the outbox plans it on the person's other channels.
    """


class NoWayHere(MessagingWindowClosed):
    """This channel cannot carry this message to the person now, for ``causes``: the outbox
    tries the person's other channels (``storage.delivery_plan``)."""

    def __init__(self, message: str, causes: Sequence[Cause]) -> None:
        super().__init__(message)
        self.causes = list(causes)


@dataclass(frozen=True)
class Unasked:
    """What the outbox knows of a message nobody asked for, beyond its replies: a channel
    with another way for such messages (Zalo's templates) needs it."""

    dedupe_key: str
    person_id: int | None
    payload: OutboxPayload


class ChannelSender(Protocol):
    """Sends replies to one recipient on one channel (used by the outbox)."""

    name: str

    async def send(
        self, recipient: str, replies: list[Reply], unasked: Unasked | None = None
    ) -> None:
        """Deliver ``replies`` in order to ``recipient`` (the external chat id); ``unasked``
        describes the outbox message they render, when they render one.

        Raises:
            RecipientUnreachable, RetryLater, TransientFailure, PermanentFailure (of which
            NoWayHere: try the person's other channels).
        """
        ...
