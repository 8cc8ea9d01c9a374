"""The values an unasked message's Zalo template is filled with, one function per kind.

A template's wording is fixed when Zalo approves it; only its parameters change. They are
written in the recipient's language at send time, like the chat message they stand in for,
and cut to what Zalo accepts in one parameter. None means the message became pointless (the
item is gone, nothing is overdue any more), as an empty render does.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from typing import Any

from handlers.i18n import format_date, format_quarter
from handlers.labels import STATUS_NAMES
from handlers.notices.alerts import WHAT, alert_kind
from handlers.notices.context import Notice
from storage.alerts import digest_events
from storage.calendar import Quarter
from storage.meetings import agenda
from storage.models import Cooperative, EventKind, FeedbackEvent, FeedbackItem, Status
from storage.outbox_payloads import (
    AlertDigest,
    ItemAlert,
    ItemEvent,
    MeetingEscalation,
    OutboxPayload,
    OverdueItems,
    QuarterFollowUp,
    QuarterKickoff,
    WeeklyDigest,
)
from storage.reporting.notice_counts import week_summary
from storage.scope import load_actor
from storage.units import unit_names
from storage.zalo_templates import TemplateKind

# ZNS parameters are short: a value longer than this is cut with an ellipsis.
PARAM_LIMIT = 100

Params = dict[str, str]


def fitted(value: object) -> str:
    """Return ``value`` as one template parameter: text, on one line, at most PARAM_LIMIT."""
    text = " ".join(str(value).split()) or "-"
    return text if len(text) <= PARAM_LIMIT else text[: PARAM_LIMIT - 1] + "…"


async def _event(
    notice: Notice, item_id: int, event_id: int
) -> tuple[FeedbackItem, FeedbackEvent] | None:
    item = await notice.session.get(FeedbackItem, item_id)
    event = await notice.session.get(FeedbackEvent, event_id)
    if item is None or event is None or event.internal:
        return None
    return item, event


async def template_kind(notice: Notice, payload: OutboxPayload) -> TemplateKind | None:
    """Return the template kind a payload goes as; None for what never goes as a template
    (notices to admins)."""
    if isinstance(payload, ItemEvent):
        event = await notice.session.get(FeedbackEvent, payload.event_id)
        question = event is not None and event.kind == EventKind.QUESTION
        return TemplateKind.ITEM_QUESTION if question else TemplateKind.ITEM_STATUS
    return _KINDS.get(type(payload))


async def _reminder(notice: Notice, payload: QuarterKickoff | QuarterFollowUp) -> Params:
    t = notice.translator
    quarter = Quarter.parse(payload.quarter)
    plan = await agenda(notice.session, payload.commune_id)
    params = {
        "commune": plan.commune.name,
        "quarter": format_quarter(quarter.year, quarter.number, t.locale),
        "last_day": format_date(quarter.end - dt.timedelta(days=1), t.locale),
    }
    if isinstance(payload, QuarterKickoff):
        params["open_items"] = str(len(plan.open_items))
    return params


async def _escalation(notice: Notice, payload: MeetingEscalation) -> Params:
    quarter = Quarter.parse(payload.quarter)
    names = await unit_names(notice.session, list(payload.commune_ids))
    return {
        "quarter": format_quarter(quarter.year, quarter.number, notice.translator.locale),
        "count": str(len(names)),
        "communes": ", ".join(names),
    }


async def _item_event(notice: Notice, payload: ItemEvent) -> Params | None:
    found = await _event(notice, payload.item_id, payload.event_id)
    if found is None:
        return None
    item, event = found
    t = notice.translator
    if event.kind == EventKind.QUESTION:
        return {"reference": item.reference, "question": event.text or "-"}
    status = (
        Status(event.to_status) if event.kind == EventKind.STATUS and event.to_status else None
    )
    shown = (
        t._(STATUS_NAMES[status])
        if status in STATUS_NAMES
        else t._(STATUS_NAMES[Status(item.status)])
    )
    return {"reference": item.reference, "status": shown}


async def _item_alert(notice: Notice, payload: ItemAlert) -> Params | None:
    found = await _event(notice, payload.item_id, payload.event_id)
    if found is None:
        return None
    item, event = found
    cooperative = await notice.session.get(Cooperative, item.cooperative_id)
    return {
        "reference": item.reference,
        "cooperative": cooperative.name if cooperative else "-",
        "event": notice.translator._(WHAT[alert_kind(event)]),
    }


async def _overdue(notice: Notice, payload: OverdueItems) -> Params | None:
    summary = await week_summary(notice.session, list(payload.unit_ids), notice.now)
    if summary.overdue == 0:
        return None
    return {"count": str(summary.overdue), "references": ", ".join(summary.overdue_references)}


async def _digest(notice: Notice, payload: WeeklyDigest) -> Params | None:
    ids = [payload.unit_id]
    summary = await week_summary(notice.session, ids, notice.now)
    if summary.open == 0 and summary.new_this_week == 0:
        return None
    return {
        "unit": ", ".join(await unit_names(notice.session, ids)),
        "new_items": str(summary.new_this_week),
        "open_items": str(summary.open),
        "overdue_items": str(summary.overdue),
    }


async def _alert_digest(notice: Notice, payload: AlertDigest) -> Params | None:
    actor = await load_actor(notice.session, payload.person_id, notice.now)
    events = await digest_events(notice.session, actor, payload.since, payload.until)
    if not events:
        return None
    day = payload.until.astimezone(notice.now.tzinfo or dt.UTC).date()
    return {"count": str(len(events)), "day": format_date(day, notice.translator.locale)}


_KINDS: dict[type[Any], TemplateKind] = {
    QuarterKickoff: TemplateKind.KICKOFF,
    QuarterFollowUp: TemplateKind.FOLLOW_UP,
    MeetingEscalation: TemplateKind.ESCALATION,
    ItemAlert: TemplateKind.ITEM_ALERT,
    OverdueItems: TemplateKind.OVERDUE,
    WeeklyDigest: TemplateKind.DIGEST,
    AlertDigest: TemplateKind.ALERT_DIGEST,
}

_PARAMS: dict[type[Any], Callable[[Notice, Any], Awaitable[Params | None]]] = {
    QuarterKickoff: _reminder,
    QuarterFollowUp: _reminder,
    MeetingEscalation: _escalation,
    ItemEvent: _item_event,
    ItemAlert: _item_alert,
    OverdueItems: _overdue,
    WeeklyDigest: _digest,
    AlertDigest: _alert_digest,
}


async def template_params(notice: Notice, payload: OutboxPayload) -> Params | None:
    """Return the parameters of the template ``payload`` goes as, each fitted to Zalo's limit;
    None when there is nothing to say any more.

    Raises:
        KeyError: the payload's kind never goes as a template.
    """
    params = await _PARAMS[type(payload)](notice, payload)
    if params is None:
        return None
    return {name: fitted(value) for name, value in params.items()}
