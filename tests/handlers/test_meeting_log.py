"""Transcripts of the meeting log, the reminder's buttons and /digest."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.i18n import get_translator
from handlers.notices import render
from handlers.notices.context import Notice
from storage.db import Database
from storage.invites import create_invite
from storage.models import FeedbackItem, Meeting, MeetingItem, Person, Status
from storage.outbox_payloads import QuarterKickoff
from tests import factories as f
from tests.handlers.chat import Chat

NOW = dt.datetime(2026, 5, 20, 3, 0, tzinfo=dt.UTC)


@pytest.fixture
async def leader(db: Database, demo_session: AsyncSession) -> Chat:
    """Give a chat with a leader of Xã An Lạc Thôn, with two open items in the commune."""
    commune = await f.unit(demo_session, "Xã An Lạc Thôn")
    director = await f.director_of(demo_session, "HTX Trinh Phú")
    await f.item(demo_session, director, now=NOW - dt.timedelta(days=10))
    await f.item(
        demo_session,
        director,
        text="Cần hỗ trợ đăng ký nhãn hiệu gạo.",
        category="ocop",
        now=NOW - dt.timedelta(days=5),
    )
    code = (
        await create_invite(demo_session, role="commune_leader", unit_id=commune.id, now=NOW)
    ).code
    await demo_session.commit()
    chat = Chat(db, user="3001", now=NOW)
    await chat.join(code)
    return chat


async def meetings(session: AsyncSession) -> int:
    """Count logged meetings."""
    return int(await session.scalar(select(func.count()).select_from(Meeting)) or 0)


async def test_a_leader_logs_the_meeting_with_outcomes(
    leader: Chat, demo_session: AsyncSession
) -> None:
    """Date → cooperatives → notes → one outcome per item → save fulfils the quarter."""
    assert "ngày/tháng/năm" in await leader.say("/meeting")
    await leader.press_label("Hôm nay")
    await leader.press_label("HTX Trinh Phú")
    assert any(label.startswith("☑ HTX Trinh Phú") for label, _ in leader.buttons())
    await leader.press("mt:cdone")
    await leader.say("Họp tại hội trường UBND xã, có đại diện ngân hàng.")
    assert "PA-2026-000001" in Chat.text(leader.last)
    await leader.press_label("Giải quyết tại xã")
    await leader.say("Ngân hàng chính sách xã hội sẽ cho vay trong tháng 6.")
    await leader.press_label("Chuyển lên tỉnh")
    await leader.press("mt:nodec")
    confirmation = Chat.text(leader.last)
    assert "Kết quả đã ghi nhận: 2" in confirmation
    assert "Ngân hàng chính sách xã hội sẽ cho vay trong tháng 6." in confirmation
    saved = await leader.press("mt:save")
    assert "Quý II/2026" in saved
    assert await meetings(demo_session) == 1
    demo_session.expire_all()
    statuses = {
        i.reference: i.status for i in (await demo_session.execute(select(FeedbackItem))).scalars()
    }
    assert statuses == {"PA-2026-000001": Status.RESOLVED, "PA-2026-000002": Status.REFERRED}
    decisions = (await demo_session.execute(select(MeetingItem.decision))).scalars().all()
    decided = "Ngân hàng chính sách xã hội sẽ cho vay trong tháng 6."
    assert sorted(decisions, key=lambda decision: decision or "") == [None, decided]


@pytest.mark.parametrize(
    ("typed", "answer"),
    [
        ("32/13/2026", "ngày/tháng/năm"),
        ("hôm qua", "ngày/tháng/năm"),
        ("21/05/2026", "tương lai"),
        ("01/12/2025", "quý liền trước"),
    ],
)
async def test_bad_dates_are_explained_and_the_step_stays(
    leader: Chat, demo_session: AsyncSession, typed: str, answer: str
) -> None:
    """Unreadable, future and too old dates get a clear answer; nothing is stored."""
    await leader.say("/meeting")
    assert answer in await leader.say(typed)
    assert await meetings(demo_session) == 0


async def test_a_second_meeting_in_the_quarter_is_noted(
    leader: Chat, demo_session: AsyncSession
) -> None:
    """When the quarter is already logged the leader is told, and may log another."""
    for _ in range(2):
        await leader.say("/meeting")
        await leader.say("19/05/2026")
        await leader.press_label("HTX Lộc Mãi")
        await leader.press("mt:cdone")
        await leader.press("mt:skipnotes")
        for _item in range(2):
            await leader.press_label("Không thảo luận")
        await leader.press("mt:save")
    assert "thêm một cuộc họp" in Chat.text(leader.last)
    assert "đã có" in await leader.say("/meeting")
    assert await meetings(demo_session) == 2


@pytest.mark.parametrize(
    "payload",
    [
        "mt:start:999",
        "mt:items:999",
        "mt:snooze:999:2026Q2",
        "mt:c:1",
        "mt:save",
        "mt:o:1:resolved",
    ],
)
async def test_forged_meeting_payloads_are_refused(
    leader: Chat, demo_session: AsyncSession, payload: str
) -> None:
    """Another commune's id, or a step's button out of step, changes nothing."""
    text = await leader.press(payload)
    assert "không" in text.lower()
    assert await meetings(demo_session) == 0


async def test_the_reminder_shows_the_agenda_and_its_buttons_work(
    leader: Chat, demo_session: AsyncSession
) -> None:
    """The kick-off lists the commune's cooperatives and open items; snooze works twice."""
    commune = await f.unit(demo_session, "Xã An Lạc Thôn")
    payload = QuarterKickoff(quarter="2026Q2", commune_id=commune.id or 0)
    [reply] = await render(Notice(demo_session, get_translator("vi"), NOW), payload)
    assert "Quý II/2026" in reply.text
    assert "HTX Trinh Phú: PA-2026-000001, PA-2026-000002" in reply.text
    payloads = [b.payload for row in reply.buttons for b in row]
    assert payloads == [
        f"mt:start:{commune.id}",
        f"mt:items:{commune.id}",
        f"mt:snooze:{commune.id}:2026Q2",
    ]
    assert "PA-2026-000002" in await leader.press(f"mt:items:{commune.id}")
    assert "27/05/2026" in await leader.press(payloads[2])
    await leader.press(payloads[2])
    assert "hai lần" in await leader.press(payloads[2])


async def test_digest_can_be_turned_off_and_on(leader: Chat, demo_session: AsyncSession) -> None:
    """/digest off stores the choice; /digest bật (the hint's word) restores it; other words
    get a hint."""
    await leader.say("/digest off")
    person = (await demo_session.execute(select(Person))).scalars().all()[-1]
    await demo_session.refresh(person)
    assert person.digest_enabled is False
    assert "/digest bật" in await leader.say("/digest maybe")
    await leader.say("/digest bật")
    await demo_session.refresh(person)
    assert person.digest_enabled is True
