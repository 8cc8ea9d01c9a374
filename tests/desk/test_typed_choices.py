"""Choices typed instead of tapped, messages typed at a button step, commands in any case."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.typed_choice import chosen_payload, words
from storage.db import Database
from storage.invites import create_invite
from storage.models import Attachment, FeedbackItem
from tests import factories as f
from tests.handlers.chat import Chat

NOW = dt.datetime(2026, 6, 10, 3, 0, tzinfo=dt.UTC)
SHOWN = [
    ["Khó khăn", "rp:kind:difficulty"],
    ["Kiến nghị", "rp:kind:proposal"],
    ["Hỏi đáp", "rp:kind:question"],
    ["⬅️ Quay lại", "rp:back"],
    ["✖️ Hủy", "rp:cancel"],
]


@pytest.mark.parametrize(
    ("typed", "payload"),
    [
        ("Kiến nghị", "rp:kind:proposal"),
        ("kien nghi", "rp:kind:proposal"),
        ("KIẾN NGHỊ!", "rp:kind:proposal"),
        ("  hoi dap ", "rp:kind:question"),
        ("huy", "rp:cancel"),
        ("kiến", "rp:kind:proposal"),
        ("quay", "rp:back"),
        ("2", None),  # these buttons are not numbered: a "2" may mean anything else
        ("5", None),
        ("Thiếu vốn mua máy sấy", None),
        ("", None),
    ],
)
def test_a_label_typed_names_one_shown_button(typed: str, payload: str | None) -> None:
    """Case, diacritics, emoji and punctuation do not matter; the first words of one label
    are enough; a number names nothing in a list that is not numbered."""
    assert chosen_payload(typed, SHOWN) == payload


def test_numbers_name_numbered_lines_and_counts_do_not_get_in_the_way() -> None:
    """ "2" is line 2 of a numbered list; "000002" is not; "(3)" after a label is optional."""
    listing = [["1 · PA-2026-000001", "ib:i:1"], ["2 · PA-2026-000002", "ib:i:2"]]
    assert chosen_payload("2", listing) == "ib:i:2"
    assert chosen_payload("000002", listing) is None
    assert chosen_payload("3", listing) is None
    desk = [["🆕 Mới và được mở lại (2)", "ib:v:new:0"], ["⏰ Quá hạn (1)", "ib:v:overdue:0"]]
    assert chosen_payload("moi va duoc mo lai", desk) == "ib:v:new:0"
    assert chosen_payload("qua han", desk) == "ib:v:overdue:0"
    alerts = [["🔔 Báo ngay", "al:now"], ["🗓 Mỗi ngày một lần", "al:daily"], ["🔕 Tắt", "al:off"]]
    assert chosen_payload("moi ngay", alerts) == "al:daily"


def test_two_buttons_with_the_same_words_are_not_guessed_between() -> None:
    """When a typed label fits two buttons, it stays text."""
    assert chosen_payload("xa ke sach", [["Xã Kế Sách", "a"], ["XÃ KẾ SÁCH", "b"]]) is None
    assert words("📥 Bàn xử lý (3)") == "ban xu ly 3"


async def director(db: Database, session: AsyncSession, channel: str = "zalo") -> Chat:
    """Admit a director of HTX Trinh Phú on ``channel``."""
    cooperative = await f.cooperative(session, "HTX Trinh Phú")
    code = (
        await create_invite(session, role="director", cooperative_id=cooperative.id, now=NOW)
    ).code
    await session.commit()
    chat = Chat(db, user="961", now=NOW, channel=channel)
    await chat.join(code)
    return chat


async def test_a_whole_report_typed_without_tapping_once(
    db: Database, demo_session: AsyncSession
) -> None:
    """/Report, labels typed without diacritics, numbers: the report is filed as if tapped."""
    chat = await director(db, demo_session)
    assert "loại phản ánh nào" in await chat.say("/Report")
    await chat.say("kho khan")
    await chat.say("von tin dung")
    await chat.say("Thiếu vốn để mua máy sấy lúa cho vụ Đông Xuân năm nay.")
    await chat.say("bo qua")
    sent = await chat.say("gui")
    assert "PA-2026-000001" in sent
    count = await demo_session.scalar(select(func.count()).select_from(FeedbackItem))
    assert count == 1


async def test_text_typed_where_a_button_is_expected_is_kept_not_lost(
    db: Database, demo_session: AsyncSession
) -> None:
    """Words typed at the kind step become the report's description; the step asks again."""
    chat = await director(db, demo_session)
    await chat.say("/report")
    kept = await chat.say("Thương lái ép giá, hợp tác xã cần hợp đồng bao tiêu lúa.")
    assert "giữ lại" in kept
    await chat.say("kien nghi")
    await chat.say("thi truong tieu thu xuc tien thuong mai")
    preview = await chat.say("bo qua")
    assert "hợp đồng bao tiêu lúa" in preview
    assert any(label == "📨 Gửi" for label, _ in chat.buttons())


async def test_a_photo_outside_any_conversation_is_offered_never_dropped(
    db: Database, demo_session: AsyncSession
) -> None:
    """A photo sent out of the blue can start a report or join an open item."""
    chat = await director(db, demo_session)
    item = await f.item(demo_session, await f.director_of(demo_session, "HTX Trinh Phú"), now=NOW)
    reference = item.reference
    await demo_session.commit()
    offered = await chat.photo("zalo-photo-9")
    assert "1 tệp" in offered
    assert any(reference in label for label, _ in chat.buttons())
    added = await chat.say(f"Bổ sung vào {reference}")
    assert "Đã bổ sung" in added
    files = (await demo_session.execute(select(Attachment))).scalars().all()
    assert [a.file_ref for a in files] == ["zalo-photo-9"]
