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

from handlers.notices.admins import (
    render_admin_notice,
    render_failure_alert,
    render_person_unreached,
    render_privacy_requested,
)
from handlers.notices.alerts import render_alert_digest, render_item_alert
from handlers.notices.context import Notice
from handlers.notices.items import render_item_event
from handlers.notices.officials import render_digest, render_escalation, render_overdue
from handlers.notices.reminders import render_reminder
from handlers.types import Reply
from storage.outbox_payloads import (
    AlertDigest,
    DeliveryRefused,
    FailureAlert,
    ItemAlert,
    ItemEvent,
    MeetingEscalation,
    OutboxPayload,
    OverdueItems,
    PersonUnreached,
    PrivacyRequested,
    QuarterFollowUp,
    QuarterKickoff,
    RecipientUnreachable,
    WeeklyDigest,
)

Renderer = Callable[[Notice, Any], Awaitable[list[Reply]]]

RENDERERS: dict[type[Any], Renderer] = {
    ItemEvent: render_item_event,
    ItemAlert: render_item_alert,
    AlertDigest: render_alert_digest,
    QuarterKickoff: render_reminder,
    QuarterFollowUp: render_reminder,
    MeetingEscalation: render_escalation,
    OverdueItems: render_overdue,
    WeeklyDigest: render_digest,
    RecipientUnreachable: render_admin_notice,
    DeliveryRefused: render_admin_notice,
    PersonUnreached: render_person_unreached,
    FailureAlert: render_failure_alert,
    PrivacyRequested: render_privacy_requested,
}


class Unrenderable(ValueError):
    """A payload of a kind no renderer knows."""


async def render(notice: Notice, payload: OutboxPayload) -> list[Reply]:
    """Return the replies ``payload`` stands for, in the notice's language, at its moment.

    Raises:
        Unrenderable: no renderer is registered for the payload's kind.
    """
    renderer = RENDERERS.get(type(payload))
    if renderer is None:
        raise Unrenderable(f"no renderer for outbox messages of kind {payload.kind!r}")
    return await renderer(notice, payload)
