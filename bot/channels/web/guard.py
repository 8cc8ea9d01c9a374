"""Only the demo's own page drives the demo: its address, its origin, its page token.

The demo has no login, so what stops another web site from using it through a visitor's
browser is checked here, before any endpoint runs:

- **Host.** Every request must name the address the demo serves (``127.0.0.1:PORT``,
  ``localhost:PORT`` when bound to loopback). A DNS-rebinding page (``evil.example`` resolved
  to 127.0.0.1) sends its own name and is refused (421), so it can read nothing — not even the
  history, which holds fresh invite codes.
- **Origin and page token.** Every request that can change something (any method but GET,
  HEAD, OPTIONS) must come from the page's own origin and carry ``X-Coopbot-Token``, a random
  token the server wrote into the page it served. Another site's form or script can neither
  read that token nor set the header without the demo's permission (it sends none): 403.
"""

from __future__ import annotations

import ipaddress
import secrets
import socket
from collections import OrderedDict
from dataclasses import dataclass
from urllib.parse import urlsplit

from starlette.datastructures import Headers
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

TOKEN_HEADER = "X-Coopbot-Token"  # noqa: S105 - a header name, not a secret
TOKEN_PLACEHOLDER = "{{page_token}}"  # noqa: S105 - where index.html takes its token
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
LOOPBACK_NAMES = frozenset({"127.0.0.1", "localhost", "::1"})
_NOT_IN_A_HOST = frozenset("@/\\?# \t")


def split_host(value: str) -> tuple[str, int] | None:
    """Return the name (lower case, no brackets) and port of a Host header; None if invalid."""
    if not value or any(char in _NOT_IN_A_HOST for char in value):
        return None
    try:
        parts = urlsplit(f"//{value}")
        port = parts.port
    except ValueError:
        return None
    if not parts.hostname:
        return None
    return parts.hostname, port or 80


def _ip(name: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(name.strip("[]"))
    except ValueError:
        return None


@dataclass(frozen=True)
class ServedAddress:
    """The names a browser may use for the demo, and its port."""

    port: int
    names: frozenset[str]
    # Bound to every interface: a browser may use any of the machine's addresses. An address
    # typed as digits cannot be a rebinding attack (that needs a name the attacker controls).
    any_ip: bool = False

    @classmethod
    def bound_to(cls, port: int, *hosts: str) -> ServedAddress:
        """Return the address of a demo bound to ``hosts`` (the --host given, the bound IP)."""
        names = {host.lower().strip("[]") for host in hosts if host}
        ips = [ip for ip in map(_ip, names) if ip is not None]
        if "localhost" in names or any(ip.is_loopback for ip in ips):
            names |= LOOPBACK_NAMES
        if any(ip.is_unspecified for ip in ips):
            names |= LOOPBACK_NAMES | {socket.gethostname().lower()}
            return cls(port, frozenset(names), any_ip=True)
        return cls(port, frozenset(names))

    def accepts(self, host_header: str) -> bool:
        """Tell whether a request's Host header names this demo."""
        found = split_host(host_header)
        if found is None or found[1] != self.port:
            return False
        name = found[0]
        return name in self.names or (self.any_ip and _ip(name) is not None)


def same_origin(origin: str, host_header: str) -> bool:
    """Tell whether ``origin`` is the http origin of the page served under ``host_header``."""
    host = split_host(host_header)
    try:
        parts = urlsplit(origin)
        port = parts.port
    except ValueError:
        return False
    if host is None or parts.scheme != "http" or parts.path or not parts.hostname:
        return False
    return (parts.hostname, port or 80) == host


class PageTokens:
    """The tokens of the pages served lately; the oldest is forgotten past ``capacity``.

    A token is per page load, so reloading gives a fresh one; a tab left open while more than
    ``capacity`` pages were loaded is asked to reload. Using a token keeps it young.
    """

    def __init__(self, capacity: int = 1000) -> None:
        self.capacity = capacity
        self._tokens: OrderedDict[str, None] = OrderedDict()

    def issue(self) -> str:
        """Return a new random token, remembered for the page that will carry it."""
        token = secrets.token_urlsafe(32)
        self._tokens[token] = None
        while len(self._tokens) > self.capacity:
            self._tokens.popitem(last=False)
        return token

    def valid(self, token: str) -> bool:
        """Tell whether ``token`` was issued (and not yet forgotten)."""
        if token not in self._tokens:
            return False
        self._tokens.move_to_end(token)
        return True


class PageGuard:
    """ASGI middleware refusing what does not come from the demo's own page (see above)."""

    def __init__(
        self, app: ASGIApp, *, address: ServedAddress, tokens: PageTokens, refusal: str
    ) -> None:
        self.app = app
        self.address = address
        self.tokens = tokens
        self.refusal = refusal  # the page shows it in its status line

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        refused = self._refusal(Headers(scope=scope), str(scope["method"]))
        if refused is None:
            await self.app(scope, receive, send)
        else:
            await refused(scope, receive, send)

    def _refusal(self, headers: Headers, method: str) -> Response | None:
        host = headers.get("host", "")
        if not self.address.accepts(host):
            return PlainTextResponse("unknown host", status_code=421)
        if method in SAFE_METHODS:
            return None
        from_page = same_origin(headers.get("origin", ""), host) and self.tokens.valid(
            headers.get(TOKEN_HEADER, "")
        )
        return None if from_page else JSONResponse({"error": self.refusal}, status_code=403)
