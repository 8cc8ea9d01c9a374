"""The outbox on Zalo: reminders go out, and Zalo's refusals end up where an admin sees them."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from typer.testing import CliRunner

from bot.channels.zalo.channel import ZaloService
from bot.channels.zalo.client import OUTSIDE_WINDOW_REASON, QUOTA_REASON
from bot.cli import app as cli_app
from bot.outbox import OutboxPolicy, OutboxWorker
from handlers.i18n import get_translator
from handlers.notices import render
from handlers.notices.context import Notice
from handlers.types import FileOut, Reply
from storage.calendar import Quarter, ReminderSchedule, WorkingCalendar
from storage.db import Database
from storage.models import ChannelIdentity, OutboxMessage, OutboxStatus, utcnow
from storage.outbox import mark_refused
from storage.outbox_payloads import read_payload
from storage.reminders import plan_due
from tests import factories as f
from tests.conftest import database_url
from tests.fakes.zalo_api import FILE_PATH, IMAGE_PATH, MESSAGE_PATH, FakeZalo
from tests.zalo.conftest import USER, buttons

KICKOFF = ReminderSchedule().kickoff(Quarter(2026, 2), WorkingCalendar())
ADMIN_CHAT = "9001"


@pytest.fixture
async def leader_on_zalo(demo_session: AsyncSession) -> OutboxMessage:
    """Give a commune leader on Zalo, an admin on Telegram, and the leader's planned kick-off."""
    leader = await f.actor(
        demo_session, "commune_leader", unit_id=(await f.unit(demo_session, "Xã Kế Sách")).id
    )
    admin = await f.actor(demo_session, "admin", name="Quản trị viên")
    demo_session.add_all(
        [
            ChannelIdentity(channel="zalo", external_id=USER, person_id=leader.person_id),
            ChannelIdentity(channel="telegram", external_id=ADMIN_CHAT, person_id=admin.person_id),
        ]
    )
    await plan_due(demo_session, KICKOFF)
    await demo_session.commit()
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
    """The quarter's kick-off reaches the leader's Zalo with at most four buttons."""
    assert await worker(db, zalo).run_once() == 1

    (message,) = fake_zalo.messages(USER)
    assert "Xã Kế Sách" in message["text"]
    assert 1 <= len(buttons(message)) <= 4
    assert (await reload(demo_session, leader_on_zalo)).status == OutboxStatus.SENT


@pytest.mark.parametrize(("code", "reason"), [(-230, OUTSIDE_WINDOW_REASON), (-232, QUOTA_REASON)])
async def test_a_reminder_zalo_refuses_fails_with_a_readable_reason_and_admins_are_told(
    db: Database,
    zalo: ZaloService,
    fake_zalo: FakeZalo,
    leader_on_zalo: OutboxMessage,
    demo_session: AsyncSession,
    tmp_path: Path,
    code: int,
    reason: str,
) -> None:
    """Outside the 48-hour window without quota: failed, reason stored and shown, admins told."""
    fake_zalo.fail_next(code)

    await worker(db, zalo).run_once()

    refused = await reload(demo_session, leader_on_zalo)
    assert (refused.status, refused.last_error) == (OutboxStatus.FAILED, reason)
    notice = (
        await demo_session.execute(
            select(OutboxMessage).where(OutboxMessage.recipient == ADMIN_CHAT)
        )
    ).scalar_one()
    assert notice.payload["kind"] == "delivery_refused"
    (text,) = await render(
        Notice(demo_session, get_translator("vi"), utcnow()), read_payload(notice.payload)
    )
    assert reason in text.text
    assert f"coopbot outbox retry {refused.id}" in text.text
    status = await asyncio.to_thread(
        CliRunner().invoke,
        cli_app,
        ["outbox", "status"],
        env={"COOPBOT_DATABASE_URL": database_url(tmp_path)},
    )
    assert status.exit_code == 0, status.output
    assert reason in " ".join(status.output.split())


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


async def test_a_refused_notice_to_an_admin_is_not_reported_again(
    leader_on_zalo: OutboxMessage, demo_session: AsyncSession
) -> None:
    """Refusals never cascade: a refused admin notice plans no notice about itself."""
    await mark_refused(demo_session, leader_on_zalo.id or 0, QUOTA_REASON)
    notice = (
        await demo_session.execute(
            select(OutboxMessage).where(OutboxMessage.recipient == ADMIN_CHAT)
        )
    ).scalar_one()

    await mark_refused(demo_session, notice.id or 0, QUOTA_REASON)

    rows = (await demo_session.execute(select(OutboxMessage))).scalars().all()
    assert len(rows) == 2
