"""Transcripts: joining with an invite, and a director's report from /report to the receipt.

The conversations are channel-neutral, so each transcript runs as a Telegram and as a Zalo
account (the ``channel`` fixture); only what cannot happen on Zalo (groups, edits) is
Telegram's alone.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.types import IncomingKind
from storage.db import Database
from storage.invites import create_invite
from storage.models import Attachment, ChannelIdentity, FeedbackItem, Person
from tests import factories as f
from tests.handlers.chat import Chat


async def invite_code(session: AsyncSession, role: str = "director", **scope: int) -> str:
    """Create and commit an invite; return its code."""
    if not scope and role == "director":
        scope = {"cooperative_id": (await f.cooperative(session, "HTX Trinh Phú")).id or 0}
    issued = await create_invite(session, role=role, now=f.T0, **scope)
    await session.commit()
    return issued.code


@pytest.fixture(params=["telegram", "zalo"])
def channel(request: pytest.FixtureRequest) -> str:
    """Give the channel the transcript runs on."""
    return str(request.param)


@pytest.fixture
async def director(db: Database, demo_session: AsyncSession, channel: str) -> Chat:
    """Give a chat with a director of HTX Trinh Phú who has just joined."""
    chat = Chat(db, channel=channel)
    await chat.join(await invite_code(demo_session))
    return chat


async def test_a_stranger_is_told_how_to_join_and_nothing_is_stored(
    db: Database, demo_session: AsyncSession, channel: str
) -> None:
    """/start without a code, or any text, explains invites and creates no rows."""
    chat = Chat(db, user="555", channel=channel)
    assert "/start" in await chat.say("/start")
    assert "/start" in await chat.say("xin chào")
    assert await demo_session.scalar(select(func.count()).select_from(ChannelIdentity)) == 0


async def test_start_with_a_code_greets_the_director_with_their_menu(
    db: Database, demo_session: AsyncSession, channel: str
) -> None:
    """Redeeming a director invite greets in Vietnamese and shows the report buttons."""
    chat = Chat(db, channel=channel)
    text = await chat.join(await invite_code(demo_session))
    assert "Chào mừng" in text
    assert ("📝 Gửi phản ánh", "menu:report") in chat.buttons()
    assert await demo_session.scalar(select(func.count()).select_from(Person)) == 1


async def test_wrong_and_used_codes_are_explained(
    db: Database, demo_session: AsyncSession, channel: str
) -> None:
    """A garbage code and a used code get their own messages."""
    code = await invite_code(demo_session)
    first, second = Chat(db, user="1", channel=channel), Chat(db, user="2", channel=channel)
    await first.join(code)
    assert "đã được sử dụng" in await second.say(f"/start {code}")
    assert "không hợp lệ" in await second.say("/start NOPE-NOPE-NO")


async def test_a_stranger_joins_by_sending_the_code_on_its_own(
    db: Database, demo_session: AsyncSession, channel: str
) -> None:
    """Without /start (Zalo has no deep links), the code alone, in any case, redeems the invite."""
    chat = Chat(db, channel=channel)
    code = await invite_code(demo_session)

    notice = await chat.say(code.lower().replace("-", " "))
    text = await chat.say("dong y")

    assert "Dữ liệu cá nhân" in notice
    assert "Chào mừng" in text
    identity = (await demo_session.execute(select(ChannelIdentity))).scalar_one()
    assert (identity.channel, identity.external_id) == (channel, chat.user)


async def test_texts_that_look_like_codes_count_towards_the_attempt_limit(
    db: Database, demo_session: AsyncSession, channel: str
) -> None:
    """Five wrong code-shaped texts are refused, then even the right code waits; chat is not."""
    chat = Chat(db, channel=channel)
    code = await invite_code(demo_session)
    assert "/start" in await chat.say("Xin chào, tôi là giám đốc HTX")
    for _ in range(5):
        assert "không hợp lệ" in await chat.say("ABCD-EFGH-JK")

    assert "sai mã quá nhiều lần" in await chat.say(code)
    assert await demo_session.scalar(select(func.count()).select_from(Person)) == 0


async def test_a_director_files_a_report_and_gets_a_reference_number(
    director: Chat, demo_session: AsyncSession
) -> None:
    """/report → kind → category → text → photo → preview → send gives PA-2026-000001."""
    assert "Khiếu nại" in await director.say("/report")
    await director.press("rp:kind:difficulty")
    assert len([b for b in director.buttons() if b[1].startswith("rp:cat:")]) == 14
    await director.press("rp:cat:credit")
    assert "ít nhất 10" in await director.say("ngắn")
    await director.say("Thiếu vốn lưu động <b>để</b> mua phân bón cho vụ Hè Thu & Thu Đông.")
    assert "1" in await director.photo("file-abc")
    preview = await director.press("rp:done")
    assert "Thiếu vốn lưu động <b>để</b>" in preview
    receipt = await director.press("rp:send")
    assert "PA-2026-000001" in receipt
    item = (await demo_session.execute(select(FeedbackItem))).scalar_one()
    assert item.category_key == "credit"
    attachments = (await demo_session.execute(select(Attachment))).scalars().all()
    assert [a.file_ref for a in attachments] == ["file-abc"]


async def test_buttons_from_an_earlier_step_do_not_change_the_report(director: Chat) -> None:
    """Pressing the kind button again at the text step is refused and the step re-asked."""
    await director.say("/report")
    await director.press("rp:kind:proposal")
    await director.press("rp:cat:land")
    text = await director.press("rp:kind:difficulty")
    assert "bước trước" in text
    assert "10" in text  # the text prompt again


@pytest.mark.parametrize(
    "payload", ["rp:coop:99999", "rp:kind:complaint", "rp:cat:nope", "rp:send", "my:i:12345"]
)
async def test_forged_payloads_are_refused_without_changes(
    director: Chat, demo_session: AsyncSession, payload: str
) -> None:
    """Forged or out-of-step payloads get a message and no item is created."""
    await director.say("/report")
    text = await director.press(payload)
    assert text
    assert await demo_session.scalar(select(func.count()).select_from(FeedbackItem)) == 0


async def test_cancel_and_back_work_at_every_step(
    director: Chat, demo_session: AsyncSession
) -> None:
    """Back returns to the previous step; /cancel ends the report and stores nothing."""
    await director.say("/report")
    await director.press("rp:kind:question")
    assert any(p.startswith("rp:kind:") for _, p in director.buttons()) is False
    await director.press("rp:back")
    assert any(p.startswith("rp:kind:") for _, p in director.buttons())
    assert "Đã hủy" in await director.say("/cancel")
    assert await demo_session.scalar(select(func.count()).select_from(FeedbackItem)) == 0


async def test_free_text_outside_a_flow_offers_a_report(director: Chat) -> None:
    """A director who just writes is offered to turn the text into a report."""
    await director.say("Giá lúa xuống thấp, thương lái ép giá, cần hỗ trợ tiêu thụ.")
    assert any(p == "rp:offer" for _, p in director.buttons())
    await director.press("rp:offer")
    await director.press("rp:kind:proposal")
    await director.press("rp:cat:market")
    preview = await director.press("rp:done")
    assert "thương lái ép giá" in preview


async def test_a_redelivered_update_is_answered_once(director: Chat) -> None:
    """The same update id twice yields replies the first time and none the second."""
    incoming = director._base(IncomingKind.COMMAND, command="help", text="")
    assert await director.send(incoming)
    assert await director.send(incoming) == []


async def test_language_switch_changes_the_replies(director: Chat) -> None:
    """/language → English makes the next replies English."""
    await director.say("/language")
    assert "English" in await director.press("lang:en")
    help_text = await director.say("/help")
    assert "Your roles: director of a cooperative." in help_text


@pytest.mark.parametrize("channel", ["telegram"])  # Zalo has neither groups nor edits
async def test_unsupported_content_groups_and_edits_are_answered(director: Chat) -> None:
    """Stickers, group messages and edits each get a polite explanation."""
    sticker = director._base(IncomingKind.UNSUPPORTED, unsupported="sticker")
    assert "Nhãn dán" in Chat.text(await director.send(sticker))
    group = director._base(IncomingKind.TEXT, text="hi", private=False, chat_id="-100")
    assert "riêng" in Chat.text(await director.send(group))
    assert (
        await director.send(
            director._base(IncomingKind.TEXT, text="hi", private=False, chat_id="-100")
        )
        == []
    )
    edited = director._base(IncomingKind.TEXT, text="sửa", edited=True)
    assert "chỉnh sửa" in Chat.text(await director.send(edited))
