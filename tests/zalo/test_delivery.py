"""The outbox on Zalo inside the reply window: reminders go out as replies, and Zalo's
refusals end up where an admin sees them."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from typer.testing import CliRunner

from bot.channels.zalo.channel import ZaloService
from bot.cli import app as cli_app
from bot.outbox import OutboxPolicy, OutboxWorker
from handlers.i18n import get_translator
from handlers.notices import render
from handlers.notices.context import Notice
from handlers.types import FileOut, Reply
from storage.calendar import Quarter, ReminderSchedule, WorkingCalendar
from storage.db import Database
from storage.models import ChannelIdentity, OutboxMessage, OutboxStatus, utcnow
from storage.outbox_payloads import read_payload
from storage.reminders import plan_due
from tests import factories as f
from tests.conftest import database_url
from tests.fakes.zalo_api import FILE_PATH, IMAGE_PATH, MESSAGE_PATH, FakeZalo
from tests.zalo.conftest import USER, buttons

KICKOFF = ReminderSchedule().kickoff(Quarter(2026, 2), WorkingCalendar())
ADMIN_CHAT = "9001"
LAST_MESSAGE = "msg-leader-1"


@pytest.fixture
async def leader_on_zalo(demo_session: AsyncSession, fake_zalo: FakeZalo) -> OutboxMessage:
    """Give a commune leader on Zalo, an admin on Telegram, and the leader's planned kick-off."""
    leader = await f.actor(
        demo_session, "commune_leader", unit_id=(await f.unit(demo_session, "Xã Kế Sách")).id
    )
    admin = await f.actor(demo_session, "admin", name="Quản trị viên")
    demo_session.add_all(
        [
            ChannelIdentity(
                channel="zalo",
                external_id=USER,
                person_id=leader.person_id,
                last_seen_at=utcnow(),  # the leader wrote lately: the window is open
                last_message_ref=LAST_MESSAGE,
            ),
            ChannelIdentity(channel="telegram", external_id=ADMIN_CHAT, person_id=admin.person_id),
        ]
    )
    await plan_due(demo_session, KICKOFF)
    await demo_session.commit()
    fake_zalo.user_wrote(USER, LAST_MESSAGE)
    return (
        await demo_session.execute(select(OutboxMessage).where(OutboxMessage.channel == "zalo"))
    ).scalar_one()


def worker(db: Database, zalo: ZaloService) -> OutboxWorker:
    """Return an outbox worker that sends on Zalo only, without pauses."""
    return OutboxWorker(db, {"zalo": zalo.sender}, policy=OutboxPolicy(per_chat_interval=0))


async def reload(session: AsyncSession, message: OutboxMessage) -> OutboxMessage:
    """Return the message as stored now."""
    await session.refresh(message)
    return message


async def test_a_leaders_reminder_goes_out_on_zalo_with_its_buttons(
    db: Database,
    zalo: ZaloService,
    fake_zalo: FakeZalo,
    leader_on_zalo: OutboxMessage,
    demo_session: AsyncSession,
) -> None:
    """The quarter's kick-off reaches the leader's Zalo with at most four buttons, as a reply
    to the leader's last message (one of the window's free replies), and is counted."""
    fake_zalo.enforce_window = True
    assert await worker(db, zalo).run_once() == 1

    (call,) = fake_zalo.calls(MESSAGE_PATH)
    assert (call.body["recipient"], call.counted_as) == ({"message_id": LAST_MESSAGE}, "reply")
    (message,) = fake_zalo.messages(USER)
    assert "Xã Kế Sách" in message["text"]
    assert 1 <= len(buttons(message)) <= 4
    assert (await reload(demo_session, leader_on_zalo)).status == OutboxStatus.SENT
    identity = (
        await demo_session.execute(
            select(ChannelIdentity).where(ChannelIdentity.external_id == USER)
        )
    ).scalar_one()
    await demo_session.refresh(identity)
    assert identity.sent_since_seen == 1


@pytest.mark.parametrize("code", [-230, -232])
async def test_a_reminder_zalo_refuses_with_no_other_way_fails_and_admins_are_told_why(
    db: Database,
    zalo: ZaloService,
    fake_zalo: FakeZalo,
    leader_on_zalo: OutboxMessage,
    demo_session: AsyncSession,
    tmp_path: Path,
    code: int,
) -> None:
    """Zalo refuses though our records said the window was open: with no template, no phone
    and no other channel the message fails with a readable reason, and the admins are told in
    their language who could not be reached and why."""
    fake_zalo.fail_next(code)

    await worker(db, zalo).run_once()

    refused = await reload(demo_session, leader_on_zalo)
    assert refused.status == OutboxStatus.FAILED
    assert refused.last_error is not None
    assert "no template set for kickoff" in refused.last_error
    notice = (
        await demo_session.execute(
            select(OutboxMessage).where(OutboxMessage.recipient == ADMIN_CHAT)
        )
    ).scalar_one()
    assert notice.payload["kind"] == "person_unreached"
    (text,) = await render(
        Notice(demo_session, get_translator("vi"), utcnow()), read_payload(notice.payload)
    )
    assert "lời nhắc đầu quý" in text.text
    assert "chưa có mẫu tin Zalo" in text.text
    status = await asyncio.to_thread(
        CliRunner().invoke,
        cli_app,
        ["outbox", "status"],
        env={"COOPBOT_DATABASE_URL": database_url(tmp_path)},
    )
    assert status.exit_code == 0, status.output
    assert "no template set for kickoff" in " ".join(status.output.split())


async def test_a_leader_who_no_longer_follows_the_oa_is_marked_unreachable(
    db: Database,
    zalo: ZaloService,
    fake_zalo: FakeZalo,
    leader_on_zalo: OutboxMessage,
    demo_session: AsyncSession,
) -> None:
    """-213 from Zalo stops the message and flags the leader's Zalo account."""
    fake_zalo.unfollowed.add(USER)

    await worker(db, zalo).run_once()

    assert (await reload(demo_session, leader_on_zalo)).status == OutboxStatus.UNREACHABLE
    identity = (
        await demo_session.execute(
            select(ChannelIdentity).where(ChannelIdentity.external_id == USER)
        )
    ).scalar_one()
    assert identity.unreachable_since is not None


async def test_zalos_rate_limit_waits_a_minute_before_the_next_try(
    db: Database,
    zalo: ZaloService,
    fake_zalo: FakeZalo,
    leader_on_zalo: OutboxMessage,
    demo_session: AsyncSession,
) -> None:
    """-32 puts the message back in the queue for about a minute later."""
    fake_zalo.fail_next(-32)

    await worker(db, zalo).run_once()

    waiting = await reload(demo_session, leader_on_zalo)
    assert waiting.status == OutboxStatus.PENDING
    delay = waiting.next_attempt_at - dt.datetime.now(dt.UTC)
    assert dt.timedelta(seconds=50) < delay <= dt.timedelta(seconds=60)


async def test_an_image_and_a_file_are_uploaded_then_sent_before_the_text(
    zalo: ZaloService, fake_zalo: FakeZalo
) -> None:
    """A chart and a file each go up first, then out by id and token; the text comes last."""
    reply = Reply(
        text="Biểu đồ quý",
        image=FileOut("chart.png", b"\x89PNG", "image/png"),
        document=FileOut("report.pdf", b"%PDF-1.7", "application/pdf"),
    )

    await zalo.sender.send(USER, [reply])

    assert [call.path for call in fake_zalo.calls()] == [
        IMAGE_PATH,
        MESSAGE_PATH,
        FILE_PATH,
        MESSAGE_PATH,
        MESSAGE_PATH,
    ]
    image, document, text = fake_zalo.messages(USER)
    element = image["attachment"]["payload"]["elements"][0]
    assert element == {"media_type": "image", "attachment_id": "attachment-1"}
    assert document["attachment"] == {"type": "file", "payload": {"token": "file-token-3"}}
    assert text == {"text": "Biểu đồ quý"}
    assert fake_zalo.calls(FILE_PATH)[0].files["file"] == ("report.pdf", b"%PDF-1.7")
