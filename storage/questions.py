"""Questions both ways: a handler asks the cooperative something; the director rates answers.

Asking puts the item in *waiting for the cooperative*: its clock stops
(``storage.deadlines``) and the cooperative's directors are told, with a button to reply.
Whatever a director adds while it waits — text, photos, files — is the reply
(``storage.feedback.add_note``): the item is in progress again and its handlers are alerted.
Once answered, the director may rate the answer, from 1 to 5.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy.ext.asyncio import AsyncSession

from storage.deadlines import pause
from storage.errors import N_, InvalidInput, InvalidTransition
from storage.feedback import MAX_TEXT
from storage.models import EventKind, FeedbackEvent, Status
from storage.notifications import plan_item_event
from storage.scope import Actor, ensure_director_of, ensure_item_handleable, ensure_item_visible
from storage.text import nfc

# The statuses from which a handler may ask the cooperative a question.
ASKABLE = frozenset(
    {Status.NEW, Status.ACKNOWLEDGED, Status.IN_PROGRESS, Status.REFERRED, Status.REOPENED}
)
RATEABLE = frozenset({Status.RESOLVED, Status.CLOSED})


async def ask_cooperative(
    session: AsyncSession, actor: Actor, item_id: int, question: str, *, now: dt.datetime
) -> FeedbackEvent:
    """Ask the item's cooperative ``question``; the item waits for the reply.

    Raises:
        PermissionDenied: the item is outside the actor's scope.
        InvalidTransition: the item is closed, answered, or already waiting.
        InvalidInput: an empty or over-long question.
    """
    item = await ensure_item_handleable(session, actor, item_id)
    current = Status(item.status)
    if current not in ASKABLE:
        raise InvalidTransition(current=current.value, target=Status.WAITING.value)
    text = nfc(question).strip()
    if not text or len(text) > MAX_TEXT:
        raise InvalidInput(
            N_("Please write between 1 and {maximum} characters."), maximum=MAX_TEXT
        )
    pause(item, now)
    item.status = Status.WAITING
    item.updated_at = now
    if item.first_response_at is None:
        item.first_response_at = now
    event = FeedbackEvent(
        item_id=item.id or 0,
        actor_person_id=actor.person_id,
        kind=EventKind.QUESTION,
        from_status=current,
        to_status=Status.WAITING,
        text=text,
        created_at=now,
    )
    session.add(event)
    await session.flush()
    await plan_item_event(session, item, event, now)
    return event


async def rate_answer(
    session: AsyncSession, actor: Actor, item_id: int, score: int, *, now: dt.datetime
) -> FeedbackEvent:
    """Record the director's rating (1–5) of the answer; a later rating replaces it.

    Raises:
        PermissionDenied: not a director of the item's cooperative.
        InvalidTransition: the item has no answer to rate (it is not resolved or closed).
        InvalidInput: a score outside 1–5.
    """
    item = await ensure_item_visible(session, actor, item_id)
    ensure_director_of(actor, item.cooperative_id)
    if Status(item.status) not in RATEABLE:
        raise InvalidTransition(current=item.status, target=Status.RESOLVED.value)
    if not 1 <= score <= 5:
        raise InvalidInput(N_("A rating goes from 1 to 5."))
    item.satisfaction = score
    item.updated_at = now
    event = FeedbackEvent(
        item_id=item.id or 0,
        actor_person_id=actor.person_id,
        kind=EventKind.RATED,
        data={"score": score},
        created_at=now,
    )
    session.add(event)
    await session.flush()
    return event
