"""Everything an item's card shows, read in a few queries, inside the reader's scope."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from storage.attachments import attachments_of
from storage.errors import PermissionDenied
from storage.feedback import item_history
from storage.models import (
    AdminUnit,
    Attachment,
    Category,
    Cooperative,
    FeedbackEvent,
    FeedbackItem,
    Office,
    UnitCurrent,
)
from storage.scope import Actor, ensure_item_handleable, ensure_item_visible


@dataclass(frozen=True)
class ItemDetails:
    """An item with the names its card needs, its history and its files."""

    item: FeedbackItem
    cooperative: str
    commune: str
    category: Category | None
    holder: str
    office: str | None
    events: list[FeedbackEvent]
    attachments: list[Attachment]
    handler: bool  # the reader handles the item (sees internal notes, may act)
    unit_names: dict[int, str] = field(default_factory=dict)


async def _names(session: AsyncSession, unit_ids: set[int]) -> dict[int, str]:
    rows = await session.execute(
        select(col(AdminUnit.id), col(AdminUnit.name)).where(col(AdminUnit.id).in_(unit_ids))
    )
    return {unit_id or 0: name for unit_id, name in rows}


async def item_details(session: AsyncSession, actor: Actor, item_id: int) -> ItemDetails:
    """Return the card of an item the actor may see.

    Raises:
        PermissionDenied: the item does not exist or is outside the actor's scope.
    """
    item = await ensure_item_visible(session, actor, item_id)
    try:
        await ensure_item_handleable(session, actor, item_id)
        handler = True
    except PermissionDenied:
        handler = False
    today = await session.scalar(
        select(col(UnitCurrent.current_id))
        .where(col(UnitCurrent.unit_id) == item.commune_id)
        .order_by(col(UnitCurrent.current_id))
        .limit(1)
    )
    commune_id = int(today or item.commune_id)
    events = await item_history(session, actor, item_id)
    referred = {
        int(event.data["referred_unit_id"])
        for event in events
        if isinstance(event.data, dict) and event.data.get("referred_unit_id")
    }
    holder_id = item.assignee_unit_id or commune_id
    names = await _names(session, {commune_id, holder_id, *referred})
    cooperative = await session.get(Cooperative, item.cooperative_id)
    office = (
        await session.get(Office, item.assignee_office_id) if item.assignee_office_id else None
    )
    return ItemDetails(
        item=item,
        cooperative=cooperative.name if cooperative else "?",
        commune=names.get(commune_id, "?"),
        category=await session.get(Category, item.category_key),
        holder=names.get(holder_id, "?"),
        office=office.name if office else None,
        events=events,
        attachments=await attachments_of(session, item.id or 0),
        handler=handler,
        unit_names=names,
    )
