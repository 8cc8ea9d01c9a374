"""Notices to admins about an account: unreachable for good, or one message refused for now."""

from __future__ import annotations

from handlers.i18n import format_datetime
from handlers.notices.context import Notice
from handlers.types import Reply
from storage.errors import N_
from storage.models import Person
from storage.outbox_payloads import AdminNotice, DeliveryRefused, FailureAlert

UNREACHABLE = N_(
    "⚠️ {name} ({channel} {recipient}) can no longer be reached: {reason}. Messages to them "
    "are not retried; see `coopbot outbox status`."
)
REFUSED = N_(
    "⚠️ A message to {name} ({channel} {recipient}) was not delivered: {reason}. Once they "
    "have written to the bot again, send it with `coopbot outbox retry {number}`."
)


async def render_admin_notice(notice: Notice, payload: AdminNotice) -> list[Reply]:
    """Say who can no longer be reached, or which message was refused, and what to do."""
    t = notice.translator
    person = await notice.session.get(Person, payload.person_id) if payload.person_id else None
    refused = isinstance(payload, DeliveryRefused)
    text = t._(
        REFUSED if refused else UNREACHABLE,
        name=person.full_name if person and person.full_name else "?",
        channel=payload.channel,
        recipient=payload.recipient,
        reason=payload.reason,
        number=payload.message_id if isinstance(payload, DeliveryRefused) else None,
    )
    return [Reply(text=text)]


async def render_failure_alert(notice: Notice, payload: FailureAlert) -> list[Reply]:
    """Say how many messages could not be answered since when, and the kind to look up in the
    log; never the error's own text."""
    t = notice.translator
    text = t.ngettext(
        "⚠️ Since {since}, {count} message could not be answered because of an error on our "
        "side; its sender was told. To find it in the server log, look for: {kind}",
        "⚠️ Since {since}, {count} messages could not be answered because of an error on our "
        "side; their senders were told. To find them in the server log, look for: {kind}",
        payload.count,
    ).format(
        count=payload.count,
        since=format_datetime(payload.since, t.locale),
        kind=payload.error_kind,
    )
    return [Reply(text=text)]
