"""Each kind of unasked message on Zalo: a reply inside the window, the kind's template
outside it, the person's next channel when neither can go, and the admins told once."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import pytest
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.channels.zalo.channel import ZaloService
from bot.outbox import OutboxPolicy, OutboxWorker
from storage.db import Database
from storage.feedback import change_status
from storage.models import (
    ChannelIdentity,
    EventKind,
    FeedbackEvent,
    FeedbackItem,
    OutboxMessage,
    OutboxStatus,
    Person,
    Status,
    utcnow,
)
from storage.outbox import claim_due, plan
from storage.outbox_payloads import (
    AlertDigest,
    ItemAlert,
    ItemEvent,
    MeetingEscalation,
    OutboxPayload,
    OverdueItems,
    QuarterFollowUp,
    QuarterKickoff,
    WeeklyDigest,
)
from storage.questions import ask_cooperative
from storage.zalo_templates import TEMPLATE_PARAMS, TemplateKind, set_template
from tests import factories as f
from tests.fakes.zalo_api import MESSAGE_PATH, TEMPLATE_PATH, FakeZalo
from tests.support.senders import RecordingSender
from tests.zalo.conftest import USER

PHONE = "84912345678"
LAST_MESSAGE = "msg-official-7"
ADMIN_CHAT = "9001"
TELEGRAM_CHAT = "4242"
DAYS_AGO = 3


@dataclass
class Scene:
    """An official on Zalo (with a phone), an admin on Telegram, and items to speak of."""

    person: Person
    identity: ChannelIdentity
    province: int
    commune: int
    open_item: FeedbackItem
    answered: FeedbackEvent
    asked: FeedbackEvent


async def created_event(session: AsyncSession, item: FeedbackItem) -> FeedbackEvent:
    return (
        await session.execute(
            select(FeedbackEvent).where(
                FeedbackEvent.item_id == item.id, FeedbackEvent.kind == EventKind.CREATED
            )
        )
    ).scalar_one()


@pytest.fixture
async def scene(demo_session: AsyncSession) -> Scene:
    """Give the scene, the official last heard from three days ago (the window closed)."""
    province = (await f.unit(demo_session, "Thành phố Cần Thơ")).id or 0
    cooperative = await f.cooperative(demo_session, "HTX Trinh Phú")
    official = await f.actor(demo_session, "official", unit_id=province, name="Trần Thị Hoa")
    admin = await f.actor(demo_session, "admin", name="Quản trị viên")
    identity = ChannelIdentity(
        channel="zalo",
        external_id=USER,
        person_id=official.person_id,
        last_seen_at=utcnow() - dt.timedelta(days=DAYS_AGO),
        last_message_ref=LAST_MESSAGE,
    )
    demo_session.add_all(
        [
            identity,
            ChannelIdentity(channel="telegram", external_id=ADMIN_CHAT, person_id=admin.person_id),
        ]
    )
    person = await demo_session.get(Person, official.person_id)
    assert person is not None
    person.phone = PHONE
    director = await f.director_of(demo_session, "HTX Trinh Phú")
    open_item = await f.item(demo_session, director)
    answered_item = await f.item(demo_session, director, text="Đường nội đồng xuống cấp.")
    asked_item = await f.item(demo_session, director, text="Cần giống lúa chịu mặn.")
    answered = await change_status(
        demo_session, official, answered_item.id or 0, Status.RESOLVED, text="Đã xử lý."
    )
    asked = await ask_cooperative(
        demo_session, official, asked_item.id or 0, "Xin gửi bản chụp hóa đơn.", now=f.T0
    )
    # The items above planned alerts and notices of their own; each test counts only its own.
    await demo_session.execute(delete(OutboxMessage))
    await demo_session.commit()
    return Scene(person, identity, province, cooperative.commune_id, open_item, answered, asked)


Build = Callable[[AsyncSession, Scene], Awaitable[tuple[OutboxPayload, str, str]]]


async def _kickoff(_s: AsyncSession, scene: Scene) -> tuple[OutboxPayload, str, str]:
    return QuarterKickoff(quarter="2027Q1", commune_id=scene.commune), "quarter", "Quý I/2027"


async def _follow_up(_s: AsyncSession, scene: Scene) -> tuple[OutboxPayload, str, str]:
    return QuarterFollowUp(quarter="2027Q1", commune_id=scene.commune), "last_day", "31/03/2027"


async def _escalation(_s: AsyncSession, scene: Scene) -> tuple[OutboxPayload, str, str]:
    return MeetingEscalation(quarter="2027Q1", commune_ids=[scene.commune]), "count", "1"


async def _status(session: AsyncSession, scene: Scene) -> tuple[OutboxPayload, str, str]:
    item = await session.get(FeedbackItem, scene.answered.item_id)
    assert item is not None
    event = ItemEvent(item_id=item.id or 0, event_id=scene.answered.id or 0)
    return event, "reference", item.reference


async def _question(_s: AsyncSession, scene: Scene) -> tuple[OutboxPayload, str, str]:
    event = ItemEvent(item_id=scene.asked.item_id, event_id=scene.asked.id or 0)
    return event, "question", "Xin gửi bản chụp hóa đơn."


async def _alert(session: AsyncSession, scene: Scene) -> tuple[OutboxPayload, str, str]:
    created = await created_event(session, scene.open_item)
    alert = ItemAlert(item_id=scene.open_item.id or 0, event_id=created.id or 0)
    return alert, "cooperative", "HTX Trinh Phú"


async def _overdue(_s: AsyncSession, scene: Scene) -> tuple[OutboxPayload, str, str]:
    payload = OverdueItems(unit_ids=[scene.province], day=dt.date(2026, 12, 4))
    return payload, "references", scene.open_item.reference


async def _digest(_s: AsyncSession, scene: Scene) -> tuple[OutboxPayload, str, str]:
    payload = WeeklyDigest(unit_id=scene.province, week=dt.date(2026, 11, 30))
    return payload, "unit", "Thành phố Cần Thơ"


async def _alert_digest(_s: AsyncSession, scene: Scene) -> tuple[OutboxPayload, str, str]:
    since, until = f.T0 - dt.timedelta(hours=12), f.T0 + dt.timedelta(hours=12)
    payload = AlertDigest(person_id=scene.person.id or 0, since=since, until=until)
    return payload, "day", "02/03/2026"


KINDS: dict[TemplateKind, Build] = {
    TemplateKind.KICKOFF: _kickoff,
    TemplateKind.FOLLOW_UP: _follow_up,
    TemplateKind.ESCALATION: _escalation,
    TemplateKind.ITEM_STATUS: _status,
    TemplateKind.ITEM_QUESTION: _question,
    TemplateKind.ITEM_ALERT: _alert,
    TemplateKind.OVERDUE: _overdue,
    TemplateKind.DIGEST: _digest,
    TemplateKind.ALERT_DIGEST: _alert_digest,
}


def test_every_kind_of_template_is_exercised() -> None:
    assert set(KINDS) == set(TemplateKind)


def worker(db: Database, zalo: ZaloService, **senders: object) -> OutboxWorker:
    """Return a worker sending on Zalo (and on the given fake channels), without pauses."""
    return OutboxWorker(
        db, {"zalo": zalo.sender, **senders}, policy=OutboxPolicy(per_chat_interval=0)
    )


async def planned(session: AsyncSession, scene: Scene, payload: OutboxPayload, key: str) -> int:
    """Plan ``payload`` to the official's Zalo account; return the message's id."""
    await plan(
        session,
        dedupe_key=key,
        channel="zalo",
        recipient=USER,
        person_id=scene.person.id,
        payload=payload,
    )
    await session.commit()
    row = await session.execute(select(OutboxMessage.id).where(OutboxMessage.dedupe_key == key))
    return row.scalar_one()


async def status_of(session: AsyncSession, message_id: int) -> OutboxMessage:
    message = await session.get(OutboxMessage, message_id, populate_existing=True)
    assert message is not None
    return message


def closed_window(fake: FakeZalo) -> None:
    """Make the fake agree: the official last wrote three days ago."""
    fake.enforce_window = True
    fake.user_wrote(USER, LAST_MESSAGE, at=time.time() - DAYS_AGO * 86400)


@pytest.mark.parametrize("kind", list(TemplateKind))
async def test_outside_the_window_each_kind_goes_as_its_template_to_the_phone(
    db: Database,
    zalo: ZaloService,
    fake_zalo: FakeZalo,
    demo_session: AsyncSession,
    scene: Scene,
    kind: TemplateKind,
) -> None:
    """The kind's template id, the person's phone, every parameter the template has, and the
    outbox dedupe key as tracking id; no consultation message is tried."""
    closed_window(fake_zalo)
    payload, name, value = await KINDS[kind](demo_session, scene)
    await set_template(demo_session, kind, f"tpl-{kind}")
    fake_zalo.approve_template(f"tpl-{kind}", TEMPLATE_PARAMS[kind])
    message_id = await planned(demo_session, scene, payload, f"test:{kind}:p{scene.person.id}")

    assert await worker(db, zalo).run_once() == 1

    assert (await status_of(demo_session, message_id)).status == OutboxStatus.SENT
    (sent,) = fake_zalo.templates_sent(PHONE)
    assert sent["template_id"] == f"tpl-{kind}"
    assert sent["tracking_id"] == f"test:{kind}:p{scene.person.id}"
    assert set(sent["template_data"]) == set(TEMPLATE_PARAMS[kind])
    assert value in sent["template_data"][name]
    assert all(0 < len(v) <= 100 for v in sent["template_data"].values())
    assert fake_zalo.calls(MESSAGE_PATH) == []
    assert fake_zalo.violations == []


@pytest.mark.parametrize("kind", list(TemplateKind))
async def test_inside_the_window_each_kind_is_a_reply_to_the_last_message(
    db: Database,
    zalo: ZaloService,
    fake_zalo: FakeZalo,
    demo_session: AsyncSession,
    scene: Scene,
    kind: TemplateKind,
) -> None:
    """Written to an hour ago, the official gets a consultation message addressed to their
    last message (a free reply), even though a template is set."""
    scene.identity.last_seen_at = utcnow() - dt.timedelta(hours=1)
    demo_session.add(scene.identity)
    fake_zalo.enforce_window = True
    fake_zalo.user_wrote(USER, LAST_MESSAGE, at=time.time() - 3600)
    payload, _name, _value = await KINDS[kind](demo_session, scene)
    await set_template(demo_session, kind, "tpl-unused")
    message_id = await planned(demo_session, scene, payload, f"test:{kind}")

    await worker(db, zalo).run_once()

    assert (await status_of(demo_session, message_id)).status == OutboxStatus.SENT
    calls = fake_zalo.calls(MESSAGE_PATH)
    assert calls, "no consultation message"
    assert {call.reply_to for call in calls} == {LAST_MESSAGE}
    assert {call.counted_as for call in calls} == {"reply"}
    assert fake_zalo.calls(TEMPLATE_PATH) == []


async def test_a_reply_zalo_refuses_as_outside_the_window_goes_as_the_template_at_once(
    db: Database,
    zalo: ZaloService,
    fake_zalo: FakeZalo,
    demo_session: AsyncSession,
    scene: Scene,
) -> None:
    """Our records say the window is open, Zalo says -230: the template goes in the same
    attempt, and the message is sent."""
    scene.identity.last_seen_at = utcnow() - dt.timedelta(hours=1)
    demo_session.add(scene.identity)
    fake_zalo.approve_template("tpl-k", TEMPLATE_PARAMS[TemplateKind.KICKOFF])
    fake_zalo.fail_next(-230)
    await set_template(demo_session, TemplateKind.KICKOFF, "tpl-k")
    payload, _n, _v = await _kickoff(demo_session, scene)
    message_id = await planned(demo_session, scene, payload, "kick")

    assert await worker(db, zalo).run_once() == 1

    assert (await status_of(demo_session, message_id)).status == OutboxStatus.SENT
    assert [call.ok for call in fake_zalo.calls(MESSAGE_PATH)] == [False]
    assert [t["tracking_id"] for t in fake_zalo.templates_sent(PHONE)] == ["kick"]


async def test_without_a_template_the_message_goes_to_the_persons_telegram(
    db: Database,
    zalo: ZaloService,
    fake_zalo: FakeZalo,
    demo_session: AsyncSession,
    scene: Scene,
) -> None:
    """No template for the kind: the kick-off is ended on Zalo and sent on Telegram; nobody
    bothers the admins."""
    closed_window(fake_zalo)
    demo_session.add(
        ChannelIdentity(channel="telegram", external_id=TELEGRAM_CHAT, person_id=scene.person.id)
    )
    payload, _n, _v = await _kickoff(demo_session, scene)
    message_id = await planned(demo_session, scene, payload, "kick")
    telegram = RecordingSender()

    assert await worker(db, zalo, telegram=telegram).run_once() == 2

    ended = await status_of(demo_session, message_id)
    assert ended.status == OutboxStatus.REROUTED
    assert ended.last_error == (
        "Zalo: outside Zalo's reply window, no template set for kickoff; sent on telegram instead"
    )
    ((recipient, replies),) = telegram.sent
    assert recipient == TELEGRAM_CHAT
    assert "Xã" in replies[0].text
    assert fake_zalo.calls() == []
    notices = await demo_session.execute(
        select(OutboxMessage).where(OutboxMessage.recipient == ADMIN_CHAT)
    )
    assert notices.scalars().all() == []


async def test_with_no_way_left_the_admins_are_told_once_per_person_and_quarter(
    db: Database,
    zalo: ZaloService,
    fake_zalo: FakeZalo,
    demo_session: AsyncSession,
    scene: Scene,
) -> None:
    """Two unasked messages fail the same way: one notice, naming the first, with causes."""
    closed_window(fake_zalo)
    scene.person.phone = None
    demo_session.add(scene.person)
    kickoff, _n, _v = await _kickoff(demo_session, scene)
    first = await planned(demo_session, scene, kickoff, "kick")
    escalation, _n, _v = await _escalation(demo_session, scene)
    await planned(demo_session, scene, escalation, "escalate")

    await worker(db, zalo).run_once()

    notices = (
        (
            await demo_session.execute(
                select(OutboxMessage).where(OutboxMessage.recipient == ADMIN_CHAT)
            )
        )
        .scalars()
        .all()
    )
    assert [n.payload for n in notices] == [
        {
            "kind": "person_unreached",
            "person_id": scene.person.id,
            "message_id": first,
            "message_kind": "quarter_kickoff",
            "causes": ["window_closed", "no_template", "no_phone", "no_other_account"],
        }
    ]


async def test_a_number_without_zalo_is_remembered_and_the_next_channel_is_tried(
    db: Database,
    zalo: ZaloService,
    fake_zalo: FakeZalo,
    demo_session: AsyncSession,
    scene: Scene,
) -> None:
    """-118: the number is marked as without Zalo (no template goes there again until it
    changes) and the admins hear why."""
    closed_window(fake_zalo)
    fake_zalo.approve_template("tpl-k", TEMPLATE_PARAMS[TemplateKind.KICKOFF])
    fake_zalo.phone_without_zalo(PHONE)
    await set_template(demo_session, TemplateKind.KICKOFF, "tpl-k")
    payload, _n, _v = await _kickoff(demo_session, scene)
    message_id = await planned(demo_session, scene, payload, "kick")

    await worker(db, zalo).run_once()

    assert (await status_of(demo_session, message_id)).status == OutboxStatus.FAILED
    person = await demo_session.get(Person, scene.person.id, populate_existing=True)
    assert person is not None
    assert person.phone_unreachable_since is not None
    notice = (
        await demo_session.execute(
            select(OutboxMessage).where(OutboxMessage.recipient == ADMIN_CHAT)
        )
    ).scalar_one()
    assert notice.payload["causes"] == ["phone_not_on_zalo", "no_other_account"]


@pytest.mark.parametrize(("code", "wait"), [(-115, 3600), (-133, None)])
async def test_an_exhausted_quota_or_the_night_waits_and_tries_again(
    db: Database,
    zalo: ZaloService,
    fake_zalo: FakeZalo,
    demo_session: AsyncSession,
    scene: Scene,
    code: int,
    wait: int | None,
) -> None:
    """Out of quota: an hour later. At night: the morning. The message stays pending."""
    closed_window(fake_zalo)
    fake_zalo.approve_template("tpl-k", TEMPLATE_PARAMS[TemplateKind.KICKOFF])
    fake_zalo.fail_next(code, path=TEMPLATE_PATH)
    await set_template(demo_session, TemplateKind.KICKOFF, "tpl-k")
    payload, _n, _v = await _kickoff(demo_session, scene)
    message_id = await planned(demo_session, scene, payload, "kick")
    before = utcnow()

    await worker(db, zalo).run_once()

    waiting = await status_of(demo_session, message_id)
    assert waiting.status == OutboxStatus.PENDING
    delay = (waiting.next_attempt_at - before).total_seconds()
    assert 0 < delay <= (wait or 24 * 3600) + 5
    if wait:
        assert delay >= wait - 5


async def test_a_restart_mid_send_sends_the_template_once(
    db: Database,
    zalo: ZaloService,
    fake_zalo: FakeZalo,
    demo_session: AsyncSession,
    scene: Scene,
) -> None:
    """A worker that claimed the message and died before sending leaves it to the next
    worker after the lease; that one sends it once, and later rounds send nothing."""
    closed_window(fake_zalo)
    fake_zalo.approve_template("tpl-k", TEMPLATE_PARAMS[TemplateKind.KICKOFF])
    await set_template(demo_session, TemplateKind.KICKOFF, "tpl-k")
    payload, _n, _v = await _kickoff(demo_session, scene)
    message_id = await planned(demo_session, scene, payload, "kick")

    async with db.transaction() as session:  # the worker that died
        assert len(await claim_due(session, now=utcnow(), channels=["zalo"])) == 1
    later = OutboxWorker(
        db,
        {"zalo": zalo.sender},
        policy=OutboxPolicy(per_chat_interval=0),
        clock=lambda: utcnow() + dt.timedelta(minutes=3),
    )

    assert await later.run_once() == 1
    assert await later.run_once() == 0

    assert (await status_of(demo_session, message_id)).status == OutboxStatus.SENT
    assert [t["tracking_id"] for t in fake_zalo.templates_sent()] == ["kick"]
