"""Channel senders for outbox tests, recording what they are asked to send."""

from __future__ import annotations

from bot.channels.base import Unasked
from handlers.types import Reply


class RecordingSender:
    """A channel that records what it is asked to send, or fails as scripted."""

    name = "telegram"

    def __init__(self, failures: list[Exception] | None = None) -> None:
        self.sent: list[tuple[str, list[Reply]]] = []
        self.failures = failures or []

    async def send(
        self,
        recipient: str,
        replies: list[Reply],
        unasked: Unasked | None = None,  # noqa: ARG002 - the replies say all this channel sends
    ) -> None:
        """Record the replies, or raise the next scripted failure."""
        if self.failures:
            raise self.failures.pop(0)
        self.sent.append((recipient, replies))
