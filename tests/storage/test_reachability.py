"""Accounts flagged unreachable when a platform says so, and cleared when they come back."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import ChannelIdentity, OutboxMessage
from storage.reachability import mark_identity_reachable, mark_identity_unreachable
from tests import factories as f


async def test_an_unfollowing_member_is_flagged_once_and_the_admins_are_told_once(
    session: AsyncSession,
) -> None:
    """The first report flags the account and plans one notice per admin; repeats add nothing."""
    member = await f.actor(session, "admin", name="Lan")  # any registered person will do
    admin = await f.actor(session, "admin", name="Admin")
    session.add_all(
        [
            ChannelIdentity(channel="zalo", external_id="z1", person_id=member.person_id),
            ChannelIdentity(channel="telegram", external_id="t9", person_id=admin.person_id),
        ]
    )
    await session.flush()

    assert await mark_identity_unreachable(session, "zalo", "z1", "stopped following", now=f.T0)
    assert await mark_identity_unreachable(session, "zalo", "z1", "again", now=f.T0)

    identity = (
        await session.execute(select(ChannelIdentity).where(ChannelIdentity.external_id == "z1"))
    ).scalar_one()
    assert (identity.unreachable_since, identity.unreachable_reason) == (
        f.T0,
        "stopped following",
    )
    notices = (await session.execute(select(OutboxMessage))).scalars().all()
    assert [(n.recipient, n.payload["kind"]) for n in notices] == [("t9", "recipient_unreachable")]
    assert await mark_identity_reachable(session, "zalo", "z1")
    await session.refresh(identity)
    assert identity.unreachable_since is None
    assert not await mark_identity_reachable(session, "zalo", "z1")


async def test_a_stranger_who_unfollows_leaves_no_trace(session: AsyncSession) -> None:
    """No account, nothing to flag and nobody to tell."""
    assert not await mark_identity_unreachable(session, "zalo", "nobody", "stopped following")
    assert (await session.execute(select(OutboxMessage))).first() is None
