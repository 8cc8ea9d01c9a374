"""Offices of today: each with its unit and the categories it handles; an item is offered
first to the bodies that handle its category, and only to bodies over its commune."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncSession
from typer.testing import CliRunner

from bot.cli import app
from storage.db import Database
from storage.errors import InvalidInput
from storage.invites import create_invite
from storage.offices import add_office, office_categories, set_office_categories
from storage.referrals import assignable_offices, routed_offices
from tests import factories as f
from tests.conftest import database_url
from tests.handlers.chat import Chat

NOW = dt.datetime(2026, 6, 10, 3, 0, tzinfo=dt.UTC)


async def test_an_item_is_offered_the_offices_over_its_commune_those_of_its_category_first(
    demo_session: AsyncSession,
) -> None:
    """A credit item of HTX Trinh Phú (Xã An Lạc Thôn): its commune's Phòng Kinh tế and Sở Tài
    chính first, then the city's other bodies by name; other communes' offices never."""
    director = await f.director_of(demo_session, "HTX Trinh Phú")
    credit = await f.item(demo_session, director, category="credit")

    offered = [o.key for o in await assignable_offices(demo_session, credit)]

    assert offered == [
        "pkt_an_lac_thon",
        "finance",
        "cooperative_alliance",
        "industry_trade",
        "agriculture_environment",
    ]
    market = await f.item(demo_session, director, category="market")
    assert [o.key for o in await assignable_offices(demo_session, market)][:2] == [
        "pkt_an_lac_thon",
        "industry_trade",
    ]
    land = await f.item(
        demo_session, await f.director_of(demo_session, "HTX Đại Đoàn Kết"), category="land"
    )
    routed = await routed_offices(demo_session, land)
    assert {o.key for o in await assignable_offices(demo_session, land) if o.id in routed} == {
        "pkt_dai_hai",
        "agriculture_environment",
    }


async def test_routes_are_replaced_and_bad_offices_refused(demo_session: AsyncSession) -> None:
    """Routing replaces the categories; an unknown category, a duplicate name or an empty
    key is refused and nothing is stored."""
    city = await f.unit(demo_session, "Thành phố Cần Thơ")
    alliance = await add_office(
        demo_session,
        "lmhtx",
        "Liên minh Hợp tác xã tỉnh",
        unit_id=city.id,
        category_keys=["training"],
    )
    assert await set_office_categories(demo_session, alliance, ["policy", "governance", ""]) == [
        "governance",
        "policy",
    ]
    assert (await office_categories(demo_session))[alliance.id or 0] == ["governance", "policy"]
    with pytest.raises(InvalidInput):
        await set_office_categories(demo_session, alliance, ["nope"])
    with pytest.raises(InvalidInput):
        await add_office(demo_session, "stc2", "sở tài chính")
    with pytest.raises(InvalidInput):
        await add_office(demo_session, " ", "Văn phòng")
    assert (await office_categories(demo_session))[alliance.id or 0] == ["governance", "policy"]


async def test_the_card_marks_the_offices_that_handle_the_category(
    db: Database, demo_session: AsyncSession
) -> None:
    """The leader pressing "assign office" sees Sở Tài chính first with a star, and why."""
    commune = await f.unit(demo_session, "Xã An Lạc Thôn")
    code = (
        await create_invite(demo_session, role="commune_leader", unit_id=commune.id, now=NOW)
    ).code
    item = await f.item(demo_session, await f.director_of(demo_session, "HTX Trinh Phú"))
    await demo_session.commit()
    leader = Chat(db, user="981", now=NOW)
    await leader.join(code)

    shown = await leader.press(f"ib:o:{item.id}")

    labels = [label for label, _ in leader.buttons()]
    assert labels[:3] == [
        "⭐ Phòng Kinh tế xã An Lạc Thôn",
        "⭐ Sở Tài chính",
        "Liên minh Hợp tác xã thành phố Cần Thơ",
    ]
    assert "⭐" in shown
    assert "Vốn, tín dụng" in shown


def test_offices_are_added_routed_and_listed_from_the_command_line(
    empty_db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`coopbot offices add/route/list`; an unknown category is one line and exit 1."""
    monkeypatch.setenv("COOPBOT_DATABASE_URL", database_url(tmp_path))
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()

    def cli(*args: str):
        return runner.invoke(app, list(args))

    cli("db", "upgrade")
    cli("demo-data", "load")
    added = cli(
        "offices",
        "add",
        "skhcn",
        "Sở Khoa học và Công nghệ",
        "--unit",
        "Cần Thơ",
        "--categories",
        "technology",
    )
    assert added.exit_code == 0, added.output
    assert cli("offices", "route", "skhcn", "technology,training").exit_code == 0
    listed = " ".join(cli("offices", "list").output.split())
    assert "skhcn Sở Khoa học và Công nghệ (Thành phố Cần Thơ): technology, training" in listed
    assert "pkt_phong_nam Phòng Kinh tế xã Phong Nẫm (Xã Phong Nẫm): accounting," in listed
    refused = cli("offices", "route", "skhcn", "technology,nope")
    assert refused.exit_code == 1
    duplicate = cli("offices", "add", "x", "sở tài chính")
    assert duplicate.exit_code == 1
    assert "exists already" in duplicate.output
    assert "nope" in refused.output
    assert "Traceback" not in refused.output
