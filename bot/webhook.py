"""Webhook mode: a starlette app behind a reverse proxy, served by uvicorn.

The app serves whichever channels are configured — Telegram, Zalo, or both on one port:

- ``POST /telegram/webhook`` takes an update from Telegram when its secret-token header matches
  ``TELEGRAM_WEBHOOK_SECRET``, puts it on the application's update queue and answers at once,
  so Telegram never waits for a conversation. Updates are then handled exactly as in polling
  mode (and deduplicated by the router, so a redelivery by Telegram changes nothing).
- ``POST /zalo/webhook`` takes a signed event from the Zalo OA (see ``bot/channels/zalo.py``).
- ``GET /healthz`` answers ``ok`` for probes.

With Telegram the Telegram application owns the database, the router and the background
services; with Zalo alone they are made here.
"""

from __future__ import annotations

import contextlib
import hmac
import json
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
from bot.channels.zalo import WEBHOOK_PATH as ZALO_WEBHOOK_PATH
from bot.channels.zalo import ZaloChannel, build_zalo
from bot.settings import Settings
from handlers.router import Router
from storage.db import Database

logger = logging.getLogger(__name__)

WEBHOOK_PATH = "/telegram/webhook"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 - a header name, not a secret


def build_webhook_app(
    application: TelegramApplication | None = None,
    secret: str = "",
    *,
    zalo: ZaloChannel | None = None,
) -> Starlette:
    """Return the web app of the configured channels: Telegram's updates, Zalo's events.

    Raises:
        ValueError: for Telegram without a secret, which would accept anyone's updates.
    """
    if application is not None and not secret:
        raise ValueError("the Telegram webhook needs a secret")
    routes = [Route("/healthz", healthz, methods=["GET"])]
    if application is not None:
        routes.append(
            Route(WEBHOOK_PATH, _telegram_endpoint(application, secret), methods=["POST"])
        )
    if zalo is not None:
        routes.append(Route(ZALO_WEBHOOK_PATH, zalo.webhook, methods=["POST"]))
    return Starlette(routes=routes)


async def healthz(_request: Request) -> Response:
    """Tell a probe the process is up."""
    return PlainTextResponse("ok")


def _telegram_endpoint(
    application: TelegramApplication, secret: str
) -> Callable[[Request], Awaitable[Response]]:
    """Return the endpoint that feeds ``application`` with the updates Telegram posts."""
    expected = secret.encode("utf-8")

    async def telegram_webhook(request: Request) -> Response:
        """Check the secret, queue the update, answer at once."""
        given = request.headers.get(SECRET_HEADER, "").encode("utf-8")
        if not hmac.compare_digest(given, expected):
            logger.warning("webhook call refused: wrong or missing secret token")
            return PlainTextResponse("unauthorized", status_code=401)
        try:
            data = json.loads(await request.body())
            update = Update.de_json(data, application.bot) if isinstance(data, dict) else None
        except (ValueError, TypeError, KeyError):
            update = None
        if update is None:
            logger.warning("webhook call refused: the body is not an update")
            return PlainTextResponse("bad request", status_code=400)
        await application.update_queue.put(update)
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
    zalo = services(application).zalo
    server = _server(
        build_webhook_app(application, secret, zalo=zalo.channel if zalo else None), host, port
    )
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
    router = Router(database, handler_config(settings))
    zalo = build_zalo(settings, database, router)
    background = Background()
    server = _server(build_webhook_app(zalo=zalo.channel), host, port)
    try:
        start_background(background, database, settings, {zalo.sender.name: zalo.sender})
        logger.info("serving the Zalo webhook on %s:%s%s", host, port, ZALO_WEBHOOK_PATH)
        with _survive_uvicorn_signals():
            await server.serve()
    finally:
        await stop_background(background)
        await zalo.aclose()
        await database.close()
