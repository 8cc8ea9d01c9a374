"""What every channel offers the outbox sender, and the delivery errors it may raise."""

from __future__ import annotations

from typing import Protocol

from handlers.types import Reply


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
    """The platform's rules refuse this message for now, not the person: tell the admins.

    Zalo's 48-hour reply window and proactive quota are such rules. The message is not retried
    on its own; an admin may retry it once the person has written again.
    """


class ChannelSender(Protocol):
    """Sends replies to one recipient on one channel (used by the outbox)."""

    name: str

    async def send(self, recipient: str, replies: list[Reply]) -> None:
        """Deliver ``replies`` in order to ``recipient`` (the external chat id).

        Raises:
            RecipientUnreachable, RetryLater, TransientFailure, PermanentFailure.
        """
        ...
