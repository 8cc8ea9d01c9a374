"""Rotating channel credentials (Zalo's access token and single-use refresh token).

Both tokens live in one ``channel_credential`` row and change together in one statement, so a
crash can never keep a new access token with a spent refresh token. A refresh is guarded
across processes by a conditional ``UPDATE``: the first statement of the refreshing
transaction claims the row only while it still holds the access token the caller found
stale. That locks the row until commit (PostgreSQL row lock, SQLite write lock), so a second
process waits, then finds the row changed and takes the new tokens instead of spending the
same refresh token again. No HTTP here: the caller makes the refresh call between the claim
and the save.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from storage.models import ChannelCredential, utcnow


@dataclass(frozen=True)
class Tokens:
    """An access token and the refresh token that goes with it."""

    access_token: str
    refresh_token: str
    expires_at: dt.datetime | None = None


async def load_tokens(session: AsyncSession, channel: str) -> Tokens | None:
    """Return the stored tokens of ``channel``, or None when none were stored yet."""
    row = (
        await session.execute(
            select(ChannelCredential).where(col(ChannelCredential.channel) == channel)
        )
    ).scalar_one_or_none()
    if row is None:
        return None
    return Tokens(row.access_token, row.refresh_token, row.expires_at)


async def seed_tokens(
    session: AsyncSession, channel: str, tokens: Tokens, *, now: dt.datetime | None = None
) -> bool:
    """Store the first tokens of ``channel`` unless some are stored; return True if stored.

    Stored tokens always win over the seed: after the first refresh the configured refresh
    token is spent, and overwriting the rotated pair with it would lock the channel out.
    """
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = (
        insert(ChannelCredential)
        .values(
            channel=channel,
            access_token=tokens.access_token,
            refresh_token=tokens.refresh_token,
            expires_at=tokens.expires_at,
            updated_at=now or utcnow(),
        )
        .on_conflict_do_nothing(index_elements=["channel"])
    )
    result = await session.execute(statement)
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def replace_tokens(
    session: AsyncSession, channel: str, tokens: Tokens, *, now: dt.datetime | None = None
) -> None:
    """Store ``tokens`` over whatever is stored (an operator setting new ones by hand)."""
    if not await seed_tokens(session, channel, tokens, now=now):
        await session.execute(
            update(ChannelCredential)
            .where(col(ChannelCredential.channel) == channel)
            .values(
                access_token=tokens.access_token,
                refresh_token=tokens.refresh_token,
                expires_at=tokens.expires_at,
                updated_at=now or utcnow(),
            )
        )


async def claim_refresh(
    session: AsyncSession, channel: str, stale_access_token: str, *, now: dt.datetime | None = None
) -> Tokens | None:
    """Claim the right to refresh while the stored access token is still the stale one.

    Must be the transaction's first statement (on SQLite a read first would pin a snapshot that
    a concurrent refresh makes unwritable). Returns the tokens to refresh with, or None when
    another task or process has already replaced the stale token (read them with
    ``load_tokens``).
    """
    claimed = await session.execute(
        update(ChannelCredential)
        .where(
            col(ChannelCredential.channel) == channel,
            col(ChannelCredential.access_token) == stale_access_token,
        )
        .values(updated_at=now or utcnow())
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        return None
    return await load_tokens(session, channel)


async def save_rotated(
    session: AsyncSession,
    channel: str,
    *,
    spent_refresh_token: str,
    tokens: Tokens,
    now: dt.datetime | None = None,
) -> bool:
    """Store the new pair in place of the one whose refresh token was just spent.

    Returns False (and changes nothing) when the stored refresh token is no longer the spent
    one, which only happens when someone replaced the tokens by hand meanwhile.
    """
    result = await session.execute(
        update(ChannelCredential)
        .where(
            col(ChannelCredential.channel) == channel,
            col(ChannelCredential.refresh_token) == spent_refresh_token,
        )
        .values(
            access_token=tokens.access_token,
            refresh_token=tokens.refresh_token,
            expires_at=tokens.expires_at,
            updated_at=now or utcnow(),
        )
    )
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


async def credential_updated_at(session: AsyncSession, channel: str) -> dt.datetime | None:
    """Return when the tokens of ``channel`` last changed, or None when none are stored."""
    return (
        await session.execute(
            select(col(ChannelCredential.updated_at)).where(
                col(ChannelCredential.channel) == channel
            )
        )
    ).scalar_one_or_none()
