"""Webhook mode: a starlette app behind a reverse proxy, served by uvicorn.

The app serves whichever channels are configured — Telegram, Zalo, or both on one port:

- ``POST /telegram/webhook`` takes an update from Telegram when its secret-token header matches
  ``TELEGRAM_WEBHOOK_SECRET``, handles it, and only then answers 200: an update is never
  acknowledged before it is stored, so a crash loses nothing (Telegram delivers an update
  again until it gets a 2xx). When the database is unreachable the answer is 503 and Telegram
  retries later; the router's record of handled update ids makes every redelivery harmless.
  One update is handled at a time per process, in the order they arrive.
- ``POST /zalo/webhook`` takes a signed event from the Zalo OA (see ``bot/channels/zalo.py``).
- Every body is read through ``bot/http_limits.py`` first: over ``COOPBOT_MAX_JSON_BYTES`` it
  is refused with 413 before the secret or the signature is looked at, and a body that is not
  an update (or an event) is refused with 400 rather than failing inside the bot.
- ``GET /healthz`` answers ``ok`` when the database answers, 503 when it does not, and
  ``GET /metrics`` serves Prometheus metrics (``bot/ops.py``).

With Telegram the Telegram application owns the database, the router and the background
services; with Zalo alone they are made here.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import logging
import signal
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route
from telegram import Update

from bot.app import (
    ALLOWED_UPDATES,
    Background,
    TelegramApplication,
    handler_config,
    services,
    start_background,
    stop_background,
)
from bot.channels.base import ChannelSender
from bot.channels.telegram.channel import Outcome
from bot.channels.zalo.channel import WEBHOOK_PATH as ZALO_WEBHOOK_PATH
from bot.channels.zalo.channel import ZaloChannel, build_zalo
from bot.http_limits import (
    DEFAULT_MAX_JSON_BYTES,
    BodyTooLarge,
    declared_too_large,
    json_object,
    read_body,
)
from bot.metrics import Metrics
from bot.ops import ops_routes
from bot.settings import Settings
from handlers.router import Router
from storage.db import Database

logger = logging.getLogger(__name__)

WEBHOOK_PATH = "/telegram/webhook"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 - a header name, not a secret
# What python-telegram-bot's de_json raises on fields of the wrong shape: it trusts Telegram, so
# a string where an object belongs fails inside its constructors, each in its own way.
_MALFORMED = (ValueError, TypeError, KeyError, AttributeError, OverflowError, OSError)
_MAX_UPDATE_ID = 2**63 - 1  # processed_update keeps it as text, but nothing real comes near


def build_webhook_app(
    application: TelegramApplication | None = None,
    secret: str = "",
    *,
    zalo: ZaloChannel | None = None,
    database: Database | None = None,
    metrics: Metrics | None = None,
    max_body_bytes: int = DEFAULT_MAX_JSON_BYTES,
) -> Starlette:
    """Return the web app of the configured channels: Telegram's updates, Zalo's events.

    ``/healthz`` and ``/metrics`` check and describe ``database`` (by default the Telegram
    application's); without any database ``/healthz`` only says the process is up. A
    Telegram update larger than ``max_body_bytes`` is refused with 413 (Zalo's channel has
    its own limit).

    Raises:
        ValueError: for Telegram without a secret, which would accept anyone's updates.
    """
    if application is not None and not secret:
        raise ValueError("the Telegram webhook needs a secret")
    if application is not None:
        found = services(application)
        database, metrics = database or found.database, metrics or found.metrics
    if database is not None:
        routes = ops_routes(database, metrics or Metrics())
    else:
        routes = [Route("/healthz", healthz, methods=["GET"])]
    if application is not None:
        routes.append(
            Route(
                WEBHOOK_PATH,
                _telegram_endpoint(application, secret, max_body_bytes),
                methods=["POST"],
            )
        )
    if zalo is not None:
        routes.append(Route(ZALO_WEBHOOK_PATH, zalo.webhook, methods=["POST"]))
    return Starlette(routes=routes)


async def healthz(_request: Request) -> Response:
    """Tell a probe the process is up."""
    return PlainTextResponse("ok")


def parse_update(body: bytes, application: TelegramApplication) -> Update | None:
    """Return the update ``body`` holds, or None when it is not one Telegram would send."""
    data = json_object(body)
    if data is None:
        return None
    update_id = data.get("update_id")
    # bool is an int to Python; an update id never is one.
    if type(update_id) is not int or not 0 <= update_id <= _MAX_UPDATE_ID:
        return None
    try:
        return Update.de_json(data, application.bot)
    except _MALFORMED:
        return None


def _telegram_endpoint(
    application: TelegramApplication, secret: str, max_body_bytes: int
) -> Callable[[Request], Awaitable[Response]]:
    """Return the endpoint that feeds ``application`` with the updates Telegram posts."""
    expected = secret.encode("utf-8")
    channel = services(application).channel
    one_at_a_time = asyncio.Lock()  # as python-telegram-bot's own update queue did

    async def telegram_webhook(request: Request) -> Response:
        """Check the size and the secret, handle the update, then answer (503: send it again)."""
        if declared_too_large(request, max_body_bytes):
            raise BodyTooLarge(max_body_bytes)
        # The secret is a header: a caller without it gets nothing read at all.
        given = request.headers.get(SECRET_HEADER, "").encode("utf-8")
        if not hmac.compare_digest(given, expected):
            logger.warning("webhook call refused: wrong or missing secret token")
            return PlainTextResponse("unauthorized", status_code=401)
        body = await read_body(request, max_body_bytes)  # 413 as soon as it passes the limit
        update = parse_update(body, application)
        if update is None:
            logger.warning("webhook call refused: the body is not an update")
            return PlainTextResponse("bad request", status_code=400)
        async with one_at_a_time:
            outcome = await channel.process(application, update)
        if outcome is Outcome.DEFERRED:
            return PlainTextResponse("database unavailable", status_code=503)
        return Response(status_code=200)

    return telegram_webhook


@contextlib.contextmanager
def _survive_uvicorn_signals() -> Iterator[None]:
    """Keep a stop signal from ending the process before the application has shut down.

    uvicorn stops gracefully on SIGINT/SIGTERM and then raises the signal again for the handler
    that was installed before it; with Python's defaults that ends the process at once. A
    no-op handler lets the application stop and close the database afterwards.
    """
    stops = (signal.SIGINT, signal.SIGTERM)
    previous = {sig: signal.signal(sig, _ignore_signal) for sig in stops}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _ignore_signal(_signal: int, _frame: Any) -> None:
    """Do nothing: uvicorn has already begun stopping."""


def _server(app: Starlette, host: str, port: int) -> uvicorn.Server:
    return uvicorn.Server(
        uvicorn.Config(
            app,
            host=host,
            port=port,
            lifespan="off",
            log_config=None,  # the CLI configured logging once
            access_log=False,
        )
    )


async def serve_webhook(
    application: TelegramApplication, *, url: str, secret: str, host: str, port: int
) -> None:
    """Register the webhook with Telegram and serve it (and Zalo's) until SIGINT or SIGTERM."""
    found = services(application)
    zalo = found.zalo
    app = build_webhook_app(
        application,
        secret,
        zalo=zalo.channel if zalo else None,
        max_body_bytes=found.settings.max_json_bytes,
    )
    server = _server(app, host, port)
    try:
        async with application:
            if application.post_init is not None:
                await application.post_init(application)
            await application.bot.set_webhook(
                url=url, secret_token=secret, allowed_updates=list(ALLOWED_UPDATES)
            )
            await application.start()
            logger.info("serving the Telegram webhook on %s:%s%s", host, port, WEBHOOK_PATH)
            if zalo is not None:
                logger.info("serving the Zalo webhook on %s:%s%s", host, port, ZALO_WEBHOOK_PATH)
            try:
                with _survive_uvicorn_signals():
                    await server.serve()
            finally:
                await application.stop()
    finally:
        if application.post_shutdown is not None:
            await application.post_shutdown(application)


async def serve_zalo_webhook(settings: Settings, *, host: str, port: int) -> None:
    """Serve the Zalo webhook alone (Telegram off), with the background services."""
    database = Database(settings.database_url)
    metrics = Metrics()
    router = Router(
        database,
        handler_config(settings),
        observe=metrics.count_update,
        limiter=settings.rate_limiter(),
    )
    zalo = build_zalo(settings, database, router)
    background = Background()
    app = build_webhook_app(zalo=zalo.channel, database=database, metrics=metrics)
    server = _server(app, host, port)
    try:
        senders: dict[str, ChannelSender] = {zalo.sender.name: zalo.sender}
        start_background(background, database, settings, senders, metrics)
        logger.info("serving the Zalo webhook on %s:%s%s", host, port, ZALO_WEBHOOK_PATH)
        with _survive_uvicorn_signals():
            await server.serve()
    finally:
        await stop_background(background)
        await zalo.aclose()
        await database.close()
