"""Only the demo's own page drives the web chat: its Host, its Origin, its page token, JSON
that says so, and bodies within their limits."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from starlette.applications import Starlette
from starlette.routing import Route

from bot.channels.web.app import WebChatContext, create_web_app
from bot.channels.web.guard import TOKEN_HEADER, PageTokens, ServedAddress, same_origin
from bot.http_limits import DEFAULT_MAX_JSON_BYTES
from tests.support.streams import MIB, CountedBody
from tests.support.web import DEMO_ORIGIN, page_client, page_token

JSON_ENDPOINTS = [
    ("/api/personas/director/messages", {"text": "/help"}),
    ("/api/personas/director/locale", {"locale": "en"}),
    ("/api/clock/jump", {"to": "next_quarter"}),
]


@pytest.fixture
def app(context: WebChatContext) -> Starlette:
    """Give the web chat application."""
    return create_web_app(context)


@pytest.fixture
async def client(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    """Give a client that loaded the page and sends its origin and token."""
    async with page_client(app) as http:
        yield http


@pytest.fixture
async def stranger(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    """Give a client at the demo's address that never loaded the page (no origin, no token)."""
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=DEMO_ORIGIN) as http:
        yield http


def post_paths(app: Starlette) -> list[str]:
    """Return every route of the app that takes POST, its persona filled in."""
    return [
        route.path.replace("{persona}", "director")
        for route in app.routes
        if isinstance(route, Route) and "POST" in (route.methods or set())
    ]


async def test_each_page_load_holds_a_fresh_token(stranger: httpx.AsyncClient) -> None:
    """The page carries a random token of its own; two loads never share one."""
    first = page_token((await stranger.get("/")).text)
    second = page_token((await stranger.get("/")).text)
    assert first != second
    assert len(first) >= 40


@pytest.mark.parametrize(
    "host", ["evil.example:8080", "evil.example", "127.0.0.1:9999", "127.0.0.1", "", "a@b:8080"]
)
async def test_a_request_naming_another_host_is_refused(
    stranger: httpx.AsyncClient, host: str
) -> None:
    """DNS rebinding: a page of evil.example resolved to 127.0.0.1 reads no history, no page."""
    for path in ("/", "/api/personas/director/history", "/api/events", "/static/app.js"):
        response = await stranger.get(path, headers={"Host": host})
        assert response.status_code == 421, (path, host)


@pytest.mark.parametrize("host", ["127.0.0.1:8080", "localhost:8080", "[::1]:8080"])
async def test_the_loopback_names_of_the_demo_are_accepted(
    stranger: httpx.AsyncClient, host: str
) -> None:
    """Bound to loopback, the demo answers 127.0.0.1, localhost and ::1 on its port."""
    response = await stranger.get("/api/personas/director/history", headers={"Host": host})
    assert response.status_code == 200


@pytest.mark.parametrize(
    "headers",
    [
        {},  # neither origin nor token: another site's form
        {"Origin": DEMO_ORIGIN},  # the right origin, no token
        {"Origin": DEMO_ORIGIN, TOKEN_HEADER: "guessed"},
        {"Origin": "http://evil.example", "token": "page"},
        {"Origin": "null", "token": "page"},
        {"token": "page"},  # no origin at all
        {"Origin": "http://localhost:8080", "token": "page"},  # another origin of the demo
    ],
)
async def test_every_post_needs_the_pages_origin_and_token(
    app: Starlette,
    client: httpx.AsyncClient,
    context: WebChatContext,
    headers: dict[str, str],
) -> None:
    """Every state-changing endpoint refuses with 403 and changes nothing."""
    token = client.headers[TOKEN_HEADER]
    sent = {name: value for name, value in headers.items() if name != "token"}
    if "token" in headers:
        sent[TOKEN_HEADER] = token
    before = context.clock.now()
    paths = post_paths(app)
    assert len(paths) == 4
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=DEMO_ORIGIN) as http:
        for path in paths:
            response = await http.post(
                path, json={"to": "next_quarter", "text": "/start"}, headers=sent
            )
            assert response.status_code == 403, path
            assert "tải lại" in response.json()["error"]
    assert context.hub.history("director") == []
    assert context.clock.now() == before


async def test_the_pages_own_requests_are_taken(
    client: httpx.AsyncClient, context: WebChatContext
) -> None:
    """With the page's origin and token, a message is answered."""
    response = await client.post("/api/personas/director/messages", json={"text": "/help"})
    assert response.status_code == 200
    assert context.hub.history("director")


@pytest.mark.parametrize(("path", "body"), JSON_ENDPOINTS)
@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", ""])
async def test_json_endpoints_refuse_other_content_types(
    client: httpx.AsyncClient, path: str, body: dict[str, str], content_type: str
) -> None:
    """A body that does not say it is JSON gets 415, even from the page."""
    response = await client.post(
        path,
        content=httpx.Request("POST", "/", json=body).content,
        headers={"Content-Type": content_type},
    )
    assert response.status_code == 415


async def test_a_declared_200_mib_json_body_is_refused_unread(
    client: httpx.AsyncClient,
) -> None:
    """Content-Length over the JSON limit: 413 before a byte is read."""
    body = CountedBody(200 * MIB)
    response = await client.post(
        "/api/personas/director/messages",
        content=body,
        headers={"Content-Type": "application/json", "Content-Length": str(200 * MIB)},
    )
    assert response.status_code == 413
    assert body.sent == 0


async def test_a_chunked_json_body_is_refused_once_it_passes_the_limit(
    client: httpx.AsyncClient, context: WebChatContext
) -> None:
    """Without a length, an 8 MiB body is read one chunk past 1 MiB, no more."""
    body = CountedBody(8 * MIB)
    response = await client.post(
        "/api/personas/director/messages",
        content=body,
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 413
    assert DEFAULT_MAX_JSON_BYTES < body.sent <= DEFAULT_MAX_JSON_BYTES + body.chunk
    assert context.hub.history("director") == []


async def test_an_upload_declared_too_large_is_refused_unread(
    client: httpx.AsyncClient,
) -> None:
    """The upload limit (1 KB here) works the same way: 413 with its message, nothing read."""
    body = CountedBody(200 * MIB)
    response = await client.post(
        "/api/personas/director/files",
        params={"name": "big.pdf"},
        content=body,
        headers={"Content-Length": str(200 * MIB)},
    )
    assert response.status_code == 413
    assert "1 KB" in response.json()["error"]
    assert body.sent == 0


def test_the_address_a_demo_accepts_depends_on_what_it_is_bound_to() -> None:
    """Loopback takes its names; every interface takes any address typed as digits (never a
    name an attacker could point elsewhere); a named host takes that name."""
    loopback = ServedAddress.bound_to(8080, "127.0.0.1")
    assert loopback.accepts("LOCALHOST:8080")
    assert not loopback.accepts("localhost:8081")
    assert not loopback.accepts("localhost.evil.example:8080")
    everywhere = ServedAddress.bound_to(80, "0.0.0.0")  # noqa: S104
    assert everywhere.accepts("192.168.1.20")
    assert everywhere.accepts("[fe80::1]:80")
    assert not everywhere.accepts("evil.example")
    named = ServedAddress.bound_to(8080, "10.0.0.5", "demo.lan")
    assert named.accepts("demo.lan:8080")
    assert named.accepts("10.0.0.5:8080")
    assert not named.accepts("127.0.0.1:8080")


def test_an_origin_is_the_pages_only_when_scheme_name_and_port_match() -> None:
    """http only, the same name and port (80 when unsaid), nothing after the port."""
    assert same_origin("http://127.0.0.1:8080", "127.0.0.1:8080")
    assert same_origin("http://demo.lan", "demo.lan:80")
    assert not same_origin("https://127.0.0.1:8080", "127.0.0.1:8080")
    assert not same_origin("http://127.0.0.1:8080/x", "127.0.0.1:8080")
    assert not same_origin("http://127.0.0.1:99999", "127.0.0.1:8080")
    assert not same_origin("null", "127.0.0.1:8080")


def test_page_tokens_are_bounded_and_the_oldest_is_forgotten_first() -> None:
    """Past its capacity the store forgets the token used least recently."""
    tokens = PageTokens(capacity=2)
    first, second = tokens.issue(), tokens.issue()
    assert tokens.valid(first)  # used: now the youngest
    third = tokens.issue()
    assert not tokens.valid(second)
    assert tokens.valid(first)
    assert tokens.valid(third)
    assert not tokens.valid("")
