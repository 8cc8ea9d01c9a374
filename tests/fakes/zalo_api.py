"""A fake Zalo OA API for tests: messages, uploads and the token endpoint, on 127.0.0.1.

It runs uvicorn in a background thread (so the bot's in-process client and a ``coopbot run``
subprocess can both reach it), records every call, checks the ``access_token`` header of API
calls and the shape of messages (text ≤ 2000 characters, at most four ``oa.query.hide``
buttons), and plays Zalo's token rules: only the newest access token works, and a refresh
token is single-use (a reused one is refused)::

    with FakeZalo() as fake:
        fake.fail_next(-232)          # the next message: quota exceeded
        fake.expire_access_token()    # the next API call: -216
        ...
        assert fake.messages("user-1")[0]["text"] == "..."

Uploads (multipart, part ``file``) give an ``attachment_id`` (images) or a ``token`` (files);
an attachment message must name one the fake issued, and ``attachments`` returns the files
each user was sent. ``add_download`` serves bytes at a URL, as Zalo's servers serve the
pictures and files people send the OA (an unknown URL answers 404).
"""

from __future__ import annotations

import asyncio
import itertools
import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.fakes.bodies import read_body
from tests.fakes.server import ThreadedServer

MESSAGE_PATH = "/v3.0/oa/message/cs"
IMAGE_PATH = "/v2.0/oa/upload/image"
FILE_PATH = "/v2.0/oa/upload/file"
TOKEN_PATH = "/v4/oa/access_token"
DOWNLOAD_PATH = "/download"
APP_SECRET = "app-secret-42"
FIRST_ACCESS_TOKEN = "access-0"
FIRST_REFRESH_TOKEN = "refresh-0"
ERROR_TEXTS = {
    -216: "Access token is invalid",
    -213: "User has not followed the OA",
    -201: "Parameter is invalid",
    -32: "Exceeded rate limit",
    -230: "User has not interacted with the OA in the past 48 hours",
    -232: "Quota exceeded",
    -233: "Quota exceeded",
}


@dataclass
class ZaloCall:
    """One request the fake answered."""

    path: str
    access_token: str | None
    body: dict[str, Any]
    files: dict[str, tuple[str, bytes]] = field(default_factory=dict)
    error: int = 0
    at: float = field(default_factory=time.monotonic)

    @property
    def ok(self) -> bool:
        """Tell whether the call succeeded."""
        return self.error == 0


@dataclass(frozen=True)
class SentFile:
    """A file the OA sent a user: ``kind`` is ``image`` or ``file``, with the uploaded bytes."""

    kind: str
    filename: str
    content: bytes = field(repr=False)


class FakeZalo(ThreadedServer):
    """A scriptable Zalo OA API and OAuth server."""

    def __init__(
        self,
        *,
        app_id: str = "4242",
        app_secret: str = APP_SECRET,
        access_token: str = FIRST_ACCESS_TOKEN,
        refresh_token: str = FIRST_REFRESH_TOKEN,
        refresh_delay: float = 0.0,
    ) -> None:
        app = Starlette(
            routes=[
                Route(MESSAGE_PATH, self._message, methods=["POST"]),
                Route(IMAGE_PATH, self._upload, methods=["POST"]),
                Route(FILE_PATH, self._upload, methods=["POST"]),
                Route(TOKEN_PATH, self._token, methods=["POST"]),
                Route(DOWNLOAD_PATH + "/{number}/{name}", self._download, methods=["GET"]),
            ]
        )
        super().__init__(app, name="fake-zalo")
        self.app_id = app_id
        self.app_secret = app_secret
        self.refresh_delay = refresh_delay
        self.violations: list[str] = []
        self._lock = threading.Lock()
        self._calls: list[ZaloCall] = []
        self._access = access_token
        self._refresh: str | None = refresh_token
        self._spent: set[str] = set()
        self._issued = 0
        self._errors: dict[str, deque[int]] = defaultdict(deque)
        self.unfollowed: set[str] = set()
        self._uploads: dict[str, ZaloCall] = {}  # by attachment_id or token
        self._downloads: dict[str, tuple[bytes, str]] = {}
        self._download_numbers = itertools.count(1)

    # Scripting.

    def fail_next(self, code: int, *, path: str = MESSAGE_PATH, times: int = 1) -> None:
        """Answer the next ``times`` calls of ``path`` with the error ``code``."""
        with self._lock:
            self._errors[path].extend([code] * times)

    def expire_access_token(self) -> None:
        """Make the current access token invalid, as when it expires."""
        with self._lock:
            self._access = "expired"

    @property
    def access_token(self) -> str:
        """Return the only access token accepted now."""
        return self._access

    @property
    def refresh_token(self) -> str | None:
        """Return the refresh token that may be spent now."""
        return self._refresh

    def add_download(
        self, content: bytes, name: str, content_type: str = "application/octet-stream"
    ) -> str:
        """Serve ``content`` and return its URL, as Zalo gives the files people send."""
        number = str(next(self._download_numbers))
        with self._lock:
            self._downloads[number] = (content, content_type)
        return f"{self.url}{DOWNLOAD_PATH}/{number}/{quote(name)}"

    def missing_download(self, name: str) -> str:
        """Return a URL of this server that answers 404 (an expired or broken file link)."""
        return f"{self.url}{DOWNLOAD_PATH}/0/{quote(name)}"

    # Reading what happened.

    def calls(self, path: str | None = None) -> list[ZaloCall]:
        """Return the calls answered so far (of ``path`` only, if given)."""
        with self._lock:
            return [call for call in self._calls if path is None or call.path == path]

    def messages(self, user_id: str | None = None) -> list[dict[str, Any]]:
        """Return the ``message`` objects delivered (to ``user_id`` only, if given)."""
        return [
            call.body["message"]
            for call in self.calls(MESSAGE_PATH)
            if call.ok and (user_id is None or call.body["recipient"]["user_id"] == user_id)
        ]

    def attachments(self, user_id: str | None = None) -> list[SentFile]:
        """Return the images and files sent (to ``user_id`` only, if given), with their bytes."""
        sent = []
        for message in self.messages(user_id):
            reference, kind = attachment_reference(message)
            with self._lock:
                upload = self._uploads.get(reference or "")
            if upload is not None and kind is not None:
                filename, content = upload.files["file"]
                sent.append(SentFile(kind, filename, content))
        return sent

    async def wait_for_messages(
        self,
        count: int,
        user_id: str | None = None,
        timeout: float = 10.0,  # noqa: ASYNC109 - a plain deadline argument reads best in tests
    ) -> list[dict[str, Any]]:
        """Wait until ``count`` messages were delivered (to ``user_id``) and return them."""
        deadline = time.monotonic() + timeout
        while len(found := self.messages(user_id)) < count:
            assert time.monotonic() < deadline, f"{len(found)} of {count} messages: {found}"
            await asyncio.sleep(0.02)
        return found

    # Serving.

    def _record(self, call: ZaloCall) -> JSONResponse:
        with self._lock:
            self._calls.append(call)
        if call.error:
            return JSONResponse({"error": call.error, "message": ERROR_TEXTS.get(call.error, "")})
        return JSONResponse({"error": 0, "message": "Success", "data": self._data(call)})

    def _data(self, call: ZaloCall) -> dict[str, Any]:
        number = len(self._calls)
        if call.path == IMAGE_PATH:
            self._uploads[f"attachment-{number}"] = call
            return {"attachment_id": f"attachment-{number}"}
        if call.path == FILE_PATH:
            self._uploads[f"file-token-{number}"] = call
            return {"token": f"file-token-{number}"}
        return {"message_id": f"message-{number}", "user_id": call.body["recipient"]["user_id"]}

    def _scripted(self, path: str) -> int:
        with self._lock:
            queue = self._errors[path]
            return queue.popleft() if queue else 0

    async def _message(self, request: Request) -> Response:
        token = request.headers.get("access_token")
        body = await request.json()
        error = self._authorised(token) or self._scripted(MESSAGE_PATH)
        user = str(body.get("recipient", {}).get("user_id", ""))
        if not error and user in self.unfollowed:
            error = -213
        if not error:
            problems = check_message(body) + self._check_attachment(body.get("message"))
            if problems:
                self.violations.extend(problems)
                error = -201
        return self._record(ZaloCall(MESSAGE_PATH, token, body, error=error))

    async def _upload(self, request: Request) -> Response:
        token = request.headers.get("access_token")
        _fields, uploads = await read_body(request)
        upload = uploads.get("file")
        files = {}
        if upload is None:
            self.violations.append(f"{request.url.path}: no multipart field 'file'")
        else:
            files["file"] = (upload.filename, upload.content)
        path = request.url.path
        error = self._authorised(token) or self._scripted(path) or (0 if files else -201)
        return self._record(ZaloCall(path, token, {}, files, error=error))

    def _check_attachment(self, message: Any) -> list[str]:
        """Return what is wrong with the upload an image or file message names."""
        reference, kind = attachment_reference(message)
        if kind is None:
            return []
        with self._lock:
            upload = self._uploads.get(reference or "")
        expected = IMAGE_PATH if kind == "image" else FILE_PATH
        if upload is None or upload.path != expected:
            return [f"a {kind} message names no {expected} upload: {message}"]
        return []

    async def _download(self, request: Request) -> Response:
        with self._lock:
            found = self._downloads.get(request.path_params["number"])
        if found is None:
            return Response("Not Found", status_code=404)
        content, content_type = found
        return Response(content, media_type=content_type)

    def _authorised(self, token: str | None) -> int:
        with self._lock:
            return 0 if token == self._access else -216

    async def _token(self, request: Request) -> Response:
        form, _files = await read_body(request)
        if self.refresh_delay:
            await asyncio.sleep(self.refresh_delay)
        with self._lock:
            given = str(form.get("refresh_token", ""))
            accepted = (
                request.headers.get("secret_key") == self.app_secret
                and form.get("app_id") == self.app_id
                and form.get("grant_type") == "refresh_token"
                and given == self._refresh
            )
            call = ZaloCall(TOKEN_PATH, None, {k: str(v) for k, v in form.items()})
            self._calls.append(call)
            if given in self._spent:
                self.violations.append(f"refresh token {given} was spent twice")
            if not accepted:
                call.error = -14014
                return JSONResponse(
                    {"error": -14014, "error_name": "Invalid refresh token", "error_reason": ""}
                )
            self._spent.add(given)
            self._issued += 1
            self._access = f"access-{self._issued}"
            self._refresh = f"refresh-{self._issued}"
            return JSONResponse(
                {
                    "access_token": self._access,
                    "refresh_token": self._refresh,
                    "expires_in": "90000",
                }
            )


def attachment_reference(message: Any) -> tuple[str | None, str | None]:
    """Return the (attachment_id or token, ``image`` or ``file``) an attachment message names;
    (None, None) for any other message."""
    attachment = message.get("attachment") if isinstance(message, dict) else None
    if not isinstance(attachment, dict):
        return None, None
    payload = attachment.get("payload") or {}
    if attachment.get("type") == "file":
        return payload.get("token"), "file"
    if payload.get("template_type") == "media":
        elements = payload.get("elements") or [{}]
        if elements[0].get("media_type") == "image":
            return elements[0].get("attachment_id"), "image"
    return None, None


def check_message(body: dict[str, Any]) -> list[str]:
    """Return what is wrong with a send call's body, by the OA API's rules."""
    problems = []
    if not str(body.get("recipient", {}).get("user_id", "")):
        problems.append("recipient.user_id is missing")
    message = body.get("message")
    if not isinstance(message, dict) or not (message.get("text") or message.get("attachment")):
        return [*problems, f"the message has neither text nor attachment: {message}"]
    text = message.get("text", "")
    if len(text) > 2000:
        problems.append(f"text of {len(text)} characters (2000 at most)")
    attachment = message.get("attachment") or {}
    payload = attachment.get("payload") or {}
    buttons = payload.get("buttons") or []
    if buttons and not text:
        problems.append("buttons without a text")
    if len(buttons) > 4:
        problems.append(f"{len(buttons)} buttons (4 at most)")
    for button in buttons:
        if button.get("type") != "oa.query.hide" or not button.get("payload"):
            problems.append(f"bad button {button}")
        if not str(button.get("title", "")).strip():
            problems.append(f"button without a title {button}")
    return problems
