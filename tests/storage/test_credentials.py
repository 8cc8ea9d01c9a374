"""Channel credentials: seeded once, rotated as a pair, claimed by one refresher at a time,
and stored sealed, so the database alone never gives the tokens away."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.button_overflow import load_buttons, save_buttons
from storage.credentials import (
    Tokens,
    claim_refresh,
    credential_state,
    load_tokens,
    replace_tokens,
    save_rotated,
    seal_tokens,
    seed_tokens,
)
from storage.models import ChannelCredential
from storage.secret_box import SecretBox, WrongSecretKey

NOW = dt.datetime(2026, 11, 26, 4, 0, tzinfo=dt.UTC)
KEY = "e7515OCGCqRrlbppLuXrnqLnuBpqRIPzY_mAo3EHmx4="
OTHER_KEY = "RvGIvAMeokE_roRdyvIKOrtBkofz8KW2xvQueiS_5_k="
BOX = SecretBox([KEY])


async def test_seeding_stores_the_first_tokens_and_never_overwrites_them(
    session: AsyncSession,
) -> None:
    """The configured pair is stored once; later seeds (spent tokens) change nothing."""
    assert await seed_tokens(session, "zalo", Tokens("a0", "r0"), BOX, now=NOW)
    assert not await seed_tokens(session, "zalo", Tokens("a-old", "r-old"), BOX, now=NOW)

    assert await load_tokens(session, "zalo", BOX) == Tokens("a0", "r0")
    assert await load_tokens(session, "other", BOX) is None


async def test_a_refresh_is_claimed_only_while_the_stale_token_is_stored(
    session: AsyncSession,
) -> None:
    """Whoever finds the row already rotated gets no claim and reads the new tokens instead."""
    await seed_tokens(session, "zalo", Tokens("a0", "r0"), BOX, now=NOW)

    claimed = await claim_refresh(session, "zalo", "a0", BOX, now=NOW)
    assert claimed == Tokens("a0", "r0")
    expires = NOW + dt.timedelta(hours=25)
    fresh = Tokens("a1", "r1", expires)
    assert await save_rotated(
        session, "zalo", BOX, spent_refresh_token="r0", tokens=fresh, now=NOW
    )

    assert await claim_refresh(session, "zalo", "a0", BOX, now=NOW) is None
    assert not await save_rotated(session, "zalo", BOX, spent_refresh_token="r0", tokens=fresh)
    assert await load_tokens(session, "zalo", BOX) == fresh


async def test_an_operator_can_replace_the_stored_tokens(session: AsyncSession) -> None:
    """replace_tokens stores a new pair whether or not one was stored."""
    await replace_tokens(session, "zalo", Tokens("a0", "r0"), BOX, now=NOW)
    await replace_tokens(session, "zalo", Tokens("a9", "r9"), BOX, now=NOW)

    assert await load_tokens(session, "zalo", BOX) == Tokens("a9", "r9")


async def stored_row(session: AsyncSession) -> tuple[str, str]:
    """Return the two token columns exactly as the database holds them."""
    row = (
        await session.execute(
            select(ChannelCredential.access_token, ChannelCredential.refresh_token).where(
                ChannelCredential.channel == "zalo"
            )
        )
    ).one()
    return row[0], row[1]


async def store_plain(session: AsyncSession, access: str, refresh: str) -> None:
    """Store tokens as coopbot did before sealing existed: plain text."""
    session.add(
        ChannelCredential(
            channel="zalo", access_token=access, refresh_token=refresh, updated_at=NOW
        )
    )
    await session.flush()


async def test_the_database_holds_no_token_text_and_another_key_cannot_open_it(
    session: AsyncSession,
) -> None:
    """Both columns are sealed values (different each time); only the right key opens them."""
    await replace_tokens(session, "zalo", Tokens("access-secret", "refresh-secret"), BOX)
    first = await stored_row(session)
    await replace_tokens(session, "zalo", Tokens("access-secret", "refresh-secret"), BOX)
    access, refresh = await stored_row(session)

    for column in (access, refresh):
        assert column.startswith("fernet:")
        assert "secret" not in column
    assert (access, refresh) != first  # sealing is randomised: equal tokens do not show
    with pytest.raises(WrongSecretKey, match="COOPBOT_SECRET_KEY") as refused:
        await load_tokens(session, "zalo", SecretBox([OTHER_KEY]))
    assert "access-secret" not in str(refused.value)
    assert await load_tokens(session, "zalo", BOX) == Tokens("access-secret", "refresh-secret")
    state = await credential_state(session, "zalo")
    assert state is not None
    assert state.sealed


async def test_plain_tokens_of_before_are_read_and_sealed_by_the_next_refresh(
    session: AsyncSession,
) -> None:
    """A plain pair works as it is; the rotation that follows stores the new pair sealed."""
    await store_plain(session, "a0", "r0")
    state = await credential_state(session, "zalo")
    assert state is not None
    assert not state.sealed

    assert await load_tokens(session, "zalo", BOX) == Tokens("a0", "r0")
    assert await claim_refresh(session, "zalo", "a0", BOX, now=NOW) == Tokens("a0", "r0")
    assert await save_rotated(
        session, "zalo", BOX, spent_refresh_token="r0", tokens=Tokens("a1", "r1"), now=NOW
    )

    access, refresh = await stored_row(session)
    assert access.startswith("fernet:")
    assert refresh.startswith("fernet:")
    assert await load_tokens(session, "zalo", BOX) == Tokens("a1", "r1")


# Long enough that a sealed token cannot contain them by chance (two characters could).
PLAIN_ACCESS = "plain-access-token"
PLAIN_REFRESH = "plain-refresh-token"


async def test_sealing_seals_plain_tokens_without_changing_them(session: AsyncSession) -> None:
    """seal_tokens seals a plain pair in place: same tokens, same expiry, same updated_at."""
    assert await seal_tokens(session, "zalo", BOX) is None  # nothing stored yet
    await store_plain(session, PLAIN_ACCESS, PLAIN_REFRESH)

    assert await seal_tokens(session, "zalo", BOX) == 2
    assert await seal_tokens(session, "zalo", BOX) == 0  # already sealed: sealed again

    access, refresh = await stored_row(session)
    assert PLAIN_ACCESS not in access
    assert PLAIN_REFRESH not in refresh
    assert await load_tokens(session, "zalo", BOX) == Tokens(PLAIN_ACCESS, PLAIN_REFRESH)
    state = await credential_state(session, "zalo")
    assert state is not None
    assert state.sealed
    assert state.updated_at == NOW


async def test_sealing_with_a_new_key_first_moves_the_tokens_to_it(session: AsyncSession) -> None:
    """A rotation: "new,old" opens what the old key sealed and seals it with the new one."""
    await replace_tokens(session, "zalo", Tokens("a0", "r0"), BOX)

    assert await seal_tokens(session, "zalo", SecretBox([OTHER_KEY, KEY])) == 0

    assert await load_tokens(session, "zalo", SecretBox([OTHER_KEY])) == Tokens("a0", "r0")
    with pytest.raises(WrongSecretKey):
        await load_tokens(session, "zalo", BOX)


async def test_sealing_with_a_wrong_key_changes_nothing(session: AsyncSession) -> None:
    """Tokens sealed with a key the box lacks are refused, not sealed over."""
    await replace_tokens(session, "zalo", Tokens("a0", "r0"), BOX)
    before = await stored_row(session)

    with pytest.raises(WrongSecretKey):
        await seal_tokens(session, "zalo", SecretBox([OTHER_KEY]))

    assert await stored_row(session) == before


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
