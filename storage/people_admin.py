"""Inviting, listing and revoking people inside one's scope, from the chat.

Officials (and admins) manage commune leaders and directors; commune leaders manage the
directors of their commune's cooperatives. Who is inside whose scope is a SQL clause, as
everywhere: a forged id simply finds nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, false, func, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from storage.errors import N_, PermissionDenied
from storage.invites import IssuedInvite, create_invite
from storage.models import (
    AdminUnit,
    Cooperative,
    CooperativeStatus,
    Person,
    Role,
    RoleAssignment,
    UnitCurrent,
    UnitLevel,
)
from storage.scope import Actor, grant_active, in_unit_subtree
from storage.text import fold, fold_unit_name

# Words people put before a cooperative's name, folded; searching ignores them.
_KIND_WORDS = ("hop tac xa ", "to hop tac ", "lien hiep ", "htx ", "tht ")


def managed_roles(actor: Actor) -> tuple[Role, ...]:
    """Return the roles ``actor`` may invite and revoke, most senior first."""
    if actor.is_admin or Role.OFFICIAL in actor.roles:
        return (Role.COMMUNE_LEADER, Role.DIRECTOR)
    if Role.COMMUNE_LEADER in actor.roles:
        return (Role.DIRECTOR,)
    return ()


def _units_for(actor: Actor, role: str) -> list[int] | None:
    """Return the units inside which ``actor`` manages ``role`` (None: everywhere)."""
    if actor.is_admin:
        return None
    if role == Role.COMMUNE_LEADER:
        return actor.unit_ids(frozenset({Role.OFFICIAL}))
    if role == Role.DIRECTOR:
        return actor.unit_ids(frozenset({Role.OFFICIAL, Role.COMMUNE_LEADER}))
    return []


def _inside(column: Any, units: list[int] | None) -> ColumnElement[bool]:
    if units is None:
        return true()
    return in_unit_subtree(column, units) if units else false()


def commune_clause(actor: Actor) -> ColumnElement[bool]:
    """Return the clause of today's communes whose leaders ``actor`` may invite."""
    return and_(
        col(AdminUnit.level) == UnitLevel.COMMUNE,
        col(AdminUnit.valid_to).is_(None),
        _inside(col(AdminUnit.id), _units_for(actor, Role.COMMUNE_LEADER)),
    )


def cooperative_clause(actor: Actor) -> ColumnElement[bool]:
    """Return the clause of the cooperatives whose directors ``actor`` may invite."""
    return and_(
        col(Cooperative.status) != CooperativeStatus.DISSOLVED,
        _inside(col(Cooperative.commune_id), _units_for(actor, Role.DIRECTOR)),
    )


def _search_text(text: str) -> str:
    folded = fold(text)
    for word in _KIND_WORDS:
        if folded.startswith(word):
            return folded[len(word) :]
    return folded


async def invitable_communes(
    session: AsyncSession, actor: Actor, *, search: str = "", offset: int = 0, limit: int = 8
) -> tuple[list[AdminUnit], int]:
    """Return a page of the communes ``actor`` may invite leaders for, and how many there are.

    ``search`` matches any era's name, diacritics-insensitively: an old commune's name finds
    the commune of today it lives on in.
    """
    where = [commune_clause(actor)]
    key = fold_unit_name(search) if search.strip() else ""
    if key:
        named = select(col(AdminUnit.id)).where(
            col(AdminUnit.level) == UnitLevel.COMMUNE,
            col(AdminUnit.folded_name).contains(key, autoescape=True),
        )
        where.append(
            col(AdminUnit.id).in_(
                select(col(UnitCurrent.current_id)).where(col(UnitCurrent.unit_id).in_(named))
            )
        )
    total = await session.scalar(select(func.count()).select_from(AdminUnit).where(*where))
    rows = await session.execute(
        select(AdminUnit)
        .where(*where)
        .order_by(col(AdminUnit.folded_name), col(AdminUnit.id))
        .offset(offset)
        .limit(limit)
    )
    return list(rows.scalars()), int(total or 0)


async def invitable_cooperatives(
    session: AsyncSession, actor: Actor, *, search: str = "", offset: int = 0, limit: int = 8
) -> tuple[list[Cooperative], int]:
    """Return a page of the cooperatives ``actor`` may invite directors for, and the count."""
    where = [cooperative_clause(actor)]
    key = _search_text(search) if search.strip() else ""
    if key:
        where.append(col(Cooperative.folded_name).contains(key, autoescape=True))
    total = await session.scalar(select(func.count()).select_from(Cooperative).where(*where))
    rows = await session.execute(
        select(Cooperative)
        .where(*where)
        .order_by(col(Cooperative.folded_name), col(Cooperative.id))
        .offset(offset)
        .limit(limit)
    )
    return list(rows.scalars()), int(total or 0)


@dataclass(frozen=True)
class ScopedInvite:
    """A new invite and the name of the commune or cooperative it admits to."""

    issued: IssuedInvite
    scope: str


async def invite_in_scope(
    session: AsyncSession,
    actor: Actor,
    *,
    role: str,
    target_id: int,
    now: dt.datetime,
) -> ScopedInvite:
    """Invite a commune leader of commune ``target_id`` or a director of cooperative
    ``target_id``, after checking that ``actor`` may invite for it.

    Raises:
        PermissionDenied: the role or the commune/cooperative is outside the actor's scope.
    """
    if role not in managed_roles(actor):
        raise PermissionDenied(N_("You cannot invite people in this role."))
    if role == Role.COMMUNE_LEADER:
        query = select(col(AdminUnit.name)).where(
            col(AdminUnit.id) == target_id, commune_clause(actor)
        )
    else:
        query = select(col(Cooperative.name)).where(
            col(Cooperative.id) == target_id, cooperative_clause(actor)
        )
    name = await session.scalar(query)
    if name is None:
        raise PermissionDenied(N_("That is outside your area."))
    issued = await create_invite(
        session,
        role=role,
        unit_id=target_id if role == Role.COMMUNE_LEADER else None,
        cooperative_id=target_id if role == Role.DIRECTOR else None,
        created_by_person_id=actor.person_id,
        now=now,
    )
    return ScopedInvite(issued, name)


@dataclass(frozen=True)
class Grantee:
    """A person's active role, as /people shows it."""

    assignment_id: int
    person_id: int
    name: str
    role: str
    scope: str
    since: dt.datetime
    erased: bool = False  # their data was erased: show ``storage.people.ERASED_PERSON``


def _managed_clause(actor: Actor) -> ColumnElement[bool]:
    clauses = []
    for role in managed_roles(actor):
        units = _units_for(actor, role)
        if role == Role.COMMUNE_LEADER:
            inside = _inside(col(RoleAssignment.unit_id), units)
        else:
            cooperatives = select(col(Cooperative.id)).where(
                _inside(col(Cooperative.commune_id), units)
            )
            inside = col(RoleAssignment.cooperative_id).in_(cooperatives)
        clauses.append(and_(col(RoleAssignment.role) == role, inside))
    return or_(*clauses) if clauses else false()


def _grantees_query(actor: Actor, now: dt.datetime) -> Any:
    return (
        select(
            RoleAssignment,
            col(Person.full_name),
            col(AdminUnit.name),
            col(Cooperative.name),
            col(Person.erased_at),
        )
        .join(Person, col(Person.id) == col(RoleAssignment.person_id))
        .outerjoin(AdminUnit, col(AdminUnit.id) == col(RoleAssignment.unit_id))
        .outerjoin(Cooperative, col(Cooperative.id) == col(RoleAssignment.cooperative_id))
        .where(
            _managed_clause(actor),
            grant_active(now),
        )
    )


def _grantee(row: Any) -> Grantee:
    assignment, name, unit, cooperative, erased_at = row
    return Grantee(
        assignment_id=assignment.id or 0,
        person_id=assignment.person_id,
        name=name or "",
        role=assignment.role,
        scope=unit or cooperative or "",
        since=assignment.valid_from,
        erased=erased_at is not None,
    )


async def list_grantees(
    session: AsyncSession, actor: Actor, now: dt.datetime, *, offset: int = 0, limit: int = 8
) -> tuple[list[Grantee], int]:
    """Return a page of the people ``actor`` manages, by role and scope, and how many."""
    query = _grantees_query(actor, now)
    total = await session.scalar(select(func.count()).select_from(query.subquery()))
    rows = await session.execute(
        query.order_by(
            col(RoleAssignment.role),
            func.coalesce(col(AdminUnit.name), col(Cooperative.name)),
            col(Person.full_name),
            col(RoleAssignment.id),
        )
        .offset(offset)
        .limit(limit)
    )
    return [_grantee(row) for row in rows.all()], int(total or 0)


async def find_grantee(
    session: AsyncSession, actor: Actor, assignment_id: int, now: dt.datetime
) -> tuple[Grantee, RoleAssignment]:
    """Return an active grant ``actor`` manages, and its row.

    Raises:
        PermissionDenied: no such active grant inside the actor's scope, or it is their own.
    """
    query = _grantees_query(actor, now).where(col(RoleAssignment.id) == assignment_id)
    row = (await session.execute(query)).first()
    if row is None:
        raise PermissionDenied(N_("That person is not in your area, or no longer has access."))
    grantee = _grantee(row)
    if grantee.person_id == actor.person_id:
        raise PermissionDenied(N_("You cannot revoke your own access."))
    assignment: RoleAssignment = row[0]
    return grantee, assignment


async def revoke_grant(
    session: AsyncSession, actor: Actor, assignment_id: int, now: dt.datetime
) -> Grantee:
    """End a grant ``actor`` manages now (its history stays: ``valid_to`` is set).

    Raises:
        PermissionDenied: as ``find_grantee``.
    """
    grantee, assignment = await find_grantee(session, actor, assignment_id, now)
    assignment.valid_to = now
    await session.flush()
    return grantee
