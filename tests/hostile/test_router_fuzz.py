"""Fuzzing every route through the router: commands with hostile arguments, every kind of
button with arguments in and out of bounds, typed labels, random text, files.

Five people (a director, a commune leader of another commune, an official of the province,
an admin, a stranger) act in turns on a database holding items in two communes. Each
example is a short conversation; between its steps the buttons a person was last shown can
be pressed or their labels typed, so the fuzz walks deep into the flows, not only their
doors. After every step:

- nothing raised: the router's outcome is never "error" (a contained failure is a failure);
- no change outside the actor's scope: every item that changed is one the actor may see;
- nothing stored half: every item has its CREATED event and a well-formed, unique reference.

The seed is fresh each run and printed in pytest's header (tests/hostile/fuzzing.py).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.router import Router
from handlers.turn import HandlerConfig
from handlers.types import Incoming, IncomingKind, Media, MediaKind
from storage.db import Database
from storage.demo_data import load_demo_data
from storage.models import (
    ChannelIdentity,
    FeedbackEvent,
    FeedbackItem,
)
from storage.scope import Actor, item_scope_clause, load_actor
from tests import factories as f
from tests.hostile.fuzzing import EXAMPLES, fuzz_settings, run_seeded
from tests.hostile.strategies import ARGUMENTS, COMMAND_NAMES, payloads
from tests.support.invariants import check_stored_whole

pytestmark = pytest.mark.slow

NOW = dt.datetime(2026, 6, 10, 3, 0, tzinfo=dt.UTC)
DIRECTOR, LEADER, OFFICIAL, ADMIN, STRANGER = "7001", "7002", "7003", "7004", "7005"
PEOPLE = (DIRECTOR, LEADER, OFFICIAL, ADMIN, STRANGER)
REFERENCE = re.compile(r"PA-\d{4}-\d{6}")


@dataclass(frozen=True)
class Step:
    """One thing a person does; ``choice`` picks among the buttons they were last shown."""

    person: str
    kind: str
    text: str = ""
    choice: int = 0


persons = st.sampled_from(PEOPLE)
steps = st.one_of(
    st.builds(
        Step,
        persons,
        st.just("command"),
        st.builds(lambda name, arguments: f"{name} {arguments}", COMMAND_NAMES, ARGUMENTS),
    ),
    st.builds(Step, persons, st.just("press"), payloads()),
    st.builds(Step, persons, st.sampled_from(["shown", "label"]), choice=st.integers(0, 30)),
    st.builds(Step, persons, st.just("text"), st.one_of(ARGUMENTS, st.text(max_size=300))),
    st.builds(Step, persons, st.just("file"), st.text(max_size=60)),
)


@dataclass
class World:
    """The people, their last buttons and the router, shared by every example."""

    database: Database
    router: Router
    outcomes: list[str] = field(default_factory=list)
    shown: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    updates: int = 0

    def incoming(self, step: Step) -> Incoming:
        """Return the event ``step`` stands for."""
        self.updates += 1
        base: dict[str, Any] = {
            "channel": "telegram",
            "external_id": step.person,
            "chat_id": step.person,
            "display_name": "Người thử",
            "platform_locale": "vi",
            "update_id": str(self.updates),
        }
        buttons = self.shown.get(step.person) or [("?", step.text)]
        label, payload = buttons[step.choice % len(buttons)]
        if step.kind == "command":
            name, _, arguments = step.text.partition(" ")
            return Incoming(kind=IncomingKind.COMMAND, command=name, text=arguments, **base)
        if step.kind in ("press", "shown"):
            pressed = step.text if step.kind == "press" else payload
            return Incoming(kind=IncomingKind.BUTTON, payload=pressed, **base)
        if step.kind == "label":
            return Incoming(kind=IncomingKind.TEXT, text=label.lower(), **base)
        if step.kind == "file":
            media = (Media(MediaKind.PHOTO, f"photo-{self.updates}"),)
            return Incoming(kind=IncomingKind.MEDIA, media=media, text=step.text[:50], **base)
        return Incoming(kind=IncomingKind.TEXT, text=step.text, **base)


@dataclass(frozen=True)
class ItemState:
    """What a step could change about an item."""

    status: str
    unit: int | None
    office: int | None
    rating: int | None
    events: int


async def item_states(session: AsyncSession) -> dict[int, ItemState]:
    """Return every item's state, read fresh."""
    events = dict(
        (
            await session.execute(
                select(FeedbackEvent.item_id, func.count()).group_by(FeedbackEvent.item_id)
            )
        ).all()
    )
    return {
        item.id or 0: ItemState(
            item.status,
            item.assignee_unit_id,
            item.assignee_office_id,
            item.satisfaction,
            events.get(item.id, 0),
        )
        for item in (await session.execute(select(FeedbackItem))).scalars()
    }


async def visible_items(session: AsyncSession, actor: Actor | None) -> set[int]:
    """Return the ids of the items ``actor`` may see (none for a stranger)."""
    if actor is None:
        return set()
    rows = await session.execute(select(FeedbackItem.id).where(item_scope_clause(actor)))
    return {int(row) for row in rows.scalars()}


async def people(session: AsyncSession) -> dict[str, int | None]:
    """Give the fuzzed people their roles and items in two communes; return person ids."""
    await load_demo_data(session)
    trinh_phu = await f.director_of(session, "HTX Trinh Phú")
    other = await f.director_of(session, "HTX Đại Đoàn Kết")
    for number in range(3):
        await f.item(session, trinh_phu, now=NOW - dt.timedelta(days=10 * number))
        await f.item(session, other, category="land", now=NOW - dt.timedelta(days=number))
    actors = {
        DIRECTOR: trinh_phu,
        LEADER: await f.actor(
            session, "commune_leader", unit_id=(await f.unit(session, "Xã Đại Hải")).id
        ),
        OFFICIAL: await f.actor(
            session, "official", unit_id=(await f.unit(session, "Thành phố Cần Thơ")).id
        ),
        ADMIN: await f.actor(session, "admin"),
    }
    for user, actor in actors.items():
        session.add(
            ChannelIdentity(channel="telegram", external_id=user, person_id=actor.person_id)
        )
    await session.commit()
    ids: dict[str, int | None] = {user: actor.person_id for user, actor in actors.items()}
    ids[STRANGER] = None
    return ids


async def test_every_route_survives_hostile_events_within_scope_and_whole(
    db: Database, session: AsyncSession
) -> None:
    """Thousands of random conversations: no failure, no change outside the actor's scope,
    nothing stored half."""
    person_ids = await people(session)
    world = World(db, Router(db, HandlerConfig(), clock=lambda: NOW))
    world.router.observe = lambda _channel, outcome: world.outcomes.append(outcome)
    loop = asyncio.get_running_loop()

    async def act(step: Step) -> None:
        person_id = person_ids[step.person]
        async with db.session() as check:
            actor = await load_actor(check, person_id, now=NOW) if person_id else None
            before, visible = await item_states(check), await visible_items(check, actor)
        replies = await world.router.handle(world.incoming(step))
        assert world.outcomes[-1] != "error", f"{step} failed inside the router"
        world.shown[step.person] = [
            (button.label, button.payload) for r in replies for row in r.buttons for button in row
        ] or world.shown.get(step.person, [])
        async with db.session() as check:
            after = await item_states(check)
            changed = {i for i in before if before[i] != after.get(i)}
            assert changed <= visible, f"{step} changed items {changed - visible} out of scope"
            await check_stored_whole(check)

    async def conversation(drawn: list[Step]) -> None:
        for step in drawn:
            await act(step)

    @fuzz_settings(EXAMPLES)
    @given(st.lists(steps, min_size=1, max_size=4))
    def fuzz(drawn: list[Step]) -> None:
        asyncio.run_coroutine_threadsafe(conversation(drawn), loop).result(timeout=120)

    await asyncio.to_thread(run_seeded, fuzz)
    assert len(world.outcomes) >= EXAMPLES
    assert world.outcomes.count("handled") > len(world.outcomes) // 2
