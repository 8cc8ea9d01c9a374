"""The composition root: the Telegram application and the services that live as long as it.

When Zalo is configured too, its channel is built here beside Telegram's (same database, same
router) and its sender joins the outbox worker; ``bot/webhook.py`` serves its webhook.

``coopbot run`` builds it and runs it (polling, or behind ``bot/webhook.py``); tests build the
very same application against a fake Bot API server::

    application = build_application(load_settings())
    application.run_polling(allowed_updates=list(ALLOWED_UPDATES))

Lifetimes: the database, the router and the channel are created here, once; the command menu
and the background services start in ``post_init`` (once the event loop runs); the database
is closed in ``post_shutdown``. One event is one database transaction (see the router).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from dataclasses import dataclass, field
from typing import Any, TypeAlias

from telegram import Update
from telegram.ext import AIORateLimiter, Application, ApplicationBuilder, ContextTypes, ExtBot
from telegram.ext import JobQueue as _JobQueue
from telegram.request import BaseRequest

from bot.channels.base import ChannelSender
from bot.channels.telegram.channel import TelegramChannel, TelegramSender, set_commands
from bot.channels.telegram.convert import CHANNEL
from bot.channels.zalo.channel import ZaloService, build_zalo
from bot.files import FileStore
from bot.metrics import Metrics
from bot.outbox import OutboxPolicy, OutboxWorker
from bot.render import DefaultRenderers
from bot.scheduler import ReminderClock
from bot.settings import Settings, SettingsError
from handlers.router import Router
from handlers.turn import HandlerConfig
from storage.db import Database

logger = logging.getLogger(__name__)

TelegramApplication: TypeAlias = Application[
    ExtBot[int],  # AIORateLimiter takes per-call arguments of type int
    ContextTypes.DEFAULT_TYPE,
    dict[Any, Any],
    dict[Any, Any],
    dict[Any, Any],
    _JobQueue[ContextTypes.DEFAULT_TYPE],
]

# The updates the bot asks Telegram for; anything else is never delivered.
ALLOWED_UPDATES = (Update.MESSAGE, Update.EDITED_MESSAGE, Update.CALLBACK_QUERY)

_SERVICES_KEY = "services"


@dataclass(frozen=True)
class Services:
    """What lives as long as the application, stored once in its ``bot_data``."""

    settings: Settings
    database: Database
    router: Router
    channel: TelegramChannel
    owns_database: bool
    background: Background
    zalo: ZaloService | None = None
    metrics: Metrics = field(default_factory=Metrics)
    files: FileStore | None = None


def services(application: Application[Any, Any, Any, Any, Any, Any]) -> Services:
    """Return the services of an application made by ``build_application``."""
    found = application.bot_data.get(_SERVICES_KEY)
    if not isinstance(found, Services):
        raise RuntimeError("this application was not made by bot.app.build_application")
    return found


def file_base_url(base_url: str) -> str | None:
    """Return the file download URL that goes with a Bot API URL ending in ``/bot``, else None.

    ``http://127.0.0.1:8081/bot`` gives ``http://127.0.0.1:8081/file/bot``, as Telegram's own
    ``https://api.telegram.org/bot`` goes with ``https://api.telegram.org/file/bot``.
    """
    stripped = base_url.rstrip("/")
    if not stripped.endswith("/bot"):
        return None
    return stripped.removesuffix("/bot") + "/file/bot"


def build_application(
    settings: Settings,
    database: Database | None = None,
    *,
    request: BaseRequest | None = None,
    rate_limited: bool = True,
) -> TelegramApplication:
    """Build the Telegram application with its router, channel and database.

    Args:
        settings: the deployment's settings; ``TELEGRAM_BOT_TOKEN`` must be set.
        database: an open database to use (tests); by default one is created from
            ``settings.database_url`` and closed when the application shuts down.
        request: the Bot API transport for every call (benchmarks answer in memory); by
            default python-telegram-bot's HTTP client.
        rate_limited: False lifts ``AIORateLimiter``'s limits (Telegram's 30 messages a
            second), so a benchmark measures the bot's own work rather than the limiter.

    Raises:
        SettingsError: when no bot token is configured.
    """
    if settings.telegram_bot_token is None:
        raise SettingsError("TELEGRAM_BOT_TOKEN is not set: Telegram is off")
    # Without limits the limiter passes every call straight through.
    limiter = AIORateLimiter() if rate_limited else AIORateLimiter(0, 0, 0, 0)
    builder = (
        ApplicationBuilder()
        .token(settings.telegram_bot_token.get_secret_value())
        .rate_limiter(limiter)
        .post_init(_post_init)
        .post_shutdown(_post_shutdown)
    )
    if request is not None:
        builder = builder.request(request).get_updates_request(request)
    if settings.telegram_api_base_url:
        builder = builder.base_url(settings.telegram_api_base_url)
        file_url = file_base_url(settings.telegram_api_base_url)
        if file_url is None:
            logger.warning(
                "TELEGRAM_API_BASE_URL does not end in /bot: file downloads use Telegram's"
            )
        else:
            builder = builder.base_file_url(file_url)
    application = builder.build()

    owns_database = database is None
    database = database or Database(settings.database_url)
    metrics = Metrics()
    files = FileStore(settings.files_dir)
    router = Router(
        database,
        handler_config(settings),
        observe=metrics.count_update,
        limiter=settings.rate_limiter(),
    )
    channel = TelegramChannel(
        router, database, settings.default_locale, observe=metrics.count_update, store=files
    )
    channel.register(application)
    application.bot_data[_SERVICES_KEY] = Services(
        settings=settings,
        database=database,
        router=router,
        channel=channel,
        owns_database=owns_database,
        background=Background(),
        zalo=build_zalo(settings, database, router, files) if settings.zalo_enabled else None,
        metrics=metrics,
        files=files,
    )
    return application


def handler_config(settings: Settings) -> HandlerConfig:
    """Return what the handlers need to know of the deployment."""
    return HandlerConfig(
        default_locale=settings.default_locale,
        timezone=settings.timezone,
        bot_username=settings.telegram_bot_username,
        renderers=DefaultRenderers(),
        controller_name=settings.controller_name,
        controller_contact=settings.controller_contact,
    )


@dataclass
class Background:
    """The long-lived tasks beside the conversations; started in post_init."""

    stop: asyncio.Event = field(default_factory=asyncio.Event)
    tasks: list[asyncio.Task[None]] = field(default_factory=list)
    reminders: ReminderClock | None = None


def start_background(
    background: Background,
    database: Database,
    settings: Settings,
    senders: dict[str, ChannelSender],
    metrics: Metrics | None = None,
) -> None:
    """Start the outbox worker and the reminder clock, once the event loop runs.

    The reminder clock plans at once (catch-up for a bot that was down) and then every
    minute, and purges the expired rows daily at 03:00; the outbox worker sends what is
    planned, here and in any other worker, on the channels of ``senders``.
    """
    if not settings.background_services:
        return
    worker = OutboxWorker(
        database,
        senders,
        default_locale=settings.default_locale,
        policy=OutboxPolicy(lease=dt.timedelta(seconds=settings.outbox_lease_seconds)),
        metrics=metrics,
    )
    background.tasks.append(
        asyncio.create_task(worker.run_forever(background.stop), name="outbox")
    )
    reminders = ReminderClock(
        database, settings.reminder_schedule(), retention=settings.retention_policy()
    )
    reminders.start()
    background.reminders = reminders


async def stop_background(background: Background) -> None:
    """Stop what ``start_background`` started, before the database closes."""
    background.stop.set()
    if background.reminders is not None:
        await background.reminders.stop()
    for task in background.tasks:
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait_for(task, timeout=10)
    background.tasks.clear()


async def start_background_services(application: TelegramApplication) -> None:
    """Start the background services of the application, sending on Telegram (and Zalo)."""
    found = services(application)
    telegram = TelegramSender(
        application.bot,
        store=found.files,
        database=found.database,
        default_locale=found.settings.default_locale,
    )
    senders: dict[str, ChannelSender] = {CHANNEL: telegram}
    if found.zalo is not None:
        senders[found.zalo.sender.name] = found.zalo.sender
    start_background(found.background, found.database, found.settings, senders, found.metrics)


async def stop_background_services(application: TelegramApplication) -> None:
    """Stop what ``start_background_services`` started, before the database closes."""
    await stop_background(services(application).background)


async def _post_init(application: TelegramApplication) -> None:
    await set_commands(application.bot, services(application).settings.default_locale)
    await start_background_services(application)


async def _post_shutdown(application: TelegramApplication) -> None:
    await stop_background_services(application)
    found = services(application)
    if found.zalo is not None:
        await found.zalo.aclose()
    if found.owns_database:
        await found.database.close()
