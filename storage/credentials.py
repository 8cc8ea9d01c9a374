"""Rotating channel credentials (Zalo's access token and single-use refresh token).

Both tokens live in one ``channel_credential`` row and change together in one statement, so a
crash can never keep a new access token with a spent refresh token. A refresh is guarded
across processes by claiming the row: the first statement of the refreshing transaction is an
``UPDATE`` of the row, which locks it until commit (PostgreSQL row lock, SQLite write lock), so
a second process waits, then finds the access token changed and takes the new tokens instead
of spending the same refresh token again. No HTTP here: the caller makes the refresh call
between the claim and the save.

The tokens are stored sealed (``storage.secret_box``): every function that reads or writes
them takes the ``SecretBox`` of the runtime's key. Sealing is randomised, so stored values
cannot be compared with a token in SQL; the comparisons happen here, on opened values, while
the row is claimed. Plain values stored before sealing existed are read as they are, and
sealed at the next write or by ``seal_tokens``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from storage.models import ChannelCredential, utcnow
from storage.secret_box import SecretBox, is_sealed


@dataclass(frozen=True)
class Tokens:
    """An access token and the refresh token that goes with it."""

    access_token: str
    refresh_token: str
    expires_at: dt.datetime | None = None


@dataclass(frozen=True)
class CredentialState:
    """What can be said of stored tokens without opening them."""

    updated_at: dt.datetime
    expires_at: dt.datetime | None
    sealed: bool  # both tokens are sealed; False while one is still plain text


@dataclass(frozen=True)
class _StoredRow:
    """The row's values as stored (sealed or plain), read afresh rather than from the session's
    identity map, which could hold values another connection has since replaced."""

    access_token: str
    refresh_token: str
    expires_at: dt.datetime | None
    updated_at: dt.datetime


async def _stored_row(session: AsyncSession, channel: str) -> _StoredRow | None:
    row = (
        await session.execute(
            select(
                col(ChannelCredential.access_token),
                col(ChannelCredential.refresh_token),
                col(ChannelCredential.expires_at),
                col(ChannelCredential.updated_at),
            ).where(col(ChannelCredential.channel) == channel)
        )
    ).one_or_none()
    return None if row is None else _StoredRow(*row)


async def _claim_row(session: AsyncSession, channel: str) -> bool:
    """Lock the row of ``channel`` for this transaction without changing it; False if none.

    Must be the transaction's first statement (on SQLite a read first would pin a snapshot that
    a concurrent writer makes unwritable).
    """
    claimed = await session.execute(
        update(ChannelCredential)
        .where(col(ChannelCredential.channel) == channel)
        .values(updated_at=col(ChannelCredential.updated_at))
    )
    return bool(claimed.rowcount == 1)  # type: ignore[attr-defined]


async def load_tokens(session: AsyncSession, channel: str, box: SecretBox) -> Tokens | None:
    """Return the stored tokens of ``channel``, opened, or None when none were stored yet.

    Raises:
        WrongSecretKey: the tokens were sealed with a key ``box`` does not hold.
    """
    row = await _stored_row(session, channel)
    if row is None:
        return None
    return Tokens(box.reveal(row.access_token), box.reveal(row.refresh_token), row.expires_at)


async def credential_state(session: AsyncSession, channel: str) -> CredentialState | None:
    """Return when the tokens of ``channel`` changed, expire, and whether they are sealed."""
    row = await _stored_row(session, channel)
    if row is None:
        return None
    return CredentialState(
        updated_at=row.updated_at,
        expires_at=row.expires_at,
        sealed=is_sealed(row.access_token) and is_sealed(row.refresh_token),
    )


async def seed_tokens(
    session: AsyncSession,
    channel: str,
    tokens: Tokens,
    box: SecretBox,
    *,
    now: dt.datetime | None = None,
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
            access_token=box.seal(tokens.access_token),
            refresh_token=box.seal(tokens.refresh_token),
            expires_at=tokens.expires_at,
            updated_at=now or utcnow(),
        )
        .on_conflict_do_nothing(index_elements=["channel"])
    )
    result = await session.execute(statement)
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def replace_tokens(
    session: AsyncSession,
    channel: str,
    tokens: Tokens,
    box: SecretBox,
    *,
    now: dt.datetime | None = None,
) -> None:
    """Store ``tokens`` over whatever is stored (an operator setting new ones by hand)."""
    if not await seed_tokens(session, channel, tokens, box, now=now):
        await session.execute(
            update(ChannelCredential)
            .where(col(ChannelCredential.channel) == channel)
            .values(
                access_token=box.seal(tokens.access_token),
                refresh_token=box.seal(tokens.refresh_token),
                expires_at=tokens.expires_at,
                updated_at=now or utcnow(),
            )
        )


async def claim_refresh(
    session: AsyncSession,
    channel: str,
    stale_access_token: str,
    box: SecretBox,
    *,
    now: dt.datetime | None = None,
) -> Tokens | None:
    """Claim the right to refresh while the stored access token is still the stale one.

    Must be the transaction's first statement. Returns the tokens to refresh with, or None
    when another task or process has already replaced the stale token (read them with
    ``load_tokens``); either way the row stays locked until the transaction ends.

    Raises:
        WrongSecretKey: the tokens were sealed with a key ``box`` does not hold.
    """
    if not await _claim_row(session, channel):
        return None
    stored = await load_tokens(session, channel, box)
    if stored is None or stored.access_token != stale_access_token:
        return None
    await session.execute(
        update(ChannelCredential)
        .where(col(ChannelCredential.channel) == channel)
        .values(updated_at=now or utcnow())
    )
    return stored


async def save_rotated(
    session: AsyncSession,
    channel: str,
    box: SecretBox,
    *,
    spent_refresh_token: str,
    tokens: Tokens,
    now: dt.datetime | None = None,
) -> bool:
    """Store the new pair in place of the one whose refresh token was just spent.

    Returns False (and changes nothing) when the stored refresh token is no longer the spent
    one, which only happens when someone replaced the tokens by hand meanwhile.

    Raises:
        WrongSecretKey: the tokens were sealed with a key ``box`` does not hold.
    """
    row = await _stored_row(session, channel)
    if row is None or box.reveal(row.refresh_token) != spent_refresh_token:
        return False
    # The sealed value just read stands for the spent token: the update only applies if the
    # row still holds exactly it.
    result = await session.execute(
        update(ChannelCredential)
        .where(
            col(ChannelCredential.channel) == channel,
            col(ChannelCredential.refresh_token) == row.refresh_token,
        )
        .values(
            access_token=box.seal(tokens.access_token),
            refresh_token=box.seal(tokens.refresh_token),
            expires_at=tokens.expires_at,
            updated_at=now or utcnow(),
        )
    )
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


async def seal_tokens(session: AsyncSession, channel: str, box: SecretBox) -> int | None:
    """Seal the stored tokens of ``channel`` with the first key of ``box``, plain or sealed.

    Seals plain values stored before sealing existed, and moves values sealed with an older
    key to the newest one (a key rotation). The tokens themselves and ``updated_at`` stay as
    they are. Must be the transaction's first statement. Returns how many values were plain
    text, or None when no tokens are stored.

    Raises:
        WrongSecretKey: the tokens were sealed with a key ``box`` does not hold.
    """
    if not await _claim_row(session, channel):
        return None
    row = await _stored_row(session, channel)
    if row is None:  # pragma: no cover - the claim found it and holds it
        return None
    plain = sum(not is_sealed(value) for value in (row.access_token, row.refresh_token))
    await session.execute(
        update(ChannelCredential)
        .where(col(ChannelCredential.channel) == channel)
        .values(
            access_token=box.reseal(row.access_token),
            refresh_token=box.reseal(row.refresh_token),
        )
    )
    return plain
