"""What the web chat page sends, checked before it reaches the router or the disk.

Every request is untrusted: JSON must say it is JSON (415), bodies are read only up to their
limit (413, ``bot/http_limits.py``), and a button payload is passed on only for the router to
re-authorise, like a Telegram button press.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request

from bot.channels.web import strings as words
from bot.http_limits import BodyTooLarge, json_object, read_body
from handlers.types import IncomingKind

MAX_TEXT = 4096  # Telegram's limit: the conversations are written for it
MAX_PAYLOAD_BYTES = 64  # Telegram's callback_data limit, which every payload respects
MAX_LABEL = 200
_CLIENT_ID = re.compile(r"[A-Za-z0-9-]{1,40}")


class PageError(HTTPException):
    """A refusal with a message id for the page's status line."""

    def __init__(self, status_code: int, message: str, **params: Any) -> None:
        super().__init__(status_code, message)
        self.message = message
        self.params = params


@dataclass(frozen=True)
class Typed:
    """One message from the page: the ``Incoming`` fields and the bubble that shows it."""

    fields: dict[str, Any]
    echo: str
    update_id: str | None


def typed_fields(text: str) -> dict[str, Any]:
    """Return the ``Incoming`` fields of a typed line: a /command or plain text."""
    if text.startswith("/") and len(text) > 1:
        command, _, rest = text[1:].partition(" ")
        return {
            "kind": IncomingKind.COMMAND,
            "command": command.split("@")[0],
            "text": rest.strip(),
        }
    return {"kind": IncomingKind.TEXT, "text": text}


async def read_json(request: Request, limit: int) -> dict[str, Any]:
    """Return the request's JSON object, reading at most ``limit`` bytes of it.

    Raises:
        PageError: the body is not declared as JSON (415), is larger than ``limit`` (413) or
            is not a JSON object (400).
    """
    # A cross-site form can post text/plain without asking the server first; the page's own
    # requests always say application/json.
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type != "application/json":
        raise PageError(415, words.BAD_REQUEST)
    try:
        body = json_object(await read_body(request, limit))
    except BodyTooLarge:
        raise PageError(413, words.BAD_REQUEST) from None
    if body is None:
        raise PageError(400, words.BAD_REQUEST)
    return body


def parse_message(body: dict[str, Any]) -> Typed | None:
    """Return the text, command or button press in ``body``; None for an empty message.

    Raises:
        PageError: the text or the payload is too long.
    """
    text = str(body.get("text", "")).strip()
    payload = str(body.get("payload", ""))
    if len(text) > MAX_TEXT:
        raise PageError(413, words.TOO_LONG, limit=MAX_TEXT)
    if len(payload.encode("utf-8")) > MAX_PAYLOAD_BYTES:
        raise PageError(400, words.BAD_REQUEST)
    client_id = str(body.get("id", ""))
    # The page numbers its sends, so a send retried by the browser is handled once.
    update_id = client_id if _CLIENT_ID.fullmatch(client_id) else None
    if payload:
        label = str(body.get("label", ""))[:MAX_LABEL] or payload
        return Typed({"kind": IncomingKind.BUTTON, "payload": payload}, label, update_id)
    if not text:
        return None
    return Typed(typed_fields(text), text, update_id)


def _size(limit: int) -> str:
    """Return a byte count the way people read it: '10 MB', '512 KB'."""
    if limit >= 1024 * 1024:
        return f"{limit // (1024 * 1024)} MB"
    return f"{max(limit // 1024, 1)} KB"


async def read_upload(request: Request, limit: int) -> bytes:
    """Return the raw request body, refusing it as soon as it passes ``limit`` bytes.

    Raises:
        PageError: the body is larger than ``limit``.
    """
    try:
        return await read_body(request, limit)
    except BodyTooLarge:
        raise PageError(413, words.TOO_LARGE, size=_size(limit)) from None
