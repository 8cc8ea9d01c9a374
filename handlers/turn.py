"""One turn of a conversation: the incoming event, the person, their language, the session."""

from __future__ import annotations

import datetime as dt
import functools
import zoneinfo
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from handlers import payloads  # noqa: F401  (declares every kind before a press is read)
from handlers.codec import BadPayload, Payload, decode
from handlers.i18n import Translator, format_date, format_datetime
from handlers.labels import STATUS_NAMES
from handlers.ports import Renderers
from handlers.typed_choice import NOT_REMEMBERED
from handlers.types import Button, Incoming, IncomingKind, Reply, ShareRequest
from storage.errors import N_, CoopbotError, InvalidTransition
from storage.models import ChannelIdentity, DialogState, Status
from storage.scope import Actor

MOVED_ON = N_("This item is now “{status}”: that action no longer applies to it.")


@dataclass(frozen=True)
class HandlerConfig:
    """What the handlers need to know of the deployment."""

    default_locale: str = "vi"
    timezone: str = "Asia/Ho_Chi_Minh"
    bot_username: str | None = None
    renderers: Renderers | None = None
    # Who answers for the personal data (named in the notice shown before admission).
    controller_name: str = ""
    controller_contact: str = ""

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        """Return the display time zone."""
        return zoneinfo.ZoneInfo(self.timezone)


@dataclass
class Turn:
    """Everything a flow needs to answer one incoming event."""

    incoming: Incoming
    session: AsyncSession
    config: HandlerConfig
    translator: Translator
    now: dt.datetime
    identity: ChannelIdentity | None = None
    actor: Actor | None = None
    dialog: DialogState | None = None
    replies: list[Reply] = field(default_factory=list)

    @functools.cached_property
    def pressed(self) -> Payload | None:
        """Return the button pressed in this turn, decoded.

        None for any other event, and for a payload that is not one of ours (forged, truncated,
        out of range): ``commands.unknown`` answers those, so no flow ever reads a raw payload.
        """
        if self.incoming.kind != IncomingKind.BUTTON:
            return None
        try:
            return decode(self.incoming.payload)
        except BadPayload:
            return None

    @property
    def locale(self) -> str:
        """Return the language of this turn."""
        return self.translator.locale

    def _(self, message: str, **params: Any) -> str:
        """Translate ``message`` and fill in its named placeholders."""
        return self.translator._(message, **params)

    def error_text(self, error: CoopbotError) -> str:
        """Return a domain error in this turn's language.

        A refused status change is a button that came too late (the item moved on), so it is
        answered with the item's status in words, never with status codes.
        """
        if isinstance(error, InvalidTransition):
            status = STATUS_NAMES.get(Status(error.params["current"]), error.params["current"])
            return self._(MOVED_ON, status=self._(status))
        return error.render(self.translator.gettext)

    def say(
        self,
        text: str,
        *rows: tuple[Button, ...] | list[Button],
        title: str = "",
        navigation: bool = False,
        share: ShareRequest | None = None,
    ) -> None:
        """Queue a reply with optional rows of buttons.

        ``navigation`` marks buttons that only lead elsewhere (the main menu): their labels
        typed later are not taken as choices, so they never hide a step's own buttons.
        ``share`` adds the platform's own form for sharing one's phone number, where it has one.
        """
        extras = {"buttons": NOT_REMEMBERED} if navigation else {}
        self.replies.append(
            Reply(
                text=text,
                buttons=tuple(tuple(row) for row in rows),
                bold_prefix=title,
                extras=extras,
                share_request=share,
            )
        )

    def date(self, day: dt.date) -> str:
        """Format a date for this person."""
        return format_date(day, self.locale)

    def when(self, moment: dt.datetime) -> str:
        """Format a timestamp for this person, in the deployment's time zone."""
        return format_datetime(moment, self.locale, self.config.timezone)

    @property
    def person_id(self) -> int | None:
        """Return the registered person behind this turn, if any."""
        return self.identity.person_id if self.identity else None
