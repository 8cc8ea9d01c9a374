"""Zalo's rotating tokens: refreshed once when refused, stored as a pair, never spent twice."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.channels.base import PermanentFailure
from bot.channels.zalo.channel import ZaloService
from bot.channels.zalo.client import ZaloOAuth
from bot.channels.zalo.tokens import ZaloTokens
from handlers.types import Reply
from storage.credentials import Tokens, load_tokens, replace_tokens
from storage.db import Database
from storage.models import ChannelCredential
from storage.secret_box import SecretBox, WrongSecretKey
from tests.conftest import database_url
from tests.fakes.zalo_api import MESSAGE_PATH, TOKEN_PATH, FakeZalo
from tests.zalo.conftest import BOX, USER

HELLO = [Reply(text="Xin chào")]
OTHER_KEY = "RvGIvAMeokE_roRdyvIKOrtBkofz8KW2xvQueiS_5_k="


async def stored(db: Database) -> Tokens | None:
    """Return the Zalo tokens in the database."""
    async with db.session() as session:
        return await load_tokens(session, "zalo", BOX)


async def test_an_expired_access_token_is_refreshed_once_and_both_new_tokens_are_stored(
    zalo: ZaloService, fake_zalo: FakeZalo, db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    """-216 mid-run: one refresh call, the message is sent again, and the new pair is saved."""
    for name in ("bot", "storage", "httpx", "httpcore"):
        caplog.set_level(logging.DEBUG, logger=name)
    await zalo.sender.send(USER, HELLO)
    assert await stored(db) == Tokens("access-0", "refresh-0")
    fake_zalo.expire_access_token()

    await zalo.sender.send(USER, HELLO)

    calls = fake_zalo.calls()
    assert [(c.path, c.error) for c in calls[1:]] == [
        (MESSAGE_PATH, -216),
        (TOKEN_PATH, 0),
        (MESSAGE_PATH, 0),
    ]
    assert calls[-1].access_token == "access-1"
    tokens = await stored(db)
    assert tokens is not None
    assert (tokens.access_token, tokens.refresh_token) == ("access-1", "refresh-1")
    assert tokens.expires_at is not None
    remaining = tokens.expires_at - dt.datetime.now(dt.UTC)
    assert dt.timedelta(hours=24) < remaining <= dt.timedelta(hours=25)
    for secret in ("access-0", "refresh-0", "access-1", "refresh-1", "app-secret-42"):
        assert secret not in caplog.text


async def test_sends_that_all_need_a_refresh_at_once_make_one_refresh_call(
    zalo: ZaloService, fake_zalo: FakeZalo
) -> None:
    """Five messages meeting an expired token together wait for a single refresh."""
    await zalo.sender.send(USER, HELLO)
    fake_zalo.expire_access_token()
    fake_zalo.refresh_delay = 0.3

    await asyncio.gather(*(zalo.sender.send(f"{USER}{n}", HELLO) for n in range(5)))

    assert len(fake_zalo.calls(TOKEN_PATH)) == 1
    assert len(fake_zalo.messages()) == 6


async def test_two_processes_refreshing_at_once_spend_the_refresh_token_once(
    fake_zalo: FakeZalo, db: Database, tmp_path: Path
) -> None:
    """Two workers with their own engines both find the token stale; only one calls Zalo."""
    fake_zalo.refresh_delay = 0.3
    async with db.transaction() as session:
        await replace_tokens(session, "zalo", Tokens("access-0", "refresh-0"), BOX)
    workers = [Database(database_url(tmp_path)) for _ in range(2)]
    async with httpx.AsyncClient() as http:
        oauth = ZaloOAuth(http, base_url=fake_zalo.url, app_id="4242", app_secret="app-secret-42")
        tokens = [ZaloTokens(worker, oauth.refresh, BOX) for worker in workers]
        assert [await t.current() for t in tokens] == ["access-0", "access-0"]
        fake_zalo.expire_access_token()
        try:
            fresh = await asyncio.gather(*(t.refresh("access-0") for t in tokens))
        finally:
            for worker in workers:
                await worker.close()

    assert fresh == ["access-1", "access-1"]
    assert len(fake_zalo.calls(TOKEN_PATH)) == 1
    assert await stored(db) == Tokens("access-1", "refresh-1", (await stored(db)).expires_at)


async def test_the_fake_refuses_a_refresh_token_used_a_second_time(fake_zalo: FakeZalo) -> None:
    """The fake plays Zalo's rule that a refresh token is single-use."""
    async with httpx.AsyncClient() as http:
        oauth = ZaloOAuth(http, base_url=fake_zalo.url, app_id="4242", app_secret="app-secret-42")
        first = await oauth.refresh("refresh-0")
        with pytest.raises(PermanentFailure, match="coopbot zalo set-tokens"):
            await oauth.refresh("refresh-0")

    assert first.refresh_token == "refresh-1"
    assert fake_zalo.violations == ["refresh token refresh-0 was spent twice"]
    fake_zalo.violations.clear()


async def test_a_refused_refresh_token_fails_the_send_and_keeps_the_stored_tokens(
    zalo: ZaloService, fake_zalo: FakeZalo, db: Database, session: AsyncSession
) -> None:
    """When Zalo refuses the stored refresh token the send fails clearly and nothing changes."""
    await replace_tokens(session, "zalo", Tokens("access-0", "refresh-stolen"), BOX)
    await session.commit()
    fake_zalo.expire_access_token()

    with pytest.raises(PermanentFailure, match="refused the refresh token"):
        await zalo.sender.send(USER, HELLO)

    assert await stored(db) == Tokens("access-0", "refresh-stolen")


async def test_stored_tokens_win_over_the_configured_ones_after_a_restart(
    zalo: ZaloService, fake_zalo: FakeZalo, session: AsyncSession
) -> None:
    """A restarted bot keeps the rotated pair: the configured refresh token is already spent."""
    await replace_tokens(session, "zalo", Tokens("access-7", "refresh-7"), BOX)
    await session.commit()
    fake_zalo.expire_access_token()  # only a fresh token would do now

    with pytest.raises(PermanentFailure):
        await zalo.sender.send(USER, HELLO)

    assert fake_zalo.calls(MESSAGE_PATH)[0].access_token == "access-7"
    assert fake_zalo.calls(TOKEN_PATH)[0].body["refresh_token"] == "refresh-7"


async def test_a_token_past_its_stored_expiry_is_refreshed_before_sending(
    zalo: ZaloService, fake_zalo: FakeZalo, session: AsyncSession
) -> None:
    """With a known expiry the bot refreshes first instead of collecting a -216."""
    past = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)
    await replace_tokens(session, "zalo", Tokens("access-0", "refresh-0", past), BOX)
    await session.commit()

    await zalo.sender.send(USER, HELLO)

    assert [(c.path, c.error) for c in fake_zalo.calls()] == [(TOKEN_PATH, 0), (MESSAGE_PATH, 0)]


async def raw_columns(db: Database) -> tuple[str, str]:
    """Return the stored access and refresh token columns exactly as the database holds them."""
    async with db.session() as session:
        row = (
            await session.execute(
                select(ChannelCredential.access_token, ChannelCredential.refresh_token)
            )
        ).one()
    return row[0], row[1]


async def test_the_bot_stores_both_pairs_sealed_and_the_database_alone_reveals_neither(
    zalo: ZaloService, fake_zalo: FakeZalo, db: Database
) -> None:
    """The seeded pair and the rotated one are stored sealed; without the key they stay shut."""
    await zalo.sender.send(USER, HELLO)
    seeded = await raw_columns(db)
    fake_zalo.expire_access_token()
    await zalo.sender.send(USER, HELLO)
    rotated = await raw_columns(db)

    for column in (*seeded, *rotated):
        assert column.startswith("fernet:")
        assert "access-" not in column
        assert "refresh-" not in column
    async with db.session() as session:
        with pytest.raises(WrongSecretKey):
            await load_tokens(session, "zalo", SecretBox([OTHER_KEY]))


async def test_plain_tokens_of_before_are_used_and_the_next_refresh_stores_them_sealed(
    zalo: ZaloService, fake_zalo: FakeZalo, db: Database, session: AsyncSession
) -> None:
    """A pair stored before sealing existed still sends; its rotation is stored sealed."""
    session.add(
        ChannelCredential(channel="zalo", access_token="access-0", refresh_token="refresh-0")
    )
    await session.commit()

    await zalo.sender.send(USER, HELLO)
    assert await raw_columns(db) == ("access-0", "refresh-0")
    fake_zalo.expire_access_token()
    await zalo.sender.send(USER, HELLO)

    access, refresh = await raw_columns(db)
    assert access.startswith("fernet:")
    assert refresh.startswith("fernet:")
    tokens = await stored(db)
    assert tokens is not None
    assert (tokens.access_token, tokens.refresh_token) == ("access-1", "refresh-1")


async def test_tokens_sealed_with_another_key_fail_the_send_with_a_clear_reason(
    zalo: ZaloService, fake_zalo: FakeZalo, session: AsyncSession
) -> None:
    """A wrong COOPBOT_SECRET_KEY is a permanent failure naming it; Zalo is never called."""
    await replace_tokens(session, "zalo", Tokens("access-0", "refresh-0"), SecretBox([OTHER_KEY]))
    await session.commit()

    with pytest.raises(PermanentFailure, match="sealed with another key than COOPBOT_SECRET_KEY"):
        await zalo.sender.send(USER, HELLO)

    assert fake_zalo.calls() == []
