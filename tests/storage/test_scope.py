"""Scope checks: directors, commune leaders and officials see and act only inside their scope."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.errors import PermissionDenied
from storage.feedback import add_note, change_status, item_history
from storage.models import AdminUnit, Cooperative, FeedbackItem, RoleAssignment, Status
from storage.scope import (
    cooperative_scope_clause,
    ensure_item_visible,
    item_scope_clause,
    load_actor,
)
from tests import factories as f


async def visible_references(session: AsyncSession, actor) -> set[str]:
    """Return the references the actor's scope clause lets through."""
    rows = await session.execute(select(FeedbackItem.reference).where(item_scope_clause(actor)))
    return set(rows.scalars())


@pytest.fixture
async def world(demo_session: AsyncSession) -> dict:
    """Give items of three cooperatives in three communes, and people of every role."""
    s = demo_session
    trinh_phu = await f.director_of(s, "HTX Trinh Phú")
    loc_mai = await f.director_of(s, "HTX Lộc Mãi")
    dai_doan_ket = await f.director_of(s, "HTX Đại Đoàn Kết")
    items = {
        "trinh_phu": await f.item(s, trinh_phu),
        "loc_mai": await f.item(s, loc_mai),
        "dai_doan_ket": await f.item(s, dai_doan_ket),
    }
    an_lac_thon = await f.unit(s, "Xã An Lạc Thôn")
    dai_hai = await f.unit(s, "Xã Đại Hải")
    can_tho = await f.unit(s, "Thành phố Cần Thơ")
    return {
        "items": items,
        "trinh_phu": trinh_phu,
        "loc_mai": loc_mai,
        "leader_an_lac_thon": await f.actor(s, "commune_leader", unit_id=an_lac_thon.id),
        "leader_dai_hai": await f.actor(s, "commune_leader", unit_id=dai_hai.id),
        "official_can_tho": await f.actor(s, "official", unit_id=can_tho.id),
        "official_elsewhere": await f.actor(s, "official", unit_id=dai_hai.id),
        "admin": await f.actor(s, "admin"),
        "nobody": await f.actor(s, "director", cooperative_id=None, unit_id=dai_hai.id),
    }


def refs(world: dict, *names: str) -> set[str]:
    """Return the references of the named items."""
    return {world["items"][n].reference for n in names}


async def test_a_director_sees_only_their_cooperatives_items(
    demo_session: AsyncSession, world: dict
) -> None:
    """HTX Trinh Phú's director sees its item and not the neighbour's in the same commune."""
    assert await visible_references(demo_session, world["trinh_phu"]) == refs(world, "trinh_phu")


async def test_a_commune_leader_sees_items_filed_under_predecessor_communes(
    demo_session: AsyncSession, world: dict
) -> None:
    """Items of cooperatives from xã Trinh Phú belong to Xã An Lạc Thôn's leader today."""
    seen = await visible_references(demo_session, world["leader_an_lac_thon"])
    assert seen == refs(world, "trinh_phu", "loc_mai")
    assert await visible_references(demo_session, world["leader_dai_hai"]) == refs(
        world, "dai_doan_ket"
    )


async def test_an_item_written_under_the_old_commune_id_is_in_the_new_communes_scope(
    demo_session: AsyncSession, world: dict
) -> None:
    """An item stored with the pre-2025 commune (filed in 2024) is still in today's scope."""
    item = world["items"]["trinh_phu"]
    item.commune_id = (await f.unit(demo_session, "Xã Trinh Phú", current=False)).id or 0
    await demo_session.flush()
    assert item.reference in await visible_references(demo_session, world["leader_an_lac_thon"])
    assert item.reference in await visible_references(demo_session, world["official_can_tho"])
    assert item.reference not in await visible_references(demo_session, world["leader_dai_hai"])


async def test_an_official_sees_their_whole_subtree_and_nothing_outside(
    demo_session: AsyncSession, world: dict
) -> None:
    """The Cần Thơ official sees every item; an official of Đại Hải sees only Đại Hải's."""
    everything = refs(world, "trinh_phu", "loc_mai", "dai_doan_ket")
    assert await visible_references(demo_session, world["official_can_tho"]) == everything
    assert await visible_references(demo_session, world["official_elsewhere"]) == refs(
        world, "dai_doan_ket"
    )
    assert await visible_references(demo_session, world["admin"]) == everything


async def test_a_grant_without_scope_sees_nothing(demo_session: AsyncSession, world: dict) -> None:
    """A director grant pointing at no cooperative opens no items."""
    assert await visible_references(demo_session, world["nobody"]) == set()


async def test_a_referred_item_is_visible_to_the_unit_it_was_referred_to(
    demo_session: AsyncSession, world: dict
) -> None:
    """Referring an item from Đại Hải to the province keeps it before the province's official
    and its own commune's leader, and no other commune's."""
    item = world["items"]["dai_doan_ket"]
    target = await f.unit(demo_session, "Thành phố Cần Thơ")
    await change_status(
        demo_session, world["leader_dai_hai"], item.id, Status.REFERRED, referred_unit_id=target.id
    )
    assert item.assignee_unit_id == target.id
    assert item.reference in await visible_references(demo_session, world["official_can_tho"])
    assert item.reference in await visible_references(demo_session, world["leader_dai_hai"])
    leader = world["leader_an_lac_thon"]
    assert item.reference not in await visible_references(demo_session, leader)


@pytest.mark.parametrize(
    ("who", "item_name"),
    [
        ("trinh_phu", "loc_mai"),
        ("leader_dai_hai", "trinh_phu"),
        ("official_elsewhere", "loc_mai"),
        ("nobody", "trinh_phu"),
    ],
)
async def test_acting_outside_scope_is_refused_and_changes_nothing(
    demo_session: AsyncSession, world: dict, who: str, item_name: str
) -> None:
    """Forged ids for another scope's item are refused for every action, with no event."""
    actor = world[who]
    item = world["items"][item_name]
    before = len(await item_history(demo_session, world["admin"], item.id))
    with pytest.raises(PermissionDenied):
        await ensure_item_visible(demo_session, actor, item.id)
    with pytest.raises(PermissionDenied):
        await change_status(demo_session, actor, item.id, Status.ACKNOWLEDGED)
    with pytest.raises(PermissionDenied):
        await change_status(demo_session, actor, item.id, Status.CLOSED)
    with pytest.raises(PermissionDenied):
        await add_note(demo_session, actor, item.id, "thêm thông tin", internal=False)
    with pytest.raises(PermissionDenied):
        await item_history(demo_session, actor, item.id)
    assert item.status == Status.NEW
    assert len(await item_history(demo_session, world["admin"], item.id)) == before


async def test_a_nonexistent_item_looks_the_same_as_a_forbidden_one(
    demo_session: AsyncSession, world: dict
) -> None:
    """Unknown ids give the same refusal as other people's items, so ids cannot be probed."""
    with pytest.raises(PermissionDenied) as missing:
        await ensure_item_visible(demo_session, world["trinh_phu"], 987_654)
    with pytest.raises(PermissionDenied) as foreign:
        await ensure_item_visible(demo_session, world["trinh_phu"], world["items"]["loc_mai"].id)
    assert str(missing.value) == str(foreign.value)


async def test_a_director_cannot_handle_their_own_item(
    demo_session: AsyncSession, world: dict
) -> None:
    """Directors do not acknowledge or answer items; only handlers do."""
    item = world["items"]["trinh_phu"]
    with pytest.raises(PermissionDenied):
        await change_status(
            demo_session, world["trinh_phu"], item.id, Status.RESOLVED, text="tự giải quyết"
        )


async def test_an_ended_role_grants_nothing(demo_session: AsyncSession, world: dict) -> None:
    """After valid_to the person's grant no longer counts."""
    actor = world["leader_an_lac_thon"]
    rows = await demo_session.execute(
        select(RoleAssignment).where(RoleAssignment.person_id == actor.person_id)
    )
    grant = rows.scalar_one()
    grant.valid_to = f.T0 - dt.timedelta(days=1)
    await demo_session.flush()
    reloaded = await load_actor(demo_session, actor.person_id, now=f.T0)
    assert reloaded.grants == ()
    assert await visible_references(demo_session, reloaded) == set()


async def test_cooperative_scope_follows_the_same_rules(
    demo_session: AsyncSession, world: dict
) -> None:
    """Leaders see the cooperatives of their commune (3 from Trinh Phú + 1 from Xuân Hòa)."""
    query = select(Cooperative.name).where(cooperative_scope_clause(world["leader_an_lac_thon"]))
    names = set((await demo_session.execute(query)).scalars())
    assert names == {"HTX Trinh Phú", "HTX Lộc Mãi", "HTX 22 tháng 12", "HTX Quyết Thắng"}
    director_view = select(Cooperative.name).where(cooperative_scope_clause(world["trinh_phu"]))
    assert set((await demo_session.execute(director_view)).scalars()) == {"HTX Trinh Phú"}
    admin_view = select(Cooperative.id).where(cooperative_scope_clause(world["admin"]))
    assert len((await demo_session.execute(admin_view)).all()) == 12
    nobody = select(Cooperative.id).where(cooperative_scope_clause(world["nobody"]))
    assert (await demo_session.execute(nobody)).all() == []
    assert (await demo_session.execute(select(AdminUnit.id))).first() is not None
