"""What a cooperative's directors are told when something happens to one of its items."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.i18n import Translator
from handlers.labels import STATUS_NAMES
from handlers.payloads import MyItem, MyItemConfirm, MyItemReopen
from handlers.types import Button, Reply
from storage.errors import N_
from storage.models import EventKind, FeedbackEvent, FeedbackItem, Status
from storage.outbox_payloads import ItemEvent


async def render_item_event(
    session: AsyncSession, payload: ItemEvent, translator: Translator
) -> list[Reply]:
    """Tell of a status change, an assignment or a comment; nothing for an internal note."""
    item = await session.get(FeedbackItem, payload.item_id)
    event = await session.get(FeedbackEvent, payload.event_id)
    if item is None or event is None or event.internal:
        return []
    buttons: list[tuple[Button, ...]] = [
        (Button(translator._(N_("📄 Open")), MyItem(item.id or 0).encode()),)
    ]
    if event.kind == EventKind.STATUS and event.to_status:
        status = translator._(STATUS_NAMES.get(Status(event.to_status), event.to_status))
        text = translator._(
            N_("Your item {reference} is now: {status}."),
            reference=item.reference,
            status=status,
        )
        if event.to_status == Status.RESOLVED and item.status == Status.RESOLVED:
            buttons.append(
                (
                    Button(
                        translator._(N_("✅ Confirm resolved")),
                        MyItemConfirm(item.id or 0).encode(),
                    ),
                    Button(translator._(N_("↩️ Reopen")), MyItemReopen(item.id or 0).encode()),
                )
            )
    elif event.kind == EventKind.ASSIGNED:
        text = translator._(
            N_("Your item {reference} was assigned to {office}."),
            reference=item.reference,
            office=event.text or "",
        )
        return [Reply(text=text, buttons=tuple(buttons))]
    else:
        text = translator._(N_("New comment on your item {reference}."), reference=item.reference)
    if event.text:
        text += "\n\n" + event.text
    return [Reply(text=text, buttons=tuple(buttons))]
