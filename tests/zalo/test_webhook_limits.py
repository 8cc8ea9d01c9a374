"""Hostile bodies at the Zalo webhook: too large (413, never read whole), or signed but not an
event (400, nothing handled)."""

from __future__ import annotations

import hashlib
import json
import logging

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.channels.zalo.channel import ZaloService
from bot.http_limits import DEFAULT_MAX_JSON_BYTES
from storage.models import ProcessedUpdate
from tests.fakes import zalo_events as events
from tests.fakes.zalo_api import FakeZalo
from tests.support.streams import MIB, CountedBody
from tests.zalo.conftest import USER, WEBHOOK, Post


def mac(body: bytes, timestamp: str = "") -> str:
    """Return the signature Zalo would send for ``body`` holding ``timestamp``."""
    digest = hashlib.sha256(
        events.APP_ID.encode() + body + timestamp.encode() + events.OA_SECRET.encode()
    ).hexdigest()
    return f"mac={digest}"


async def test_a_declared_200_mib_body_is_refused_unread(
    http: httpx.AsyncClient, fake_zalo: FakeZalo
) -> None:
    """Content-Length alone decides: 413 before the signature is checked or a byte is read."""
    body = CountedBody(200 * MIB)
    response = await http.post(WEBHOOK, content=body, headers={"Content-Length": str(200 * MIB)})

    assert response.status_code == 413
    assert body.sent == 0
    assert fake_zalo.calls() == []


async def test_a_chunked_body_is_refused_as_soon_as_it_passes_the_limit(
    http: httpx.AsyncClient,
) -> None:
    """An unsigned 8 MiB body without a length is read one chunk past 1 MiB, no more."""
    body = CountedBody(8 * MIB)
    response = await http.post(WEBHOOK, content=body)

    assert response.status_code == 413
    assert DEFAULT_MAX_JSON_BYTES < body.sent <= DEFAULT_MAX_JSON_BYTES + body.chunk


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"[1, 2]",
        b"[" * 50_000,
        json.dumps({"timestamp": events.now_ms()}).encode(),
        json.dumps({"event_name": 5, "timestamp": events.now_ms()}).encode(),
        json.dumps(
            {"event_name": "user_send_text", "sender": USER, "timestamp": events.now_ms()}
        ).encode(),
        json.dumps({**events.text(USER, "x"), "message": "x"}).encode(),
    ],
)
async def test_a_signed_body_that_is_not_an_event_is_a_bad_request(
    http: httpx.AsyncClient,
    zalo: ZaloService,
    fake_zalo: FakeZalo,
    session: AsyncSession,
    body: bytes,
) -> None:
    """The signature is right, the body is no event: 400, and nothing is handled or sent."""
    try:
        timestamp = str(json.loads(body).get("timestamp", ""))
    except (ValueError, AttributeError, RecursionError):
        timestamp = ""
    response = await http.post(
        WEBHOOK, content=body, headers={"X-ZEvent-Signature": mac(body, timestamp)}
    )
    await zalo.channel.drain()

    assert response.status_code == 400
    assert await session.scalar(select(func.count()).select_from(ProcessedUpdate)) == 0
    assert fake_zalo.calls() == []


async def test_an_unsigned_body_that_is_not_an_event_is_still_unauthorised(
    http: httpx.AsyncClient,
) -> None:
    """Shape is looked at only once the signature is right: anyone else gets 401."""
    response = await http.post(WEBHOOK, content=b"not json", headers={"X-ZEvent-Signature": "x"})
    assert response.status_code == 401


async def test_attachments_of_the_wrong_shape_are_answered_without_an_error(
    webhook: Post, fake_zalo: FakeZalo, caplog: pytest.LogCaptureFixture
) -> None:
    """An image event whose attachments are not a list is "something I cannot read", calmly."""
    raw = events.event("user_send_image", USER, message={"attachments": 5})
    with caplog.at_level(logging.ERROR):
        response = await webhook(raw)

    assert response.status_code == 200
    await fake_zalo.wait_for_messages(1, USER)
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []
