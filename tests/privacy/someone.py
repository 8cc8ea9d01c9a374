"""A director with a row in every table that can be about a person, for the privacy tests."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from storage.feedback import add_note
from storage.invites import create_invite
from storage.models import (
    Attachment,
    ButtonOverflow,
    ChannelIdentity,
    DialogState,
    FeedbackItem,
    InviteAttempt,
    Meeting,
    MeetingAttendance,
    MeetingItem,
    Person,
    PrivacyRequestKind,
)
from storage.outbox import plan
from storage.outbox_payloads import ItemEvent
from storage.privacy_requests import record_request
from storage.scope import Actor
from tests import factories as f

NAME = "Nguyễn Văn Tư Riêng"
PHONE = "0912345678"
CHAT_ID = "7700112233"
DRAFT = "Bản nháp chưa gửi của ông Tư"
NOW = f.T0 + dt.timedelta(days=3)


@dataclass(frozen=True)
class Someone:
    """The person, their identity, their own item and an item of someone else they wrote on."""

    actor: Actor
    person_id: int
    identity_id: int
    item: FeedbackItem
    other_item: FeedbackItem


async def someone(session: AsyncSession) -> Someone:
    """Create the director (in the demo data set) with a row in every linked table."""
    director = await f.director_of(session, "HTX Trinh Phú")
    person = await session.get(Person, director.person_id)
    assert person is not None
    person.full_name, person.phone, person.locale = NAME, PHONE, "vi"
    identity = ChannelIdentity(
        channel="telegram", external_id=CHAT_ID, person_id=person.id, display_name=NAME
    )
    session.add(identity)
    await session.flush()
    item = await f.item(session, director, text="Thiếu vốn mua máy gặt.")
    session.add(
        Attachment(item_id=item.id or 0, channel="telegram", media_kind="photo", file_ref="AgAC1")
    )
    other = await f.item(
        session,
        await f.director_of(session, "HTX Trinh Phú"),
        text="Đường vào xã bị hư hỏng nặng.",
    )
    await add_note(
        session, director, other.id or 0, "Chúng tôi cũng gặp việc này.", internal=False, now=f.T0
    )
    meeting = Meeting(
        commune_id=item.commune_id,
        quarter="2026Q1",
        held_on=dt.date(2026, 3, 3),
        logged_by_person_id=person.id,
        notes="Họp quý",
    )
    session.add(meeting)
    await session.flush()
    session.add(MeetingAttendance(meeting_id=meeting.id or 0, cooperative_id=item.cooperative_id))
    session.add(MeetingItem(meeting_id=meeting.id or 0, item_id=item.id or 0, outcome="discussed"))
    await create_invite(
        session,
        role="director",
        cooperative_id=item.cooperative_id,
        created_by_person_id=person.id,
        now=f.T0,
    )
    session.add(InviteAttempt(channel="telegram", external_id=CHAT_ID, at=f.T0))
    session.add(
        DialogState(
            identity_id=identity.id or 0,
            flow="report",
            step="text",
            draft={"text": DRAFT},
            expires_at=NOW + dt.timedelta(days=2),
        )
    )
    session.add(ButtonOverflow(channel="telegram", external_id=CHAT_ID, buttons=[["A", "x:y"]]))
    await plan(
        session,
        dedupe_key="test:pending",
        channel="telegram",
        recipient=CHAT_ID,
        person_id=person.id,
        payload=ItemEvent(item_id=item.id or 0, event_id=1),
        not_before=NOW + dt.timedelta(days=1),
        now=f.T0,
    )
    await record_request(
        session,
        person.id or 0,
        PrivacyRequestKind.CORRECTION,
        channel="telegram",
        now=f.T0,
        details=f"Tên tôi là {NAME}",
    )
    await session.flush()
    return Someone(director, person.id or 0, identity.id or 0, item, other)
