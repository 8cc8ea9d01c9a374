"""Channel credentials: seeded once, rotated as a pair, claimed by one refresher at a time."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.ext.asyncio import AsyncSession

from storage.button_overflow import load_buttons, save_buttons
from storage.credentials import (
    Tokens,
    claim_refresh,
    load_tokens,
    replace_tokens,
    save_rotated,
    seed_tokens,
)

NOW = dt.datetime(2026, 11, 26, 4, 0, tzinfo=dt.UTC)


async def test_seeding_stores_the_first_tokens_and_never_overwrites_them(
    session: AsyncSession,
) -> None:
    """The configured pair is stored once; later seeds (spent tokens) change nothing."""
    assert await seed_tokens(session, "zalo", Tokens("a0", "r0"), now=NOW)
    assert not await seed_tokens(session, "zalo", Tokens("a-old", "r-old"), now=NOW)

    assert await load_tokens(session, "zalo") == Tokens("a0", "r0")
    assert await load_tokens(session, "other") is None


async def test_a_refresh_is_claimed_only_while_the_stale_token_is_stored(
    session: AsyncSession,
) -> None:
    """Whoever finds the row already rotated gets no claim and reads the new tokens instead."""
    await seed_tokens(session, "zalo", Tokens("a0", "r0"), now=NOW)

    claimed = await claim_refresh(session, "zalo", "a0", now=NOW)
    assert claimed == Tokens("a0", "r0")
    expires = NOW + dt.timedelta(hours=25)
    fresh = Tokens("a1", "r1", expires)
    assert await save_rotated(session, "zalo", spent_refresh_token="r0", tokens=fresh, now=NOW)

    assert await claim_refresh(session, "zalo", "a0", now=NOW) is None
    assert not await save_rotated(session, "zalo", spent_refresh_token="r0", tokens=fresh)
    assert await load_tokens(session, "zalo") == fresh


async def test_an_operator_can_replace_the_stored_tokens(session: AsyncSession) -> None:
    """replace_tokens stores a new pair whether or not one was stored."""
    await replace_tokens(session, "zalo", Tokens("a0", "r0"), now=NOW)
    await replace_tokens(session, "zalo", Tokens("a9", "r9"), now=NOW)

    assert await load_tokens(session, "zalo") == Tokens("a9", "r9")


async def test_overflowing_buttons_are_kept_per_account_and_replaced_by_the_next(
    session: AsyncSession,
) -> None:
    """The latest overflowing list wins; other accounts and channels are untouched."""
    await save_buttons(session, "zalo", "u1", [("Một", "a:1"), ("Hai", "a:2")], now=NOW)
    await save_buttons(session, "zalo", "u2", [("Khác", "b:1")], now=NOW)
    await save_buttons(session, "zalo", "u1", [("Ba", "c:3")], now=NOW)

    assert await load_buttons(session, "zalo", "u1") == [("Ba", "c:3")]
    assert await load_buttons(session, "zalo", "u2") == [("Khác", "b:1")]
    assert await load_buttons(session, "telegram", "u1") is None
