"""Inviting and listing people from the chat: pages of eight, in name order, searched by name."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import AdminUnit, Cooperative, CooperativeStatus, UnitLevel
from storage.people_admin import invitable_communes, invitable_cooperatives, list_grantees
from storage.text import fold_unit_name
from storage.units import rebuild_unit_closure
from tests import factories as f

NOW = f.T0


async def next_code(session: AsyncSession) -> int:
    """Return a number no unit's code uses yet."""
    return len((await session.execute(select(AdminUnit.id))).all())


async def add_commune(session: AsyncSession, name: str) -> AdminUnit:
    """Add a commune of today to Thành phố Cần Thơ."""
    province = await f.unit(session, "Thành phố Cần Thơ")
    commune = AdminUnit(
        code=f"T{len(name)}-{await next_code(session)}",
        name=name,
        unit_type="Xã",
        folded_name=fold_unit_name(name),
        level=UnitLevel.COMMUNE,
        parent_id=province.id,
        valid_from=dt.date(2025, 7, 1),
    )
    session.add(commune)
    await session.flush()
    return commune


async def test_communes_are_offered_eight_a_page_by_name_and_found_by_any_eras_name(
    demo_session: AsyncSession,
) -> None:
    """Ten communes: a first page of eight in folded-name order, then two; an old name finds
    today's commune; an unknown name finds nothing."""
    s = demo_session
    for name in ("Xã Tân Lập", "Xã Bình Minh", "Xã Tân Lập", "Xã Vĩnh Hải"):
        await add_commune(s, name)
    await rebuild_unit_closure(s)
    admin = await f.actor(s, "admin")
    today = await s.execute(
        select(AdminUnit).where(AdminUnit.level == "commune", AdminUnit.valid_to.is_(None))
    )
    expected = [u.id for u in sorted(today.scalars(), key=lambda u: (u.folded_name, u.id))]

    first, total = await invitable_communes(s, admin)
    second, _ = await invitable_communes(s, admin, offset=8)
    assert total == len(expected) == 10
    assert [u.id for u in first + second] == expected
    assert len(first) == 8

    found, count = await invitable_communes(s, admin, search="trinh phu")
    assert ([u.name for u in found], count) == (["Xã An Lạc Thôn"], 1)
    twins, _ = await invitable_communes(s, admin, search="tan lap")
    assert [u.name for u in twins] == ["Xã Tân Lập", "Xã Tân Lập"]
    assert twins[0].id < twins[1].id
    assert await invitable_communes(s, admin, search="Xã Hòa Bình") == ([], 0)


async def test_cooperatives_are_offered_eight_a_page_by_name_without_dissolved_ones(
    demo_session: AsyncSession,
) -> None:
    """The first page holds the first eight cooperatives by folded name; a dissolved one is
    never offered; 'HTX' before a searched name is ignored."""
    s = demo_session
    gone = await f.cooperative(s, "HTX Thành Công")
    gone.status = CooperativeStatus.DISSOLVED
    await s.flush()
    admin = await f.actor(s, "admin")
    rows = await s.execute(
        select(Cooperative).where(Cooperative.status != CooperativeStatus.DISSOLVED)
    )
    expected = [c.name for c in sorted(rows.scalars(), key=lambda c: (c.folded_name, c.id))]

    page, total = await invitable_cooperatives(s, admin)
    assert total == len(expected) == 11
    assert [c.name for c in page] == expected[:8]
    rest, _ = await invitable_cooperatives(s, admin, offset=8)
    assert [c.name for c in rest] == expected[8:]

    found, count = await invitable_cooperatives(s, admin, search="HTX thanh phu")
    assert ([c.name for c in found], count) == (["HTX Thành Phú"], 1)
    assert await invitable_cooperatives(s, admin, search="HTX Hòa Bình") == ([], 0)


async def test_people_are_listed_eight_a_page_by_role_scope_name_and_age(
    demo_session: AsyncSession,
) -> None:
    """Leaders before directors, then by commune or cooperative name, by person name, and
    the older grant first; only grants inside the official's unit are listed."""
    s = demo_session
    communes = {n: (await f.unit(s, n)).id for n in ("Xã An Lạc Thôn", "Xã Kế Sách")}
    coops = {n: (await f.cooperative(s, n)).id for n in ("HTX Lộc Mãi", "HTX Trinh Phú")}
    made = [
        ("director", "HTX Trinh Phú", "Anh"),
        ("commune_leader", "Xã Kế Sách", "Binh"),
        ("director", "HTX Lộc Mãi", "Chi"),
        ("commune_leader", "Xã An Lạc Thôn", "Dung"),
        ("commune_leader", "Xã An Lạc Thôn", "Cuong"),
        ("director", "HTX Lộc Mãi", "Anh"),
        ("director", "HTX Lộc Mãi", "Anh"),
        ("commune_leader", "Xã Kế Sách", ""),
        ("director", "HTX Trinh Phú", "Bao"),
    ]
    people = []
    for role, scope, name in made:
        if role == "director":
            person = await f.actor(s, role, cooperative_id=coops[scope], name=name)
        else:
            person = await f.actor(s, role, unit_id=communes[scope], name=name)
        people.append(person.person_id)
    await f.actor(s, "commune_leader", unit_id=(await f.unit(s, "Xã Nhơn Mỹ")).id, name="X")
    official = await f.actor(s, "official", unit_id=(await f.unit(s, "Xã Kế Sách")).id)
    official_of_an_lac_thon = await f.actor(s, "official", unit_id=communes["Xã An Lạc Thôn"])
    province = await f.actor(s, "official", unit_id=(await f.unit(s, "Thành phố Cần Thơ")).id)

    page, total = await list_grantees(s, province, NOW)
    rest, _ = await list_grantees(s, province, NOW, offset=8)
    listed = [(g.role, g.scope, g.name) for g in page + rest]
    assert total == 10 == len(listed)
    assert len(page) == 8
    assert listed == [
        ("commune_leader", "Xã An Lạc Thôn", "Cuong"),
        ("commune_leader", "Xã An Lạc Thôn", "Dung"),
        ("commune_leader", "Xã Kế Sách", ""),
        ("commune_leader", "Xã Kế Sách", "Binh"),
        ("commune_leader", "Xã Nhơn Mỹ", "X"),
        ("director", "HTX Lộc Mãi", "Anh"),
        ("director", "HTX Lộc Mãi", "Anh"),
        ("director", "HTX Lộc Mãi", "Chi"),
        ("director", "HTX Trinh Phú", "Anh"),
        ("director", "HTX Trinh Phú", "Bao"),
    ]
    twins = [g.person_id for g in page + rest if (g.scope, g.name) == ("HTX Lộc Mãi", "Anh")]
    assert twins == [people[5], people[6]]

    mine, count = await list_grantees(s, official, NOW)
    assert (sorted(g.name for g in mine), count) == (["", "Binh"], 2)
    theirs, _ = await list_grantees(s, official_of_an_lac_thon, NOW)
    assert {g.scope for g in theirs} == {"Xã An Lạc Thôn", "HTX Lộc Mãi", "HTX Trinh Phú"}
    director = await f.director_of(s, "HTX Trinh Phú")
    assert await list_grantees(s, director, NOW) == ([], 0)
