"""Operations endpoints: ``GET /healthz`` and ``GET /metrics``.

``/healthz`` answers ``ok`` when the database answers ``SELECT 1`` within a few seconds and
503 otherwise, so a load balancer stops sending updates to a worker that cannot store them.
``/metrics`` is the process's Prometheus metrics (``bot/metrics.py``), with the outbox gauges
read from the database at scrape time.

Webhook mode serves both beside the Telegram webhook; polling mode serves them on their own
port when ``coopbot run --metrics-port N`` asks for it (``ops_server``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from collections.abc import AsyncIterator, Iterator

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from bot.metrics import CONTENT_TYPE, Metrics
from storage.db import Database

logger = logging.getLogger(__name__)

HEALTH_TIMEOUT = 3.0  # seconds the database may take to answer a health probe


class ServeError(Exception):
    """The operations server could not start (the port is taken, the address is wrong)."""


def ops_routes(database: Database, metrics: Metrics) -> list[Route]:
    """Return the ``/healthz`` and ``/metrics`` routes for an app serving this process."""

    async def healthz(_request: Request) -> Response:
        """Answer ok when the database answers, 503 when it does not."""
        try:
            await database.ping(timeout=HEALTH_TIMEOUT)
        except Exception as error:
            logger.warning("health check: the database did not answer: %s", error)
            return PlainTextResponse("database unavailable", status_code=503)
        return PlainTextResponse("ok")

    async def metrics_page(_request: Request) -> Response:
        """Answer the metrics in Prometheus' text format."""
        await metrics.refresh(database)
        return Response(metrics.exposition(), media_type=CONTENT_TYPE)

    return [
        Route("/healthz", healthz, methods=["GET"]),
        Route("/metrics", metrics_page, methods=["GET"]),
    ]


def build_ops_app(database: Database, metrics: Metrics) -> Starlette:
    """Return a web app with only the operations endpoints."""
    return Starlette(routes=ops_routes(database, metrics))


class _SignalFreeServer(uvicorn.Server):
    """A uvicorn server that leaves SIGINT and SIGTERM to the process that runs it."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        """Install nothing: the polling loop owns the stop signals."""
        yield


@contextlib.asynccontextmanager
async def ops_server(
    database: Database, metrics: Metrics, *, host: str, port: int
) -> AsyncIterator[None]:
    """Serve ``/healthz`` and ``/metrics`` on ``host:port`` for the duration of the block.

    Raises:
        ServeError: when the server cannot listen there.
    """
    config = uvicorn.Config(
        build_ops_app(database, metrics),
        host=host,
        port=port,
        lifespan="off",
        log_config=None,  # the CLI configured logging once
        access_log=False,
    )
    server = _SignalFreeServer(config)
    # Bound here, because uvicorn ends the whole process (sys.exit) when it cannot bind.
    listener = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
    try:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((host, port))
    except OSError as error:
        listener.close()
        raise ServeError(f"could not serve /metrics on {host}:{port}: {error.strerror}") from None
    task = asyncio.create_task(server.serve(sockets=[listener]), name="ops-server")
    while not server.started and not task.done():  # noqa: ASYNC110 - uvicorn has only a flag
        await asyncio.sleep(0.05)
    if not server.started:
        listener.close()
        await task
        raise ServeError(f"could not serve /metrics on {host}:{port}")
    logger.info("serving /healthz and /metrics on %s:%s", host, port)
    try:
        yield
    finally:
        server.should_exit = True
        await task
        listener.close()
