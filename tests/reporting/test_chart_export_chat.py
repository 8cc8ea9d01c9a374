"""Transcripts of /chart and /export: images and a workbook, and every scope leak refused."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from openpyxl import load_workbook
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.router import Router
from handlers.turn import HandlerConfig
from handlers.types import Reply
from storage.db import Database
from storage.meetings import MeetingRecord, log_meeting
from storage.models import Office, Status
from tests import factories as f
from tests.handlers.chat import Chat
from tests.reporting.chats import NOW, join, other_province

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
async def data(demo_session: AsyncSession) -> None:
    """Give three Q2 items (two in Xã An Lạc Thôn, one in Xã Đại Hải), one Q1 item, a meeting."""
    trinh_phu = await f.director_of(demo_session, "HTX Trinh Phú")
    dai_doan_ket = await f.director_of(demo_session, "HTX Đại Đoàn Kết")
    thanh_cong = await f.director_of(demo_session, "HTX Thành Công")
    await f.item(demo_session, trinh_phu, now=NOW - dt.timedelta(days=30))
    await f.item(demo_session, trinh_phu, category="land", now=NOW - dt.timedelta(days=2))
    await f.item(demo_session, dai_doan_ket, category="market", now=NOW - dt.timedelta(days=3))
    await f.item(demo_session, thanh_cong, category="ocop", now=NOW - dt.timedelta(days=80))
    commune = await f.unit(demo_session, "Xã An Lạc Thôn")
    leader = await f.actor(demo_session, "commune_leader", unit_id=commune.id)
    coop = await f.cooperative(demo_session, "HTX Trinh Phú")
    record = MeetingRecord(commune.id or 0, dt.date(2026, 5, 5), (coop.id or 0,), "Họp quý II")
    await log_meeting(demo_session, leader, record, now=NOW)
    await demo_session.commit()


def images(replies: list[Reply]) -> list[bytes]:
    """Return the PNG images among the replies."""
    return [r.image.data for r in replies if r.image is not None]


def workbook(replies: list[Reply]):
    """Open the one XLSX document among the replies."""
    [document] = [r.document for r in replies if r.document is not None]
    assert document.name.endswith(".xlsx")
    return load_workbook(io.BytesIO(document.data))


async def test_an_official_gets_three_charts_with_vietnamese_captions(
    db: Database, demo_session: AsyncSession, data: None
) -> None:
    """/chart sends the commune, category and meeting charts, and offers the workbook."""
    official = await join(db, demo_session, "601", "official", unit="Thành phố Cần Thơ")
    await official.say("/chart")
    replies = official.last
    pictures = images(replies)
    assert len(pictures) == 3
    assert all(p.startswith(PNG) and len(p) > 5_000 for p in pictures)
    text = Chat.text(replies)
    assert "3 phản ánh trong Quý II/2026, Thành phố Cần Thơ." in text
    assert "Quý II/2026: 1/6 xã đã họp" in text
    assert "Quý I/2026: 0/6 xã đã họp" in text
    assert "Vốn, tín dụng" in text
    assert ("📥 Excel", "ex:2026Q2:0") in official.buttons()


async def test_a_unit_of_another_era_narrows_the_charts(
    db: Database, demo_session: AsyncSession, data: None
) -> None:
    """/chart q2 trinh phu is about today's Xã An Lạc Thôn, and its buttons say so."""
    official = await join(db, demo_session, "602", "official", unit="Thành phố Cần Thơ")
    text = await official.say("/chart q2 trinh phu")
    assert "2 phản ánh trong Quý II/2026, Xã An Lạc Thôn." in text
    assert "Quý II/2026: 1/1 xã đã họp" in text
    commune = await f.unit(demo_session, "Xã An Lạc Thôn")
    assert ("📥 Excel", f"ex:2026Q2:{commune.id}") in official.buttons()
    assert len(images(official.last)) == 3


async def test_a_period_without_items_says_so_instead_of_an_empty_chart(
    db: Database, demo_session: AsyncSession, data: None
) -> None:
    """An empty period gets a sentence for the item charts, and still the meetings chart."""
    official = await join(db, demo_session, "603", "official", unit="Thành phố Cần Thơ")
    text = await official.say("/chart 2024")
    assert "Không có phản ánh nào được gửi trong Năm 2024" in text
    assert len(images(official.last)) == 1


async def test_the_export_has_five_sheets_in_vietnamese(
    db: Database, demo_session: AsyncSession, data: None
) -> None:
    """/export sends one workbook: items, summary, meetings and targets, headers in Vietnamese."""
    official = await join(db, demo_session, "604", "official", unit="Thành phố Cần Thơ")
    text = await official.say("/export")
    assert "Tệp Excel Quý II/2026, Thành phố Cần Thơ: 3 phản ánh" in text
    book = workbook(official.last)
    assert book.sheetnames == ["Phản ánh", "Tổng hợp", "Họp quý", "Chỉ tiêu", "Đánh giá"]
    items = book["Phản ánh"]
    assert [c.value for c in items[1]][:4] == ["Mã số", "Ngày gửi", "HTX/THT", "Loại"]
    assert items.max_row == 4
    assert items.freeze_panes == "A2"
    references = {items.cell(row, 1).value for row in range(2, 5)}
    assert references == {"PA-2026-000001", "PA-2026-000002", "PA-2026-000003"}
    first = next(r for r in items.iter_rows(min_row=2, values_only=True) if r[0].endswith("01"))
    assert first[1].date() == dt.date(2026, 4, 20)  # openpyxl reads dates as datetimes
    assert first[2] == "HTX Trinh Phú"
    assert first[4] == "Vốn, tín dụng"
    assert first[5] == "Xã An Lạc Thôn"
    summary = book["Tổng hợp"]
    last = [c.value for c in summary[summary.max_row]]
    assert last[0] == "Tổng cộng"
    assert last[-1] == 3
    meetings = list(book["Họp quý"].iter_rows(min_row=2, values_only=True))
    assert len(meetings) == 6
    held = [row for row in meetings if row[2] == "Có"]
    assert [(*row[:3], row[3].date(), *row[4:]) for row in held] == [
        ("Quý II/2026", "Xã An Lạc Thôn", "Có", dt.date(2026, 5, 5), 1, "Họp quý II")
    ]
    targets = list(book["Chỉ tiêu"].iter_rows(min_row=2, values_only=True))
    assert len(targets) == 6
    assert any(row[1] == "Số HTX thành lập mới" for row in targets)


async def test_the_export_speaks_english_to_an_english_reader(
    db: Database, demo_session: AsyncSession, data: None
) -> None:
    """A person whose language is English gets English sheet names and category names."""
    official = await join(
        db, demo_session, "605", "official", unit="Thành phố Cần Thơ", locale="en"
    )
    await official.say("/export 2026Q2 an lac thon")
    book = workbook(official.last)
    assert book.sheetnames == ["Items", "Summary", "Quarterly meetings", "Targets", "Ratings"]
    rows = list(book["Items"].iter_rows(min_row=2, values_only=True))
    assert {row[4] for row in rows} == {"Capital and credit", "Land and premises"}


@pytest.mark.parametrize(
    ("user", "role", "unit", "typed"),
    [
        ("611", "commune_leader", "Xã Đại Hải", "/chart Xã An Lạc Thôn"),
        ("612", "commune_leader", "Xã Đại Hải", "/export q2 trinh phu"),
        ("613", "commune_leader", "Xã Đại Hải", "/chart Cần Thơ"),
        ("614", "official", "Tỉnh Vĩnh Long", "/chart Kế Sách"),
        ("615", "official", "Tỉnh Vĩnh Long", "/export Thành phố Cần Thơ"),
    ],
)
async def test_units_outside_ones_area_are_refused(
    db: Database,
    demo_session: AsyncSession,
    data: None,
    user: str,
    role: str,
    unit: str,
    typed: str,
) -> None:
    """A commune leader asking for another commune, or an official for another province."""
    await other_province(demo_session)
    person = await join(db, demo_session, user, role, unit=unit)
    assert "ngoài địa bàn Ông/Bà phụ trách" in await person.say(typed)
    assert images(person.last) == []
    assert all(r.document is None for r in person.last)


async def test_forged_payloads_are_refused(
    db: Database, demo_session: AsyncSession, data: None
) -> None:
    """Another commune's id, a bad period or garbage in ch:/ex: payloads sends nothing."""
    leader = await join(db, demo_session, "621", "commune_leader", unit="Xã Đại Hải")
    other = await f.unit(demo_session, "Xã An Lạc Thôn")
    own = await f.unit(demo_session, "Xã Đại Hải")
    assert "ngoài địa bàn" in await leader.press(f"ex:2026Q2:{other.id}")
    assert "ngoài địa bàn" in await leader.press(f"ch:2026Q2:{other.id}")
    assert "ngoài địa bàn" in await leader.press("ex:2026Q2:999999")
    for forged in ("ex:2026Q9:0", "ex:q2:0", "ch:2026Q2:x", "ex:", "ch:2026Q2"):
        assert "không còn hiệu lực" in await leader.press(forged)
        assert all(r.document is None and r.image is None for r in leader.last)
    await leader.press(f"ex:2026Q2:{own.id}")
    rows = list(workbook(leader.last)["Phản ánh"].iter_rows(min_row=2, values_only=True))
    assert [row[5] for row in rows] == ["Xã Đại Hải"]


async def test_a_commune_leader_sees_only_their_commune(
    db: Database, demo_session: AsyncSession, data: None
) -> None:
    """Without a unit, a commune leader's charts and export cover their commune alone."""
    leader = await join(db, demo_session, "622", "commune_leader", unit="Xã An Lạc Thôn")
    text = await leader.say("/chart")
    assert "2 phản ánh trong Quý II/2026, Xã An Lạc Thôn." in text
    await leader.say("/export")
    rows = list(workbook(leader.last)["Phản ánh"].iter_rows(min_row=2, values_only=True))
    assert {row[5] for row in rows} == {"Xã An Lạc Thôn"}


async def test_directors_are_told_charts_are_not_for_them(
    db: Database, demo_session: AsyncSession, data: None
) -> None:
    """A director gets a translated refusal for /chart, /export and their buttons."""
    director = await join(db, demo_session, "631", "director", cooperative="HTX Trinh Phú")
    for typed in ("/chart", "/export"):
        assert "chỉ dành cho cán bộ và lãnh đạo xã" in await director.say(typed)
    assert "chỉ dành cho cán bộ" in await director.press("ex:2026Q2:0")


async def test_bad_arguments_get_an_example(
    db: Database, demo_session: AsyncSession, data: None
) -> None:
    """An unknown unit or a quarter that does not exist is answered with the right form."""
    official = await join(db, demo_session, "632", "official", unit="Thành phố Cần Thơ")
    for typed in ("/chart Xã Không Có", "/export 2026Q9"):
        text = await official.say(typed)
        assert "Ông/Bà vui lòng ghi theo mẫu: /" in text
        assert "quý 4/2026 An Lạc Thôn" in text


async def test_without_renderers_the_bot_says_charts_are_unavailable(
    db: Database, demo_session: AsyncSession, data: None
) -> None:
    """A router built without renderers answers /chart and /export with a notice."""
    official = await join(db, demo_session, "633", "official", unit="Thành phố Cần Thơ")
    official.router = Router(db, HandlerConfig(), clock=lambda: official.now)
    for typed in ("/chart", "/export"):
        assert "chưa được hỗ trợ trong cấu hình này" in await official.say(typed)


async def test_ratings_are_charted_per_commune_and_per_office(
    db: Database, demo_session: AsyncSession
) -> None:
    """Rated answers give a chart per commune, and one per office when offices handled some."""
    trinh_phu = await f.director_of(demo_session, "HTX Trinh Phú")
    office = Office(key="so-tai-chinh", name="Sở Tài chính")
    demo_session.add(office)
    await demo_session.flush()
    rated = [
        await f.item(demo_session, trinh_phu, status=Status.CLOSED, now=NOW - dt.timedelta(days=3))
        for _ in range(3)
    ]
    for item, satisfaction in zip(rated, (5, 4, 1), strict=True):
        item.satisfaction = satisfaction
    rated[0].assignee_office_id = office.id
    await demo_session.commit()
    official = await join(db, demo_session, "621", "official", unit="Thành phố Cần Thơ")

    await official.say("/chart")

    captions = [reply.text for reply in official.last if reply.image is not None]
    assert len(captions) == 5  # communes, topics, meetings, ratings by commune, by office
    assert any(c.startswith("3 nội dung trả lời được đánh giá") for c in captions)
    assert any(c.startswith("1 nội dung trả lời của các cơ quan xử lý") for c in captions)


async def test_without_office_ratings_there_is_no_office_chart(
    db: Database, demo_session: AsyncSession, data: None
) -> None:
    """No item handled by an office was rated: the office chart is left out, not empty."""
    official = await join(db, demo_session, "622", "official", unit="Thành phố Cần Thơ")
    await official.say("/chart")
    assert official.last
    assert all("cơ quan xử lý" not in reply.text for reply in official.last)
