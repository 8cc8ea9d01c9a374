"""Resolve unit names across eras, and keep the derived closure tables up to date.

A name typed today may be a commune that ceased to exist on 1 July 2025; it still resolves,
to the unit it named then, together with the unit(s) of today it lives on in.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from sqlalchemy import delete, insert, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from storage.errors import N_, Ambiguous, InvalidInput, NotFound
from storage.models import AdminUnit, UnitAncestor, UnitCurrent, UnitSuccession
from storage.text import fold, fold_unit_name

# Abbreviations people write before names, mapped to the folded full type word.
# The longest name of a unit in the 2025 lists is under 50 characters; longer text is not a
# name, and quoting it back whole would flood the chat.
MAX_UNIT_NAME = 100
UNIT_NAME_TOO_LONG = N_("A unit name has at most {limit} characters.")

_TYPE_ALIASES = {
    "tt": "thi tran",
    "tx": "thi xa",
    "tp": "thanh pho",
    "p": "phuong",
    "q": "quan",
    "h": "huyen",
}


@dataclass(frozen=True)
class ResolvedUnit:
    """The unit a name meant on a date, and the unit(s) of today it lives on in."""

    unit: AdminUnit
    current: tuple[AdminUnit, ...] = field(default_factory=tuple)

    @property
    def today(self) -> AdminUnit | None:
        """Return the single unit of today, or None when it was split or dissolved."""
        return self.current[0] if len(self.current) == 1 else None


def _typed_prefix(text: str) -> str | None:
    folded = fold(text)
    for word in sorted(
        {
            *_TYPE_ALIASES,
            *_TYPE_ALIASES.values(),
            "xa",
            "phuong",
            "huyen",
            "quan",
            "tinh",
            "thanh pho",
            "thi tran",
            "thi xa",
            "dac khu",
        },
        key=len,
        reverse=True,
    ):
        if folded.startswith(word + " "):
            return _TYPE_ALIASES.get(word, word)
    return None


def describe_unit(unit: AdminUnit, parents: dict[int, AdminUnit] | None = None) -> str:
    """Return a unit's name with its parents and validity, to tell candidates apart."""
    parts = [unit.name]
    parent_id = unit.parent_id
    while parents is not None and parent_id is not None and parent_id in parents:
        parent = parents[parent_id]
        parts.append(parent.name)
        parent_id = parent.parent_id
    text = ", ".join(parts)
    if unit.valid_to is not None:
        text += f" (until {unit.valid_to:%d/%m/%Y})"
    return text


async def _parents_of(session: AsyncSession, units: Iterable[AdminUnit]) -> dict[int, AdminUnit]:
    ids = {u.id for u in units}
    rows = await session.execute(
        select(AdminUnit)
        .join(UnitAncestor, col(UnitAncestor.ancestor_id) == col(AdminUnit.id))
        .where(col(UnitAncestor.unit_id).in_(ids))
    )
    return {u.id: u for u in rows.scalars() if u.id is not None}


async def current_units(session: AsyncSession, unit_ids: Sequence[int]) -> dict[int, list[int]]:
    """Map each unit id to the ids of today's unit(s) it lives on in."""
    rows = await session.execute(
        select(col(UnitCurrent.unit_id), col(UnitCurrent.current_id)).where(
            col(UnitCurrent.unit_id).in_(unit_ids)
        )
    )
    mapping: dict[int, list[int]] = defaultdict(list)
    for unit_id, current_id in rows:
        mapping[unit_id].append(current_id)
    return mapping


async def resolve_unit(
    session: AsyncSession,
    name: str,
    *,
    on: dt.date | None = None,
    levels: Sequence[str] | None = None,
    within: Sequence[int] | None = None,
) -> ResolvedUnit:
    """Find the unit ``name`` meant on ``on`` (default: today), and its successor(s) today.

    Diacritics, case and a leading type word ("xã", "phường", "thị trấn", "TT") do not matter;
    a type word that is given narrows the match. A unit valid on ``on`` wins; when none is, a
    unit of another era is accepted if all such candidates live on in the same unit today.

    Args:
        session: an open session.
        name: what the person typed.
        on: the date the name refers to.
        levels: accepted levels, e.g. ``["commune"]``.
        within: ids of units one of which must be an ancestor of the match or of its
            successor today (e.g. a province of either era).

    Raises:
        NotFound: nothing matches.
        Ambiguous: several units match; the error lists them.
        InvalidInput: the name is longer than any unit's name can be.
    """
    on = on or dt.datetime.now(dt.UTC).date()
    if len(name) > MAX_UNIT_NAME:
        raise InvalidInput(UNIT_NAME_TOO_LONG, limit=MAX_UNIT_NAME)
    key = fold_unit_name(name)
    if not key:
        raise NotFound(N_("Nothing called “{name}” was found."), name=name)
    query = select(AdminUnit).where(col(AdminUnit.folded_name) == key)
    if levels:
        query = query.where(col(AdminUnit.level).in_(list(levels)))
    candidates: list[AdminUnit] = list((await session.execute(query)).scalars())
    wanted_type = _typed_prefix(name)
    if wanted_type is not None:
        typed = [c for c in candidates if fold(c.unit_type) == wanted_type]
        candidates = typed or candidates
    successors = await current_units(session, [c.id for c in candidates if c.id is not None])
    if within:
        allowed = set(within)
        ancestry = await _ancestor_sets(
            session, {c.id for c in candidates} | {i for v in successors.values() for i in v}
        )
        candidates = [
            c
            for c in candidates
            if ancestry.get(c.id or 0, set()) & allowed
            or any(ancestry.get(s, set()) & allowed for s in successors.get(c.id or 0, []))
        ]
    if not candidates:
        raise NotFound(N_("Nothing called “{name}” was found."), name=name)
    valid_now = [c for c in candidates if c.valid_on(on)]
    chosen: AdminUnit
    if len(valid_now) == 1:
        chosen = valid_now[0]
    elif (
        not valid_now
        and len({tuple(sorted(successors.get(c.id or 0, []))) for c in candidates}) == 1
    ):
        chosen = max(candidates, key=lambda c: c.valid_to or dt.date.max)
    else:
        pool = valid_now or candidates
        parents = await _parents_of(session, pool)
        raise Ambiguous(
            N_("“{name}” matches several units: {candidates}."),
            name=name,
            candidates=sorted(describe_unit(c, parents) for c in pool),
        )
    today_ids = successors.get(chosen.id or 0, [])
    today_units = [await session.get(AdminUnit, i) for i in sorted(today_ids)]
    return ResolvedUnit(chosen, tuple(u for u in today_units if u is not None))


async def _ancestor_sets(session: AsyncSession, unit_ids: set[int | None]) -> dict[int, set[int]]:
    rows = await session.execute(
        select(col(UnitAncestor.unit_id), col(UnitAncestor.ancestor_id)).where(
            col(UnitAncestor.unit_id).in_([i for i in unit_ids if i is not None])
        )
    )
    result: dict[int, set[int]] = defaultdict(set)
    for unit_id, ancestor_id in rows:
        result[unit_id].add(ancestor_id)
    return result


async def rebuild_unit_closure(session: AsyncSession) -> None:
    """Recompute ``unit_ancestor`` and ``unit_current`` from units and successions.

    Cheap enough to run after every import (the whole country is ~13,000 units), and keeps
    every scope query a single indexed join whatever the depth of the hierarchy.
    """
    units = (
        await session.execute(
            select(col(AdminUnit.id), col(AdminUnit.parent_id), col(AdminUnit.valid_to))
        )
    ).all()
    parent: dict[int, int | None] = {uid: pid for uid, pid, _ in units if uid is not None}
    alive = {uid for uid, _, valid_to in units if uid is not None and valid_to is None}
    successions = (
        await session.execute(select(col(UnitSuccession.old_id), col(UnitSuccession.new_id)))
    ).all()
    following: dict[int, list[int]] = defaultdict(list)
    for old_id, new_id in successions:
        following[old_id].append(new_id)

    ancestor_rows: list[dict[str, int]] = []
    for uid in parent:
        depth, seen = 0, set()
        node: int | None = uid
        while node is not None and node not in seen:
            seen.add(node)
            ancestor_rows.append({"unit_id": uid, "ancestor_id": node, "depth": depth})
            node, depth = parent.get(node), depth + 1

    current_rows: list[dict[str, int]] = []
    for uid in parent:
        found: set[int] = set()
        stack, visited = [uid], set()
        while stack:
            current = stack.pop()
            if current in visited:
                continue
            visited.add(current)
            if current in alive:
                found.add(current)
            else:
                stack.extend(following.get(current, []))
        current_rows.extend({"unit_id": uid, "current_id": cid} for cid in sorted(found))

    await session.execute(delete(UnitAncestor))
    await session.execute(delete(UnitCurrent))
    for chunk in _chunks(ancestor_rows, 5000):
        await session.execute(insert(UnitAncestor), chunk)
    for chunk in _chunks(current_rows, 5000):
        await session.execute(insert(UnitCurrent), chunk)


def _chunks(rows: list[dict[str, int]], size: int) -> Iterable[list[dict[str, int]]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


async def unit_names(session: AsyncSession, unit_ids: list[int]) -> list[str]:
    """Return the names of units, in the order given."""
    rows = await session.execute(
        select(col(AdminUnit.id), col(AdminUnit.name)).where(col(AdminUnit.id).in_(unit_ids))
    )
    names = dict(rows.all())
    return [names[i] for i in unit_ids if i in names]
