"""The outbox's way to a person on Zalo: inside the reply window a consultation message (as a
reply to the person's last message), outside it the kind's approved template to the person's
phone, else ``NoWayHere``.

Zalo refuses consultation messages to someone who has not written lately, so the window is
judged from our own records (``storage.reply_window``) before Zalo is asked; should Zalo
refuse one anyway (-230), the template is tried in the same attempt. ``NoWayHere`` carries
every cause, and the outbox then tries the person's other channels
(``storage.delivery_plan``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from bot.channels.base import MessagingWindowClosed, NoWayHere, Unasked
from bot.channels.common import reader_translator
from bot.channels.zalo.convert import CHANNEL
from bot.channels.zalo.send import ZaloMessenger
from bot.channels.zalo.templates import PhoneUnusable, ZaloTemplates
from handlers.notices.context import Notice
from handlers.notices.template_params import template_kind, template_params
from handlers.types import Reply
from storage.delivery_plan import Cause
from storage.dialogs import find_identity
from storage.models import Person
from storage.reply_window import ReplyWindow
from storage.zalo_templates import template_for


@dataclass(frozen=True)
class TemplateRoute:
    """A template that can go: its id and the number it goes to."""

    template_id: str
    phone: str


class ZaloSender:
    """Sends outbox messages on Zalo; implements ``bot.channels.base.ChannelSender``."""

    name = CHANNEL

    def __init__(
        self,
        messenger: ZaloMessenger,
        templates: ZaloTemplates,
        window: ReplyWindow,
        *,
        clock: Callable[[], dt.datetime] | None = None,
    ) -> None:
        self.messenger = messenger
        self.templates = templates
        self.window = window
        self.clock = clock or messenger.clock
        self.database = messenger.database

    async def send(
        self, recipient: str, replies: list[Reply], unasked: Unasked | None = None
    ) -> None:
        """Deliver ``replies`` to the Zalo user ``recipient``, or the template they stand for.

        Raises:
            RecipientUnreachable: the person does not follow the OA.
            NoWayHere: neither a consultation message nor a template can go (with why).
            RetryLater, TransientFailure, PermanentFailure: as the clients decided.
        """
        if unasked is None:
            await self.messenger.send(recipient, replies)
            return
        open_to = await self.open_window(recipient)
        if open_to is not None:
            try:
                # Addressed to the person's last message, Zalo counts it as one of the free
                # replies of the window rather than as a paid proactive message.
                await self.messenger.send(recipient, replies, reply_to=open_to or None)
                return
            except MessagingWindowClosed:
                pass  # Zalo knows better than our records: the template may still go
        await self._send_template(recipient, unasked)

    async def open_window(self, recipient: str) -> str | None:
        """Return the person's last message (or "" when none is known) while a consultation
        message may go to ``recipient``, by our records; None when the window is closed."""
        async with self.database.session() as session:
            identity = await find_identity(session, CHANNEL, recipient)
        if identity is None or not self.window.is_open(identity, self.clock()):
            return None
        return identity.last_message_ref or ""

    async def _send_template(self, recipient: str, unasked: Unasked) -> None:
        translator = await reader_translator(
            self.database, CHANNEL, recipient, default_locale=self.messenger.default_locale
        )
        async with self.database.session() as session:
            notice = Notice(session, translator, self.clock())
            kind = await template_kind(notice, unasked.payload)
            template_id = await template_for(session, kind) if kind is not None else None
            person = await session.get(Person, unasked.person_id) if unasked.person_id else None
            causes = [Cause.WINDOW_CLOSED]
            if template_id is None:
                causes.append(Cause.NO_TEMPLATE)
            if person is None or not person.phone:
                causes.append(Cause.NO_PHONE)
            elif person.phone_unreachable_since is not None:
                causes.append(Cause.PHONE_NOT_ON_ZALO)
            if len(causes) > 1 or person is None or person.phone is None or template_id is None:
                raise NoWayHere(_described(kind, causes), causes)
            params = await template_params(notice, unasked.payload)
            route = TemplateRoute(template_id, person.phone)
        if params is None:
            return  # nothing to say any more, as an empty render
        try:
            await self.templates.send(
                route.phone, route.template_id, params, tracking=unasked.dedupe_key
            )
        except PhoneUnusable:
            await self._phone_unusable(person.id or 0)
            raise

    async def _phone_unusable(self, person_id: int) -> None:
        """Remember that Zalo cannot deliver to the person's number, until it changes."""
        async with self.database.transaction() as session:
            person = await session.get(Person, person_id)
            if person is not None and person.phone_unreachable_since is None:
                person.phone_unreachable_since = self.clock()


def _described(kind: object, causes: list[Cause]) -> str:
    """Return why no way was found, in words for ``coopbot outbox status``."""
    words = {
        Cause.WINDOW_CLOSED: "outside Zalo's reply window",
        Cause.NO_TEMPLATE: f"no template set for {kind or 'this kind'}",
        Cause.NO_PHONE: "no mobile number kept",
        Cause.PHONE_NOT_ON_ZALO: "the number has no Zalo account",
    }
    return "Zalo: " + ", ".join(words.get(cause, str(cause)) for cause in causes)
