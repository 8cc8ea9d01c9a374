"""Serve an ASGI app with uvicorn on 127.0.0.1 and a free port, in a background thread.

In a thread of its own the server answers both the test's own event loop and subprocesses
(``coopbot run``) while the test awaits them. The fake Telegram and Zalo servers are both built
on ``ThreadedServer``.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections.abc import Callable
from types import TracebackType
from typing import Any, Self

import uvicorn


class ThreadedServer:
    """A uvicorn server for ``app`` that a test starts and stops (also as a context manager).

    Subclasses may prepare their serving loop in ``_before_serving`` (run in the server's loop),
    end their own waits in ``_before_stopping``, and give slow requests longer to finish with
    ``_shutdown_grace``.
    """

    def __init__(self, app: Any, *, name: str, host: str = "127.0.0.1") -> None:
        self.app = app
        self.name = name
        self.host = host
        self.port = 0
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    @property
    def url(self) -> str:
        """Return the server's root URL."""
        return f"http://{self.host}:{self.port}"

    def start(self, timeout: float = 10.0) -> Self:
        """Start serving and wait until the port is open."""
        assert self._thread is None, f"{self.name} is already running"
        config = uvicorn.Config(
            self.app,
            host=self.host,
            port=0,
            lifespan="off",
            ws="none",
            log_level="warning",
            access_log=False,
            timeout_graceful_shutdown=self._shutdown_grace(),
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=lambda: asyncio.run(self._serve()), name=self.name, daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"{self.name} did not start")
            time.sleep(0.01)
        self.port = self._server.servers[0].sockets[0].getsockname()[1]
        return self

    async def _serve(self) -> None:
        assert self._server is not None
        self._loop = asyncio.get_running_loop()
        await self._before_serving()
        await self._server.serve()

    def stop(self) -> None:
        """Stop serving and wait for the thread to end."""
        self._before_stopping()
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=15)
            assert not self._thread.is_alive(), f"{self.name} did not stop"
        self._thread = self._server = self._loop = None

    def call_in_server(self, callback: Callable[[], object]) -> None:
        """Run ``callback`` in the server's event loop, from any thread (not while stopped)."""
        loop = self._loop
        if loop is not None:
            with contextlib.suppress(RuntimeError):  # the loop has just closed
                loop.call_soon_threadsafe(callback)

    # Hooks for subclasses.

    def _shutdown_grace(self) -> int:
        """Return the seconds open requests get to finish when the server stops."""
        return 2

    async def _before_serving(self) -> None:
        """Prepare what requests will need in the server's loop, before the port opens."""

    def _before_stopping(self) -> None:
        """End whatever keeps requests open, before the server is told to exit."""

    # Context managers.

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    async def __aenter__(self) -> Self:
        return await asyncio.to_thread(self.start)

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await asyncio.to_thread(self.stop)
