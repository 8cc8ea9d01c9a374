"""Notices to admins: an account unreachable for good, one message refused for now, failures,
and people's requests about their personal data."""

from __future__ import annotations

from collections.abc import Callable

from handlers.i18n import format_datetime
from handlers.notices.context import Notice
from handlers.types import Reply
from storage.delivery_plan import Cause
from storage.errors import N_
from storage.models import Person, PrivacyRequest, PrivacyRequestKind, PrivacyRequestState
from storage.outbox_payloads import (
    AdminNotice,
    DeliveryRefused,
    FailureAlert,
    PersonUnreached,
    PrivacyRequested,
)
from storage.people import shown_name

UNREACHABLE = N_(
    "⚠️ {name} ({channel} {recipient}) can no longer be reached: {reason}. Messages to them "
    "are not retried; see `coopbot outbox status`."
)
REFUSED = N_(
    "⚠️ A message to {name} ({channel} {recipient}) was not delivered: {reason}. Once they "
    "have written to the bot again, send it with `coopbot outbox retry {number}`."
)

UNREACHED = N_(
    "⚠️ {name} could not be reached with a message ({what}): {causes}. Give them another "
    "way (see `coopbot reminders plan`); this notice comes once a quarter per person."
)
# Why one way to a person failed (``storage.delivery_plan.Cause``), as admins read it.
CAUSES = {
    Cause.WINDOW_CLOSED: N_("on Zalo they have not written to the OA lately"),
    Cause.NO_TEMPLATE: N_("no approved Zalo template is set for this kind of message"),
    Cause.NO_PHONE: N_("no mobile number is kept for them"),
    Cause.PHONE_NOT_ON_ZALO: N_("their mobile number has no Zalo account"),
    Cause.TEMPLATE_REFUSED: N_("Zalo refused the template message"),
    Cause.REFUSED: N_("the platform refused the message"),
    Cause.NO_OTHER_ACCOUNT: N_("they use no other channel"),
}
# What kind of message it was, as admins read it.
MESSAGE_KINDS = {
    "quarter_kickoff": N_("the quarter's kick-off reminder"),
    "quarter_follow_up": N_("the quarter's follow-up reminder"),
    "meeting_escalation": N_("communes without a meeting"),
    "item_event": N_("news of an item"),
    "item_alert": N_("an alert about an item"),
    "overdue_items": N_("overdue items"),
    "weekly_digest": N_("the weekly summary"),
    "alert_digest": N_("the day's alerts"),
}

PRIVACY_REQUESTED = N_(
    "🔐 Personal data request number {number} ({kind}) from {name}, to be answered by {due}. "
    "See: coopbot privacy requests"
)
# What each kind of request asks for, as the admins' notice names it.
PRIVACY_REQUEST_KINDS = {
    PrivacyRequestKind.COPY: N_("a copy of their data"),
    PrivacyRequestKind.CORRECTION: N_("a correction of their data"),
    PrivacyRequestKind.WITHDRAWAL: N_("withdrawal of consent"),
    PrivacyRequestKind.ERASURE: N_("erasure of their data"),
}


def _name(person: Person | None, translate: Callable[[str], str]) -> str:
    """Return the name to show for the person a notice is about ("?" when unknown)."""
    if person is None:
        return "?"
    return shown_name(person.full_name, person.erased_at, translate) or "?"


async def render_admin_notice(notice: Notice, payload: AdminNotice) -> list[Reply]:
    """Say who can no longer be reached, or which message was refused, and what to do."""
    t = notice.translator
    person = await notice.session.get(Person, payload.person_id) if payload.person_id else None
    refused = isinstance(payload, DeliveryRefused)
    text = t._(
        REFUSED if refused else UNREACHABLE,
        name=_name(person, t.gettext),
        channel=payload.channel,
        recipient=payload.recipient,
        reason=payload.reason,
        number=payload.message_id if isinstance(payload, DeliveryRefused) else None,
    )
    return [Reply(text=text)]


async def render_person_unreached(notice: Notice, payload: PersonUnreached) -> list[Reply]:
    """Say who could not be reached on any channel, with which message, and why."""
    t = notice.translator
    person = await notice.session.get(Person, payload.person_id)
    causes = [t._(CAUSES[Cause(c)]) if c in CAUSES else c for c in payload.causes]
    what = MESSAGE_KINDS.get(payload.message_kind)
    text = t._(
        UNREACHED,
        name=_name(person, t.gettext),
        what=t._(what) if what else payload.message_kind,
        causes="; ".join(causes),
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


PRIVACY_ANSWERED = N_(
    "🔐 Personal data request number {number} ({kind}) from {name} was answered in chat at "
    "once. See: coopbot privacy requests --all"
)


async def render_privacy_requested(notice: Notice, payload: PrivacyRequested) -> list[Reply]:
    """Say which request arrived, from whom, and by when it must be answered."""
    t = notice.translator
    request = await notice.session.get(PrivacyRequest, payload.request_id)
    person_id = request.person_id if request else None
    person = await notice.session.get(Person, person_id) if person_id else None
    kind = PRIVACY_REQUEST_KINDS.get(PrivacyRequestKind(payload.request_kind))
    if request is not None and request.state != PrivacyRequestState.OPEN:
        # Answered in chat at once (a copy, an erasure): the admins are told it happened.
        text = t._(
            PRIVACY_ANSWERED,
            number=payload.request_id,
            kind=t.gettext(kind) if kind else payload.request_kind,
            name=_name(person, t.gettext),
        )
        return [Reply(text=text)]
    text = t._(
        PRIVACY_REQUESTED,
        number=payload.request_id,
        kind=t.gettext(kind) if kind else payload.request_kind,
        name=_name(person, t.gettext),
        due=format_datetime(payload.due_at, t.locale),
    )
    return [Reply(text=text)]
