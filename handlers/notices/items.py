"""What a cooperative's directors are told when something happens to one of its items."""

from __future__ import annotations

from handlers.i18n import Translator
from handlers.labels import RATING_FACES, STATUS_NAMES
from handlers.notices.context import Notice
from handlers.payloads import (
    MyItem,
    MyItemAnswerQuestion,
    MyItemConfirm,
    MyItemReopen,
    RateAnswer,
)
from handlers.types import Button, Reply
from storage.errors import N_
from storage.models import AdminUnit, EventKind, FeedbackEvent, FeedbackItem, Status
from storage.outbox_payloads import ItemEvent


def _answered_rows(t: Translator, item_id: int) -> list[tuple[Button, ...]]:
    """Return the buttons under an answer: rate it, confirm it, or reopen the item."""
    return [
        tuple(
            Button(t._(label), RateAnswer(item_id, score).encode())
            for label, score in RATING_FACES
        ),
        (
            Button(t._(N_("✅ Confirm resolved")), MyItemConfirm(item_id).encode()),
            Button(t._(N_("↩️ Reopen")), MyItemReopen(item_id).encode()),
        ),
    ]


async def _status_text(
    notice: Notice, item: FeedbackItem, event: FeedbackEvent
) -> tuple[str, list[tuple[Button, ...]]]:
    t = notice.translator
    status = str(event.to_status)
    if status == Status.RESOLVED:
        text = t._(
            N_("Your item {reference} has been answered. How satisfied are you with the answer?"),
            reference=item.reference,
        )
        rows = _answered_rows(t, item.id or 0) if item.status == Status.RESOLVED else []
        return text, rows
    if status == Status.REFERRED and item.assignee_unit_id:
        unit = await notice.session.get(AdminUnit, item.assignee_unit_id)
        text = t._(
            N_("Your item {reference} has been referred to {unit}, which will handle it now."),
            reference=item.reference,
            unit=unit.name if unit else "?",
        )
        return text, []
    name = t._(STATUS_NAMES.get(Status(status), status))
    return t._(
        N_("Your item {reference} is now: {status}."), reference=item.reference, status=name
    ), []


async def render_item_event(notice: Notice, payload: ItemEvent) -> list[Reply]:
    """Tell of a status change, a question, an assignment or a comment; nothing for an
    internal note."""
    t = notice.translator
    item = await notice.session.get(FeedbackItem, payload.item_id)
    event = await notice.session.get(FeedbackEvent, payload.event_id)
    if item is None or event is None or event.internal:
        return []
    open_button = Button(t._(N_("📄 Open")), MyItem(item.id or 0).encode())
    rows: list[tuple[Button, ...]] = []
    if event.kind == EventKind.STATUS and event.to_status:
        text, rows = await _status_text(notice, item, event)
    elif event.kind == EventKind.QUESTION:
        text = t._(N_("A question about your item {reference}:"), reference=item.reference)
        if item.status == Status.WAITING:
            reply = Button(t._(N_("💬 Reply")), MyItemAnswerQuestion(item.id or 0).encode())
            rows.append((reply,))
    elif event.kind == EventKind.ASSIGNED:
        text = t._(
            N_("Your item {reference} was assigned to {office}."),
            reference=item.reference,
            office=event.text or "",
        )
        return [Reply(text=text, buttons=((open_button,),))]
    else:
        text = t._(N_("New comment on your item {reference}."), reference=item.reference)
    if event.text:
        text += "\n\n" + event.text
    return [Reply(text=text, buttons=(*rows, (open_button,)))]
