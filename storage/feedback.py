"""Feedback items: filing them, and the rules of which status may follow which, and by whom.

Handlers (commune leaders, officials, admins) move items forward within their scope; the
director of the item's cooperative confirms a resolution (closed) or reopens it. Every change
is a ``FeedbackEvent`` — the audit trail and the source of notifications.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
import zoneinfo
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from storage.alerts import plan_alerts
from storage.attachments import NewAttachment, attach
from storage.deadlines import initial_due, resume
from storage.errors import N_, InvalidInput, InvalidTransition, PermissionDenied
from storage.models import (
    Category,
    Cooperative,
    EventKind,
    FeedbackEvent,
    FeedbackItem,
    FeedbackKind,
    Role,
    Status,
    utcnow,
)
from storage.notifications import plan_item_event
from storage.referrals import referral_targets
from storage.scope import (
    Actor,
    ensure_director_of,
    ensure_item_handleable,
    ensure_item_visible,
)
from storage.sequences import next_value
from storage.text import fold, nfc

DEFAULT_TZ = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")
MIN_TEXT = 10
MAX_TEXT = 4000

_HANDLING = {
    Status.ACKNOWLEDGED,
    Status.IN_PROGRESS,
    Status.RESOLVED,
    Status.DECLINED,
    Status.REFERRED,
}

# Which status may follow which, for those who handle items. Waiting for the cooperative is
# entered only by asking it a question (``storage.questions``), never by a plain change.
HANDLER_TRANSITIONS: dict[Status, frozenset[Status]] = {
    Status.NEW: frozenset(_HANDLING),
    Status.ACKNOWLEDGED: frozenset(_HANDLING - {Status.ACKNOWLEDGED}),
    Status.IN_PROGRESS: frozenset({Status.RESOLVED, Status.DECLINED, Status.REFERRED}),
    # A referred item is picked up by the unit it was referred to.
    Status.REFERRED: frozenset(_HANDLING - {Status.REFERRED}),
    Status.REOPENED: frozenset(_HANDLING),
    # Going on without the cooperative's reply, or answering after all.
    Status.WAITING: frozenset(_HANDLING - {Status.ACKNOWLEDGED}),
}

# Which status may follow which, for the director of the item's cooperative.
DIRECTOR_TRANSITIONS: dict[Status, frozenset[Status]] = {
    Status.RESOLVED: frozenset({Status.CLOSED, Status.REOPENED}),
}

OPEN_STATUSES = frozenset(
    {
        Status.NEW,
        Status.ACKNOWLEDGED,
        Status.IN_PROGRESS,
        Status.REFERRED,
        Status.REOPENED,
        Status.WAITING,
    }
)


# Open items whose clock runs: one waiting for the cooperative's reply is never overdue.
RUNNING_STATUSES = OPEN_STATUSES - {Status.WAITING}


def is_overdue(status: str, due_at: dt.datetime, now: dt.datetime) -> bool:
    """Tell whether an item is past its due date while its clock runs."""
    return status in RUNNING_STATUSES and due_at < now


def overdue_clause(now: Any) -> ColumnElement[bool]:
    """Return the WHERE clause of the items ``is_overdue`` at ``now`` (a moment or a parameter)."""
    return and_(
        col(FeedbackItem.status).in_(sorted(RUNNING_STATUSES)), col(FeedbackItem.due_at) < now
    )


def allowed_targets(actor: Actor, item: FeedbackItem) -> frozenset[Status]:
    """Return the statuses ``actor`` could move ``item`` to, ignoring scope."""
    current = Status(item.status)
    targets: set[Status] = set()
    if actor.roles & {Role.COMMUNE_LEADER, Role.OFFICIAL, Role.ADMIN}:
        targets |= HANDLER_TRANSITIONS.get(current, frozenset())
    if item.cooperative_id in actor.cooperative_ids():
        targets |= DIRECTOR_TRANSITIONS.get(current, frozenset())
    return frozenset(targets)


def searchable(reference: str, cooperative: str, text: str) -> str:
    """Return what ``/find`` searches for an item: its reference, cooperative and text, folded."""
    return fold(f"{reference} {cooperative} {text}")


@dataclass(frozen=True)
class NewItem:
    """What a director submits."""

    cooperative_id: int
    kind: str
    category_key: str
    text: str
    files: tuple[NewAttachment, ...] = ()


def validate_text(text: str) -> str:
    """Return ``text`` in NFC when its length is acceptable.

    Raises:
        InvalidInput: shorter than 10 or longer than 4000 characters.
    """
    normalized = nfc(text)
    if not any(unicodedata.category(ch)[0] in "LN" for ch in normalized):
        raise InvalidInput(N_("Please describe it in words, not only with symbols or emoji."))
    if len(normalized) < MIN_TEXT:
        raise InvalidInput(N_("Please write at least {minimum} characters."), minimum=MIN_TEXT)
    if len(normalized) > MAX_TEXT:
        raise InvalidInput(
            N_("Please keep it under {maximum} characters (this text has {length})."),
            maximum=MAX_TEXT,
            length=len(normalized),
        )
    return normalized


async def create_item(
    session: AsyncSession,
    actor: Actor,
    new: NewItem,
    *,
    now: dt.datetime | None = None,
    tz: zoneinfo.ZoneInfo = DEFAULT_TZ,
) -> FeedbackItem:
    """File a new item for a cooperative the actor directs.

    Raises:
        PermissionDenied: the actor does not direct the cooperative.
        InvalidInput: unknown kind or category, or text of the wrong length.
    """
    now = now or utcnow()
    ensure_director_of(actor, new.cooperative_id)
    if new.kind not in set(FeedbackKind):
        raise InvalidInput(N_("Unknown kind of item."))
    category = await session.get(Category, new.category_key)
    if category is None or not category.active:
        raise InvalidInput(N_("Unknown category."))
    text = validate_text(new.text)
    cooperative = await session.get(Cooperative, new.cooperative_id)
    if cooperative is None:  # pragma: no cover - the grant references an existing cooperative
        raise PermissionDenied()
    year = now.astimezone(tz).year
    number = await next_value(session, f"reference:{year}")
    reference = f"PA-{year}-{number:06d}"
    item = FeedbackItem(
        reference=reference,
        cooperative_id=cooperative.id or 0,
        author_person_id=actor.person_id,
        kind=new.kind,
        category_key=category.key,
        text=text,
        search_text=searchable(reference, cooperative.name, text),
        commune_id=cooperative.commune_id,
        status=Status.NEW,
        due_at=await initial_due(session, category, now),
        created_at=now,
        updated_at=now,
    )
    session.add(item)
    await session.flush()
    created = FeedbackEvent(
        item_id=item.id or 0,
        actor_person_id=actor.person_id,
        kind=EventKind.CREATED,
        to_status=Status.NEW,
        created_at=now,
    )
    session.add(created)
    await session.flush()
    attach(session, item.id or 0, new.files, now=now, event_id=created.id)
    await plan_alerts(session, item, created, now)
    return item


async def change_status(
    session: AsyncSession,
    actor: Actor,
    item_id: int,
    target: Status,
    *,
    text: str | None = None,
    referred_unit_id: int | None = None,
    now: dt.datetime | None = None,
) -> FeedbackEvent:
    """Move an item to ``target`` if the rules and the actor's scope allow it.

    ``text`` is the answer (resolved), the reason (declined, reopened) or a remark.

    Raises:
        PermissionDenied: the item is outside the actor's scope or role.
        InvalidTransition: ``target`` may not follow the current status.
        InvalidInput: a decline or reopening without a reason, a referral without a unit or
            to a unit the item cannot be referred to.
    """
    now = now or utcnow()
    director_move = target in {Status.CLOSED, Status.REOPENED}
    if director_move:
        item = await ensure_item_visible(session, actor, item_id)
        ensure_director_of(actor, item.cooperative_id)
    else:
        item = await ensure_item_handleable(session, actor, item_id)
    current = Status(item.status)
    table = DIRECTOR_TRANSITIONS if director_move else HANDLER_TRANSITIONS
    if target not in table.get(current, frozenset()):
        raise InvalidTransition(current=current.value, target=target.value)
    if target in {Status.DECLINED, Status.REOPENED, Status.RESOLVED} and not (text or "").strip():
        raise InvalidInput(N_("Please give a reason or an answer."))
    if target == Status.REFERRED:
        if referred_unit_id is None:
            raise InvalidInput(N_("Choose the unit to refer the item to."))
        offered = {unit.id for unit in await referral_targets(session, item, now)}
        if referred_unit_id not in offered:
            raise InvalidInput(N_("This item cannot be referred to that unit."))
        item.assignee_unit_id = referred_unit_id
    await resume(session, item, now)
    item.status = target
    item.updated_at = now
    if not director_move and item.first_response_at is None:
        item.first_response_at = now
    if target == Status.RESOLVED:
        item.resolved_at = now
    if target == Status.CLOSED:
        item.closed_at = now
    if target == Status.REOPENED:
        item.resolved_at = None
    event = FeedbackEvent(
        item_id=item.id or 0,
        actor_person_id=actor.person_id,
        kind=EventKind.STATUS,
        from_status=current,
        to_status=target,
        text=nfc(text) if text else None,
        data={"referred_unit_id": referred_unit_id} if referred_unit_id else {},
        created_at=now,
    )
    session.add(event)
    await session.flush()
    await plan_item_event(session, item, event, now)
    await plan_alerts(session, item, event, now)
    return event


async def add_note(
    session: AsyncSession,
    actor: Actor,
    item_id: int,
    text: str,
    *,
    internal: bool,
    now: dt.datetime | None = None,
    files: Sequence[NewAttachment] = (),
) -> FeedbackEvent:
    """Add a comment to an item: an internal note (handlers only) or information.

    Directors add information to their cooperative's items, with photos or files if they
    like; added while the item waits for the cooperative, it is the reply to the question
    (the item is in progress again and its clock runs again). Handlers add comments (shown to
    the director) or internal notes (never shown to the director). The item's handlers are
    alerted of what the cooperative adds.

    Raises:
        PermissionDenied: outside the actor's scope, or a director writing an internal note.
        InvalidInput: empty (no text and no file) or over-long text.
    """
    now = now or utcnow()
    item = await ensure_item_visible(session, actor, item_id)
    is_director = item.cooperative_id in actor.cooperative_ids()
    if internal or not is_director:
        item = await ensure_item_handleable(session, actor, item_id)
        kind = EventKind.NOTE if internal else EventKind.COMMENT
    else:
        kind = EventKind.REPLY if item.status == Status.WAITING else EventKind.INFO_ADDED
    body = nfc(text).strip()
    if (not body and not (files and kind != EventKind.NOTE)) or len(body) > MAX_TEXT:
        raise InvalidInput(
            N_("Please write between 1 and {maximum} characters."), maximum=MAX_TEXT
        )
    event = FeedbackEvent(
        item_id=item.id or 0,
        actor_person_id=actor.person_id,
        kind=kind,
        text=body or None,
        internal=internal,
        created_at=now,
    )
    if kind == EventKind.REPLY:
        await resume(session, item, now)
        event.from_status, event.to_status = item.status, Status.IN_PROGRESS
        item.status = Status.IN_PROGRESS
    item.updated_at = now
    session.add(event)
    await session.flush()
    if kind != EventKind.NOTE:
        attach(session, item.id or 0, files, now=now, event_id=event.id)
    await plan_item_event(session, item, event, now)
    await plan_alerts(session, item, event, now)
    return event


async def item_history(session: AsyncSession, actor: Actor, item_id: int) -> list[FeedbackEvent]:
    """Return an item's events, oldest first; internal notes only for handlers in scope.

    Raises:
        PermissionDenied: the item is outside the actor's scope.
    """
    item = await ensure_item_visible(session, actor, item_id)
    query = select(FeedbackEvent).where(col(FeedbackEvent.item_id) == item.id)
    try:
        await ensure_item_handleable(session, actor, item_id)
    except PermissionDenied:
        query = query.where(col(FeedbackEvent.internal).is_(False))
    rows = await session.execute(
        query.order_by(col(FeedbackEvent.created_at), col(FeedbackEvent.id))
    )
    return list(rows.scalars())
