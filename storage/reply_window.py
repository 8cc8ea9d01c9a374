"""Zalo's reply window, as data: when a person last wrote and what was sent to them since.

Zalo lets an Official Account answer a person for a while after they last wrote (48 hours,
8 free replies, as its help centre documents; docs/zalo.md names the source); beyond it, a
consultation message is refused and only an approved template reaches them. Knowing the
window from our own records lets the sender choose the template before Zalo refuses.

The moment a person last wrote is kept on the account (``ChannelIdentity.last_seen_at``) for
every channel, so the delivery plan can also prefer the channel a person used last.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from storage.models import ChannelIdentity

# Writing the moment on every message would cost a write per update; a minute is far finer
# than a 48-hour window needs.
SEEN_GRANULARITY = dt.timedelta(minutes=1)


@dataclass(frozen=True)
class ReplyWindow:
    """How long after a person wrote, and for how many messages, one may write back."""

    hours: float = 48.0
    free_replies: int = 8

    def closes_at(self, last_seen_at: dt.datetime | None) -> dt.datetime | None:
        """Return when the window of a person who last wrote at ``last_seen_at`` closes."""
        if last_seen_at is None:
            return None
        return last_seen_at + dt.timedelta(hours=self.hours)

    def is_open(self, identity: ChannelIdentity, now: dt.datetime) -> bool:
        """Tell whether a consultation message may go to ``identity`` now."""
        closes = self.closes_at(identity.last_seen_at)
        return closes is not None and now < closes and identity.sent_since_seen < self.free_replies


def note_seen(identity: ChannelIdentity, now: dt.datetime, message_ref: str | None) -> None:
    """Record that the person wrote from ``identity`` at ``now`` (their window opens again),
    and the message a later message can answer (``message_ref``), where the platform has one."""
    last = identity.last_seen_at
    if last is None or identity.sent_since_seen or now - last >= SEEN_GRANULARITY:
        identity.last_seen_at = now
        identity.sent_since_seen = 0
    if message_ref and message_ref != identity.last_message_ref:
        identity.last_message_ref = message_ref


async def count_sent(session: AsyncSession, channel: str, external_id: str, count: int) -> None:
    """Count ``count`` messages sent to an account since the person last wrote."""
    if count <= 0:
        return
    await session.execute(
        update(ChannelIdentity)
        .where(
            col(ChannelIdentity.channel) == channel,
            col(ChannelIdentity.external_id) == external_id,
        )
        .values(sent_since_seen=col(ChannelIdentity.sent_since_seen) + count)
    )
