"""Alerts: whoever handles an item is told, through the outbox, when it needs them.

An item is handled by the commune leaders of its commune, the officials whose unit contains
its commune or the unit it was referred to, and the officials of the office it is assigned
to. They are told of a new item, a reopened one, information the cooperative added, its reply
to their question, and a referral or assignment — once per event and person's account (the
dedupe key; what a cooperative adds in one go, message by message, is one alert), never the
person who did it, at once or in one digest a day as each chose (``/alerts now|daily|off``).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ColumnElement, Select, false, or_, select, union
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from storage.accounts_preferred import preferred_accounts
from storage.models import (
    AlertMode,
    ChannelIdentity,
    EventKind,
    FeedbackEvent,
    FeedbackItem,
    Person,
    Role,
    RoleAssignment,
    Status,
    UnitAncestor,
    UnitCurrent,
)
from storage.outbox import plan
from storage.outbox_payloads import AlertDigest, ItemAlert
from storage.scope import Actor, Grant, grant_active, handler_scope_clause

HANDLING_ROLES = (Role.COMMUNE_LEADER, Role.OFFICIAL)


def alertable(event: FeedbackEvent) -> bool:
    """Tell whether an event needs the item's handlers."""
    if event.kind in {EventKind.CREATED, EventKind.INFO_ADDED, EventKind.REPLY}:
        return True
    if event.kind == EventKind.ASSIGNED:
        return True
    return event.kind == EventKind.STATUS and event.to_status in {
        Status.REOPENED,
        Status.REFERRED,
    }


# What a cooperative adds in one go (a text, then its photos, message by message) is one
# alert: additions by the same person to the same item share a key for ten minutes.
ADDITION_WINDOW = dt.timedelta(minutes=10)


def _alert_key(item: FeedbackItem, event: FeedbackEvent, now: dt.datetime) -> str:
    if event.kind in {EventKind.INFO_ADDED, EventKind.REPLY}:
        window = int(now.timestamp() // ADDITION_WINDOW.total_seconds())
        return f"alert:{item.id}:added:{event.actor_person_id}:{window}"
    return f"alert:{event.id}"


def units_containing(unit_id: int) -> Select[int]:
    """Return the ids of every unit whose scope contains ``unit_id``, in any era.

    The inverse of ``storage.scope.unit_subtree``: a unit is inside U when it descends from U,
    lives on in a unit that descends from U, or absorbed one that does. So the units containing
    it are the ancestors of itself, of the units of today it lives on in, and of the units
    that live on in it.
    """
    related = union(
        select(col(UnitCurrent.current_id)).where(col(UnitCurrent.unit_id) == unit_id),
        select(col(UnitCurrent.unit_id)).where(col(UnitCurrent.current_id) == unit_id),
    ).subquery()
    return select(col(UnitAncestor.ancestor_id)).where(
        or_(
            col(UnitAncestor.unit_id) == unit_id,
            col(UnitAncestor.unit_id).in_(select(related.c[0])),
        )
    )


def _holds(item: FeedbackItem) -> ColumnElement[bool]:
    """Return the clause of the grants whose holders handle ``item``."""
    clauses: list[ColumnElement[bool]] = [
        col(RoleAssignment.unit_id).in_(units_containing(item.commune_id))
    ]
    if item.assignee_unit_id is not None:
        clauses.append(col(RoleAssignment.unit_id).in_(units_containing(item.assignee_unit_id)))
    if item.assignee_office_id is not None:
        clauses.append(col(RoleAssignment.office_id) == item.assignee_office_id)
    return or_(*clauses) if clauses else false()


async def handler_accounts(
    session: AsyncSession, item: FeedbackItem, now: dt.datetime, mode: AlertMode
) -> list[ChannelIdentity]:
    """Return the reachable accounts of the people handling ``item`` who chose ``mode``."""
    rows = await session.execute(
        select(ChannelIdentity)
        .join(RoleAssignment, col(RoleAssignment.person_id) == col(ChannelIdentity.person_id))
        .join(Person, col(Person.id) == col(ChannelIdentity.person_id))
        .where(
            col(RoleAssignment.role).in_(HANDLING_ROLES),
            grant_active(now),
            _holds(item),
            col(Person.alert_mode) == mode,
            col(ChannelIdentity.unreachable_since).is_(None),
        )
        .order_by(col(ChannelIdentity.id))
    )
    return preferred_accounts({identity.id: identity for identity in rows.scalars()}.values())


async def plan_alerts(
    session: AsyncSession, item: FeedbackItem, event: FeedbackEvent, now: dt.datetime
) -> int:
    """Plan an alert of ``event`` to each account that wants one at once; return how many."""
    if not alertable(event):
        return 0
    planned = 0
    for identity in await handler_accounts(session, item, now, AlertMode.NOW):
        if identity.person_id == event.actor_person_id:
            continue
        planned += await plan(
            session,
            dedupe_key=f"{_alert_key(item, event, now)}:{identity.id}",
            channel=identity.channel,
            recipient=identity.external_id,
            person_id=identity.person_id,
            payload=ItemAlert(item_id=item.id or 0, event_id=event.id or 0),
            now=now,
        )
    return planned


def alert_events_clause(
    actor: Actor, since: dt.datetime, until: dt.datetime
) -> list[ColumnElement[bool]]:
    """Return the WHERE clauses of the alertable events of ``actor``'s items in a window,
    others' only (what a daily digest lists)."""
    alertable_kind = or_(
        col(FeedbackEvent.kind).in_(
            [EventKind.CREATED, EventKind.INFO_ADDED, EventKind.REPLY, EventKind.ASSIGNED]
        ),
        (col(FeedbackEvent.kind) == EventKind.STATUS)
        & col(FeedbackEvent.to_status).in_([Status.REOPENED, Status.REFERRED]),
    )
    return [
        handler_scope_clause(actor),
        alertable_kind,
        col(FeedbackEvent.created_at) >= since,
        col(FeedbackEvent.created_at) < until,
        or_(
            col(FeedbackEvent.actor_person_id).is_(None),
            col(FeedbackEvent.actor_person_id) != actor.person_id,
        ),
    ]


async def digest_events(
    session: AsyncSession, actor: Actor, since: dt.datetime, until: dt.datetime
) -> list[tuple[FeedbackEvent, FeedbackItem]]:
    """Return the alertable events of the actor's items in ``[since, until)``, oldest first."""
    rows = await session.execute(
        select(FeedbackEvent, FeedbackItem)
        .join(FeedbackItem, col(FeedbackItem.id) == col(FeedbackEvent.item_id))
        .where(*alert_events_clause(actor, since, until))
        .order_by(col(FeedbackEvent.created_at), col(FeedbackEvent.id))
    )
    return [(event, item) for event, item in rows]


async def due_alert_digests(
    session: AsyncSession, now: dt.datetime, since: dt.datetime, until: dt.datetime
) -> list[tuple[ChannelIdentity, AlertDigest]]:
    """Return the digest of ``[since, until)`` for each account of someone who chose one a
    day and has something in it (nobody is sent an empty digest)."""
    rows = await session.execute(
        select(ChannelIdentity, RoleAssignment)
        .join(RoleAssignment, col(RoleAssignment.person_id) == col(ChannelIdentity.person_id))
        .join(Person, col(Person.id) == col(ChannelIdentity.person_id))
        .where(
            col(RoleAssignment.role).in_(HANDLING_ROLES),
            grant_active(now),
            col(Person.alert_mode) == AlertMode.DAILY,
            col(ChannelIdentity.unreachable_since).is_(None),
        )
        .order_by(col(ChannelIdentity.id))
    )
    grants: dict[int, list[Grant]] = {}
    accounts: dict[int, ChannelIdentity] = {}
    for identity, assignment in rows:
        grants.setdefault(identity.person_id or 0, []).append(Grant.of(assignment))
        accounts[identity.id or 0] = identity
    due = []
    for identity in preferred_accounts(accounts.values()):
        person_id = identity.person_id or 0
        actor = Actor(person_id=person_id, grants=tuple(grants[person_id]))
        if await digest_events(session, actor, since, until):
            due.append((identity, AlertDigest(person_id=person_id, since=since, until=until)))
    return due
