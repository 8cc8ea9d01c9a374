"""No button, forged or stale, changes an item outside the presser's scope or sends it to a
unit or office the card would not offer."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from handlers import payloads as p
from storage.db import Database
from storage.invites import create_invite
from storage.models import (
    AdminUnit,
    ChannelIdentity,
    FeedbackEvent,
    FeedbackItem,
    Office,
    Status,
)
from storage.referrals import assignable_offices, referral_targets
from storage.scope import handler_scope_clause, item_scope_clause, load_actor
from tests import factories as f
from tests.handlers.chat import Chat

NOW = dt.datetime(2026, 6, 10, 3, 0, tzinfo=dt.UTC)


@dataclass(frozen=True)
class Snapshot:
    """What a press could change about an item."""

    status: str
    unit: int | None
    office: int | None
    rating: int | None
    events: int


async def snapshot(session: AsyncSession) -> dict[int, Snapshot]:
    """Return every item's state, read fresh."""
    session.expire_all()
    events = dict(
        (
            await session.execute(
                select(FeedbackEvent.item_id, func.count()).group_by(FeedbackEvent.item_id)
            )
        ).all()
    )
    items = (await session.execute(select(FeedbackItem))).scalars().all()
    return {
        i.id or 0: Snapshot(
            i.status, i.assignee_unit_id, i.assignee_office_id, i.satisfaction, events[i.id]
        )
        for i in items
    }


@pytest.fixture
async def world(db: Database, demo_session: AsyncSession) -> dict[str, object]:
    """Items of three communes in many states, and people of several scopes, each with a chat."""
    s = demo_session
    statuses = list(Status)
    directors = [
        await f.director_of(s, name)
        for name in ("HTX Trinh Phú", "HTX Đại Đoàn Kết", "HTX Thành Công")
    ]
    for number, status in enumerate(statuses * 2):
        await f.item(s, directors[number % 3], status=status, now=NOW - dt.timedelta(days=number))
    chats: dict[str, Chat] = {}
    invites = [
        ("leader_alt", "commune_leader", "Xã An Lạc Thôn", None),
        ("leader_dh", "commune_leader", "Xã Đại Hải", None),
        ("official_dh", "official", "Xã Đại Hải", None),
        ("official_ct", "official", "Thành phố Cần Thơ", None),
        ("director_tp", "director", None, "HTX Trinh Phú"),
    ]
    for number, (name, role, unit, cooperative) in enumerate(invites, start=1):
        unit_id = (await f.unit(s, unit)).id if unit else None
        coop_id = (await f.cooperative(s, cooperative)).id if cooperative else None
        code = (
            await create_invite(s, role=role, unit_id=unit_id, cooperative_id=coop_id, now=NOW)
        ).code
        await s.commit()
        chat = Chat(db, user=str(9900 + number), now=NOW)
        await chat.join(code)
        chats[name] = chat
    units = [u.id for u in (await s.execute(select(AdminUnit))).scalars()]
    offices = [o.id for o in (await s.execute(select(Office))).scalars()]
    items = list((await snapshot(s)).keys())
    return {"chats": chats, "units": units, "offices": offices, "items": items}


def presses(items: list[int], units: list[int], offices: list[int]) -> st.SearchStrategy[str]:
    """Payloads of every card action, with ids of any item, unit or office (and some junk)."""
    item = st.sampled_from([*items, 999_999])
    unit = st.sampled_from([*units, 999_999])
    office = st.sampled_from([*offices, 999_999])
    kinds = st.one_of(
        st.builds(p.Refer, item, unit),
        st.builds(p.AssignOffice, item, office),
        st.builds(p.Acknowledge, item),
        st.builds(p.StartWork, item),
        st.builds(p.AssignOffice, item, office),
        st.builds(p.Refer, item, unit),
        st.builds(p.MyItemConfirm, item),
        st.builds(p.RateAnswer, item, st.integers(1, 5)),
        st.builds(p.OpenItem, item),
        st.builds(p.MyItem, item),
    ).map(lambda press: press.encode())
    texts = st.sampled_from(
        ["ib:r:{i}", "ib:d:{i}", "ib:n:{i}", "ib:q:{i}", "my:r:{i}", "my:a:{i}"]
    )
    with_text = st.tuples(texts, item).map(lambda pair: pair[0].format(i=pair[1]))
    return st.one_of(kinds, with_text, st.text(max_size=20))


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
async def test_no_press_changes_an_item_outside_scope_or_sends_it_where_not_offered(
    demo_session: AsyncSession, world: dict[str, object], data: st.DataObject
) -> None:
    """For random people and forged payloads, every change is in scope and was on offer."""
    chats: dict[str, Chat] = world["chats"]  # type: ignore[assignment]
    strategy = presses(world["items"], world["units"], world["offices"])  # type: ignore[arg-type]
    for _ in range(8):
        name = data.draw(st.sampled_from(sorted(chats)))
        await press_and_check(demo_session, name, chats[name], data.draw(strategy))


async def press_and_check(session: AsyncSession, name: str, chat: Chat, payload: str) -> None:
    """Press ``payload`` as ``chat`` (then type a text) and check what changed."""
    actor = await load_actor(session, await chat_person(session, chat), NOW)
    handled = set(
        (
            await session.execute(select(FeedbackItem.id).where(handler_scope_clause(actor)))
        ).scalars()
    )
    visible = set(
        (await session.execute(select(FeedbackItem.id).where(item_scope_clause(actor)))).scalars()
    )
    offered_units, offered_offices = {}, {}
    for item in (await session.execute(select(FeedbackItem))).scalars():
        offered_units[item.id] = {u.id for u in await referral_targets(session, item, NOW)}
        offered_offices[item.id] = {o.id for o in await assignable_offices(session, item)}
    before = await snapshot(session)

    await chat.press(payload)
    # Whatever text the press asked for (an answer, a reason, a question) comes next.
    await chat.say("Nội dung trả lời đủ dài để được chấp nhận.")

    after = await snapshot(session)
    for item_id, state in after.items():
        old = before[item_id]
        if state == old:
            continue
        assert item_id in handled | visible, (name, payload, item_id)
        if state.unit != old.unit:
            assert item_id in handled
            assert state.unit in offered_units[item_id], (name, payload)
        if state.office != old.office:
            assert item_id in handled
            assert state.office in offered_offices[item_id], (name, payload)
        if state.rating != old.rating:
            assert item_id in visible
            assert old.status in {Status.RESOLVED, Status.CLOSED}


async def chat_person(session: AsyncSession, chat: Chat) -> int:
    """Return the person behind a chat's account."""
    identity = (
        await session.execute(
            select(ChannelIdentity).where(
                ChannelIdentity.channel == chat.channel, ChannelIdentity.external_id == chat.user
            )
        )
    ).scalar_one()
    return identity.person_id or 0
