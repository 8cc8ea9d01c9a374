"""Photos, documents, voice notes and videos that arrive with an item or with a later event.

A file is recorded once: the platform's id for it (valid on the channel it came from) and,
when the channel let the bot download it, the key of its local copy in the file store, from
which any channel can send it back in its own form.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from storage.models import Attachment

MAX_ATTACHMENTS = 10  # on an item, or on one addition to it


@dataclass(frozen=True)
class NewAttachment:
    """A file that arrived on ``channel``."""

    channel: str
    media_kind: str
    file_ref: str
    file_name: str | None = None
    mime_type: str | None = None
    size_bytes: int | None = None
    stored_key: str | None = None


def attach(
    session: AsyncSession,
    item_id: int,
    files: Sequence[NewAttachment],
    *,
    now: dt.datetime,
    event_id: int | None = None,
) -> None:
    """Record ``files`` on an item (and the event they came with), at most ten."""
    for file in files[:MAX_ATTACHMENTS]:
        session.add(
            Attachment(
                item_id=item_id,
                event_id=event_id,
                channel=file.channel,
                media_kind=file.media_kind,
                file_ref=file.file_ref[:300],
                file_name=(file.file_name or None) and file.file_name[:255],
                mime_type=(file.mime_type or None) and file.mime_type[:100],
                size_bytes=file.size_bytes,
                stored_key=file.stored_key,
                created_at=now,
            )
        )


async def attachments_of(session: AsyncSession, item_id: int) -> list[Attachment]:
    """Return an item's files, in the order they arrived."""
    rows = await session.execute(
        select(Attachment)
        .where(col(Attachment.item_id) == item_id)
        .order_by(col(Attachment.created_at), col(Attachment.id))
    )
    return list(rows.scalars())
