"""A phone number shared through Zalo's own form: offered when a number is asked for, kept at
once when the person shares it (the form is their confirmation), and explained when unusable."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.channels.zalo.channel import ZaloService
from handlers.payloads import ChangePhone
from handlers.types import Reply, ShareRequest
from storage.models import ChannelIdentity, DialogState, Person
from tests.fakes import zalo_events as events
from tests.fakes.zalo_api import MESSAGE_PATH, FakeZalo
from tests.zalo.conftest import USER, Post, director_code

SHARED = "84912345678"


def share_form(message: dict[str, Any]) -> dict[str, Any] | None:
    """Return the element of a ``request_user_info`` form, or None for any other message."""
    payload = (message.get("attachment") or {}).get("payload") or {}
    if payload.get("template_type") != "request_user_info":
        return None
    (element,) = payload["elements"]
    return element


async def joined(webhook: Post, session: AsyncSession) -> None:
    """Admit the Zalo user as a director (the notice agreed)."""
    await webhook(events.text(USER, await director_code(session)))
    await webhook(events.text(USER, "dong y"))


async def person(session: AsyncSession) -> Person:
    identity = (await session.execute(select(ChannelIdentity))).scalar_one()
    found = await session.get(Person, identity.person_id, populate_existing=True)
    assert found is not None
    return found


async def test_asking_for_a_number_on_zalo_adds_zalos_form_after_the_question(
    webhook: Post, fake_zalo: FakeZalo, demo_session: AsyncSession
) -> None:
    """/phone, then "give a number": the question to type it (with Cancel), then the form, both
    as replies to the person's message."""
    await joined(webhook, demo_session)
    await webhook(events.text(USER, "/phone"))
    before = len(fake_zalo.messages(USER))

    await webhook(events.text(USER, ChangePhone().encode()))

    question, form = fake_zalo.messages(USER)[before:]
    assert question["text"] == "Đề nghị Ông/Bà nhập số điện thoại di động, ví dụ 0912 345 678."
    assert share_form(question) is None
    element = share_form(form)
    assert element is not None
    assert element["title"] == "Chia sẻ số điện thoại"
    assert "Zalo" in element["subtitle"]
    assert "image_url" not in element
    replies = fake_zalo.calls(MESSAGE_PATH)[-2:]
    assert all(call.counted_as == "reply" for call in replies)
    assert fake_zalo.violations == []


async def test_a_number_shared_from_zalo_is_kept_at_once_and_ends_the_question(
    webhook: Post, fake_zalo: FakeZalo, demo_session: AsyncSession
) -> None:
    """The shared number is kept with the source "zalo", its Zalo mark cleared, the open
    question closed, and the person told which number is kept."""
    await joined(webhook, demo_session)
    await webhook(events.text(USER, "/phone"))
    await webhook(events.text(USER, ChangePhone().encode()))

    await webhook(events.submit_info(USER, SHARED))

    kept = await person(demo_session)
    assert (kept.phone, kept.phone_source) == (SHARED, "zalo")
    assert "0912 345 678" in fake_zalo.messages(USER)[-1]["text"]
    assert (
        await demo_session.execute(select(func.count()).select_from(DialogState))
    ).scalar() == 0
    await webhook(events.text(USER, "/phone"))
    assert "chia sẻ từ tài khoản Zalo" in fake_zalo.messages(USER)[-1]["text"]


async def test_a_shared_landline_is_explained_and_nothing_is_kept(
    webhook: Post, fake_zalo: FakeZalo, demo_session: AsyncSession
) -> None:
    """A number that is not a mobile number: why, and a question to type one instead."""
    await joined(webhook, demo_session)

    await webhook(events.submit_info(USER, "842923812345"))

    assert (await person(demo_session)).phone is None
    answer = fake_zalo.messages(USER)[-1]["text"]
    assert answer.startswith("Số điện thoại chia sẻ từ Zalo không dùng được: Đây là số")
    assert "cố định" in answer
    assert "Đề nghị Ông/Bà nhập số điện thoại di động" in answer


@pytest.mark.parametrize("phone", [None, ""])
async def test_a_form_sent_back_without_a_number_is_ignored(
    webhook: Post, fake_zalo: FakeZalo, demo_session: AsyncSession, phone: str | None
) -> None:
    """Nothing else the form holds (name, address) is read or kept, and nothing is said."""
    await joined(webhook, demo_session)
    before = len(fake_zalo.messages(USER))

    response = await webhook(events.submit_info(USER, phone))

    assert response.status_code == 200
    assert len(fake_zalo.messages(USER)) == before
    assert (await person(demo_session)).phone is None


async def test_a_stranger_who_shares_a_number_is_told_how_to_join_and_nothing_is_kept(
    webhook: Post, fake_zalo: FakeZalo, demo_session: AsyncSession
) -> None:
    """Only people admitted have a number kept: a stranger's shared number is not stored."""
    await webhook(events.submit_info(USER, SHARED))

    assert "mã mời" in fake_zalo.messages(USER)[-1]["text"]
    people = await demo_session.execute(select(Person).where(Person.phone == SHARED))
    assert people.scalars().all() == []


async def test_a_refused_form_is_logged_and_the_rest_goes_on(
    zalo: ZaloService, fake_zalo: FakeZalo, caplog: pytest.LogCaptureFixture
) -> None:
    """Zalo refusing the form (an OA without the feature) is no failure of the reply: the
    question before it already asked for the number to be typed."""
    fake_zalo.fail_next(-210)  # "invalid parameter"
    share = ShareRequest("Chia sẻ số điện thoại", "Bấm vào đây")

    await zalo.sender.messenger.send(USER, [Reply(share_request=share), Reply(text="Tiếp")])

    assert "refused the form" in caplog.text
    assert [m.get("text") for m in fake_zalo.messages(USER)] == ["Tiếp"]


async def test_the_form_shows_the_configured_image(zalo: ZaloService, fake_zalo: FakeZalo) -> None:
    """ZALO_SHARE_IMAGE_URL, when set, is the form's image."""
    zalo.sender.messenger.share_image_url = "https://so.example.gov.vn/coopbot.png"
    share = ShareRequest("Chia sẻ số điện thoại", "Bấm vào đây")

    await zalo.sender.messenger.send(USER, [Reply(share_request=share)])

    (form,) = fake_zalo.messages(USER)
    element = share_form(form)
    assert element is not None
    assert element["image_url"] == "https://so.example.gov.vn/coopbot.png"
    assert fake_zalo.violations == []
