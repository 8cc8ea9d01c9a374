"""Alerts reach whoever handles an item, once per event and account, never the actor."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.alerts import plan_alerts, units_containing
from storage.feedback import add_note, change_status
from storage.handling import assign_office
from storage.models import (
    AdminUnit,
    AlertMode,
    ChannelIdentity,
    FeedbackEvent,
    Office,
    OutboxMessage,
    Person,
    RoleAssignment,
    Status,
)
from storage.outbox_payloads import AlertDigest, read_payload
from storage.questions import ask_cooperative
from storage.reminders import plan_due
from storage.scope import Actor, in_unit_subtree
from tests import factories as f

LATER = f.T0 + dt.timedelta(hours=2)


async def account(session: AsyncSession, person: Actor, external_id: str) -> ChannelIdentity:
    """Give ``person`` a Telegram account."""
    identity = ChannelIdentity(
        channel="telegram", external_id=external_id, person_id=person.person_id
    )
    session.add(identity)
    await session.flush()
    return identity


async def alerts(session: AsyncSession) -> list[tuple[str, str]]:
    """Return (recipient, dedupe key) of every alert planned so far."""
    rows = await session.execute(select(OutboxMessage).order_by(OutboxMessage.id))
    return [
        (m.recipient, m.dedupe_key)
        for m in rows.scalars()
        if m.payload.get("kind") in {"item_alert", "alert_digest"}
    ]


@pytest.fixture
async def people(demo_session: AsyncSession) -> dict[str, Actor]:
    """A director of HTX Trinh Phú (Xã An Lạc Thôn), its leader, the province's official, a
    leader of another commune, all with accounts."""
    s = demo_session
    an_lac_thon = await f.unit(s, "Xã An Lạc Thôn")
    dai_hai = await f.unit(s, "Xã Đại Hải")
    can_tho = await f.unit(s, "Thành phố Cần Thơ")
    found = {
        "director": await f.director_of(s, "HTX Trinh Phú"),
        "leader": await f.actor(s, "commune_leader", unit_id=an_lac_thon.id),
        "official": await f.actor(s, "official", unit_id=can_tho.id),
        "elsewhere": await f.actor(s, "commune_leader", unit_id=dai_hai.id),
    }
    for number, person in enumerate(found.values(), start=1):
        await account(s, person, str(number))
    return found


async def test_a_new_item_alerts_its_commune_leader_and_the_province_but_not_others(
    demo_session: AsyncSession, people: dict[str, Actor]
) -> None:
    """The leader of the item's commune and the province's official are told; Đại Hải's not."""
    item = await f.item(demo_session, people["director"])
    planned = await alerts(demo_session)
    assert sorted(recipient for recipient, _ in planned) == ["2", "3"]
    assert all(key.startswith("alert:") for _, key in planned)
    assert item.id is not None


async def test_each_event_alerts_once_per_account_and_never_the_actor(
    demo_session: AsyncSession, people: dict[str, Actor]
) -> None:
    """Reopen, information, reply and referral each alert the others, once each."""
    item = await f.item(demo_session, people["director"])
    before = len(await alerts(demo_session))
    await change_status(
        demo_session, people["leader"], item.id or 0, Status.RESOLVED, text="Đã xử lý.", now=LATER
    )
    assert len(await alerts(demo_session)) == before  # an answer is not an alert
    await change_status(
        demo_session,
        people["director"],
        item.id or 0,
        Status.REOPENED,
        text="Ngân hàng chưa giải ngân.",
        now=LATER,
    )
    await add_note(
        demo_session, people["director"], item.id or 0, "Kèm hợp đồng.", internal=False, now=LATER
    )
    await ask_cooperative(
        demo_session, people["official"], item.id or 0, "Số tiền vay bao nhiêu?", now=LATER
    )
    await add_note(
        demo_session,
        people["director"],
        item.id or 0,
        "500 triệu đồng.",
        internal=False,
        now=LATER,
    )
    province = await f.unit(demo_session, "Thành phố Cần Thơ")
    await change_status(
        demo_session,
        people["leader"],
        item.id or 0,
        Status.REFERRED,
        referred_unit_id=province.id,
        now=LATER,
    )
    planned = (await alerts(demo_session))[before:]
    by_event: dict[str, list[str]] = {}
    for recipient, key in planned:
        by_event.setdefault(key.rsplit(":", 1)[0], []).append(recipient)
    # Reopened, and what the cooperative added in one go (the information and, minutes later,
    # the reply): leader and official; the referral (made by the leader): the official.
    assert sorted(map(sorted, by_event.values())) == [["2", "3"], ["2", "3"], ["3"]]
    assert len({key for _, key in planned}) == len(planned)


async def test_additions_an_hour_apart_alert_twice(
    demo_session: AsyncSession, people: dict[str, Actor]
) -> None:
    """What a cooperative adds in one go is one alert; a later addition is another."""
    item = await f.item(demo_session, people["director"])
    before = len(await alerts(demo_session))
    for minutes in (0, 3, 70):
        await add_note(
            demo_session,
            people["director"],
            item.id or 0,
            f"Bổ sung lần {minutes}.",
            internal=False,
            now=LATER + dt.timedelta(minutes=minutes),
        )
    assert len(await alerts(demo_session)) - before == 2 * 2


async def test_planning_an_event_twice_alerts_once(
    demo_session: AsyncSession, people: dict[str, Actor]
) -> None:
    """The dedupe key is the event and the account: a retried plan adds nothing."""
    item = await f.item(demo_session, people["director"])
    event = (
        await demo_session.execute(select(FeedbackEvent).where(FeedbackEvent.item_id == item.id))
    ).scalar_one()
    assert await plan_alerts(demo_session, item, event, LATER) == 0
    assert len(await alerts(demo_session)) == 2


async def test_an_office_hears_of_what_is_assigned_to_it(
    demo_session: AsyncSession, people: dict[str, Actor]
) -> None:
    """An official of an office is alerted when an item is assigned to that office."""
    office = (
        await demo_session.execute(select(Office).where(Office.key == "finance"))
    ).scalar_one_or_none()
    assert office is not None
    dai_hai = await f.unit(demo_session, "Xã Đại Hải")
    clerk = await f.actor(demo_session, "official", unit_id=dai_hai.id)
    assignment = (
        await demo_session.execute(
            select(RoleAssignment).where(RoleAssignment.person_id == clerk.person_id)
        )
    ).scalar_one()
    assignment.office_id = office.id
    await account(demo_session, clerk, "9")
    item = await f.item(demo_session, people["director"])
    before = len(await alerts(demo_session))
    await assign_office(demo_session, people["leader"], item.id or 0, office.id or 0, now=LATER)
    assert sorted(r for r, _ in (await alerts(demo_session))[before:]) == ["3", "9"]


async def test_daily_alerts_come_as_one_digest_and_none_when_nothing_happened(
    demo_session: AsyncSession, people: dict[str, Actor]
) -> None:
    """A person on /alerts daily gets no alert at once, one digest at 16:30, none the next day."""
    leader = await demo_session.get(Person, people["leader"].person_id)
    assert leader is not None
    leader.alert_mode = AlertMode.DAILY
    await f.item(
        demo_session, people["director"], now=dt.datetime(2026, 3, 2, 2, 0, tzinfo=dt.UTC)
    )
    assert [r for r, _ in await alerts(demo_session)] == ["3"]
    digest_time = dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.UTC)  # 16:30 in Vietnam
    await plan_due(demo_session, digest_time)
    await plan_due(demo_session, digest_time + dt.timedelta(minutes=5))
    expected = f"alerts:2026-03-02:p{leader.id}"
    assert [k for r, k in await alerts(demo_session) if r == "2"] == [expected]
    await plan_due(demo_session, digest_time + dt.timedelta(days=1))
    assert len([k for r, k in await alerts(demo_session) if r == "2"]) == 1


async def test_the_daily_digest_skips_days_off_and_then_covers_them(
    demo_session: AsyncSession, people: dict[str, Actor]
) -> None:
    """An item filed on Saturday is in no digest that weekend; Monday's digest, the next
    working day's, covers everything since Friday's."""
    leader = await demo_session.get(Person, people["leader"].person_id)
    assert leader is not None
    leader.alert_mode = AlertMode.DAILY
    saturday = dt.datetime(2026, 3, 7, 2, 0, tzinfo=dt.UTC)
    await f.item(demo_session, people["director"], now=saturday)
    await plan_due(demo_session, dt.datetime(2026, 3, 7, 9, 30, tzinfo=dt.UTC))
    await plan_due(demo_session, dt.datetime(2026, 3, 8, 9, 30, tzinfo=dt.UTC))
    assert [k for r, k in await alerts(demo_session) if r == "2"] == []

    await plan_due(demo_session, dt.datetime(2026, 3, 9, 9, 30, tzinfo=dt.UTC))

    planned = (
        await demo_session.execute(
            select(OutboxMessage).where(
                OutboxMessage.dedupe_key == f"alerts:2026-03-09:p{leader.id}"
            )
        )
    ).scalar_one()
    digest = read_payload(planned.payload)
    assert isinstance(digest, AlertDigest)
    assert digest.since == dt.datetime(2026, 3, 6, 9, 30, tzinfo=dt.UTC)  # Friday, 16:30


async def test_units_containing_is_the_inverse_of_the_scope_subtree(
    demo_session: AsyncSession,
) -> None:
    """For every pair of demo units, A contains B exactly when B is in A's subtree."""
    units = [u.id for u in (await demo_session.execute(select(AdminUnit))).scalars()]
    for inner in units:
        containing = set((await demo_session.execute(units_containing(inner or 0))).scalars())
        for outer in units:
            subtree = await demo_session.execute(
                select(AdminUnit.id).where(
                    AdminUnit.id == inner, in_unit_subtree(AdminUnit.id, [outer or 0])
                )
            )
            assert (outer in containing) == (subtree.first() is not None), (inner, outer)
