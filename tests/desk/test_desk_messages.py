"""What the desk says: stale buttons, receipts, welcomes, agendas, notices with nothing to say,
and ratings in the summary, the workbook and the charts."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.i18n import get_translator
from handlers.notices import render
from handlers.notices.context import Notice
from handlers.workbook_sheets import build_workbook
from storage.db import Database
from storage.feedback import change_status
from storage.invites import create_invite
from storage.models import Status
from storage.outbox_payloads import OverdueItems, QuarterKickoff
from storage.periods import parse_period
from storage.questions import rate_answer
from storage.reporting.scope import ReportScope
from storage.reporting.summary import summarize
from tests import factories as f
from tests.handlers.chat import Chat

NOW = dt.datetime(2026, 6, 10, 3, 0, tzinfo=dt.UTC)


async def admitted(db: Database, session: AsyncSession, user: str, **invite: object) -> Chat:
    """Admit someone through an invite and return their chat (the welcome is its last reply)."""
    code = (await create_invite(session, now=NOW, **invite)).code  # type: ignore[arg-type]
    await session.commit()
    chat = Chat(db, user=user, now=NOW)
    await chat.join(code)
    return chat


async def test_a_stale_acknowledge_is_answered_with_the_status_not_obeyed(
    db: Database, demo_session: AsyncSession
) -> None:
    """An old "✅ Tiếp nhận" on an answered item says where it stands and changes nothing."""
    commune = await f.unit(demo_session, "Xã An Lạc Thôn")
    leader = await admitted(db, demo_session, "971", role="commune_leader", unit_id=commune.id)
    item = await f.item(demo_session, await f.director_of(demo_session, "HTX Trinh Phú"))
    item_id = item.id or 0
    admin = await f.actor(demo_session, "admin")
    await change_status(demo_session, admin, item_id, Status.RESOLVED, text="Xong.", now=NOW)
    await demo_session.commit()
    answer = await leader.press(f"ib:a:{item_id}")
    assert "đã giải quyết" in answer
    assert "không còn áp dụng" in answer
    assert "resolved" not in answer


async def test_the_welcome_names_what_the_person_now_speaks_for(
    db: Database, demo_session: AsyncSession
) -> None:
    """A director hears their cooperative's name; a leader their commune's."""
    coop = await f.cooperative(demo_session, "HTX Trinh Phú")
    director = await admitted(db, demo_session, "972", role="director", cooperative_id=coop.id)
    assert "đại diện cho HTX Trinh Phú" in Chat.text(director.last)
    commune = await f.unit(demo_session, "Xã Đại Hải")
    leader = await admitted(db, demo_session, "973", role="commune_leader", unit_id=commune.id)
    assert "đại diện cho Xã Đại Hải" in Chat.text(leader.last)


async def test_the_receipt_says_who_handles_the_report_and_by_when(
    db: Database, demo_session: AsyncSession
) -> None:
    """The director learns the commune that handles it and the expected date."""
    coop = await f.cooperative(demo_session, "HTX Trinh Phú")
    director = await admitted(db, demo_session, "974", role="director", cooperative_id=coop.id)
    await director.say("/report")
    await director.press("rp:kind:difficulty")
    await director.press("rp:cat:credit")
    await director.say("Thiếu vốn để mua máy sấy lúa cho vụ Đông Xuân năm nay.")
    await director.press("rp:done")
    receipt = await director.press("rp:send")
    assert "Ủy ban nhân dân Xã An Lạc Thôn" in receipt
    assert "25/06/2026" in receipt  # 11 working days after Wednesday 10/06


async def test_the_agenda_lists_each_item_with_its_words_and_a_button(
    db: Database, demo_session: AsyncSession
) -> None:
    """ "📋 Xem phản ánh" shows what each open item says, each with a button to its card."""
    commune = await f.unit(demo_session, "Xã An Lạc Thôn")
    leader = await admitted(db, demo_session, "975", role="commune_leader", unit_id=commune.id)
    item = await f.item(demo_session, await f.director_of(demo_session, "HTX Trinh Phú"))
    reference, item_id = item.reference, item.id
    await demo_session.commit()
    agenda = await leader.press(f"mt:items:{commune.id}")
    assert "Thiếu vốn để mua máy sấy lúa" in agenda
    assert (f"1 · {reference}", f"ib:i:{item_id}") in leader.buttons()
    card = await leader.press(f"ib:i:{item_id}")
    assert reference in card


async def test_an_overdue_notice_counts_at_sending_time_and_says_nothing_when_none(
    demo_session: AsyncSession,
) -> None:
    """Planned when one item was overdue, sent after it was answered: nothing is sent."""
    commune = await f.unit(demo_session, "Xã An Lạc Thôn")
    item = await f.item(
        demo_session,
        await f.director_of(demo_session, "HTX Trinh Phú"),
        now=NOW - dt.timedelta(days=30),
    )
    notice = Notice(demo_session, get_translator("vi"), NOW)
    payload = OverdueItems(unit_ids=[commune.id or 0], day=NOW.date())
    [reply] = await render(notice, payload)
    assert item.reference in reply.text
    assert any(b.payload == "ib:v:overdue:0" for row in reply.buttons for b in row)
    admin = await f.actor(demo_session, "admin")
    await change_status(demo_session, admin, item.id or 0, Status.RESOLVED, text="Xong.", now=NOW)
    assert await render(notice, payload) == []


async def test_the_kickoff_reminder_offers_to_see_the_items(demo_session: AsyncSession) -> None:
    """The quarterly reminder keeps its "see the items" button, to the agenda with words."""
    commune = await f.unit(demo_session, "Xã An Lạc Thôn")
    [reply] = await render(
        Notice(demo_session, get_translator("vi"), NOW),
        QuarterKickoff(quarter="2026Q2", commune_id=commune.id or 0),
    )
    assert ("📋 Xem phản ánh", f"mt:items:{commune.id}") in [
        (b.label, b.payload) for row in reply.buttons for b in row
    ]


async def test_ratings_reach_the_summary_and_the_workbook(
    demo_session: AsyncSession,
) -> None:
    """Two rated answers: their mean in /summary, per commune in the workbook's sheet."""
    director = await f.director_of(demo_session, "HTX Trinh Phú")
    admin = await f.actor(demo_session, "admin")
    for score in (5, 2):
        item = await f.item(demo_session, director, now=NOW)
        await change_status(demo_session, admin, item.id or 0, Status.RESOLVED, text="Xong.")
        await rate_answer(demo_session, director, item.id or 0, score, now=NOW)
    period = parse_period("2026Q2", NOW.date())
    summary = await summarize(demo_session, admin, period, now=NOW)
    assert (summary.ratings, summary.mean_rating) == (2, 3.5)
    spec = await build_workbook(
        demo_session,
        ReportScope(admin, period),
        get_translator("vi"),
        now=NOW,
        where="Cần Thơ",
    )
    sheet = next(s for s in spec.sheets if s.title == "Đánh giá")
    assert ("Xã (hiện nay)", "Xã An Lạc Thôn", 2, 3.5) in sheet.rows
