"""Whether an account can be written to, as the platform tells us outside of any delivery.

Zalo reports when someone stops following the Official Account (after which it refuses our
messages) and when they follow again. An unreachable account gets no reminders or notices
(the planners skip it), and the admins are told once, as when a delivery finds it blocked.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from storage.dialogs import find_identity
from storage.models import ChannelIdentity, utcnow
from storage.outbox import tell_admins
from storage.outbox_payloads import RecipientUnreachable


async def mark_identity_unreachable(
    session: AsyncSession,
    channel: str,
    external_id: str,
    reason: str,
    *,
    now: dt.datetime | None = None,
) -> bool:
    """Flag the account unreachable and tell the admins; False for an account we never admitted.

    An account already flagged keeps its first date and reason, and the admins are not told
    again.
    """
    now = now or utcnow()
    identity = await find_identity(session, channel, external_id)
    if identity is None:
        return False
    if identity.unreachable_since is not None:
        return True
    identity.unreachable_since = now
    identity.unreachable_reason = reason[:200]
    await session.flush()
    if identity.person_id is not None:
        notice = RecipientUnreachable(
            channel=channel,
            recipient=external_id,
            person_id=identity.person_id,
            reason=reason[:200],
        )
        await tell_admins(session, notice, now=now)
    return True


async def mark_identity_reachable(session: AsyncSession, channel: str, external_id: str) -> bool:
    """Clear the unreachable flag of an account; return True when it was set."""
    result = await session.execute(
        update(ChannelIdentity)
        .where(
            col(ChannelIdentity.channel) == channel,
            col(ChannelIdentity.external_id) == external_id,
            col(ChannelIdentity.unreachable_since).is_not(None),
        )
        .values(unreachable_since=None, unreachable_reason=None)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]
