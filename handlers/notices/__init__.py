"""Messages the system sends on its own, written in the recipient's language at send time.

``render`` turns an outbox payload (``storage.outbox_payloads``) into replies through one
table, ``RENDERERS``: one function per kind. An empty list means the message has become
pointless (its item is gone, or the event turned out internal) and is recorded as sent with
nothing to send; a kind without a renderer raises ``Unrenderable``, which the sender records
as a failed delivery with the reason — never as sent.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.i18n import Translator
from handlers.notices.admins import render_admin_notice
from handlers.notices.items import render_item_event
from handlers.notices.officials import render_digest, render_escalation, render_overdue
from handlers.notices.reminders import render_reminder
from handlers.types import Reply
from storage.outbox_payloads import (
    DeliveryRefused,
    ItemEvent,
    MeetingEscalation,
    OutboxPayload,
    OverdueItems,
    QuarterFollowUp,
    QuarterKickoff,
    RecipientUnreachable,
    WeeklyDigest,
)

Renderer = Callable[[AsyncSession, Any, Translator], Awaitable[list[Reply]]]

RENDERERS: dict[type[Any], Renderer] = {
    ItemEvent: render_item_event,
    QuarterKickoff: render_reminder,
    QuarterFollowUp: render_reminder,
    MeetingEscalation: render_escalation,
    OverdueItems: render_overdue,
    WeeklyDigest: render_digest,
    RecipientUnreachable: render_admin_notice,
    DeliveryRefused: render_admin_notice,
}


class Unrenderable(ValueError):
    """A payload of a kind no renderer knows."""


async def render(
    session: AsyncSession, payload: OutboxPayload, translator: Translator
) -> list[Reply]:
    """Return the replies ``payload`` stands for, in ``translator``'s language.

    Raises:
        Unrenderable: no renderer is registered for the payload's kind.
    """
    renderer = RENDERERS.get(type(payload))
    if renderer is None:
        raise Unrenderable(f"no renderer for outbox messages of kind {payload.kind!r}")
    return await renderer(session, payload, translator)
