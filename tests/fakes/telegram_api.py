"""A fake Telegram Bot API server for tests, checking every call against the Bot API spec.

It serves ``/bot{token}/{method}`` (and file downloads under ``/file/bot{token}/``) with uvicorn
on 127.0.0.1 and a free port, in a background thread, so both an in-process
``telegram.Bot(token, base_url=fake.base_url)`` and a ``coopbot run`` subprocess (given
``TELEGRAM_API_BASE_URL=fake.base_url``) can reach it::

    async with FakeTelegram() as fake:
        fake.push_command(42, "start", "CODE")
        ...
        await fake.wait_for("sendMessage")
        assert not fake.violations
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import threading
import time
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.fakes.telegram_pushes import UpdateQueue
from tests.fakes.telegram_records import Call, UploadedFile, error_body


class FakeTelegram(UpdateQueue):
    """A Bot API server with a scriptable bot: push updates, then check what the bot called."""

    def __init__(
        self,
        *,
        bot_username: str = "coopbot_test_bot",
        token: str | None = None,
        max_poll_timeout: float = 1.0,
        host: str = "127.0.0.1",
    ) -> None:
        """Prepare a server; ``token`` (if given) is the only one accepted, others get 401."""
        super().__init__(bot_username=bot_username, token=token)
        self.host = host
        self.port = 0
        self.max_poll_timeout = max_poll_timeout
        self.app = Starlette(
            routes=[
                Route("/bot{token}/{method}", self._endpoint, methods=["GET", "POST"]),
                Route("/file/bot{token}/{path:path}", self._download, methods=["GET"]),
            ]
        )
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._wake: asyncio.Event | None = None
        self._closing = False

    @property
    def url(self) -> str:
        """Return the server's root URL."""
        return f"http://{self.host}:{self.port}"

    @property
    def base_url(self) -> str:
        """Return the ``base_url`` for python-telegram-bot (it appends ``{token}/{method}``)."""
        return f"{self.url}/bot"

    @property
    def base_file_url(self) -> str:
        """Return the ``base_file_url`` for python-telegram-bot's file downloads."""
        return f"{self.url}/file/bot"

    # Running the server.

    def start(self, timeout: float = 10.0) -> FakeTelegram:
        """Start serving in a background thread and wait until the port is open."""
        assert self._thread is None, "the fake Telegram server is already running"
        self._closing = False
        config = uvicorn.Config(
            self.app,
            host=self.host,
            port=0,
            lifespan="off",
            ws="none",
            log_level="warning",
            access_log=False,
            timeout_graceful_shutdown=int(self.max_poll_timeout) + 2,
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._run, name="fake-telegram", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("the fake Telegram server did not start")
            time.sleep(0.01)
        self.port = self._server.servers[0].sockets[0].getsockname()[1]
        return self

    def _run(self) -> None:
        asyncio.run(self._serve())

    async def _serve(self) -> None:
        assert self._server is not None
        self._loop = asyncio.get_running_loop()
        self._wake = asyncio.Event()
        await self._server.serve()

    def stop(self) -> None:
        """Stop serving (waking any long poll) and wait for the thread to end."""
        self._closing = True
        self._notify()
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=15)
            assert not self._thread.is_alive(), "the fake Telegram server did not stop"
        self._thread = self._server = self._loop = None

    def __enter__(self) -> FakeTelegram:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    async def __aenter__(self) -> FakeTelegram:
        return await asyncio.to_thread(self.start)

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await asyncio.to_thread(self.stop)

    def _notify(self) -> None:
        loop, wake = self._loop, self._wake
        if loop is not None and wake is not None:
            with contextlib.suppress(RuntimeError):  # the loop has just closed
                loop.call_soon_threadsafe(wake.set)

    # Serving requests.

    async def _endpoint(self, request: Request) -> Response:
        requested = request.path_params["method"]
        problems: list[str] = []
        raw: dict[str, Any] = dict(request.query_params)
        files: dict[str, UploadedFile] = {}
        encoding = request.headers.get("content-type", "").split(";")[0].strip().lower()
        try:
            body, files = await read_body(request)
            raw.update(body)
        except ValueError as error:
            problems.append(f"Bad Request: {error}")
        params = self.spec.decode(self.spec.canonical(requested), raw)
        if self.token is not None and request.path_params["token"] != self.token:
            call = Call(requested, params, files, time.time(), encoding=encoding)
            call.status, call.response = 401, error_body(401, "Unauthorized")
            call.violations = [f"Unauthorized: wrong bot token {request.path_params['token']}"]
            with self._lock:
                self.record(call)
            return JSONResponse(call.response, status_code=401)
        stall = self.take_stall(self.spec.canonical(requested))
        if stall is not None:
            # The request is lost before Telegram handles it: nothing is sent or recorded.
            await asyncio.sleep(stall)
            return JSONResponse(error_body(504, "Gateway Timeout"), status_code=504)
        if self.spec.canonical(requested) == "getUpdates" and not problems:
            await self._long_poll(params)
        call = self.execute(requested, params, files, problems=problems, encoding=encoding)
        return JSONResponse(call.response, status_code=call.status)

    async def _long_poll(self, params: dict[str, Any]) -> None:
        """Wait up to the call's timeout (capped for tests) until getUpdates has something."""
        timeout = params.get("timeout")
        if not isinstance(timeout, int | float) or isinstance(timeout, bool):
            timeout = 0
        loop, wake = asyncio.get_running_loop(), self._wake
        deadline = loop.time() + min(max(timeout, 0), self.max_poll_timeout)
        while wake is not None and not self._closing and not self.has_updates(params):
            remaining = deadline - loop.time()
            if remaining <= 0:
                return
            wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(wake.wait(), remaining)

    async def _download(self, request: Request) -> Response:
        stored = self.file_by_path(request.path_params["path"])
        if stored is None:
            return JSONResponse(error_body(404, "Not Found"), status_code=404)
        return Response(stored.content, media_type=stored.mime_type or "application/octet-stream")


async def read_body(request: Request) -> tuple[dict[str, Any], dict[str, UploadedFile]]:
    """Read the parameters of a JSON, URL-encoded or multipart request (form values are text)."""
    content_type = request.headers.get("content-type", "")
    kind = content_type.split(";")[0].strip().lower()
    body = await request.body()
    if not body:
        return {}, {}
    if kind == "application/json":
        data = json.loads(body)
        if not isinstance(data, dict):
            raise ValueError("the JSON body must be an object")
        return data, {}
    if kind == "application/x-www-form-urlencoded":
        return dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True)), {}
    if kind == "multipart/form-data":
        return parse_multipart(body, content_type)
    raise ValueError(f"unsupported Content-Type {kind!r}")


def parse_multipart(
    body: bytes, content_type: str
) -> tuple[dict[str, str], dict[str, UploadedFile]]:
    """Split a multipart/form-data body into text fields and file parts."""
    boundary = re.search(r'boundary="?([^";]+)"?', content_type)
    if boundary is None:
        raise ValueError("multipart body without a boundary")
    fields: dict[str, str] = {}
    files: dict[str, UploadedFile] = {}
    for part in body.split(b"--" + boundary.group(1).encode("ascii"))[1:]:
        if part.startswith(b"--"):
            break
        head, separator, content = part.removeprefix(b"\r\n").partition(b"\r\n\r\n")
        if not separator:
            raise ValueError("malformed multipart part")
        content = content.removesuffix(b"\r\n")
        headers = {}
        for line in head.decode("utf-8").split("\r\n"):
            key, _, value = line.partition(":")
            headers[key.strip().lower()] = value.strip()
        disposition = headers.get("content-disposition", "")
        name = re.search(r'(?:^|;)\s*name="([^"]*)"', disposition)
        filename = re.search(r'(?:^|;)\s*filename="([^"]*)"', disposition)
        if name is None:
            raise ValueError("multipart part without a name")
        if filename is None:
            fields[name.group(1)] = content.decode("utf-8")
        else:
            part_type = headers.get("content-type", "application/octet-stream")
            upload = UploadedFile(name.group(1), filename.group(1), part_type, content)
            files[name.group(1)] = upload
    return fields, files
