"""The Telegram channel: updates in through the router, replies out, errors handled once.

``TelegramChannel`` is registered on a python-telegram-bot ``Application`` as one
``TypeHandler`` (every update goes through the same router, in order) and as the application's
only error handler. ``TelegramSender`` sends what the outbox planned, turning Telegram's errors
into the channel-neutral ``DeliveryError`` family.

``TelegramChannel.process`` handles one update and says how it ended, so whoever took the
update from Telegram (our own polling loop, the webhook) confirms it only once it is done: an
update that found the database unreachable is ``DEFERRED`` and must be delivered again.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from enum import StrEnum
from typing import Any

from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeChat,
    BotCommandScopeDefault,
    CallbackQuery,
    Update,
)
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.ext import Application, ContextTypes, TypeHandler

from bot.channels.attachments import AttachmentSource
from bot.channels.base import (
    PermanentFailure,
    RecipientUnreachable,
    RetryLater,
    TransientFailure,
    Unasked,
)
from bot.channels.common import apology, reader_locale
from bot.channels.telegram.convert import CHANNEL, to_incoming
from bot.channels.telegram.media import download_media
from bot.channels.telegram.render import send_replies
from bot.files import FileStore
from handlers.command_menu import public_menu
from handlers.i18n import SUPPORTED_LOCALES, get_translator
from handlers.router import Router
from handlers.types import CommandMenu, Reply
from storage.db import Database
from storage.errors import Unavailable
from storage.people import forget_command_menu

logger = logging.getLogger(__name__)


def chat_target(chat_id: str) -> int | str:
    """Return a chat id as the Bot API wants it: numeric ids as numbers, @usernames as text."""
    return int(chat_id) if chat_id.lstrip("-").isdigit() else chat_id


class Outcome(StrEnum):
    """How handling one update ended, for the loop that confirms it to Telegram."""

    HANDLED = "handled"  # answered, or nothing to answer: confirm it
    FAILED = "failed"  # an error the error handler apologised for: confirm it, never loop
    DEFERRED = "deferred"  # the database is unreachable: do not confirm, deliver it again


class TelegramChannel:
    """Connects python-telegram-bot to the router; lives as long as the application."""

    def __init__(
        self,
        router: Router,
        database: Database,
        default_locale: str,
        observe: Callable[[str, str], None] | None = None,
        store: FileStore | None = None,
    ) -> None:
        self.router = router
        self.database = database
        self.default_locale = default_locale
        self.observe = observe
        self.store = store
        self.attachments = AttachmentSource(
            store, database, CHANNEL, default_locale=default_locale
        )
        # Outcomes other than HANDLED of the updates being processed, by update id.
        self._outcomes: dict[int, Outcome] = {}

    async def process(
        self, application: Application[Any, Any, Any, Any, Any, Any], update: Update
    ) -> Outcome:
        """Handle one update through the application's handlers and tell how it ended."""
        try:
            await application.process_update(update)
        finally:
            outcome = self._outcomes.pop(update.update_id, Outcome.HANDLED)
        return outcome

    def register(self, application: Application[Any, Any, Any, Any, Any, Any]) -> None:
        """Add the update handler and the global error handler to ``application``."""
        application.add_handler(TypeHandler(Update, self.on_update))
        application.add_error_handler(self.on_error)

    async def on_update(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Answer one update: convert it, let the router answer, send the replies."""
        deferred = False
        try:
            incoming = to_incoming(update, bot_username=context.bot.username)
            if incoming is None:
                logger.debug("update %s ignored: nothing a person sent", update.update_id)
                if self.observe is not None:
                    self.observe(CHANNEL, "ignored")
                return
            incoming = await download_media(context.bot, self.store, incoming)
            try:
                handled = await self.router.handle_with_menu(incoming)
            except Unavailable:
                # Nothing was kept; the update is handled again once the database is back.
                logger.warning("update %s deferred: the database is unavailable", update.update_id)
                self._outcomes[update.update_id] = Outcome.DEFERRED
                deferred = True
                return
            if handled.menu is not None and incoming.private:
                await self.publish_menu(context.bot, incoming.external_id, handled.menu)
            files = self.attachments.reader(incoming.external_id, incoming.platform_locale)
            await send_replies(context.bot, chat_target(incoming.chat_id), handled.replies, files)
        finally:
            # Even when answering failed, so the button's spinner stops; a deferred press is
            # answered when it is handled.
            if update.callback_query is not None and not deferred:
                await answer_callback(update.callback_query)

    async def publish_menu(self, bot: Bot, external_id: str, menu: CommandMenu) -> None:
        """Show a person their own command menu in their private chat (an empty menu: the
        public one). A refusal is logged and forgotten, so the next update tries again.

        A private chat's id is the person's user id, so ``external_id`` names both.
        """
        scope = BotCommandScopeChat(chat_target(external_id))
        try:
            if menu.commands:
                commands = [BotCommand(name, about) for name, about in menu.commands]
                await bot.set_my_commands(commands, scope=scope)
            else:
                await bot.delete_my_commands(scope=scope)
        except TelegramError as error:
            logger.warning("could not set the command menu of chat %s: %s", external_id, error)
            try:
                async with self.database.transaction() as session:
                    await forget_command_menu(session, CHANNEL, external_id)
            except Exception:
                logger.exception("could not forget the command menu of chat %s", external_id)

    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Report an error that escaped the router (sending the answer, a download) and
        apologise to the person; never raise."""
        update_id = update.update_id if isinstance(update, Update) else None
        if update_id is not None:
            self._outcomes[update_id] = Outcome.FAILED
        if context.error is not None:
            await self.router.report_failure(context.error, CHANNEL, update_id)
        try:
            if isinstance(update, Update):
                await self._apologise(update, context.bot)
        except Exception:
            logger.warning("could not apologise for update %s", update_id)

    async def _locale(self, external_id: str, platform_locale: str | None = None) -> str:
        """Return the language a person reads, even when the database is unavailable."""
        return await reader_locale(
            self.database,
            CHANNEL,
            external_id,
            default_locale=self.default_locale,
            platform_locale=platform_locale,
        )

    async def _apologise(self, update: Update, bot: Bot) -> None:
        chat, user = update.effective_chat, update.effective_user
        if chat is None or user is None:
            return
        locale = await self._locale(str(user.id), user.language_code)
        await send_replies(bot, chat.id, [apology(get_translator(locale))])


async def answer_callback(query: CallbackQuery) -> None:
    """Answer a button press so Telegram stops showing its spinner; failures are only logged."""
    try:
        await query.answer()
    except TelegramError as error:
        logger.warning("could not answer callback query %s: %s", query.id, error)


async def set_commands(bot: Bot, default_locale: str) -> None:
    """Publish the public command menu for each language (and a default); failures are only
    logged. Registered people get the menu of their roles in their own chat (``publish_menu``).
    """
    for language in (None, *SUPPORTED_LOCALES):
        commands = [
            BotCommand(name, about)
            for name, about in public_menu(get_translator(language or default_locale))
        ]
        try:
            await bot.set_my_commands(
                commands, scope=BotCommandScopeDefault(), language_code=language
            )
        except TelegramError as error:
            logger.warning("could not set the %s command menu: %s", language or "default", error)


def _seconds(value: int | dt.timedelta) -> float:
    return value.total_seconds() if isinstance(value, dt.timedelta) else float(value)


class TelegramSender:
    """Sends outbox messages on Telegram; implements ``bot.channels.base.ChannelSender``."""

    name = CHANNEL

    def __init__(
        self,
        bot: Bot,
        *,
        store: FileStore | None = None,
        database: Database | None = None,
        default_locale: str = "vi",
    ) -> None:
        self.bot = bot
        self.attachments = AttachmentSource(
            store, database, CHANNEL, default_locale=default_locale
        )

    async def send(
        self,
        recipient: str,
        replies: list[Reply],
        unasked: Unasked | None = None,  # noqa: ARG002 - the replies say all this channel sends
    ) -> None:
        """Deliver ``replies`` in order to the chat ``recipient``.

        Raises:
            RecipientUnreachable: the person blocked the bot, or the chat does not exist.
            RetryLater: Telegram asked to wait (flood control).
            PermanentFailure: Telegram refused the message itself.
            TransientFailure: a network or server error.
        """
        try:
            files = self.attachments.reader(recipient)
            await send_replies(self.bot, chat_target(recipient), replies, files)
        except Forbidden as error:
            raise RecipientUnreachable(error.message) from error
        except RetryAfter as error:
            raise RetryLater(_seconds(error.retry_after), error.message) from error
        except BadRequest as error:  # before NetworkError: BadRequest is one of its subclasses
            if "chat not found" in error.message.lower():
                raise RecipientUnreachable(error.message) from error
            raise PermanentFailure(error.message) from error
        except NetworkError as error:  # TimedOut included
            raise TransientFailure(error.message) from error
        except TelegramError as error:
            raise TransientFailure(error.message) from error
