"""The buttons a channel could not show at once, kept per account for a "More…" button.

One row per account, replaced by every message that overflows, so the table stays as small as
the number of people who use such a channel. Labels and payloads are stored as sent: payloads
are re-checked by the handlers when pressed, like any button.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from storage.models import ButtonOverflow, utcnow


async def save_buttons(
    session: AsyncSession,
    channel: str,
    external_id: str,
    buttons: list[tuple[str, str]],
    *,
    now: dt.datetime | None = None,
) -> None:
    """Keep ``buttons`` ((label, payload) pairs) as the account's latest overflowing list."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    values = {
        "channel": channel,
        "external_id": external_id,
        "buttons": [[label, payload] for label, payload in buttons],
        "updated_at": now or utcnow(),
    }
    statement = insert(ButtonOverflow).values(**values)
    statement = statement.on_conflict_do_update(
        index_elements=["channel", "external_id"],
        set_={"buttons": statement.excluded.buttons, "updated_at": statement.excluded.updated_at},
    )
    await session.execute(statement)


async def load_buttons(
    session: AsyncSession, channel: str, external_id: str
) -> list[tuple[str, str]] | None:
    """Return the account's latest overflowing buttons, or None when there are none."""
    stored = (
        await session.execute(
            select(col(ButtonOverflow.buttons)).where(
                col(ButtonOverflow.channel) == channel,
                col(ButtonOverflow.external_id) == external_id,
            )
        )
    ).scalar_one_or_none()
    if stored is None:
        return None
    return [(str(label), str(payload)) for label, payload in stored]
