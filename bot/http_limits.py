"""Bounded request bodies, shared by every HTTP endpoint (webhooks, the web chat).

A body is read as a stream and refused with 413 as soon as it passes its limit: a declared
``Content-Length`` over the limit is refused before a byte is read, and a chunked body (no
length) is counted chunk by chunk, so no client can make the process hold more than the
limit in memory. Endpoints read their body here first, before any signature check or JSON
parsing.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request

DEFAULT_MAX_JSON_BYTES = 1024 * 1024  # webhook updates and the page's messages are far smaller


class BodyTooLarge(HTTPException):
    """The request body is over its limit: 413, which Starlette answers as plain text."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"request body over {limit} bytes")
        self.limit = limit


def declared_too_large(request: Request, limit: int) -> bool:
    """Tell whether the request's ``Content-Length`` already says the body is over ``limit``."""
    declared = request.headers.get("content-length", "").strip()
    return declared.isdigit() and int(declared) > limit


async def read_body(request: Request, limit: int) -> bytes:
    """Return the request body, never holding more than ``limit`` bytes of it.

    Raises:
        BodyTooLarge: the declared length, or the bytes received so far, pass ``limit``.
    """
    if declared_too_large(request, limit):
        raise BodyTooLarge(limit)
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge(limit)
        chunks.append(chunk)
    return b"".join(chunks)


def json_object(body: bytes) -> dict[str, Any] | None:
    """Return the JSON object ``body`` holds, or None when it holds anything else.

    Bad UTF-8, bad JSON, a number of more digits than Python converts, and nesting deeper than
    the parser's recursion (``[[[[…`` fits a megabyte a million times) are all None.
    """
    try:
        value = json.loads(body)
    except (ValueError, RecursionError):
        return None
    return value if isinstance(value, dict) else None
