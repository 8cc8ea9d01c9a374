"""Importing Vietnam's administrative units of both eras from the vietnamadminunits package."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col
from typer.testing import CliRunner

from bot.cli import app
from storage.errors import NotFound
from storage.models import (
    AdminUnit,
    SuccessionKind,
    UnitAncestor,
    UnitCurrent,
    UnitLevel,
    UnitSuccession,
)
from storage.units import current_units, resolve_unit
from storage.units_import import REFORM_DATE, SOURCE, STAGES, import_units

CAN_THO = "Thành phố Cần Thơ"


async def _unit(session: AsyncSession, name: str, *, current: bool) -> AdminUnit:
    """Return the one unit called ``name`` of today (``current``) or of before the reform."""
    era = (
        col(AdminUnit.valid_from) == REFORM_DATE
        if current
        else col(AdminUnit.valid_from).is_(None)
    )
    rows = await session.execute(
        select(AdminUnit)
        .where(col(AdminUnit.name) == name, era)
        .execution_options(populate_existing=True)
    )
    return rows.scalars().one()


async def _predecessors(session: AsyncSession, unit: AdminUnit) -> dict[str, str]:
    """Map the names of the units that passed into ``unit`` to the kind of succession."""
    rows = await session.execute(
        select(col(AdminUnit.name), col(UnitSuccession.kind))
        .join(UnitSuccession, col(UnitSuccession.old_id) == col(AdminUnit.id))
        .where(col(UnitSuccession.new_id) == unit.id)
    )
    return dict(rows.all())


async def _row_counts(session: AsyncSession) -> dict[str, int]:
    """Count the rows of every table the import writes."""
    counts = {}
    for table in (AdminUnit, UnitSuccession, UnitAncestor, UnitCurrent):
        counts[table.__name__] = (
            await session.execute(select(func.count()).select_from(table))
        ).scalar_one()
    return counts


async def test_importing_can_tho_gives_an_lac_thon_with_its_three_predecessors(
    session: AsyncSession,
) -> None:
    """The 2025 commune Xã An Lạc Thôn is imported with the three old communes merged into it."""
    await import_units(session, province="Cần Thơ")

    an_lac_thon = await _unit(session, "Xã An Lạc Thôn", current=True)
    can_tho = await _unit(session, CAN_THO, current=True)
    assert an_lac_thon.level == UnitLevel.COMMUNE
    assert an_lac_thon.unit_type == "Xã"
    assert an_lac_thon.folded_name == "an lac thon"
    assert an_lac_thon.code == "31531"
    assert an_lac_thon.parent_id == can_tho.id
    assert an_lac_thon.valid_to is None
    assert an_lac_thon.source == SOURCE
    assert await _predecessors(session, an_lac_thon) == {
        "Thị trấn An Lạc Thôn": SuccessionKind.MERGE,
        "Xã Xuân Hòa": SuccessionKind.MERGE,
        "Xã Trinh Phú": SuccessionKind.MERGE,
    }
    succession = (
        await session.execute(
            select(UnitSuccession).where(col(UnitSuccession.new_id) == an_lac_thon.id)
        )
    ).scalars()
    assert {s.on for s in succession} == {REFORM_DATE}


async def test_old_communes_hang_under_their_district_and_old_province(
    session: AsyncSession,
) -> None:
    """An old commune's parent is its abolished district, whose parent is the old province."""
    await import_units(session, province="Cần Thơ")

    trinh_phu = await _unit(session, "Xã Trinh Phú", current=False)
    district = await session.get(AdminUnit, trinh_phu.parent_id)
    assert district is not None
    assert (district.name, district.level, district.unit_type) == (
        "Huyện Kế Sách",
        UnitLevel.DISTRICT,
        "Huyện",
    )
    province = await session.get(AdminUnit, district.parent_id)
    assert province is not None
    assert (province.name, province.unit_type, province.code) == ("Tỉnh Sóc Trăng", "Tỉnh", "94")
    for unit in (trinh_phu, district, province):
        assert (unit.valid_from, unit.valid_to) == (None, REFORM_DATE)
    assert await _predecessors(session, await _unit(session, CAN_THO, current=True)) == {
        CAN_THO: SuccessionKind.MERGE,
        "Tỉnh Hậu Giang": SuccessionKind.MERGE,
        "Tỉnh Sóc Trăng": SuccessionKind.MERGE,
    }
    district_successors = await session.execute(
        select(func.count()).where(col(UnitSuccession.old_id) == district.id)
    )
    assert district_successors.scalar_one() == 0


async def test_trinh_phu_in_2021_resolves_to_the_old_commune_living_on_in_an_lac_thon(
    session: AsyncSession,
) -> None:
    """A commune named as it was in 2021 resolves to that commune and to its 2025 successor."""
    await import_units(session, province="Cần Thơ")

    resolved = await resolve_unit(session, "trinh phu", on=dt.date(2021, 2, 25))

    assert resolved.unit.name == "Xã Trinh Phú"
    assert resolved.unit.valid_to == REFORM_DATE
    assert [u.name for u in resolved.current] == ["Xã An Lạc Thôn"]


async def test_ke_sach_today_resolves_to_the_new_commune(session: AsyncSession) -> None:
    """'ke sach' typed today means the 2025 Xã Kế Sách, not the old district or township."""
    await import_units(session, province="Cần Thơ")

    resolved = await resolve_unit(session, "ke sach", on=dt.date(2025, 9, 1))

    assert resolved.unit.name == "Xã Kế Sách"
    assert resolved.unit.valid_from == REFORM_DATE
    assert resolved.today == resolved.unit


async def test_a_reused_code_gives_two_units_of_different_eras(session: AsyncSession) -> None:
    """Code 31540 is imported both as the old Xã An Lạc Tây and as the new Xã Thới An Hội."""
    await import_units(session, province="Cần Thơ")

    rows = await session.execute(
        select(AdminUnit).where(col(AdminUnit.code) == "31540").order_by(col(AdminUnit.name))
    )
    units = [(u.name, u.valid_from, u.valid_to) for u in rows.scalars()]

    assert units == [
        ("Xã An Lạc Tây", None, REFORM_DATE),
        ("Xã Thới An Hội", REFORM_DATE, None),
    ]


async def test_a_split_commune_maps_to_several_current_units(session: AsyncSession) -> None:
    """The old Phường Bùi Hữu Nghĩa (31178), split in 2025, lives on in two wards of today.

    (The package's other example, Xã Thạnh Quới 31246, is also mapped to Xã Gia Hòa 99 km
    away, an artefact the distance check rejects: tests/storage/test_succession_check.py.)
    """
    await import_units(session, province="Cần Thơ")

    old = (
        await session.execute(
            select(AdminUnit).where(
                col(AdminUnit.code) == "31178", col(AdminUnit.valid_from).is_(None)
            )
        )
    ).scalar_one()
    successions = (
        await session.execute(select(UnitSuccession).where(col(UnitSuccession.old_id) == old.id))
    ).scalars()
    assert {s.kind for s in successions} == {SuccessionKind.SPLIT}
    today = (await current_units(session, [old.id or 0]))[old.id or 0]
    names = (
        await session.execute(select(col(AdminUnit.name)).where(col(AdminUnit.id).in_(today)))
    ).scalars()
    assert sorted(names) == ["Phường Bình Thủy", "Phường Cái Khế"]


async def test_importing_again_changes_nothing(session: AsyncSession) -> None:
    """A second import of the same province adds and updates nothing and keeps row counts."""
    first = await import_units(session, province="Cần Thơ")
    await session.commit()
    before = await _row_counts(session)

    second = await import_units(session, province="can tho")
    await session.commit()

    assert first.units.added == before["AdminUnit"]
    assert first.successions.added == before["UnitSuccession"]
    assert (second.units.added, second.units.updated) == (0, 0)
    assert second.units.unchanged == first.units.added
    assert (second.successions.added, second.successions.updated) == (0, 0)
    assert second.successions.unchanged == first.successions.added
    assert await _row_counts(session) == before


async def test_an_old_province_name_imports_the_province_of_today_it_joined(
    session: AsyncSession,
) -> None:
    """'Sóc Trăng' imports the new Cần Thơ with all three of its predecessor provinces."""
    report = await import_units(session, province="Sóc Trăng")

    assert report.provinces == (CAN_THO,)
    provinces = (
        await session.execute(
            select(col(AdminUnit.name), col(AdminUnit.valid_from)).where(
                col(AdminUnit.level) == UnitLevel.PROVINCE
            )
        )
    ).all()
    assert sorted(provinces, key=str) == sorted(
        [
            (CAN_THO, REFORM_DATE),
            (CAN_THO, None),
            ("Tỉnh Hậu Giang", None),
            ("Tỉnh Sóc Trăng", None),
        ],
        key=str,
    )


async def test_an_unknown_province_name_raises_not_found_and_writes_nothing(
    session: AsyncSession,
) -> None:
    """A province name that matches nothing of either era raises NotFound before any write."""
    with pytest.raises(NotFound, match="Atlantis"):
        await import_units(session, province="Atlantis")

    assert (await _row_counts(session))["AdminUnit"] == 0


async def test_demo_rows_with_the_same_identity_are_updated_in_place(
    session: AsyncSession,
) -> None:
    """Rows already present under the same (level, code, valid_from) are updated, not copied."""
    province = AdminUnit(
        code="94",
        name="Tỉnh Sóc Trăng",
        unit_type="Tỉnh",
        folded_name="soc trang",
        level=UnitLevel.PROVINCE,
        valid_to=REFORM_DATE,
        source="demo",
    )
    session.add(province)
    await session.flush()
    district = AdminUnit(
        code="943",
        name="Huyện Kế Sách",
        unit_type="Huyện",
        folded_name="ke sach",
        level=UnitLevel.DISTRICT,
        parent_id=province.id,
        valid_to=REFORM_DATE,
        source="demo",
    )
    new_province = AdminUnit(
        code="92",
        name="Thành phố Cần Thơ",
        unit_type="Thành phố",
        folded_name="can tho",
        level=UnitLevel.PROVINCE,
        valid_from=REFORM_DATE,
        source="demo",
    )
    session.add_all([district, new_province])
    await session.flush()
    old_commune = AdminUnit(
        code="31543",
        name="Xã Trinh Phú",
        unit_type="Xã",
        folded_name="trinh phu",
        level=UnitLevel.COMMUNE,
        parent_id=district.id,
        valid_to=REFORM_DATE,
        source="demo",
    )
    new_commune = AdminUnit(
        code="31531",
        name="Xã An Lạc Thôn",
        unit_type="Xã",
        folded_name="an lac thon",
        level=UnitLevel.COMMUNE,
        parent_id=new_province.id,
        valid_from=REFORM_DATE,
        source="demo",
    )
    session.add_all([old_commune, new_commune])
    await session.flush()
    session.add(
        UnitSuccession(
            old_id=old_commune.id or 0,
            new_id=new_commune.id or 0,
            kind=SuccessionKind.MERGE,
            on=REFORM_DATE,
        )
    )
    await session.commit()
    demo_ids = {u.id for u in (province, district, new_province, old_commune, new_commune)}

    report = await import_units(session, province="Cần Thơ")
    await session.commit()

    assert report.units.updated == len(demo_ids)
    assert (report.successions.unchanged, report.successions.updated) == (1, 0)
    for code, valid_from in (("94", None), ("943", None), ("92", REFORM_DATE)):
        rows = await session.execute(
            select(AdminUnit)
            .where(
                col(AdminUnit.code) == code,
                col(AdminUnit.valid_from).is_(None)
                if valid_from is None
                else col(AdminUnit.valid_from) == valid_from,
            )
            .execution_options(populate_existing=True)
        )
        (unit,) = rows.scalars().all()
        assert unit.id in demo_ids
        assert unit.source == SOURCE
    assert (await _unit(session, "Xã Trinh Phú", current=False)).id == old_commune.id
    assert (await _unit(session, "Xã An Lạc Thôn", current=True)).id == new_commune.id


async def test_progress_reports_every_stage_in_order(session: AsyncSession) -> None:
    """The progress callback hears each stage, ending every one with done equal to total."""
    calls: list[tuple[str, int, int]] = []

    await import_units(session, province="Hậu Giang", progress=lambda *call: calls.append(call))

    stages = list(dict.fromkeys(stage for stage, _, _ in calls))
    assert stages == list(STAGES)
    for stage in STAGES:
        last = [call for call in calls if call[0] == stage][-1]
        assert last[1] == last[2] > 0


async def test_the_import_commits_nothing_so_the_caller_can_roll_it_back(
    session: AsyncSession,
) -> None:
    """The import runs in the caller's transaction: a rollback leaves the database empty."""
    await import_units(session, province="Cần Thơ")
    await session.rollback()

    assert set((await _row_counts(session)).values()) == {0}


async def test_the_whole_country_imports_every_unit_with_a_successor(
    session: AsyncSession,
) -> None:
    """Importing all of Vietnam gives 34 + 3,321 units of today and every old unit a successor."""
    report = await import_units(session, province=None)

    assert len(report.provinces) == 34
    today = await session.execute(
        select(func.count()).where(col(AdminUnit.valid_from) == REFORM_DATE)
    )
    assert today.scalar_one() == 34 + 3321
    assert report.units.added == (await _row_counts(session))["AdminUnit"]
    orphans = await session.execute(
        select(func.count())
        .select_from(AdminUnit)
        .where(
            col(AdminUnit.valid_to).is_not(None),
            col(AdminUnit.level) != UnitLevel.DISTRICT,
            ~select(col(UnitCurrent.unit_id))
            .where(col(UnitCurrent.unit_id) == col(AdminUnit.id))
            .exists(),
        )
    )
    assert orphans.scalar_one() == 0


def test_the_cli_imports_a_province_into_a_fresh_database(tmp_path: Path) -> None:
    """`coopbot units import --province` fills a freshly upgraded SQLite file and says so."""
    runner = CliRunner()
    env = {"COOPBOT_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}"}
    assert runner.invoke(app, ["db", "upgrade"], env=env).exit_code == 0

    first = runner.invoke(app, ["units", "import", "--province", "can tho"], env=env)
    again = runner.invoke(app, ["units", "import", "--province", "Cần Thơ"], env=env)

    assert first.exit_code == 0, first.output
    assert first.stdout.startswith(f"imported {CAN_THO}: units 398 added, 0 updated")
    assert again.exit_code == 0, again.output
    assert "units 0 added, 0 updated, 398 unchanged" in again.stdout


def test_the_cli_rejects_an_unknown_province_with_one_line_and_exit_code_1(
    tmp_path: Path,
) -> None:
    """An unknown province name ends the command with exit code 1 and a single error line."""
    runner = CliRunner()
    env = {"COOPBOT_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}"}
    assert runner.invoke(app, ["db", "upgrade"], env=env).exit_code == 0

    result = runner.invoke(app, ["units", "import", "--province", "Atlantis"], env=env)

    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [
        "error: No province called “Atlantis” was found."
    ]


@pytest.mark.parametrize("arguments", [[], ["--all", "--province", "Cần Thơ"]])
def test_the_cli_wants_exactly_one_of_province_and_all(
    tmp_path: Path, arguments: list[str]
) -> None:
    """Giving neither or both of --province and --all is a usage error (exit code 2)."""
    env = {"COOPBOT_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}"}

    result = CliRunner().invoke(app, ["units", "import", *arguments], env=env)

    assert result.exit_code == 2
    assert "--province NAME or --all" in result.output


async def test_an_island_district_without_communes_lives_on_in_its_special_zone(
    session: AsyncSession,
) -> None:
    """Huyện Côn Đảo, which had no communes, is succeeded by the 2025 Đặc khu Côn Đảo."""
    await import_units(session, province="Bà Rịa - Vũng Tàu")

    resolved = await resolve_unit(session, "Côn Đảo", on=dt.date(2021, 2, 25))

    assert (resolved.unit.name, resolved.unit.level) == ("Huyện Côn Đảo", UnitLevel.DISTRICT)
    assert [(u.name, u.unit_type) for u in resolved.current] == [("Đặc khu Côn Đảo", "Đặc khu")]
    assert await _predecessors(session, resolved.current[0]) == {
        "Huyện Côn Đảo": SuccessionKind.RENAME
    }


async def test_one_to_one_successions_are_a_merge_for_a_namesake_and_a_rename_for_a_province(
    session: AsyncSession,
) -> None:
    """One-to-one: a commune keeping its name is a merge (of one), a province a rename."""
    await import_units(session, province="Huế")

    duong_no = await _unit(session, "Phường Dương Nỗ", current=True)
    hue = await _unit(session, "Thành phố Huế", current=True)

    assert await _predecessors(session, duong_no) == {"Phường Dương Nỗ": SuccessionKind.MERGE}
    assert await _predecessors(session, hue) == {"Thành phố Huế": SuccessionKind.RENAME}
