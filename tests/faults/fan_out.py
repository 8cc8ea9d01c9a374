"""A fan-out to plan in a test database: many people, one reminder each, on Telegram."""

from __future__ import annotations

from collections import Counter

from storage.db import Database
from storage.models import AdminUnit, ChannelIdentity, Person, UnitLevel
from storage.outbox import plan
from storage.outbox_admin import status_counts
from storage.outbox_payloads import QuarterKickoff
from tests.fakes import FakeTelegram

QUARTER = "2026Q2"


async def plan_fan_out(
    database: Database, fake: FakeTelegram, first_chat: int, count: int
) -> list[int]:
    """Plan a quarterly kick-off reminder to ``count`` new people; return their chat ids.

    Each person gets a Telegram identity whose chat the fake server knows, so the sender may
    write to it.
    """
    chats = list(range(first_chat, first_chat + count))
    async with database.transaction() as session:
        commune = AdminUnit(
            code=f"T{first_chat}"[:16],
            name="Xã Thử Nghiệm",
            unit_type="Xã",
            folded_name="thu nghiem",
            level=UnitLevel.COMMUNE,
        )
        session.add(commune)
        people = [Person(full_name=f"Chủ tịch {chat}", locale="vi") for chat in chats]
        session.add_all(people)
        await session.flush()
        session.add_all(
            ChannelIdentity(channel="telegram", external_id=str(chat), person_id=person.id)
            for chat, person in zip(chats, people, strict=True)
        )
        for chat, person in zip(chats, people, strict=True):
            await plan(
                session,
                dedupe_key=f"remind:{QUARTER}:kickoff:{commune.id}:{chat}",
                channel="telegram",
                recipient=str(chat),
                person_id=person.id,
                payload=QuarterKickoff(quarter=QUARTER, commune_id=commune.id or 0),
            )
    for chat in chats:
        fake.add_user(chat, f"Chủ tịch {chat}")
    return chats


def deliveries(fake: FakeTelegram, chats: list[int] | None = None) -> Counter[int]:
    """Count the messages the fake server delivered to each chat (or to each of ``chats``)."""
    wanted = set(chats) if chats is not None else None
    return Counter(
        call.params["chat_id"]
        for call in fake.calls("sendMessage")
        if call.ok and (wanted is None or call.params.get("chat_id") in wanted)
    )


async def outbox_by_status(database: Database) -> dict[str, int]:
    """Count the outbox rows by status."""
    async with database.session() as session:
        return await status_counts(session)
