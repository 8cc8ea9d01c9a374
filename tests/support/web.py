"""An HTTP client of the web chat that behaves like its page: same address, origin and token."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from starlette.types import ASGIApp

from bot.channels.web.guard import TOKEN_HEADER, ServedAddress

# The address the in-process apps are told they serve; their clients use it as base URL.
DEMO_PORT = 8080
DEMO_ADDRESS = ServedAddress.bound_to(DEMO_PORT, "127.0.0.1")
DEMO_ORIGIN = f"http://127.0.0.1:{DEMO_PORT}"
_TOKEN = re.compile(r'<meta name="coopbot-token" content="([^"]+)">')


def page_token(html: str) -> str:
    """Return the token a served page holds."""
    found = _TOKEN.search(html)
    assert found is not None, "the page holds no token"
    return found.group(1)


@asynccontextmanager
async def page_client(
    app: ASGIApp, *, raise_app_exceptions: bool = True
) -> AsyncIterator[httpx.AsyncClient]:
    """Give a client that loaded the page, then sends its origin and token as the page does."""
    asgi = httpx.ASGITransport(app=app, raise_app_exceptions=raise_app_exceptions)
    async with httpx.AsyncClient(transport=asgi, base_url=DEMO_ORIGIN) as client:
        page = await client.get("/")
        assert page.status_code == 200, page.text
        client.headers.update({"Origin": DEMO_ORIGIN, TOKEN_HEADER: page_token(page.text)})
        yield client
