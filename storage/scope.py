"""Who may see and do what: a person's active grants, and scope filters in SQL.

Scope is always applied in the database (a WHERE clause), never by loading rows and
filtering them afterwards, so it holds for any query built on ``item_scope_clause``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, TypeAlias

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    CompoundSelect,
    and_,
    false,
    or_,
    select,
    true,
    union,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.selectable import SelectBase
from sqlmodel import col

from storage.errors import N_, PermissionDenied
from storage.models import (
    Cooperative,
    FeedbackItem,
    Role,
    RoleAssignment,
    UnitAncestor,
    UnitCurrent,
    utcnow,
)
from storage.sql_in import in_selected

HANDLER_ROLES = frozenset({Role.COMMUNE_LEADER, Role.OFFICIAL, Role.ADMIN})

Ids: TypeAlias = list[int] | BindParameter[Any]
"""Ids in a query: a list, or an expanding bind parameter given its list at execution."""


@dataclass(frozen=True)
class Grant:
    """One active role of a person and where it applies."""

    role: str
    unit_id: int | None = None
    cooperative_id: int | None = None
    office_id: int | None = None

    @classmethod
    def of(cls, assignment: RoleAssignment) -> Grant:
        """Return the grant a role assignment gives."""
        return cls(
            assignment.role, assignment.unit_id, assignment.cooperative_id, assignment.office_id
        )


@dataclass(frozen=True)
class Actor:
    """A person acting, with every grant active at the time."""

    person_id: int
    grants: tuple[Grant, ...]

    @property
    def roles(self) -> frozenset[str]:
        """Return the person's roles."""
        return frozenset(g.role for g in self.grants)

    @property
    def is_admin(self) -> bool:
        """Tell whether the person is an admin (no scope limit)."""
        return Role.ADMIN in self.roles

    @property
    def handles_items(self) -> bool:
        """Tell whether the person handles items of a scope (official, commune leader, admin)."""
        return self.is_admin or bool(self.unit_ids())

    @property
    def is_stranger(self) -> bool:
        """Tell whether the person holds no grant any more (all ended): as if not registered."""
        return not self.grants

    def cooperative_ids(self) -> list[int]:
        """Return the cooperatives the person directs."""
        return [
            g.cooperative_id
            for g in self.grants
            if g.role == Role.DIRECTOR and g.cooperative_id is not None
        ]

    def unit_ids(self, roles: frozenset[str] = HANDLER_ROLES) -> list[int]:
        """Return the units the person handles items in, for the given roles."""
        return [g.unit_id for g in self.grants if g.role in roles and g.unit_id is not None]

    def office_ids(self) -> list[int]:
        """Return the offices the person works in (items assigned to them are theirs)."""
        return [g.office_id for g in self.grants if g.office_id is not None]


def grant_active(now: Any) -> ColumnElement[bool]:
    """Return the clause of role assignments in force at ``now`` (a moment or a parameter)."""
    return and_(
        col(RoleAssignment.valid_from) <= now,
        or_(col(RoleAssignment.valid_to).is_(None), col(RoleAssignment.valid_to) > now),
    )


async def load_actor(
    session: AsyncSession, person_id: int, now: dt.datetime | None = None
) -> Actor:
    """Return the person with the grants active at ``now``."""
    now = now or utcnow()
    rows = await session.execute(
        select(RoleAssignment).where(
            col(RoleAssignment.person_id) == person_id,
            grant_active(now),
        )
    )
    grants = tuple(Grant.of(assignment) for assignment in rows.scalars())
    return Actor(person_id=person_id, grants=grants)


def unit_subtree(unit_ids: Ids) -> CompoundSelect[int]:
    """Return a query of the ids of every unit inside ``unit_ids``, in any era.

    ``unit_ids`` is a list, or an expanding bind parameter that will hold one.

    Inside means: one of the units is its ancestor; or it is an old unit living on in a unit
    of today that is inside (xã Trinh Phú, abolished 2025, is inside Xã An Lạc Thôn and Cần
    Thơ); or it is a unit of today that absorbed an old unit that is inside (Xã An Lạc Thôn
    is inside the former Huyện Kế Sách, which a 2021 plan's targets refer to).
    """
    descendants = select(col(UnitAncestor.unit_id)).where(
        col(UnitAncestor.ancestor_id).in_(unit_ids)
    )
    predecessors = select(col(UnitCurrent.unit_id)).where(
        col(UnitCurrent.current_id).in_(descendants)
    )
    successors = select(col(UnitCurrent.current_id)).where(
        col(UnitCurrent.unit_id).in_(descendants)
    )
    return union(descendants, predecessors, successors)


def in_unit_subtree(column: Any, unit_ids: Ids) -> ColumnElement[bool]:
    """Return a clause true when ``column`` (a unit id) is inside ``unit_ids`` in any era.

    See ``unit_subtree`` for what inside means.
    """
    # One test over the union rather than an OR of three: with an index on ``column`` the
    # database looks the units up in it (and ORs two such columns index by index) instead of
    # scanning every row of the period and testing each.
    return in_selected(column, unit_subtree(unit_ids))


def item_scope_clause(actor: Actor) -> ColumnElement[bool]:
    """Return the WHERE clause limiting feedback items to what ``actor`` may see."""
    if actor.is_admin:
        return true()
    return items_of(cooperatives=actor.cooperative_ids() or None, units=actor.unit_ids() or None)


def items_of(
    *,
    cooperatives: Ids | None = None,
    units: Ids | None = None,
    subtree: SelectBase | None = None,
) -> ColumnElement[bool]:
    """Return the clause for items of ``cooperatives`` or written in or assigned to ``units``.

    Each is a list of ids, or an expanding bind parameter (for statements built once and run
    with the ids as parameters); None leaves it out, and with all None nothing matches.
    ``subtree`` stands for ``units`` already expanded: a query of the ids ``unit_subtree``
    returns, e.g. from a CTE, so a statement that needs them twice finds them once.
    """
    clauses: list[ColumnElement[bool]] = []
    if cooperatives is not None:
        clauses.append(col(FeedbackItem.cooperative_id).in_(cooperatives))
    if units is not None:
        subtree = unit_subtree(units)
    if subtree is not None:
        clauses.append(in_selected(col(FeedbackItem.commune_id), subtree))
        clauses.append(in_selected(col(FeedbackItem.assignee_unit_id), subtree))
    return or_(*clauses) if clauses else false()


def handler_scope_clause(actor: Actor) -> ColumnElement[bool]:
    """Return the clause limiting items to those ``actor`` may handle (not just read)."""
    if actor.is_admin:
        return true()
    units = actor.unit_ids()
    if not units:
        return false()
    return or_(
        in_unit_subtree(col(FeedbackItem.commune_id), units),
        in_unit_subtree(col(FeedbackItem.assignee_unit_id), units),
    )


def cooperative_scope_clause(actor: Actor) -> ColumnElement[bool]:
    """Return the WHERE clause limiting cooperatives to those ``actor`` may see."""
    if actor.is_admin:
        return true()
    clauses: list[ColumnElement[bool]] = []
    if actor.cooperative_ids():
        clauses.append(col(Cooperative.id).in_(actor.cooperative_ids()))
    if actor.unit_ids():
        clauses.append(in_unit_subtree(col(Cooperative.commune_id), actor.unit_ids()))
    return or_(*clauses) if clauses else false()


async def ensure_item_visible(session: AsyncSession, actor: Actor, item_id: int) -> FeedbackItem:
    """Return the item when ``actor`` may see it.

    Raises:
        PermissionDenied: the item does not exist or is outside the actor's scope (the two
            are indistinguishable on purpose, so ids cannot be probed).
    """
    item = (
        await session.execute(
            select(FeedbackItem).where(col(FeedbackItem.id) == item_id, item_scope_clause(actor))
        )
    ).scalar_one_or_none()
    if item is None:
        raise PermissionDenied(N_("This item does not exist or is not yours to see."))
    return item


async def ensure_item_handleable(
    session: AsyncSession, actor: Actor, item_id: int
) -> FeedbackItem:
    """Return the item when ``actor`` may handle it as a commune leader, official or admin.

    Raises:
        PermissionDenied: otherwise.
    """
    item = (
        await session.execute(
            select(FeedbackItem).where(
                col(FeedbackItem.id) == item_id, handler_scope_clause(actor)
            )
        )
    ).scalar_one_or_none()
    if item is None:
        raise PermissionDenied(N_("This item does not exist or is not yours to handle."))
    return item


def ensure_director_of(actor: Actor, cooperative_id: int) -> None:
    """Check that ``actor`` directs ``cooperative_id``.

    Raises:
        PermissionDenied: otherwise.
    """
    if cooperative_id not in actor.cooperative_ids():
        raise PermissionDenied(N_("Only a director of this cooperative can do that."))
