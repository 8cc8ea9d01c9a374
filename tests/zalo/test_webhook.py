"""Signed Zalo events through the bot's web app, answered through the fake OA API."""

from __future__ import annotations

import asyncio
import logging

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.channels.zalo.channel import ZaloService
from handlers.types import Incoming, Reply
from storage.models import Attachment, ChannelIdentity, ProcessedUpdate
from tests.fakes import zalo_events as events
from tests.fakes.zalo_api import FakeZalo
from tests.zalo.conftest import USER, Post, buttons, director_code, minutes_ago


async def count(session: AsyncSession, table: type) -> int:
    """Count the rows of ``table``."""
    return int(await session.scalar(select(func.count()).select_from(table)) or 0)


async def test_a_stranger_who_writes_is_told_how_to_join(
    webhook: Post, fake_zalo: FakeZalo
) -> None:
    """A signed text from an unknown user is answered at once with how to join, in Vietnamese."""
    response = await webhook(events.text(USER, "xin chào"))

    assert response.status_code == 200
    (message,) = await fake_zalo.wait_for_messages(1, USER)
    assert "/start" in message["text"]
    assert fake_zalo.calls()[0].access_token == "access-0"


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"X-ZEvent-Signature": "mac=" + "0" * 64},
        {"X-ZEvent-Signature": "mac=ß".encode("latin-1") * 20},
    ],
)
async def test_a_bad_or_missing_signature_is_refused_and_nothing_is_stored(
    http, zalo: ZaloService, fake_zalo: FakeZalo, session: AsyncSession, headers: dict[str, object]
) -> None:
    """Without Zalo's signature the call gets 401, and nothing is handled, stored or sent."""
    body, _ = events.signed(events.text(USER, "/start"))
    response = await http.post("/zalo/webhook", content=body, headers=headers)
    await zalo.channel.drain()

    assert response.status_code == 401
    assert await count(session, ProcessedUpdate) == 0
    assert fake_zalo.calls() == []


async def test_an_event_signed_with_another_secret_is_refused(
    webhook: Post, fake_zalo: FakeZalo
) -> None:
    """A signature made with a wrong OA secret key is a bad signature."""
    response = await webhook(events.text(USER, "/start"), oa_secret="guessed")

    assert response.status_code == 401
    assert fake_zalo.calls() == []


async def test_an_event_older_than_ten_minutes_is_refused_as_a_replay(
    webhook: Post, fake_zalo: FakeZalo, session: AsyncSession
) -> None:
    """A correctly signed event from 11 minutes ago is refused and changes nothing."""
    response = await webhook(events.text(USER, "/start", timestamp=minutes_ago(11)))

    assert response.status_code == 403
    assert await count(session, ProcessedUpdate) == 0
    assert fake_zalo.calls() == []


async def test_the_same_message_delivered_twice_is_answered_once(
    webhook: Post, fake_zalo: FakeZalo
) -> None:
    """A redelivered event (same msg_id) is accepted with 200 and answered only once."""
    event = events.text(USER, "/help")
    assert (await webhook(event)).status_code == 200
    assert (await webhook(event)).status_code == 200

    assert len(fake_zalo.messages(USER)) == 1


async def test_a_stranger_joins_by_sending_the_invite_code_as_text(
    webhook: Post, fake_zalo: FakeZalo, demo_session: AsyncSession
) -> None:
    """The code alone, typed in lower case with spaces, registers the Zalo account."""
    code = await director_code(demo_session)
    typed = code.lower().replace("-", " ")

    await webhook(events.text(USER, typed))
    await webhook(events.text(USER, "dong y"))  # the notice on personal data, agreed

    (notice, greeting) = fake_zalo.messages(USER)
    assert "Dữ liệu cá nhân" in notice["text"]
    assert "Chào mừng" in greeting["text"]
    assert ("📝 Gửi phản ánh", "menu:report") in buttons(greeting)
    identity = (await demo_session.execute(select(ChannelIdentity))).scalar_one()
    assert (identity.channel, identity.external_id) == ("zalo", USER)
    assert identity.person_id is not None


async def test_follow_greets_and_unfollow_marks_the_account_unreachable(
    webhook: Post, fake_zalo: FakeZalo, demo_session: AsyncSession
) -> None:
    """Following gets the welcome; unfollowing flags the account; following again clears it."""
    await webhook(events.event("follow", USER))
    assert "/start" in fake_zalo.messages(USER)[0]["text"]
    await webhook(events.text(USER, await director_code(demo_session)))
    await webhook(events.text(USER, "dong y"))

    await webhook(events.event("unfollow", USER))

    identity = (await demo_session.execute(select(ChannelIdentity))).scalar_one()
    await demo_session.refresh(identity)
    assert identity.unreachable_since is not None
    assert identity.unreachable_reason == "stopped following the Zalo OA"
    await webhook(events.event("follow", USER))
    await demo_session.refresh(identity)
    assert identity.unreachable_since is None


async def test_one_persons_quick_messages_are_handled_in_the_order_they_arrived(
    http,
    zalo: ZaloService,
    fake_zalo: FakeZalo,
    demo_session: AsyncSession,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Events posted back to back wait for the earlier ones, however slow those are."""
    code = await director_code(demo_session)
    router = zalo.channel.router
    original = router.handle

    async def slow_for_the_code(incoming: Incoming) -> list[Reply]:
        if incoming.text == code:
            await asyncio.sleep(0.3)
        return await original(incoming)

    monkeypatch.setattr(router, "handle", slow_for_the_code)
    for content in (code, "dong y", "/report", "rp:kind:difficulty"):
        body, headers = events.signed(events.text(USER, content))
        assert (await http.post("/zalo/webhook", content=body, headers=headers)).status_code == 200
    await zalo.channel.drain()

    notice, greeting, kinds, topics = fake_zalo.messages(USER)
    assert "Dữ liệu cá nhân" in notice["text"]
    assert "Chào mừng" in greeting["text"]
    assert any(payload.startswith("rp:kind:") for _, payload in buttons(kinds))
    assert any(payload.startswith("rp:cat:") for _, payload in buttons(topics))


async def test_fourteen_topics_show_three_buttons_and_more_then_the_next_pages(
    webhook: Post, fake_zalo: FakeZalo, demo_session: AsyncSession
) -> None:
    """Zalo's four-button limit: three topics and "More…", whose taps page through the rest."""
    await webhook(events.text(USER, await director_code(demo_session)))
    await webhook(events.text(USER, "dong y"))
    await webhook(events.text(USER, "/report"))
    await webhook(events.text(USER, "rp:kind:difficulty"))

    topics = fake_zalo.messages(USER)[-1]
    shown = buttons(topics)
    assert len(shown) == 4
    assert shown[-1] == ("Xem thêm…", "more:3")
    seen = [payload for _, payload in shown[:3]]
    while seen[-1] != "rp:cancel":
        await webhook(events.text(USER, buttons(fake_zalo.messages(USER)[-1])[-1][1]))
        page = fake_zalo.messages(USER)[-1]
        assert page["text"] == "Thêm lựa chọn:"
        assert 1 <= len(buttons(page)) <= 4
        seen += [p for _, p in buttons(page) if not p.startswith("more:")]
    assert len([p for p in seen if p.startswith("rp:cat:")]) == 14
    assert len(seen) == len(set(seen))

    await webhook(events.text(USER, "rp:cat:credit"))
    assert "10" in fake_zalo.messages(USER)[-1]["text"]  # the text prompt of the next step


async def test_a_long_preview_is_split_at_2000_characters_with_buttons_under_the_last_part(
    webhook: Post, fake_zalo: FakeZalo, demo_session: AsyncSession
) -> None:
    """A 3000-character report is previewed in two messages; the Send button is under the last."""
    await webhook(events.text(USER, await director_code(demo_session)))
    await webhook(events.text(USER, "dong y"))
    for step in ("/report", "rp:kind:proposal", "rp:cat:land"):
        await webhook(events.text(USER, step))
    long_text = " ".join(["Đề nghị hỗ trợ thủ tục thuê đất cho hợp tác xã."] * 64)
    await webhook(events.text(USER, long_text))
    before = len(fake_zalo.messages(USER))

    await webhook(events.text(USER, "rp:done"))

    preview = fake_zalo.messages(USER)[before:]
    assert len(preview) == 2
    assert all(len(message["text"]) <= 2000 for message in preview)
    assert buttons(preview[0]) == []
    assert "rp:send" in [payload for _, payload in buttons(preview[1])]


async def test_a_photo_sent_during_a_report_is_kept_by_its_url(
    webhook: Post, fake_zalo: FakeZalo, demo_session: AsyncSession
) -> None:
    """user_send_image becomes an attachment whose reference is the picture's URL."""
    url = "https://photo-stal-1.zdn.vn/2026/11/26/ruong-lua.jpg"
    await webhook(events.text(USER, await director_code(demo_session)))
    await webhook(events.text(USER, "dong y"))
    steps = ["/report", "rp:kind:difficulty", "rp:cat:credit"]
    for step in [*steps, "Thiếu vốn lưu động để mua phân bón cho vụ Hè Thu."]:
        await webhook(events.text(USER, step))

    await webhook(events.image(USER, url))
    await webhook(events.text(USER, "rp:done"))
    await webhook(events.text(USER, "rp:send"))

    assert "PA-" in fake_zalo.messages(USER)[-1]["text"]
    attachment = (await demo_session.execute(select(Attachment))).scalar_one()
    assert (attachment.channel, attachment.file_ref) == ("zalo", url)


@pytest.mark.parametrize(
    ("name", "kind", "expected"),
    [
        ("user_send_sticker", "sticker", "Nhãn dán"),
        ("user_send_location", "location", "vị trí"),
    ],
)
async def test_stickers_and_locations_get_the_polite_not_supported_answer(
    webhook: Post, fake_zalo: FakeZalo, name: str, kind: str, expected: str
) -> None:
    """What the conversations cannot use is declined in words, as on Telegram."""
    await webhook(events.attachment(USER, name, kind, {"id": "x", "url": "https://s.zdn.vn/x"}))

    (message,) = fake_zalo.messages(USER)
    assert expected in message["text"]


async def test_echoes_of_our_own_messages_and_unknown_events_are_ignored(
    webhook: Post, fake_zalo: FakeZalo, session: AsyncSession
) -> None:
    """oa_send_text, receipts and events nobody knows are accepted and answered with nothing."""
    for name in ("oa_send_text", "user_seen_message", "user_changed_mind"):
        raw = events.event(name, USER, message={"text": "hello"})
        assert (await webhook(raw)).status_code == 200

    assert fake_zalo.calls() == []
    assert await count(session, ProcessedUpdate) == 0


async def test_a_failure_while_answering_is_logged_and_apologised_for(
    webhook: Post,
    fake_zalo: FakeZalo,
    zalo: ZaloService,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """An error around the conversations is logged by its kind (its text and traceback only
    at DEBUG) and the person gets a sorry."""

    async def broken(_incoming: object) -> list[object]:
        raise RuntimeError("database on fire")

    monkeypatch.setattr(zalo.channel.router, "handle", broken)

    with caplog.at_level(logging.DEBUG, logger="handlers.failures"):
        await webhook(events.text(USER, "/help"))

    (message,) = fake_zalo.messages(USER)
    assert "Xin lỗi" in message["text"]
    [error] = [record for record in caplog.records if record.levelno == logging.ERROR]
    assert error.getMessage().endswith("RuntimeError at bot.channels.zalo.channel._process")
    assert "database on fire" not in error.getMessage()
    [details] = [record for record in caplog.records if record.levelno == logging.DEBUG]
    assert details.exc_info is not None
    assert "database on fire" in str(details.exc_info[1])
