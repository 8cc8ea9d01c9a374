"""Notices to admins about an account: unreachable for good, or one message refused for now."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.i18n import Translator
from handlers.types import Reply
from storage.errors import N_
from storage.models import Person
from storage.outbox_payloads import DeliveryRefused, RecipientUnreachable


async def _name(session: AsyncSession, person_id: int | None) -> str:
    person = await session.get(Person, person_id) if person_id else None
    return person.full_name if person and person.full_name else "?"


async def render_unreachable(
    session: AsyncSession, payload: RecipientUnreachable, translator: Translator
) -> list[Reply]:
    """Say who can no longer be reached, and why."""
    text = translator._(
        N_(
            "⚠️ {name} ({channel} {recipient}) can no longer be reached: "
            "{reason}. Messages to them are not retried; see "
            "`coopbot outbox status`."
        ),
        name=await _name(session, payload.person_id),
        channel=payload.channel,
        recipient=payload.recipient,
        reason=payload.reason,
    )
    return [Reply(text=text)]


async def render_refused(
    session: AsyncSession, payload: DeliveryRefused, translator: Translator
) -> list[Reply]:
    """Say which message the platform refused, and how to send it again."""
    text = translator._(
        N_(
            "⚠️ A message to {name} ({channel} {recipient}) was not delivered: {reason}. "
            "Once they have written to the bot again, send it with "
            "`coopbot outbox retry {number}`."
        ),
        name=await _name(session, payload.person_id),
        channel=payload.channel,
        recipient=payload.recipient,
        reason=payload.reason,
        number=payload.message_id,
    )
    return [Reply(text=text)]
