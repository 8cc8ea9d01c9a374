"""Transcripts of /summary, /inbox (every card action) and /targets, with forged payloads."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.db import Database
from storage.invites import create_invite
from storage.models import EventKind, FeedbackEvent, FeedbackItem, OutboxMessage, Status
from tests import factories as f
from tests.handlers.chat import Chat

NOW = dt.datetime(2026, 6, 10, 3, 0, tzinfo=dt.UTC)


async def join(db: Database, session: AsyncSession, user: str, role: str, unit: str) -> Chat:
    """Admit a person with ``role`` on ``unit`` through an invite and return their chat."""
    code = (
        await create_invite(session, role=role, unit_id=(await f.unit(session, unit)).id, now=NOW)
    ).code
    await session.commit()
    chat = Chat(db, user=user, now=NOW)
    await chat.join(code)
    return chat


@pytest.fixture
async def items(demo_session: AsyncSession) -> list[FeedbackItem]:
    """Give three items: two in Xã An Lạc Thôn (one overdue), one in Xã Đại Hải."""
    trinh_phu = await f.director_of(demo_session, "HTX Trinh Phú")
    dai_doan_ket = await f.director_of(demo_session, "HTX Đại Đoàn Kết")
    made = [
        await f.item(demo_session, trinh_phu, now=NOW - dt.timedelta(days=30)),
        await f.item(demo_session, trinh_phu, category="land", now=NOW - dt.timedelta(days=2)),
        await f.item(
            demo_session, dai_doan_ket, category="market", now=NOW - dt.timedelta(days=3)
        ),
    ]
    await demo_session.commit()
    return made


async def test_summary_in_chat_shows_counts_and_drill_buttons(
    db: Database, demo_session: AsyncSession, items: list[FeedbackItem]
) -> None:
    """/summary for the province shows totals, overdue and compliance; a commune narrows it."""
    official = await join(db, demo_session, "801", "official", "Thành phố Cần Thơ")
    text = await official.say("/summary")
    assert "Quý II/2026" in text
    assert "Phản ánh: 3" in text
    assert "Quá hạn: 1" in text
    assert "0/6" in text or "0 trên 6" in text
    payloads = [p for _, p in official.buttons()]
    assert "ch:2026Q2:0" in payloads
    assert "ex:2026Q2:0" in payloads
    narrowed = await official.say("/summary q2 trinh phu")
    assert "Xã An Lạc Thôn" in narrowed
    assert "Phản ánh: 2" in narrowed
    category = next(p for p in payloads if p.startswith("sm:c:"))
    assert "PA-2026-" in await official.press(category)
    assert "Không có quý 9" in await official.say("/summary 2026Q9")


async def test_summary_refuses_units_outside_ones_area(
    db: Database, demo_session: AsyncSession, items: list[FeedbackItem]
) -> None:
    """A commune leader asking for another commune, or forging its id, is refused."""
    leader = await join(db, demo_session, "802", "commune_leader", "Xã Đại Hải")
    assert "ngoài địa bàn" in await leader.say("/summary Xã Kế Sách")
    other = await f.unit(demo_session, "Xã An Lạc Thôn")
    assert "ngoài địa bàn" in await leader.press(f"sm:u:{other.id}:2026Q2")
    own = await leader.say("/summary")
    assert "Phản ánh: 1" in own


async def test_the_inbox_card_offers_and_applies_every_action(
    db: Database, demo_session: AsyncSession, items: list[FeedbackItem]
) -> None:
    """Acknowledge, assign an office, note, answer: each an event, the director told."""
    leader = await join(db, demo_session, "803", "commune_leader", "Xã An Lạc Thôn")
    await leader.say("/inbox")
    assert any(label.startswith("⏰ Quá hạn (1)") for label, _ in leader.buttons())
    first_id = items[0].id
    await leader.press(f"ib:i:{first_id}")
    labels = [label for label, _ in leader.buttons()]
    assert any("Tiếp nhận" in label for label in labels)
    await leader.press(f"ib:a:{first_id}")
    await leader.press(f"ib:o:{first_id}")
    office = next(p for _, p in leader.buttons() if p.startswith(f"ib:oo:{first_id}:"))
    await leader.press(office)
    await leader.press(f"ib:n:{first_id}")
    await leader.say("Gọi điện cho ngân hàng chiều nay.")
    await leader.press(f"ib:r:{first_id}")
    assert "Đã trả lời" in await leader.say("Ngân hàng đã đồng ý cho vay 200 triệu.")
    demo_session.expire_all()
    item = await demo_session.get(FeedbackItem, first_id)
    assert item.status == Status.RESOLVED
    assert item.assignee_office_id is not None
    events = (
        (
            await demo_session.execute(
                select(FeedbackEvent)
                .where(FeedbackEvent.item_id == first_id)
                .order_by(FeedbackEvent.id)
            )
        )
        .scalars()
        .all()
    )
    assert [e.kind for e in events] == [
        EventKind.CREATED,
        EventKind.STATUS,
        EventKind.ASSIGNED,
        EventKind.NOTE,
        EventKind.STATUS,
    ]
    assert events[3].internal is True


async def test_decline_and_refer_reach_the_director(
    db: Database, demo_session: AsyncSession, items: list[FeedbackItem]
) -> None:
    """A decline needs a reason; a referral goes to the province; the director is told."""
    from storage.models import ChannelIdentity

    director = await f.director_of(demo_session, "HTX Trinh Phú")
    demo_session.add(
        ChannelIdentity(channel="telegram", external_id="555", person_id=director.person_id)
    )
    official = await join(db, demo_session, "804", "official", "Thành phố Cần Thơ")
    declined, referred = items[1].id, items[2].id
    await official.press(f"ib:d:{declined}")
    await official.say("Nội dung thuộc thẩm quyền của xã.")
    await official.press(f"ib:f:{referred}")
    province = next(p for _, p in official.buttons() if p.startswith(f"ib:ff:{referred}:"))
    assert "Đã chuyển" in await official.press(province)
    demo_session.expire_all()
    assert (await demo_session.get(FeedbackItem, declined)).status == Status.DECLINED
    assert (await demo_session.get(FeedbackItem, referred)).status == Status.REFERRED
    planned = (await demo_session.execute(select(OutboxMessage))).scalars().all()
    assert any(m.recipient == "555" for m in planned)


@pytest.mark.parametrize(
    "payload",
    [
        "ib:a:{other}",
        "ib:i:{other}",
        "ib:oo:{other}:1",
        "ib:ff:{other}:1",
        "ib:x:{own}",
        "ib:a:abc",
        "ib:r:{other}",
    ],
)
async def test_forged_inbox_payloads_are_refused(
    db: Database, demo_session: AsyncSession, items: list[FeedbackItem], payload: str
) -> None:
    """Ids of another commune's items, unknown verbs and garbage change nothing."""
    leader = await join(db, demo_session, "805", "commune_leader", "Xã Đại Hải")
    other_id = items[0].id
    text = await leader.press(payload.format(other=other_id, own=items[2].id))
    assert "không" in text.lower()
    demo_session.expire_all()
    assert (await demo_session.get(FeedbackItem, other_id)).status == Status.NEW


async def test_directors_have_no_inbox(db: Database, demo_session: AsyncSession) -> None:
    """A director's /inbox is an unknown command, not someone else's items."""
    coop = await f.cooperative(demo_session, "HTX Trinh Phú")
    code = (
        await create_invite(demo_session, role="director", cooperative_id=coop.id, now=NOW)
    ).code
    await demo_session.commit()
    chat = Chat(db, user="806", now=NOW)
    await chat.join(code)
    assert "/inbox" in await chat.say("/inbox")
    assert "/summary" in await chat.say("/summary")


async def test_targets_show_progress_bars(db: Database, demo_session: AsyncSession) -> None:
    """/targets lists the Kế Sách plan's six targets with bars and figures."""
    official = await join(db, demo_session, "807", "official", "Thành phố Cần Thơ")
    text = await official.say("/targets")
    assert "2021–2025" in text
    assert text.count("░") >= 6
    assert "Hợp tác xã mới thành lập" in text or "thành lập" in text


async def test_targets_are_measured_on_todays_communes_of_an_old_district(
    demo_session: AsyncSession,
) -> None:
    """The 2021 district plan counts today's cooperatives: OCOP 2, high-tech 1, rated 4 of 5.

    The rated share divides by the effective HTX (5), as the plan's "half of those" says.
    """
    from storage.targets import targets_progress

    can_tho = await f.unit(demo_session, "Thành phố Cần Thơ")
    today = NOW.date()
    progress = {
        t.metric: t.actual for t in await targets_progress(demo_session, [can_tho.id], today=today)
    }
    assert progress["ocop_htx"] == 2
    assert progress["high_tech_htx"] == 1
    assert progress["good_rating_share"] == pytest.approx(4 / 5)
    assert progress["effective_share"] == pytest.approx(5 / 11)
    assert progress["new_htx"] == 0
    dai_hai = await f.unit(demo_session, "Xã Đại Hải")
    local = {
        t.metric: t.actual for t in await targets_progress(demo_session, [dai_hai.id], today=today)
    }
    assert local["ocop_htx"] == 0
    assert local["effective_share"] == 0
