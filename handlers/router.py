"""The one entry point of the conversations: ``Router.handle(incoming) -> list[Reply]``.

Each incoming event is handled in one database transaction: the update is recorded as
processed (a redelivery changes nothing), the person and their conversation state are loaded,
and exactly one route answers. A domain error rolls back what the route wrote and becomes a
translated reply, so nothing is ever stored half.

A database busy with another writer (``Busy``) rolls back the whole event, the record of it
included, and asks the person to send it again; an unreachable database (``Unavailable``) is
raised to the channel, which has the platform deliver the event again later. Each event's
outcome is reported to ``observe`` (metrics): handled, duplicate, busy, unavailable, error, or
limited (refused by the per-person rate limit before any database work).

An exception a route raises anyway is contained (``handlers.failures``): the event is rolled
back whole, the person gets one apology, and the admins an alert at most once an hour per kind.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from collections.abc import Awaitable, Callable

from handlers import commands
from handlers.command_menu import menu_for
from handlers.failures import APOLOGY, FailureTally, failure_kind, log_failure
from handlers.flows import (
    alert_settings,
    charts,
    export,
    find,
    inbox,
    invite_chat,
    item_actions,
    loose_media,
    meeting,
    my_items,
    onboarding,
    people,
    phone,
    privacy,
    reminder_actions,
    report,
    summary,
    targets,
)
from handlers.i18n import choose_locale, get_translator
from handlers.rate_limit import RateLimiter, limited_reply
from handlers.turn import HandlerConfig, Turn
from handlers.typed_choice import as_press, shown_buttons
from handlers.types import CommandMenu, Handled, Incoming, Reply
from storage.db import Database
from storage.dialogs import find_identity, load_speaker
from storage.errors import Busy, CoopbotError, Unavailable
from storage.failure_alerts import alert_admins_of_failure
from storage.models import utcnow
from storage.people import preferred_locale
from storage.processed_updates import mark_processed
from storage.reply_window import note_seen

logger = logging.getLogger(__name__)

Route = Callable[[Turn], Awaitable[bool]]

# Order matters: the first route that answers wins.
ROUTES: tuple[Route, ...] = (
    commands.outside_private_chat,  # groups get one notice, never a conversation
    commands.edited_message,  # edits are not applied
    commands.forwarded_message,  # someone else's words are not a report
    commands.unsupported_content,  # stickers, locations, contacts, polls
    onboarding.start_command,  # /start [CODE] works for strangers too
    commands.help_command,
    commands.cancel_command,
    commands.language,  # /language and its buttons
    privacy.declined_before_joining,  # "do not agree" under the notice: nothing is kept
    onboarding.agree_and_join,  # "agree" under the notice: the invite is redeemed
    onboarding.stranger,  # everything else from someone not admitted: how to join
    privacy.consent_gate,  # the notice in force, until an admitted person agrees to it
    privacy.route,  # /privacy: a copy of one's data, a correction, withdrawal, erasure
    phone.route,  # /phone: the number kept for Zalo, changed or removed with confirmation
    report.route,  # /report, its buttons and its steps
    my_items.route,  # /my, its buttons and its steps
    meeting.route,  # /meeting, the reminder's "log the meeting" and the log's steps
    reminder_actions.route,  # the reminder's "see the items" and "remind me in a week"
    reminder_actions.digest_command,  # /digest on|off and the digest's stop button
    item_actions.route,  # an item's card for those who handle it, its actions and their texts
    inbox.route,  # /inbox, the desk's lists, /item and a typed reference
    find.route,  # /find words
    alert_settings.route,  # /alerts now|daily|off
    summary.route,  # /summary and its drill-down buttons
    targets.route,  # /targets
    charts.route,  # /chart and the ch: buttons (officials, commune leaders)
    export.route,  # /export and the ex: buttons (officials, commune leaders)
    invite_chat.route,  # /invite, its buttons and the typed name
    people.route,  # /people and revoking access
    loose_media.route,  # a director's photos and files outside any conversation
    report.offer_for_free_text,  # text outside any flow
    commands.unknown,  # anything left: unknown command or stray input
)


class Router:
    """Answers incoming events; long-lived (one per process), stateless between events."""

    def __init__(
        self,
        database: Database,
        config: HandlerConfig,
        clock: Callable[[], dt.datetime] = utcnow,
        observe: Callable[[str, str], None] | None = None,
        limiter: RateLimiter | None = None,
    ) -> None:
        self.database = database
        self.config = config
        self.clock = clock
        self.observe = observe
        self.limiter = limiter
        self.tally = FailureTally()

    async def handle(self, incoming: Incoming) -> list[Reply]:
        """Answer one incoming event, for a channel without a command menu.

        Raises:
            Unavailable: the database cannot be reached; nothing of the event was kept.
        """
        return (await self.handle_with_menu(incoming, track_menu=False)).replies

    async def handle_with_menu(self, incoming: Incoming, *, track_menu: bool = True) -> Handled:
        """Answer one incoming event, and tell when the person's command menu changed.

        Raises:
            Unavailable: the database cannot be reached; nothing of the event was kept.
        """
        incoming = without_nul(incoming)
        # Before any database work: a flood from one person must cost the others nothing.
        refused = limited_reply(self.limiter, incoming, self.config.default_locale)
        if refused is not None:
            if self.observe is not None:
                self.observe(incoming.channel, "limited")
            return refused
        outcome = "error"
        try:
            handled = await self._handle(incoming, track_menu)
            outcome = "handled" if handled is not None else "duplicate"
            return handled or Handled(replies=[])
        except Busy as error:
            outcome = "busy"
            logger.warning(
                "update %s on %s not handled: the database is busy; asked to send it again",
                incoming.update_id,
                incoming.channel,
            )
            locale = choose_locale(None, incoming.platform_locale, self.config.default_locale)
            return Handled(replies=[Reply(text=error.render(get_translator(locale).gettext))])
        except Unavailable:
            outcome = "unavailable"
            raise
        except Exception as error:
            return await self._contain(incoming, error)
        finally:
            if self.observe is not None:
                self.observe(incoming.channel, outcome)

    async def report_failure(
        self, error: BaseException, channel: str, update_id: int | str | None = None
    ) -> None:
        """Log a failure by its kind and alert the admins when one is due; never raise.

        Channels call it for what fails outside the router (sending the answer, a download).
        """
        kind = failure_kind(error)
        log_failure(error, kind, channel, update_id)
        due = self.tally.note(kind, self.clock())
        if due is None:
            return
        count, since = due
        try:
            async with self.database.transaction() as session:
                await alert_admins_of_failure(
                    session, kind, count=count, since=since, now=self.clock()
                )
        except Exception:
            logger.warning("could not alert the admins of a failure: %s", kind)

    async def _contain(self, incoming: Incoming, error: Exception) -> Handled:
        """Answer an event whose handling raised: one apology, the event recorded as handled
        (so a redelivery is not one more failure), the admins alerted when due."""
        await self.report_failure(error, incoming.channel, incoming.update_id)
        stored_locale = None
        try:
            async with self.database.transaction() as session:
                if incoming.update_id is not None:
                    await mark_processed(session, incoming.channel, incoming.update_id)
                stored_locale = await preferred_locale(
                    session, incoming.channel, incoming.external_id
                )
        except Exception:
            logger.warning("could not record update %s as handled", incoming.update_id)
        locale = choose_locale(stored_locale, incoming.platform_locale, self.config.default_locale)
        return Handled(replies=[Reply(text=get_translator(locale).gettext(APOLOGY))])

    async def _handle(self, incoming: Incoming, track_menu: bool) -> Handled | None:
        """Answer one event in one transaction; None when it was already handled."""
        async with self.database.transaction() as session:
            if incoming.update_id is not None and not await mark_processed(
                session, incoming.channel, incoming.update_id
            ):
                logger.info(
                    "update %s on %s already handled", incoming.update_id, incoming.channel
                )
                return None
            now = self.clock()
            identity = await find_identity(
                session, incoming.channel, incoming.external_id, lock=True
            )
            # Person, grants and conversation in one query, once the identity is locked.
            speaker = await load_speaker(session, identity, now=now) if identity else None
            person = speaker.person if speaker else None
            locale = choose_locale(
                person.locale if person else None,
                incoming.platform_locale,
                self.config.default_locale,
            )
            if identity is not None:
                incoming = as_press(incoming, identity.shown_buttons)
                if incoming.private:
                    note_seen(identity, now, incoming.message_ref)
            turn = Turn(
                incoming=incoming,
                session=session,
                config=self.config,
                translator=get_translator(locale),
                now=now,
                identity=identity,
                actor=speaker.actor if speaker else None,
                dialog=speaker.dialog if speaker else None,
            )
            savepoint = await session.begin_nested()
            try:
                for route in ROUTES:
                    if await route(turn):
                        break
                await savepoint.commit()
            except (Busy, Unavailable):
                raise  # the whole event is rolled back, not only the route
            except CoopbotError as error:
                await savepoint.rollback()
                # The rollback expired what the route loaded; the next event syncs the menu.
                return Handled(replies=[Reply(text=turn.error_text(error))])
            remember_buttons(turn)
            # A command menu is per private chat: a group's is not the person's.
            menu = changed_menu(turn) if track_menu and incoming.private else None
            return Handled(turn.replies, menu)


def without_nul(incoming: Incoming) -> Incoming:
    """Drop NUL characters from what a person typed: no text of theirs means one, and
    PostgreSQL cannot store it in a text column (the whole step would fail)."""
    if "\x00" not in incoming.text and "\x00" not in incoming.display_name:
        return incoming
    return dataclasses.replace(
        incoming,
        text=incoming.text.replace("\x00", ""),
        display_name=incoming.display_name.replace("\x00", ""),
    )


def remember_buttons(turn: Turn) -> None:
    """Keep the buttons this turn showed, so their labels can be typed next time."""
    shown = shown_buttons(turn.replies)
    if turn.identity is not None and shown and shown != turn.identity.shown_buttons:
        turn.identity.shown_buttons = shown


def changed_menu(turn: Turn) -> CommandMenu | None:
    """Return the person's command menu when it differs from the one last published, and
    record it as published (the channel forgets it again if publishing fails)."""
    if turn.identity is None:
        return None  # someone never registered: the public menu already applies
    menu = menu_for(turn.actor, turn.translator)
    if menu.key == turn.identity.command_menu:
        return None
    turn.identity.command_menu = menu.key
    return menu
