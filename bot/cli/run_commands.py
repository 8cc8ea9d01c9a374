"""``coopbot run``: serve Telegram by long polling, or Telegram and Zalo by webhook.

Zalo only ever posts its events to a webhook, so a deployment with Zalo alone needs
``--webhook``; with both channels, polling serves Telegram and still sends the Zalo messages
the bot plans (reminders, notifications), but receives nothing from Zalo.

Polling uses the project's own loop (``bot/channels/telegram_polling.py``), which confirms an
update to Telegram only after it was handled; ``--metrics-port`` adds ``/healthz`` and
``/metrics`` on a port of their own (webhook mode serves them beside the webhooks).
"""

from __future__ import annotations

import asyncio
import logging
import os
from typing import Annotated

import typer
from telegram.error import BadRequest, InvalidToken, NetworkError

from bot.app import build_application
from bot.channels.telegram.polling import serve_polling
from bot.cli.common import fail, open_database, run, secret_box_or_exit, settings_or_exit
from bot.logs import configure_logging
from bot.ops import ServeError
from bot.settings import Settings
from bot.webhook import serve_webhook, serve_zalo_webhook
from handlers.i18n import CatalogError, load_catalogs
from storage import migrate

logger = logging.getLogger(__name__)


async def _schema_problem(settings: Settings) -> str | None:
    """Return why the database is not ready for the bot, or None when it is."""
    async with open_database(settings) as database:
        current = await migrate.current_revision(database.engine)
    head = migrate.head_revision()
    if current == head:
        return None
    if current is None:
        return "the database is empty: run `coopbot db upgrade` first"
    return f"the database is at revision {current}, not {head}: run `coopbot db upgrade` first"


def run_bot(
    webhook: Annotated[
        bool,
        typer.Option(
            "--webhook",
            help=(
                "Serve the webhooks (/telegram/webhook, /zalo/webhook) behind a reverse proxy "
                "instead of long polling Telegram."
            ),
        ),
    ] = False,
    host: Annotated[
        str, typer.Option(help="Address the webhook (or --metrics-port) server listens on.")
    ] = "127.0.0.1",
    port: Annotated[
        int, typer.Option(min=1, max=65535, help="Port the webhook server listens on.")
    ] = 8443,
    metrics_port: Annotated[
        int | None,
        typer.Option(
            min=1,
            max=65535,
            help="Polling mode: serve /healthz and /metrics on this port (webhook mode serves "
            "them on --port).",
        ),
    ] = None,
) -> None:
    """Run the bot (Telegram, Zalo or both) until stopped (Ctrl+C or SIGTERM)."""
    settings = settings_or_exit()
    configure_logging(settings)
    _check_channels(settings, webhook=webhook)
    target = _webhook_target(settings) if webhook and settings.telegram_enabled else None
    problem = run(_schema_problem, settings)
    if problem is not None:
        fail(problem)
    try:
        load_catalogs()
    except CatalogError as error:
        fail(str(error))
    # Opt in to python-telegram-bot's durations as timedelta (RetryAfter), which also silences
    # its deprecation warning about the integer ones.
    os.environ.setdefault("PTB_TIMEDELTA", "true")
    if not settings.telegram_enabled:
        asyncio.run(serve_zalo_webhook(settings, host=host, port=port))
        logger.info("stopped")
        return
    if settings.zalo_enabled and not webhook:
        logger.warning(
            "Zalo events are received only with --webhook; Zalo messages are still sent"
        )
    application = build_application(settings)
    try:
        if target is None:
            asyncio.run(serve_polling(application, host=host, metrics_port=metrics_port))
        else:
            url, secret = target
            asyncio.run(serve_webhook(application, url=url, secret=secret, host=host, port=port))
    except InvalidToken:
        fail("Telegram refused TELEGRAM_BOT_TOKEN: check it with @BotFather", code=2)
    except BadRequest as error:  # before NetworkError, of which it is a subclass
        fail(f"Telegram refused to start the bot: {error.message}", code=2)
    except NetworkError as error:
        fail(f"Telegram could not be reached: {error.message}")
    except ServeError as error:
        fail(str(error))
    logger.info("stopped")


def _check_channels(settings: Settings, *, webhook: bool) -> None:
    """Exit with one line when no channel, or a half-configured one, would run."""
    if settings.zalo_configured and settings.zalo_missing():
        fail(f"Zalo is half configured: set {', '.join(settings.zalo_missing())}", code=2)
    if not settings.telegram_enabled and not settings.zalo_enabled:
        fail(
            "TELEGRAM_BOT_TOKEN is not set and Zalo is not configured: create a bot with "
            "@BotFather, or see docs/zalo.md",
            code=2,
        )
    if not settings.telegram_enabled and not webhook:
        fail("Zalo needs --webhook: Zalo posts its events to /zalo/webhook", code=2)
    if settings.zalo_enabled:
        secret_box_or_exit(settings)  # Zalo's stored tokens are sealed with it


def _webhook_target(settings: Settings) -> tuple[str, str]:
    """Return the webhook's public URL and secret, or exit when either is missing."""
    url, secret = settings.telegram_webhook_url, settings.telegram_webhook_secret
    if not (url and secret):
        fail("--webhook needs TELEGRAM_WEBHOOK_URL and TELEGRAM_WEBHOOK_SECRET", code=2)
    return url, secret.get_secret_value()


def register(app: typer.Typer) -> None:
    """Add the ``run`` command to the CLI."""
    app.command("run")(run_bot)
