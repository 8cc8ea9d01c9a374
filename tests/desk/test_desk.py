"""The desk's lists, references typed anywhere, and /find, inside each person's scope."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.ext.asyncio import AsyncSession

from storage.db import Database
from storage.desk import DeskView, find_items, parse_reference, search_words, view_counts
from storage.feedback import change_status
from storage.invites import create_invite
from storage.models import FeedbackItem, Status
from storage.scope import Actor
from storage.text import fold
from tests import factories as f
from tests.handlers.chat import Chat

NOW = dt.datetime(2026, 6, 10, 3, 0, tzinfo=dt.UTC)
CHANNELS = ["telegram", "zalo", "web", "console"]


async def join(
    db: Database, session: AsyncSession, user: str, role: str, unit: str, channel: str
) -> Chat:
    """Admit someone with ``role`` on ``unit`` through an invite, on ``channel``."""
    scope = await f.unit(session, unit)
    code = (await create_invite(session, role=role, unit_id=scope.id, now=NOW)).code
    await session.commit()
    chat = Chat(db, user=user, now=NOW, channel=channel)
    await chat.join(code)
    return chat


@pytest.fixture
async def items(demo_session: AsyncSession) -> list[FeedbackItem]:
    """Four items of Xã An Lạc Thôn in four states, and one of Xã Đại Hải."""
    trinh_phu = await f.director_of(demo_session, "HTX Trinh Phú")
    dai_doan_ket = await f.director_of(demo_session, "HTX Đại Đoàn Kết")
    made = [
        await f.item(
            demo_session,
            trinh_phu,
            text="Máy sấy lúa hỏng, cần vốn sửa chữa gấp.",
            now=NOW - dt.timedelta(days=30),
        ),
        await f.item(
            demo_session,
            trinh_phu,
            text="Cần mặt bằng để xây kho chứa lúa.",
            category="land",
            status=Status.ACKNOWLEDGED,
            now=NOW - dt.timedelta(days=2),
        ),
        await f.item(
            demo_session,
            trinh_phu,
            text="Thương lái ép giá lúa, cần hợp đồng bao tiêu.",
            category="market",
            status=Status.REOPENED,
            now=NOW - dt.timedelta(days=1),
        ),
        await f.item(
            demo_session,
            trinh_phu,
            text="Xin hướng dẫn hồ sơ đánh giá sản phẩm OCOP.",
            category="ocop",
            status=Status.CLOSED,
            now=NOW - dt.timedelta(days=5),
        ),
        await f.item(
            demo_session,
            dai_doan_ket,
            text="Xin hỗ trợ máy sấy cho tổ hợp tác.",
            now=NOW - dt.timedelta(days=3),
        ),
    ]
    await demo_session.commit()
    return made


async def test_the_desk_counts_each_list_of_the_leaders_commune(
    demo_session: AsyncSession, items: list[FeedbackItem]
) -> None:
    """New and reopened, in progress, overdue and all open count only the commune's items."""
    commune = await f.unit(demo_session, "Xã An Lạc Thôn")
    leader = await f.actor(demo_session, "commune_leader", unit_id=commune.id)
    counts = await view_counts(demo_session, leader, NOW)
    assert counts == {
        DeskView.NEW: 2,
        DeskView.ACTIVE: 1,
        DeskView.MINE: 0,
        DeskView.OVERDUE: 1,
        DeskView.OPEN: 3,
    }


async def test_a_referral_puts_the_item_in_the_province_s_own_list(
    demo_session: AsyncSession, items: list[FeedbackItem]
) -> None:
    """Referred to the province, the item is "referred or assigned to me" for its official."""
    commune = await f.unit(demo_session, "Xã An Lạc Thôn")
    province = await f.unit(demo_session, "Thành phố Cần Thơ")
    leader = await f.actor(demo_session, "commune_leader", unit_id=commune.id)
    official = await f.actor(demo_session, "official", unit_id=province.id)
    await change_status(
        demo_session,
        leader,
        items[0].id or 0,
        Status.REFERRED,
        referred_unit_id=province.id,
        now=NOW,
    )
    assert (await view_counts(demo_session, official, NOW))[DeskView.MINE] == 1
    assert (await view_counts(demo_session, leader, NOW))[DeskView.MINE] == 0


@pytest.mark.parametrize(
    ("typed", "reference"),
    [
        ("PA-2026-000123", "PA-2026-000123"),
        ("pa-2026-000123", "PA-2026-000123"),
        ("pa2026000123", "PA-2026-000123"),
        ("PA 2026 123", "PA-2026-000123"),
        (" /item pa-2026-7 ", "PA-2026-000007"),
        ("PA-2026", None),
        ("PA-20260-1", None),
        ("mã PA-2026-000123", "PA-2026-000123"),
        ("xem pa 2026 5", "PA-2026-000005"),
        ("2026-000123", "PA-2026-000123"),
        ("2026-123", None),
        ("năm 2026 có 3 phản ánh", None),
        ("Tôi muốn hỏi về PA-2026-000123 ạ", None),
        ("PA-٢٠٢٦-000123", None),
    ],
)
def test_references_are_read_as_people_type_them(typed: str, reference: str | None) -> None:
    """Case, dashes, spaces and leading zeros do not matter; other text is not a reference."""
    assert parse_reference(typed) == reference


@pytest.mark.parametrize("channel", CHANNELS)
async def test_a_typed_reference_opens_the_card_in_scope_and_is_refused_outside(
    db: Database, demo_session: AsyncSession, items: list[FeedbackItem], channel: str
) -> None:
    """The leader of An Lạc Thôn opens its item by reference; Đại Hải's item is refused."""
    leader = await join(db, demo_session, "901", "commune_leader", "Xã An Lạc Thôn", channel)
    card = await leader.say(items[0].reference.lower().replace("-", ""))
    assert items[0].reference in card
    assert "HTX Trinh Phú" in card
    assert "Vốn, tín dụng" in card
    assert "Máy sấy lúa hỏng" in card
    assert "Quá trình xử lý:" in card
    assert "created" not in card
    assert "info_added" not in card
    refused = await leader.say(f"/item {items[4].reference}")
    assert "Không tìm thấy phản ánh" in refused
    assert items[4].reference in refused
    assert "Xin hỗ trợ máy sấy" not in refused
    nonexistent = await leader.say("PA-2026-999999")
    assert nonexistent.replace("999999", "000005") == refused.replace(
        items[4].reference, "PA-2026-000005"
    )


@pytest.mark.parametrize("channel", CHANNELS)
async def test_each_list_of_the_desk_names_reference_cooperative_commune_topic_and_age(
    db: Database, demo_session: AsyncSession, items: list[FeedbackItem], channel: str
) -> None:
    """/inbox → a list: each line says what, whose, where, which topic and how old."""
    leader = await join(db, demo_session, "902", "commune_leader", "Xã An Lạc Thôn", channel)
    await leader.say("/inbox")
    labels = [label for label, _ in leader.buttons()]
    assert "🆕 Mới và được mở lại (2)" in labels
    assert "⏰ Quá hạn (1)" in labels
    listing = await leader.press_label("Mới và được mở lại")
    assert "HTX Trinh Phú · Xã An Lạc Thôn · Vốn, tín dụng · 30 ngày" in listing
    assert "Thị trường" in listing
    assert items[4].reference not in listing
    opened = await leader.press_label("1 · ")
    assert "Máy sấy lúa hỏng" in opened


async def test_directors_open_their_own_items_by_reference_and_nothing_else(
    db: Database, demo_session: AsyncSession, items: list[FeedbackItem]
) -> None:
    """A director's typed reference opens the director's card; another cooperative's does not."""
    trinh_phu = await f.cooperative(demo_session, "HTX Trinh Phú")
    code = (
        await create_invite(demo_session, role="director", cooperative_id=trinh_phu.id, now=NOW)
    ).code
    await demo_session.commit()
    director = Chat(db, user="903", now=NOW)
    await director.join(code)
    card = await director.say(items[0].reference)
    assert "Máy sấy lúa hỏng" in card
    assert any("Bổ sung" in label for label, _ in director.buttons())
    assert "Không tìm thấy" in await director.say(items[4].reference)


async def test_find_matches_words_without_diacritics_newest_first(
    db: Database, demo_session: AsyncSession, items: list[FeedbackItem]
) -> None:
    """'/find may say' finds the drier items of the scope only, newest first."""
    official = await join(db, demo_session, "904", "official", "Thành phố Cần Thơ", "telegram")
    found = await official.say("/find may say")
    assert "2 phản ánh" in found
    assert found.index(items[4].reference) < found.index(items[0].reference)
    leader = await join(db, demo_session, "905", "commune_leader", "Xã Đại Hải", "telegram")
    assert items[0].reference not in await leader.say("/find MÁY SẤY")
    assert "Không có phản ánh nào" in await leader.say("/find hợp đồng bao tiêu")
    assert items[2].reference in await official.say("/find hop dong bao tieu")


WORDS = ["máy sấy", "vốn", "đất", "lúa", "tôm", "ngân hàng", "kho lạnh", "giống", "mặn"]


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    texts=st.lists(
        st.lists(st.sampled_from(WORDS), min_size=1, max_size=4).map(" và ".join),
        min_size=1,
        max_size=12,
    ),
    query=st.lists(st.sampled_from(WORDS), min_size=1, max_size=2),
    typed_plain=st.booleans(),
)
async def test_search_agrees_with_a_plain_filter_on_generated_items(
    demo_session: AsyncSession, texts: list[str], query: list[str], typed_plain: bool
) -> None:
    """Whatever the items say, /find returns exactly those holding every folded word."""
    director = await f.director_of(demo_session, "HTX Thành Công")
    admin = Actor(person_id=0, grants=(__import__("storage.scope").scope.Grant("admin"),))
    made = [
        await f.item(demo_session, director, text=f"Hợp tác xã cần hỗ trợ {text}.")
        for text in texts
    ]
    typed = " ".join(fold(w) if typed_plain else w.upper() for w in query)
    found, total = await find_items(
        demo_session, admin, search_words(typed), page=0, page_size=1000
    )
    wanted = {
        item.id for item in made if all(fold(w) in fold(item.text) for w in search_words(typed))
    }
    assert {line.item.id for line in found} >= wanted
    assert total == len(found)
    assert all(all(word in fold(line.item.text) for word in search_words(typed)) for line in found)
    await demo_session.rollback()
