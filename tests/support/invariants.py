"""What must hold in the database whatever people sent: the invariants the fuzz tests check."""

from __future__ import annotations

import re

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from storage.models import (
    ChannelIdentity,
    DialogState,
    EventKind,
    FeedbackEvent,
    FeedbackItem,
    Status,
)

REFERENCE = re.compile(r"PA-\d{4}-\d{6}")


async def check_stored_whole(session: AsyncSession) -> None:
    """Every item has its CREATED event and a unique, well-formed reference; every
    conversation state belongs to an identity."""
    items = list((await session.execute(select(FeedbackItem))).scalars())
    created = set(
        (
            await session.execute(
                select(FeedbackEvent.item_id).where(FeedbackEvent.kind == EventKind.CREATED)
            )
        ).scalars()
    )
    orphans = await session.scalar(
        select(func.count())
        .select_from(DialogState)
        .outerjoin(ChannelIdentity, ChannelIdentity.id == DialogState.identity_id)
        .where(col(ChannelIdentity.id).is_(None))
    )
    assert all(item.id in created for item in items), "an item has no CREATED event"
    assert orphans == 0, "a conversation state has no identity"
    assert {item.status for item in items} <= {status.value for status in Status}
    references = [item.reference for item in items]
    assert len(references) == len(set(references)), "reference numbers repeat"
    assert all(REFERENCE.fullmatch(reference) for reference in references), references
