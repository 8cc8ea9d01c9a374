"""A lean fake Bot API on 127.0.0.1 that enforces Telegram's flood limit and fails some calls.

A raw asyncio HTTP/1.1 server (keep-alive, JSON or form bodies) in a thread of its own, so the
bot under test shares nothing with it but the loopback. Every ``sendMessage``:

- beyond ``rate`` accepted messages in the last second gets 429 with ``retry_after``;
- otherwise fails with 500 with probability ``failure_rate`` (before delivering anything);
- otherwise is delivered: counted for its chat.

It serves at most ``max_requests`` requests and stops with the benchmark, so a runaway sender
cannot hammer it for long.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import random
import threading
import time
from collections import Counter, deque
from typing import Any
from urllib.parse import parse_qsl

from bench.bot_api import BOT_ID, BOT_USERNAME

HOST = "127.0.0.1"
_BOT = {"id": BOT_ID, "is_bot": True, "first_name": "Coopbot", "username": BOT_USERNAME}
_REASONS = {200: "OK", 400: "Bad Request", 429: "Too Many Requests", 500: "Internal Server Error"}


class FloodLimitedApi:
    """The fake server; ``delivered`` counts accepted messages per chat."""

    def __init__(
        self,
        *,
        rate: int = 30,
        failure_rate: float = 0.02,
        seed: int = 7,
        max_requests: int = 200_000,
    ) -> None:
        self.rate = rate
        self.failure_rate = failure_rate
        self.max_requests = max_requests
        self.delivered: Counter[int] = Counter()
        self.status: Counter[int] = Counter()
        self.first_delivery: float | None = None
        self.last_delivery: float | None = None
        self._random = random.Random(seed)
        self._accepted: deque[float] = deque()
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: asyncio.Server | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._stopped: asyncio.Event | None = None
        self.port = 0

    @property
    def base_url(self) -> str:
        """Return the ``base_url`` for python-telegram-bot."""
        return f"http://{HOST}:{self.port}/bot"

    def start(self) -> FloodLimitedApi:
        """Serve in a background thread; return once the port is open."""
        self._thread = threading.Thread(target=self._run, name="flood-api", daemon=True)
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("the fake Bot API did not start")
        return self

    def stop(self) -> None:
        """Stop serving and wait for the thread."""
        loop, stopped = self._loop, self._stopped
        if loop is not None and stopped is not None:
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(stopped.set)
        if self._thread is not None:
            self._thread.join(timeout=10)

    def __enter__(self) -> FloodLimitedApi:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()

    def _run(self) -> None:
        asyncio.run(self._serve())

    async def _serve(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stopped = asyncio.Event()
        self._server = await asyncio.start_server(self._connection, HOST, 0)
        self.port = self._server.sockets[0].getsockname()[1]
        self._ready.set()
        async with self._server:
            await self._stopped.wait()

    async def _connection(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        try:
            while True:
                request = await _read_request(reader)
                if request is None:
                    break
                path, body = request
                status, answer = self._answer(path, body)
                payload = json.dumps(answer).encode()
                head = (
                    f"HTTP/1.1 {status} {_REASONS.get(status, 'Error')}\r\n"
                    f"Content-Type: application/json\r\nContent-Length: {len(payload)}\r\n"
                    "Connection: keep-alive\r\n\r\n"
                )
                writer.write(head.encode() + payload)
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()

    def _answer(self, path: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        method = path.rsplit("/", 1)[-1]
        with self._lock:
            served = sum(self.status.values())
            if served >= self.max_requests:
                return self._count(500, _error(500, "Internal Server Error: request budget spent"))
            if method == "getMe":
                return self._count(200, {"ok": True, "result": _BOT})
            if method != "sendMessage":
                return self._count(200, {"ok": True, "result": True})
            now = time.monotonic()
            while self._accepted and now - self._accepted[0] >= 1.0:
                self._accepted.popleft()
            if len(self._accepted) >= self.rate:
                wait = max(1, math.ceil(1.0 - (now - self._accepted[0])))
                answer = _error(429, f"Too Many Requests: retry after {wait}")
                answer["parameters"] = {"retry_after": wait}
                return self._count(429, answer)
            if self._random.random() < self.failure_rate:
                return self._count(500, _error(500, "Internal Server Error"))
            self._accepted.append(now)
            chat_id = int(str(body.get("chat_id", 0)))
            self.delivered[chat_id] += 1
            self.first_delivery = self.first_delivery or now
            self.last_delivery = now
            message = {
                "message_id": sum(self.delivered.values()),
                "date": int(time.time()),
                "chat": {"id": chat_id, "type": "private", "first_name": "Bench"},
                "from": _BOT,
                "text": str(body.get("text", "")),
            }
            return self._count(200, {"ok": True, "result": message})

    def _count(self, status: int, answer: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        self.status[status] += 1
        return status, answer


def _error(code: int, description: str) -> dict[str, Any]:
    return {"ok": False, "error_code": code, "description": description}


async def _read_request(reader: asyncio.StreamReader) -> tuple[str, dict[str, Any]] | None:
    """Read one HTTP request; return (path, parameters) or None at the end of the connection."""
    line = await reader.readline()
    if not line:
        return None
    _, path, _ = line.decode("latin-1").split(" ", 2)
    headers: dict[str, str] = {}
    while True:
        header = await reader.readline()
        if header in (b"\r\n", b"\n", b""):
            break
        name, _, value = header.decode("latin-1").partition(":")
        headers[name.strip().lower()] = value.strip()
    length = int(headers.get("content-length", "0"))
    raw = await reader.readexactly(length) if length else b""
    kind = headers.get("content-type", "").split(";")[0].strip().lower()
    body: dict[str, Any] = {}
    if kind == "application/json" and raw:
        body = json.loads(raw)
    elif raw:
        body = dict(parse_qsl(raw.decode("utf-8"), keep_blank_values=True))
    return path.split("?", 1)[0], body
