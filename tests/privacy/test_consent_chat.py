"""The notice on personal data before admission, a changed notice, and /privacy, in chat."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.render import DefaultRenderers
from handlers.router import Router
from handlers.turn import HandlerConfig
from storage import consent
from storage.db import Database
from storage.models import (
    ChannelIdentity,
    Consent,
    ConsentDecision,
    Invite,
    OutboxMessage,
    Person,
    PrivacyRequest,
)
from storage.scope import load_actor
from tests import factories as f
from tests.handlers.chat import Chat
from tests.handlers.test_onboarding_and_report import invite_code

NOTICE_START = "🔐 Dữ liệu cá nhân của Ông/Bà"


async def count(session: AsyncSession, table: type) -> int:
    """Return how many rows ``table`` holds, read fresh."""
    session.expire_all()
    return int(await session.scalar(select(func.count()).select_from(table)) or 0)


@pytest.fixture(params=["telegram", "zalo", "web"])
def channel(request: pytest.FixtureRequest) -> str:
    """Give the channel the transcript runs on."""
    return str(request.param)


async def test_declining_admits_nobody_keeps_only_the_refusal_and_the_invite_stays_valid(
    db: Database, demo_session: AsyncSession, channel: str
) -> None:
    """The notice comes before admission; "không đồng ý" leaves no person and no account,
    one bare refusal, and a code that still works; agreeing then admits."""
    code = await invite_code(demo_session)
    people = await count(demo_session, Person)
    chat = Chat(db, user="9301", channel=channel)

    notice = await chat.say(f"/start {code}")

    assert notice.startswith(NOTICE_START)
    assert "Luật Bảo vệ dữ liệu cá nhân" in notice
    assert "máy chủ của Telegram đặt ở nước ngoài" in notice
    assert [label for label, _ in chat.buttons()] == ["✅ Đồng ý", "❌ Không đồng ý"]
    declined = await chat.say("khong dong y")  # typed, as a person on a phone would

    assert "không có thông tin nào về Ông/Bà được lưu" in declined
    assert await count(demo_session, Person) == people
    identities = await demo_session.scalars(
        select(ChannelIdentity).where(ChannelIdentity.external_id == "9301")
    )
    assert list(identities) == []
    [refusal] = list(await demo_session.scalars(select(Consent)))
    assert (refusal.person_id, refusal.decision, refusal.channel) == (
        None,
        ConsentDecision.DECLINED,
        channel,
    )
    invite = await demo_session.scalar(select(Invite).order_by(Invite.id.desc()))
    assert invite is not None
    assert invite.redeemed_at is None

    await chat.say(f"/start {code}")
    greeting = await chat.say("dong y")

    assert "Chào mừng" in greeting
    assert await count(demo_session, Person) == people + 1
    agreed = await demo_session.scalar(
        select(Consent).where(Consent.decision == ConsentDecision.AGREED)
    )
    assert agreed is not None
    assert agreed.notice_version == consent.NOTICE_VERSION


async def test_a_wrong_code_is_refused_before_the_notice(
    db: Database, demo_session: AsyncSession
) -> None:
    """Nobody reads the notice for a code that cannot admit them; the attempt is counted."""
    chat = Chat(db, user="9302")
    text = await chat.say("/start NOPE-NOPE-NO")
    assert "không hợp lệ" in text
    assert NOTICE_START not in text
    assert chat.buttons() == []


async def test_a_changed_notice_is_shown_again_and_needs_a_new_choice(
    db: Database, demo_session: AsyncSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After a new version, the next message gets the notice and nothing else; agreeing
    records the new version and the person goes on."""
    chat = Chat(db, user="9303")
    await chat.join(await invite_code(demo_session))
    monkeypatch.setattr(consent, "NOTICE_VERSION", "2099-01")

    text = await chat.say("/my")

    assert text.startswith("Nội dung thông báo về dữ liệu cá nhân đã thay đổi")
    assert "Các phản ánh" not in text
    assert "Xin cảm ơn" in await chat.say("dong y")
    assert "Xin cảm ơn" not in await chat.say("/my")
    versions = await demo_session.scalars(select(Consent.notice_version))
    assert "2099-01" in list(versions)


async def test_declining_a_changed_notice_ends_the_account_after_confirmation(
    db: Database, demo_session: AsyncSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    """ "Không đồng ý" to a new notice asks first; confirmed, the account ends."""
    chat = Chat(db, user="9304")
    await chat.join(await invite_code(demo_session))
    monkeypatch.setattr(consent, "NOTICE_VERSION", "2099-01")
    await chat.say("/my")

    question = await chat.say("khong dong y")
    assert "tài khoản sẽ chấm dứt" in question
    ended = await chat.press_label("Có, chấm dứt")

    assert "đã được xóa" in ended
    assert "Hãy gửi" not in ended
    demo_session.expire_all()
    identity = await demo_session.scalar(
        select(ChannelIdentity).where(ChannelIdentity.external_id == "9304")
    )
    assert identity is None
    assert "/start" in await chat.say("/my")  # a stranger now


async def test_privacy_sends_a_copy_records_a_correction_and_erases_on_request(
    db: Database, demo_session: AsyncSession
) -> None:
    """/privacy: the copy is a JSON file and a workbook holding the person; a correction is
    a request with its deadline that admins hear of; erasure ends the account."""
    admin = await f.actor(demo_session, "admin")
    demo_session.add(
        ChannelIdentity(channel="telegram", external_id="9399", person_id=admin.person_id)
    )
    await demo_session.commit()
    chat = Chat(db, user="9305")
    chat.router = Router(db, HandlerConfig(renderers=DefaultRenderers()), clock=lambda: chat.now)
    await chat.join(await invite_code(demo_session))

    shown = await chat.say("/privacy")
    assert shown.startswith(NOTICE_START)
    await chat.press_label("Bản sao")
    documents = [reply.document for reply in chat.last if reply.document is not None]
    data = json.loads(documents[0].data)
    assert documents[0].name.endswith(".json")
    assert any(row.get("full_name") == "Nguyễn Văn Tư" for row in data["tables"]["person"])
    assert documents[1].name.endswith(".xlsx")

    await chat.say("/privacy")
    await chat.press_label("Sửa thông tin")
    recorded = await chat.say("Họ tên đúng là Nguyễn Văn Tứ")
    assert "đã được ghi nhận" in recorded
    correction = await demo_session.scalar(
        select(PrivacyRequest).where(PrivacyRequest.kind == "correction")
    )
    assert correction is not None
    assert correction.details == "Họ tên đúng là Nguyễn Văn Tứ"
    notices = await demo_session.scalars(select(OutboxMessage))
    assert any(m.recipient == "9399" and m.payload["kind"] == "privacy_requested" for m in notices)

    await chat.say("/privacy")
    await chat.press_label("Xóa dữ liệu")
    await chat.press_label("Có, chấm dứt")
    demo_session.expire_all()
    person = await demo_session.scalar(select(Person).where(Person.full_name == "Nguyễn Văn Tư"))
    assert person is None
    erased = await demo_session.scalar(select(Person).where(Person.erased_at.is_not(None)))
    assert erased is not None
    assert not (await load_actor(demo_session, erased.id or 0)).grants


async def test_someone_who_agreed_joins_a_second_invite_without_the_notice(
    db: Database, demo_session: AsyncSession
) -> None:
    """The notice in force was agreed to once: a further invite is redeemed at once."""
    chat = Chat(db, user="9306")
    await chat.join(await invite_code(demo_session))
    commune = await f.unit(demo_session, "Xã An Lạc Thôn")
    second = await invite_code(demo_session, "commune_leader", unit_id=commune.id or 0)
    text = await chat.say(f"/start {second}")
    assert NOTICE_START not in text
    assert "Chào mừng" in text
