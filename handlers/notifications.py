"""Messages the system sends on its own, rendered in the recipient's language at send time.

The outbox stores only ids (``{"kind": "item_event", "item_id": …, "event_id": …}``), so a
message is written in the language the person uses when it is sent, not when it was planned.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.flows.meeting_reminders import render_official_notice, render_reminder
from handlers.flows.my_items import STATUS_NAMES
from handlers.i18n import Translator
from handlers.types import Button, Reply
from storage.errors import N_
from storage.models import EventKind, FeedbackEvent, FeedbackItem, Person, Status


def _(translator: Translator, message: str, **params: object) -> str:
    text = translator.gettext(message)
    return text.format(**params) if params else text


async def render_outbox_payload(
    session: AsyncSession, payload: dict[str, object], translator: Translator
) -> list[Reply]:
    """Return the replies an outbox payload stands for; empty when it is obsolete."""
    kind = payload.get("kind")
    if kind in {"quarter_kickoff", "quarter_follow_up"}:
        return await render_reminder(session, payload, translator)
    if kind in {"meeting_escalation", "overdue_items", "weekly_digest"}:
        return await render_official_notice(session, payload, translator)
    if kind == "recipient_unreachable":
        person = await session.get(Person, int(str(payload.get("person_id") or 0)))
        text = _(
            translator,
            N_(
                "⚠️ {name} ({channel} {recipient}) can no longer be reached: "
                "{reason}. Messages to them are not retried; see "
                "`coopbot outbox status`."
            ),
            name=person.full_name if person and person.full_name else "?",
            channel=payload.get("channel"),
            recipient=payload.get("recipient"),
            reason=payload.get("reason"),
        )
        return [Reply(text=text)]
    if kind == "delivery_refused":
        person = await session.get(Person, int(str(payload.get("person_id") or 0)))
        text = _(
            translator,
            N_(
                "⚠️ A message to {name} ({channel} {recipient}) was not delivered: {reason}. "
                "Once they have written to the bot again, send it with "
                "`coopbot outbox retry {number}`."
            ),
            name=person.full_name if person and person.full_name else "?",
            channel=payload.get("channel"),
            recipient=payload.get("recipient"),
            reason=payload.get("reason"),
            number=payload.get("message_id"),
        )
        return [Reply(text=text)]
    if kind != "item_event":
        return []
    item = await session.get(FeedbackItem, int(str(payload.get("item_id", 0))))
    event = await session.get(FeedbackEvent, int(str(payload.get("event_id", 0))))
    if item is None or event is None or event.internal:
        return []
    buttons: list[tuple[Button, ...]] = [
        (Button(_(translator, N_("📄 Open")), f"my:i:{item.id}"),)
    ]
    if event.kind == EventKind.STATUS and event.to_status:
        status = _(translator, STATUS_NAMES.get(Status(event.to_status), event.to_status))
        text = _(
            translator,
            N_("Your item {reference} is now: {status}."),
            reference=item.reference,
            status=status,
        )
        if event.to_status == Status.RESOLVED and item.status == Status.RESOLVED:
            buttons.append(
                (
                    Button(_(translator, N_("✅ Confirm resolved")), f"my:c:{item.id}"),
                    Button(_(translator, N_("↩️ Reopen")), f"my:r:{item.id}"),
                )
            )
    elif event.kind == EventKind.ASSIGNED:
        text = _(
            translator,
            N_("Your item {reference} was assigned to {office}."),
            reference=item.reference,
            office=event.text or "",
        )
        return [Reply(text=text, buttons=tuple(buttons))]
    else:
        text = _(translator, N_("New comment on your item {reference}."), reference=item.reference)
    if event.text:
        text += "\n\n" + event.text
    return [Reply(text=text, buttons=tuple(buttons))]
