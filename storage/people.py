"""Who to tell: the admins reachable on a channel, the language a person reads, and the
command menu last published to a chat."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from storage.errors import N_
from storage.models import ChannelIdentity, Person, Role, RoleAssignment, utcnow
from storage.scope import grant_active

# What is shown wherever a person's name would be, once their data was erased at their request
# (storage.personal_data.erase_person): their items and events stay, their name does not.
ERASED_PERSON = N_("a person whose data was erased")


def shown_name(
    full_name: str,
    erased_at: dt.datetime | None,
    translate: Callable[[str], str] | None = None,
) -> str:
    """Return the name to show for a person: their name, or ``ERASED_PERSON`` (translated by
    ``translate`` when given; English for the operator's CLI) once their data was erased."""
    if erased_at is None:
        return full_name
    return translate(ERASED_PERSON) if translate else ERASED_PERSON


async def admin_chat_ids(
    session: AsyncSession, channel: str, *, now: dt.datetime | None = None
) -> list[str]:
    """Return the external ids on ``channel`` of everyone holding the admin role at ``now``.

    Accounts marked unreachable (the person blocked the bot) are left out. The ids are in a
    stable order and each appears once.
    """
    now = now or utcnow()
    rows = await session.execute(
        select(col(ChannelIdentity.external_id))
        .join(RoleAssignment, col(RoleAssignment.person_id) == col(ChannelIdentity.person_id))
        .where(
            col(ChannelIdentity.channel) == channel,
            col(ChannelIdentity.unreachable_since).is_(None),
            col(RoleAssignment.role) == Role.ADMIN,
            grant_active(now),
        )
        .distinct()
        .order_by(col(ChannelIdentity.external_id))
    )
    return list(rows.scalars())


async def preferred_locale(session: AsyncSession, channel: str, external_id: str) -> str | None:
    """Return the language a person chose, else their app's language, else None."""
    row = (
        await session.execute(
            select(col(Person.locale), col(ChannelIdentity.platform_locale))
            .select_from(ChannelIdentity)
            .outerjoin(Person, col(Person.id) == col(ChannelIdentity.person_id))
            .where(
                col(ChannelIdentity.channel) == channel,
                col(ChannelIdentity.external_id) == external_id,
            )
        )
    ).one_or_none()
    if row is None:
        return None
    chosen, platform = row
    return chosen or platform


async def admin_identities(
    session: AsyncSession, *, now: dt.datetime | None = None
) -> list[ChannelIdentity]:
    """Return every reachable account, on any channel, of people holding the admin role."""
    now = now or utcnow()
    rows = await session.execute(
        select(ChannelIdentity)
        .join(RoleAssignment, col(RoleAssignment.person_id) == col(ChannelIdentity.person_id))
        .where(
            col(ChannelIdentity.unreachable_since).is_(None),
            col(RoleAssignment.role) == Role.ADMIN,
            grant_active(now),
        )
        .order_by(col(ChannelIdentity.id))
    )
    unique = {identity.id: identity for identity in rows.scalars()}
    return list(unique.values())


async def forget_command_menu(session: AsyncSession, channel: str, external_id: str) -> None:
    """Forget which command menu a chat has, so the next event publishes it again."""
    await session.execute(
        update(ChannelIdentity)
        .where(
            col(ChannelIdentity.channel) == channel,
            col(ChannelIdentity.external_id) == external_id,
        )
        .values(command_menu=None)
    )
