"""Chart and export figures equal independent Python counts on generated data, in scope."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.calendar import VIETNAM, Quarter
from storage.demo_data import load_demo_document
from storage.errors import PermissionDenied
from storage.models import (
    AdminUnit,
    Cooperative,
    FeedbackEvent,
    FeedbackItem,
    Meeting,
    MeetingAttendance,
    MeetingItem,
    Status,
    UnitLevel,
)
from storage.periods import parse_period
from storage.reporting.export_rows import export_items, meeting_rows
from storage.reporting.figures import (
    items_by_category_quarter,
    items_by_commune_status,
    meeting_compliance,
    status_counts,
    trend_quarters,
)
from storage.reporting.scope import ReportScope, ensure_unit_in_scope
from storage.scope import Actor
from tests import factories as f

NOW = dt.datetime(2026, 5, 20, 3, 0, tzinfo=dt.UTC)
TODAY = NOW.astimezone(VIETNAM).date()
Q2 = parse_period("2026Q2", TODAY)
QUARTERS = trend_quarters(Q2, TODAY)
CATEGORIES = ["credit", "land", "market", "ocop", "other"]

# (commune index among every demo commune of both eras, status, category, kind, minutes ago)
item_strategy = st.tuples(
    st.integers(min_value=0, max_value=19),
    st.sampled_from(list(Status)),
    st.sampled_from(CATEGORIES),
    st.sampled_from(["difficulty", "proposal", "question"]),
    st.integers(min_value=0, max_value=400 * 24 * 60),
)
meeting_strategy = st.tuples(st.integers(min_value=0, max_value=19), st.sampled_from(QUARTERS))


async def communes(session: AsyncSession) -> list[AdminUnit]:
    """Return every demo commune, of before and after the 2025 reform, in a stable order."""
    rows = await session.execute(
        select(AdminUnit).where(AdminUnit.level == UnitLevel.COMMUNE).order_by(AdminUnit.code)
    )
    found = list(rows.scalars())
    assert len(found) == 20
    return found


def today_names(units: list[AdminUnit]) -> dict[int, str]:
    """Map each commune id to today's commune name, read from the demo document itself."""
    document = load_demo_document()
    successor = {code: new["name"] for new in document["new_communes"] for code in new["from"]}
    return {u.id or 0: u.name if u.valid_to is None else successor[u.code] for u in units}


async def fill(
    session: AsyncSession, specs: list[tuple], meetings: list[tuple]
) -> tuple[list[FeedbackItem], list[AdminUnit]]:
    """Replace every item and meeting with generated ones."""
    for table in (MeetingItem, MeetingAttendance, Meeting, FeedbackEvent, FeedbackItem):
        await session.execute(delete(table))
    units = await communes(session)
    coop = (await session.execute(select(Cooperative).limit(1))).scalar_one()
    items = []
    for number, (index, status, category, kind, minutes) in enumerate(specs):
        created = NOW - dt.timedelta(minutes=minutes)
        item = FeedbackItem(
            reference=f"PA-T-{number:06d}",
            cooperative_id=coop.id or 0,
            kind=kind,
            category_key=category,
            text="Thiếu vốn sản xuất vụ mới.",
            commune_id=units[index].id or 0,
            status=status,
            due_at=created + dt.timedelta(days=15),
            created_at=created,
        )
        session.add(item)
        items.append(item)
    for index, quarter in meetings:
        session.add(
            Meeting(
                commune_id=units[index].id or 0, quarter=quarter.key, held_on=quarter.first_day
            )
        )
    await session.flush()
    return items, units


def quarter_of(item: FeedbackItem) -> Quarter:
    """Return the local quarter an item was filed in."""
    return Quarter.of(item.created_at.astimezone(VIETNAM).date())


@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    specs=st.lists(item_strategy, max_size=30),
    meetings=st.lists(meeting_strategy, max_size=12),
    viewer=st.sampled_from(["admin", "official", "leader", "official+unit"]),
)
async def test_chart_figures_equal_an_independent_count(
    demo_session: AsyncSession, specs: list[tuple], meetings: list[tuple], viewer: str
) -> None:
    """Per commune × status, per quarter × category, compliance and export rows all agree."""
    items, units = await fill(demo_session, specs, meetings)
    names = today_names(units)
    an_lac_thon = await f.unit(demo_session, "Xã An Lạc Thôn")
    province = await f.unit(demo_session, "Thành phố Cần Thơ")
    actor: Actor
    chosen: tuple[int, ...] = ()
    if viewer == "admin":
        actor = await f.actor(demo_session, "admin")
    elif viewer == "leader":
        actor = await f.actor(demo_session, "commune_leader", unit_id=an_lac_thon.id)
    else:
        actor = await f.actor(demo_session, "official", unit_id=province.id)
        chosen = (an_lac_thon.id or 0,) if viewer == "official+unit" else ()
    limited = viewer in {"leader", "official+unit"}

    def visible(item: FeedbackItem) -> bool:
        return not limited or names[item.commune_id] == "Xã An Lạc Thôn"

    scope = ReportScope(actor, Q2, chosen)
    start, end = Q2.bounds()
    in_period = [i for i in items if visible(i) and start <= i.created_at < end]

    by_commune = await items_by_commune_status(demo_session, scope)
    assert {(r.commune, r.status): r.count for r in by_commune} == dict(
        Counter((names[i.commune_id], i.status) for i in in_period)
    )

    trend = await items_by_category_quarter(demo_session, scope, QUARTERS)
    expected = Counter(
        (quarter_of(i).key, i.category_key)
        for i in items
        if visible(i) and quarter_of(i) in QUARTERS
    )
    assert trend == dict(expected)

    assert await status_counts(demo_session, scope, "kind") == dict(
        Counter((i.kind, i.status) for i in in_period)
    )
    rows = await export_items(demo_session, scope, NOW)
    assert sorted(r.reference for r in rows) == sorted(i.reference for i in in_period)
    assert {r.reference: r.commune for r in rows} == {
        i.reference: names[i.commune_id] for i in in_period
    }

    in_scope = {"Xã An Lạc Thôn"} if limited else {u.name for u in units if u.valid_to is None}
    compliance = await meeting_compliance(demo_session, scope, QUARTERS)
    for found in compliance:
        met = {names[units[i].id or 0] for i, q in meetings if q == found.quarter}
        assert (found.held, found.total) == (len(met & in_scope), len(in_scope))

    listed = await meeting_rows(demo_session, scope, QUARTERS)
    assert {(r.quarter, r.commune) for r in listed} == {(q, c) for q in QUARTERS for c in in_scope}
    assert sum(1 for r in listed if r.held_on is not None) == sum(
        1 for i, _q in meetings if names[units[i].id or 0] in in_scope
    )


async def test_an_old_commune_counts_under_todays_commune(demo_session: AsyncSession) -> None:
    """An item filed under Xã Trinh Phú (abolished 2025) is counted in Xã An Lạc Thôn."""
    old = await f.unit(demo_session, "Xã Trinh Phú", current=False)
    units = await communes(demo_session)
    index = next(i for i, u in enumerate(units) if u.id == old.id)
    await fill(demo_session, [(index, Status.NEW, "credit", "difficulty", 60)], [])
    admin = await f.actor(demo_session, "admin")
    [row] = await items_by_commune_status(demo_session, ReportScope(admin, Q2))
    assert (row.commune, row.status, row.count) == ("Xã An Lạc Thôn", "new", 1)


async def test_units_are_checked_against_the_actors_area(demo_session: AsyncSession) -> None:
    """A leader's own commune and its predecessors are inside; a neighbour is not."""
    own = await f.unit(demo_session, "Xã An Lạc Thôn")
    leader = await f.actor(demo_session, "commune_leader", unit_id=own.id)
    assert (await ensure_unit_in_scope(demo_session, leader, own.id or 0)).name == own.name
    old = await f.unit(demo_session, "Xã Trinh Phú", current=False)
    assert await ensure_unit_in_scope(demo_session, leader, old.id or 0)
    for name in ("Xã Đại Hải", "Thành phố Cần Thơ"):
        with pytest.raises(PermissionDenied):
            await ensure_unit_in_scope(demo_session, leader, (await f.unit(demo_session, name)).id)
    director = await f.director_of(demo_session, "HTX Trinh Phú")
    with pytest.raises(PermissionDenied):
        await ensure_unit_in_scope(demo_session, director, own.id or 0)


async def test_a_former_district_is_inside_when_all_its_communes_are(
    demo_session: AsyncSession,
) -> None:
    """Huyện Kế Sách (no successor) is inside Cần Thơ's official's area, not a leader's."""
    district = await f.unit(demo_session, "Huyện Kế Sách", current=False)
    province = await f.unit(demo_session, "Thành phố Cần Thơ")
    official = await f.actor(demo_session, "official", unit_id=province.id)
    assert (await ensure_unit_in_scope(demo_session, official, district.id or 0)).id == district.id
    leader = await f.actor(
        demo_session, "commune_leader", unit_id=(await f.unit(demo_session, "Xã An Lạc Thôn")).id
    )
    with pytest.raises(PermissionDenied):
        await ensure_unit_in_scope(demo_session, leader, district.id or 0)
    scope = ReportScope(official, Q2, (district.id or 0,))
    [compliance] = await meeting_compliance(demo_session, scope, [QUARTERS[-1]])
    assert compliance.total == 6  # every commune of today that took in a part of the district


def test_trend_quarters_end_at_the_periods_last_quarter_or_today() -> None:
    """Four quarters up to the period's last one, but never past the current quarter."""
    assert [q.key for q in trend_quarters(parse_period("2025Q3", TODAY), TODAY)] == [
        "2024Q4",
        "2025Q1",
        "2025Q2",
        "2025Q3",
    ]
    assert trend_quarters(parse_period("2026", TODAY), TODAY)[-1].key == "2026Q2"
