"""Questions both ways: ask the cooperative, its reply (words, photos), the clock, the rating."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.attachments import attachments_of
from storage.db import Database
from storage.errors import InvalidTransition, PermissionDenied
from storage.feedback import add_note, change_status
from storage.invites import create_invite
from storage.models import EventKind, FeedbackEvent, FeedbackItem, Status
from storage.questions import ask_cooperative, rate_answer
from tests import factories as f
from tests.handlers.chat import Chat

NOW = dt.datetime(2026, 6, 10, 3, 0, tzinfo=dt.UTC)


async def test_a_question_stops_the_clock_and_the_reply_restarts_it(
    demo_session: AsyncSession,
) -> None:
    """Waiting from Wednesday to Sunday holds two working days (Thursday and Friday): the due
    date moves two working days later, from Thursday 25/06 to Monday 29/06."""
    director = await f.director_of(demo_session, "HTX Trinh Phú")
    commune = await f.unit(demo_session, "Xã An Lạc Thôn")
    leader = await f.actor(demo_session, "commune_leader", unit_id=commune.id)
    item = await f.item(demo_session, director, now=NOW)
    due = item.due_at
    await ask_cooperative(demo_session, leader, item.id or 0, "Vay bao nhiêu?", now=NOW)
    assert item.status == Status.WAITING
    assert item.waiting_since == NOW
    reply = await add_note(
        demo_session,
        director,
        item.id or 0,
        "Năm trăm triệu đồng.",
        internal=False,
        now=NOW + dt.timedelta(days=4),
    )
    assert reply.kind == EventKind.REPLY
    assert item.status == Status.IN_PROGRESS
    assert item.waiting_since is None
    assert item.due_at == due + dt.timedelta(days=4)  # Thursday + 2 working days = Monday
    assert item.due_at == dt.datetime(2026, 6, 29, 3, 0, tzinfo=dt.UTC)


async def test_only_handlers_in_scope_ask_and_only_open_items_can_be_asked_about(
    demo_session: AsyncSession,
) -> None:
    """Another commune's leader and the director are refused; an answered item cannot wait."""
    director = await f.director_of(demo_session, "HTX Trinh Phú")
    other = await f.actor(
        demo_session, "commune_leader", unit_id=(await f.unit(demo_session, "Xã Đại Hải")).id
    )
    item = await f.item(demo_session, director)
    for outsider in (other, director):
        with pytest.raises(PermissionDenied):
            await ask_cooperative(demo_session, outsider, item.id or 0, "Hỏi?", now=NOW)
    item.status = Status.RESOLVED
    admin = await f.actor(demo_session, "admin")
    with pytest.raises(InvalidTransition):
        await ask_cooperative(demo_session, admin, item.id or 0, "Hỏi?", now=NOW)


async def test_a_rating_needs_an_answer_and_the_director(demo_session: AsyncSession) -> None:
    """Only the cooperative's director rates, only an answered item, from 1 to 5."""
    director = await f.director_of(demo_session, "HTX Trinh Phú")
    admin = await f.actor(demo_session, "admin")
    item = await f.item(demo_session, director)
    with pytest.raises(InvalidTransition):
        await rate_answer(demo_session, director, item.id or 0, 5, now=NOW)
    await change_status(demo_session, admin, item.id or 0, Status.RESOLVED, text="Xong.", now=NOW)
    with pytest.raises(PermissionDenied):
        await rate_answer(demo_session, admin, item.id or 0, 5, now=NOW)
    await rate_answer(demo_session, director, item.id or 0, 4, now=NOW)
    assert item.satisfaction == 4


async def chats(db: Database, session: AsyncSession, channel: str) -> tuple[Chat, Chat]:
    """Admit a director of HTX Trinh Phú and the leader of Xã An Lạc Thôn on ``channel``."""
    cooperative = await f.cooperative(session, "HTX Trinh Phú")
    commune = await f.unit(session, "Xã An Lạc Thôn")
    codes = [
        (
            await create_invite(session, role="director", cooperative_id=cooperative.id, now=NOW)
        ).code,
        (await create_invite(session, role="commune_leader", unit_id=commune.id, now=NOW)).code,
    ]
    await session.commit()
    director = Chat(db, user="951", now=NOW, channel=channel)
    leader = Chat(db, user="952", now=NOW, channel=channel)
    for chat, code in zip((director, leader), codes, strict=True):
        await chat.join(code)
    return director, leader


@pytest.mark.parametrize("channel", ["telegram", "zalo", "web", "console"])
async def test_a_question_and_its_reply_with_a_photo_transcript(
    db: Database, demo_session: AsyncSession, channel: str
) -> None:
    """Leader asks → item waits → director replies with text and a photo → leader is alerted,
    the card shows the photo; the answer is then rated with one tap."""
    director, leader = await chats(db, demo_session, channel)
    item = await f.item(demo_session, await f.director_of(demo_session, "HTX Trinh Phú"), now=NOW)
    await demo_session.commit()
    item_id, reference = item.id or 0, item.reference
    await leader.say(reference)
    await leader.press_label("Hỏi thêm hợp tác xã")
    assert "Đã gửi câu hỏi" in await leader.say("Xin gửi ảnh máy sấy bị hỏng.")
    demo_session.expire_all()
    assert (await demo_session.get(FeedbackItem, item_id)).status == Status.WAITING
    await director.press(f"my:q:{item_id}")
    await director.say("Máy sấy hỏng động cơ từ tháng 5.")
    await director.photo(f"{channel}-photo-1")
    await director.press("my:d")
    demo_session.expire_all()
    refreshed = await demo_session.get(FeedbackItem, item_id)
    assert refreshed.status == Status.IN_PROGRESS
    files = await attachments_of(demo_session, item_id)
    assert [a.file_ref for a in files] == [f"{channel}-photo-1"]
    card = await leader.say(reference)
    assert any(r.attachment is not None for r in leader.last)
    assert "trả lời của hợp tác xã" in card
    await leader.press_label("Trả lời")
    await leader.say("Ngân hàng sẽ hỗ trợ vay sửa máy.")
    await director.press(f"my:s:{item_id}:5")
    demo_session.expire_all()
    assert (await demo_session.get(FeedbackItem, item_id)).satisfaction == 5
    kinds = [
        e.kind
        for e in (
            await demo_session.execute(
                select(FeedbackEvent)
                .where(FeedbackEvent.item_id == item_id)
                .order_by(FeedbackEvent.id)
            )
        ).scalars()
    ]
    # A satisfied rating of the answer also confirms it (the item is closed).
    assert kinds == ["created", "question", "reply", "info_added", "status", "rated", "status"]
