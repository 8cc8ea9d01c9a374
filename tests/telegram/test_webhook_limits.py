"""Hostile bodies at the Telegram webhook: too large (413, never read whole) or not an update
(400, never a 500), whatever the secret."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from bot.app import TelegramApplication, build_application
from bot.webhook import SECRET_HEADER, WEBHOOK_PATH, build_webhook_app
from storage.db import Database
from tests.support.streams import MIB, CountedBody
from tests.telegram.conftest import telegram_settings

SECRET = "limits-secret-0123456789abcdefghijklmnop"
LIMIT = 64 * 1024


@pytest.fixture
async def application(db: Database, tmp_path: Path) -> TelegramApplication:
    """Give an application that is built but never talks to Telegram."""
    return build_application(telegram_settings(tmp_path), database=db)


@pytest.fixture
async def client(application: TelegramApplication) -> AsyncIterator[httpx.AsyncClient]:
    """Give an HTTP client of the webhook app, whose bodies may hold ``LIMIT`` bytes."""
    app = build_webhook_app(application, SECRET, max_body_bytes=LIMIT)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://bot.test") as http:
        yield http


async def test_a_declared_200_mib_body_is_refused_unread(
    application: TelegramApplication, client: httpx.AsyncClient
) -> None:
    """Content-Length alone decides: 413 before the secret is checked or a byte is read."""
    body = CountedBody(200 * MIB)
    response = await client.post(
        WEBHOOK_PATH, content=body, headers={"Content-Length": str(200 * MIB)}
    )

    assert response.status_code == 413
    assert body.sent == 0
    assert application.update_queue.empty()


async def test_a_chunked_body_is_refused_as_soon_as_it_passes_the_limit(
    client: httpx.AsyncClient,
) -> None:
    """A body without a length (chunked) of 8 MiB is read one chunk past the limit, no more."""
    body = CountedBody(8 * MIB)
    response = await client.post(WEBHOOK_PATH, content=body, headers={SECRET_HEADER: SECRET})

    assert response.status_code == 413
    assert LIMIT < body.sent <= LIMIT + body.chunk


async def test_a_chunked_body_without_the_secret_is_not_read_at_all(
    client: httpx.AsyncClient,
) -> None:
    """The secret is a header: without it the answer is 401 before a byte of the body."""
    body = CountedBody(8 * MIB)
    response = await client.post(WEBHOOK_PATH, content=body)

    assert response.status_code == 401
    assert body.sent <= body.chunk


async def test_an_update_of_the_limits_size_is_still_read(client: httpx.AsyncClient) -> None:
    """At the limit the body is read (and, not being an update, refused as such: 400)."""
    padded = json.dumps({"padding": "x" * (LIMIT - 20)}).encode()
    assert len(padded) <= LIMIT
    response = await client.post(WEBHOOK_PATH, content=padded, headers={SECRET_HEADER: SECRET})
    assert response.status_code == 400


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"[1, 2]",
        b'{"message": {}}',
        b"\xff\xfe not utf-8",
        b"[" * 50_000,  # deeper than the JSON parser's recursion
        b"1" * 5000,  # more digits than Python turns into an int
        b"null",
        b'{"update_id": "1"}',
        b'{"update_id": true}',
        b'{"update_id": -1}',
        b'{"update_id": 1e3}',
        b'{"update_id": 1, "message": "x"}',
        b'{"update_id": 1, "message": {"chat": 5}}',
        b'{"update_id": 1, "callback_query": []}',
        b'{"update_id": 1, "message": {"message_id": 1, "date": 1e400,'
        b' "chat": {"id": 1, "type": "private"}}}',
        b'{"update_id": 1, "message": {"message_id": 1, "date": 99999999999999999,'
        b' "chat": {"id": 1, "type": "private"}}}',
    ],
)
async def test_a_malformed_update_with_the_right_secret_is_a_bad_request(
    application: TelegramApplication, client: httpx.AsyncClient, body: bytes
) -> None:
    """Whatever the body holds, the answer is 400, never an error inside the bot."""
    response = await client.post(
        WEBHOOK_PATH,
        content=body,
        headers={SECRET_HEADER: SECRET, "content-type": "application/json"},
    )

    assert response.status_code == 400
    assert application.update_queue.empty()
