"""Finding cooperatives by the name people type."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from storage.errors import N_, Ambiguous, NotFound
from storage.models import AdminUnit, Cooperative
from storage.text import fold

# The kind words a name may start with, folded; people often leave them out ("trinh phu").
KIND_WORDS = ("hop tac xa", "to hop tac", "htx", "tht")


def bare_name(folded: str) -> str:
    """Return a folded cooperative name without its leading kind word ("htx trinh phu" →
    "trinh phu")."""
    for word in KIND_WORDS:
        if folded.startswith(word + " "):
            return folded[len(word) + 1 :]
    return folded


def _variants(folded: str) -> set[str]:
    """Return the folded names a typed name may stand for: as typed, and its bare name with
    each kind word or none ("trinh phu" finds "htx trinh phu" and "hop tac xa trinh phu")."""
    bare = bare_name(folded)
    return {folded, bare, *(f"{word} {bare}" for word in KIND_WORDS)}


async def find_cooperative(session: AsyncSession, name: str) -> Cooperative:
    """Return the one cooperative called ``name`` (diacritics- and case-insensitive, the kind
    word — HTX, THT, hợp tác xã, tổ hợp tác — optional).

    Raises:
        NotFound: no cooperative has that name.
        Ambiguous: several do; the error lists them with their communes.
    """
    folded = fold(name)
    if not folded:
        raise NotFound(name=name)
    rows = await session.execute(
        select(Cooperative, col(AdminUnit.name))
        .join(AdminUnit, col(AdminUnit.id) == col(Cooperative.commune_id))
        .where(col(Cooperative.folded_name).in_(_variants(folded)))
        .order_by(col(Cooperative.id))
    )
    found = rows.all()
    if not found:
        raise NotFound(N_("No cooperative called “{name}” was found."), name=name)
    if len(found) > 1:
        raise Ambiguous(
            N_("“{name}” matches several cooperatives: {candidates}."),
            name=name,
            candidates=[f"{coop.name} ({commune})" for coop, commune in found],
        )
    cooperative: Cooperative = found[0][0]
    return cooperative


async def list_cooperatives(session: AsyncSession) -> list[tuple[Cooperative, str]]:
    """Return every cooperative with the name of its commune, by commune then name."""
    rows = await session.execute(
        select(Cooperative, col(AdminUnit.name))
        .join(AdminUnit, col(AdminUnit.id) == col(Cooperative.commune_id))
        .order_by(col(AdminUnit.name), col(Cooperative.folded_name))
    )
    return [(coop, commune) for coop, commune in rows.all()]
