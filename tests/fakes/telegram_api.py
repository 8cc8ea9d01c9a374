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

``FakeTelegram`` is made of parts, all sharing its lock: ``spec`` (the Bot API spec every call
is checked against), ``log`` (the calls and their violations), ``store`` (the bot, chats, users,
messages and files), ``updates`` (the pending updates and the pushes that make them),
``faults`` (scripted failures and stalls) and ``api`` (the answers to the methods). The methods
tests call on the fake are the parts' own.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.fakes.bodies import UploadedFile, read_body
from tests.fakes.server import ThreadedServer
from tests.fakes.telegram_answers import BotApi
from tests.fakes.telegram_pushes import UpdateQueue
from tests.fakes.telegram_records import (
    Call,
    CallLog,
    ScriptedFaults,
    error_body,
    failure_body,
)
from tests.fakes.telegram_spec import load_spec
from tests.fakes.telegram_store import ChatStore


class FakeTelegram(ThreadedServer):
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
        app = Starlette(
            routes=[
                Route("/bot{token}/{method}", self._endpoint, methods=["GET", "POST"]),
                Route("/file/bot{token}/{path:path}", self._download, methods=["GET"]),
            ]
        )
        super().__init__(app, name="fake-telegram", host=host)
        self.token = token
        self.max_poll_timeout = max_poll_timeout
        # Set whenever a getUpdates long poll starts waiting for an update (tests may clear it).
        self.long_poll_waiting = threading.Event()
        self._lock = threading.RLock()
        self.spec = load_spec()
        self.log = CallLog(self._lock)
        self.store = ChatStore(self._lock, bot_username=bot_username)
        self.updates = UpdateQueue(self.store, self._lock, notify=self._wake_long_polls)
        self.faults = ScriptedFaults(self._lock)
        self.api = BotApi(self.spec, self.store, self.updates, self._lock)
        self._wake: asyncio.Event | None = None
        self._closing = False

        # What tests call on the fake, answered by its parts.
        self.bot = self.store.bot
        self.calls = self.log.calls
        self.last_call = self.log.last_call
        self.wait_for = self.log.wait_for
        self.clear_violations = self.log.clear_violations
        self.add_user = self.store.add_user
        self.add_group = self.store.add_group
        self.add_chat = self.store.add_chat
        self.add_file = self.store.add_file
        self.file_by_path = self.store.file_by_path
        self.messages = self.store.messages
        self.push_update = self.updates.push_update
        self.push_message = self.updates.push_message
        self.push_command = self.updates.push_command
        self.push_file = self.updates.push_file
        self.push_edit = self.updates.push_edit
        self.push_callback = self.updates.push_callback
        self.pending_updates = self.updates.pending_updates

    @property
    def base_url(self) -> str:
        """Return the ``base_url`` for python-telegram-bot (it appends ``{token}/{method}``)."""
        return f"{self.url}/bot"

    @property
    def base_file_url(self) -> str:
        """Return the ``base_file_url`` for python-telegram-bot's file downloads."""
        return f"{self.url}/file/bot"

    @property
    def violations(self) -> list[str]:
        """Return every spec violation seen so far, as ``"method: description"``."""
        return self.log.violations

    @property
    def stalls_begun(self) -> int:
        """Return how many scripted stalls a request has run into so far."""
        return self.faults.stalls_begun

    def sent_texts(self, chat_id: int | str) -> list[str]:
        """Return the texts (as sent, with markup) of the messages the bot sent to a chat."""
        chat = self.store.resolve_chat(chat_id)
        return [
            call.params["text"]
            for call in self.calls("sendMessage")
            if call.ok and call.result["chat"]["id"] == chat
        ]

    # Scripting failures.

    def fail_next(
        self,
        method: str,
        status: int,
        description: str | None = None,
        retry_after: int | None = None,
    ) -> None:
        """Make the next call of a method fail (429 carries ``parameters.retry_after``)."""
        canonical = self.spec.canonical(method)
        assert canonical, f"no Bot API method called {method}"
        self.faults.fail_next(canonical, failure_body(status, description, retry_after))
        self._wake_long_polls()

    def stall_next(self, method: str, seconds: float) -> None:
        """Make the next call of a method hang, then fail unprocessed (a lost request)."""
        canonical = self.spec.canonical(method)
        assert canonical, f"no Bot API method called {method}"
        self.faults.stall_next(canonical, seconds)

    # Answering calls.

    def execute(
        self,
        requested: str,
        params: dict[str, Any],
        files: dict[str, UploadedFile],
        *,
        problems: list[str] | None = None,
        encoding: str = "",
    ) -> Call:
        """Check, record and answer one Bot API call (``problems``: found reading the body)."""
        with self._lock:
            method = self.spec.canonical(requested)
            call = Call(method or requested, params, files, time.time(), encoding=encoding)
            call.violations = list(problems or [])
            if method is None:
                call.violations.append(f"Not Found: unknown method {requested}")
                status, description = 404, "Not Found"
            else:
                call.violations += self.spec.check_call(method, params, files)
                call.violations += self.api.check_ids(method, params)
                status, description = 400, call.violations[0] if call.violations else ""
            if call.violations:
                call.response = error_body(status, description)
            else:
                call.response = self.faults.take_failure(method or "") or self.api.answer(call)
            call.status = 200 if call.response["ok"] else call.response["error_code"]
            self.log.record(call)
            return call

    def has_updates(self, params: dict[str, Any]) -> bool:
        """Return whether getUpdates with these parameters would answer at once."""
        with self._lock:
            if self.api.webhook_url or self.faults.has_failure("getUpdates"):
                return True
            offset = params.get("offset")
            return self.updates.has_deliverable(offset if isinstance(offset, int) else 0)

    # Serving requests (in the server's thread).

    def _shutdown_grace(self) -> int:
        return int(self.max_poll_timeout) + 2

    async def _before_serving(self) -> None:
        self._closing = False
        self._wake = asyncio.Event()

    def _before_stopping(self) -> None:
        self._closing = True
        self._wake_long_polls()

    def _wake_long_polls(self) -> None:
        """Tell waiting long polls that something changed."""
        wake = self._wake
        if wake is not None:
            self.call_in_server(wake.set)

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
        method = self.spec.canonical(requested)
        params = self.spec.decode(method, raw)
        if self.token is not None and request.path_params["token"] != self.token:
            call = Call(requested, params, files, time.time(), encoding=encoding)
            call.status, call.response = 401, error_body(401, "Unauthorized")
            call.violations = [f"Unauthorized: wrong bot token {request.path_params['token']}"]
            self.log.record(call)
            return JSONResponse(call.response, status_code=401)
        stall = self.faults.take_stall(method or "")
        if stall is not None:
            # The request is lost before Telegram handles it: nothing is sent or recorded.
            await asyncio.sleep(stall)
            return JSONResponse(error_body(504, "Gateway Timeout"), status_code=504)
        if method == "getUpdates" and not problems:
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
            self.long_poll_waiting.set()
            wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(wake.wait(), remaining)

    async def _download(self, request: Request) -> Response:
        stored = self.store.file_by_path(request.path_params["path"])
        if stored is None:
            return JSONResponse(error_body(404, "Not Found"), status_code=404)
        return Response(stored.content, media_type=stored.mime_type or "application/octet-stream")
