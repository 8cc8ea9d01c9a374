"""Finding cooperatives by the name people type."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from storage.errors import N_, Ambiguous, NotFound
from storage.models import AdminUnit, Cooperative
from storage.text import fold

_KIND_WORDS = {"htx": "hop tac xa", "tht": "to hop tac"}


def _variants(folded: str) -> set[str]:
    """Return the folded name with the kind written short and long ("HTX" / "Hợp tác xã")."""
    variants = {folded}
    for short, long in _KIND_WORDS.items():
        if folded.startswith(short + " "):
            variants.add(long + folded[len(short) :])
        if folded.startswith(long + " "):
            variants.add(short + folded[len(long) :])
    return variants


async def find_cooperative(session: AsyncSession, name: str) -> Cooperative:
    """Return the one cooperative called ``name`` (diacritics- and case-insensitive).

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
