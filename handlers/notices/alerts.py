"""Alerts to whoever handles an item: one at once per event, or one digest a day."""

from __future__ import annotations

from handlers.i18n import Translator
from handlers.labels import category_name
from handlers.notices.context import Notice
from handlers.payloads import InboxView, OpenItem
from handlers.types import Button, Reply
from handlers.wording import first_words
from storage.alerts import digest_events
from storage.desk import DeskView
from storage.errors import N_
from storage.models import (
    AdminUnit,
    Category,
    Cooperative,
    EventKind,
    FeedbackEvent,
    FeedbackItem,
    Office,
    Status,
)
from storage.outbox_payloads import AlertDigest, ItemAlert
from storage.scope import load_actor

HEADS = {
    "created": N_("🔔 New item {reference}"),
    "reopened": N_("🔔 Item {reference} was reopened by the cooperative"),
    "info_added": N_("🔔 The cooperative added information to {reference}"),
    "reply": N_("🔔 The cooperative replied to the question on {reference}"),
    "referred": N_("🔔 Item {reference} was referred to {unit}"),
    "assigned": N_("🔔 Item {reference} was assigned to {office}"),
}
WHAT = {
    "created": N_("new item"),
    "reopened": N_("reopened"),
    "info_added": N_("information added"),
    "reply": N_("reply to the question"),
    "referred": N_("referred"),
    "assigned": N_("assigned"),
}
MAX_DIGEST_LINES = 20
MAX_DIGEST_BUTTONS = 6


def alert_kind(event: FeedbackEvent) -> str:
    """Return which of the alerts an event is."""
    if event.kind == EventKind.STATUS:
        return "reopened" if event.to_status == Status.REOPENED else "referred"
    return str(event.kind)


async def _head(notice: Notice, item: FeedbackItem, event: FeedbackEvent) -> str:
    kind = alert_kind(event)
    unit = office = ""
    if kind == "referred" and item.assignee_unit_id:
        referred = await notice.session.get(AdminUnit, item.assignee_unit_id)
        unit = referred.name if referred else "?"
    if kind == "assigned" and item.assignee_office_id:
        assigned = await notice.session.get(Office, item.assignee_office_id)
        office = assigned.name if assigned else "?"
    return notice.translator._(HEADS[kind], reference=item.reference, unit=unit, office=office)


async def render_item_alert(notice: Notice, payload: ItemAlert) -> list[Reply]:
    """Tell a handler what happened, to which item of which cooperative, with its first words."""
    t = notice.translator
    item = await notice.session.get(FeedbackItem, payload.item_id)
    event = await notice.session.get(FeedbackEvent, payload.event_id)
    if item is None or event is None:
        return []
    cooperative = await notice.session.get(Cooperative, item.cooperative_id)
    category = await notice.session.get(Category, item.category_key)
    words = event.text if event.kind in {EventKind.INFO_ADDED, EventKind.REPLY} else item.text
    lines = [
        await _head(notice, item, event),
        f"{cooperative.name if cooperative else '?'} · {category_name(category, t.locale)}",
    ]
    if words:
        lines.append(f"“{first_words(words, 160)}”")
    button = Button(t._(N_("📄 Open")), OpenItem(item.id or 0).encode())
    return [Reply(text="\n".join(lines), buttons=((button,),))]


def _digest_line(t: Translator, item: FeedbackItem, event: FeedbackEvent, coop: str) -> str:
    return f"• {item.reference} — {t._(WHAT[alert_kind(event)])} — {coop}"


async def render_alert_digest(notice: Notice, payload: AlertDigest) -> list[Reply]:
    """List what arrived in the person's area in the day; nothing when nothing did."""
    t = notice.translator
    actor = await load_actor(notice.session, payload.person_id, notice.now)
    events = await digest_events(notice.session, actor, payload.since, payload.until)
    if not events:
        return []
    names: dict[int, str] = {}
    for _, item in events:
        if item.cooperative_id not in names:
            cooperative = await notice.session.get(Cooperative, item.cooperative_id)
            names[item.cooperative_id] = cooperative.name if cooperative else "?"
    lines = [t._(N_("🔔 Today in your area: {count} updates."), count=len(events))]
    lines += [
        _digest_line(t, item, event, names[item.cooperative_id])
        for event, item in events[:MAX_DIGEST_LINES]
    ]
    if len(events) > MAX_DIGEST_LINES:
        lines.append("…")
    seen: dict[int, str] = {}
    for _, item in events:
        seen.setdefault(item.id or 0, item.reference)
    rows = tuple(
        (Button(reference, OpenItem(item_id).encode()),)
        for item_id, reference in list(seen.items())[:MAX_DIGEST_BUTTONS]
    )
    desk = Button(t._(N_("📥 Desk")), InboxView(DeskView.NEW, 0).encode())
    return [Reply(text="\n".join(lines), buttons=(*rows, (desk,)))]
