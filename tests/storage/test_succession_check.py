"""Successions the package's coordinates make implausible are not stored, and admins decide."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col
from typer.testing import CliRunner

from bot.cli import app
from storage.models import (
    AdminUnit,
    Cooperative,
    SuccessionDecision,
    SuccessionKind,
    UnitSuccession,
    UnitSuccessionCheck,
    UnitSuccessionOverride,
)
from storage.registry_read import SheetRow, read_sheet
from storage.scope import in_unit_subtree
from storage.succession_check import (
    MAX_EXTRA_KM,
    Point,
    Verdict,
    distance_km,
    judge_successions,
)
from storage.succession_overrides import Override, read_overrides, save_overrides
from storage.succession_review import review_successions
from storage.units_import import REFORM_DATE, SourceData, import_units, read_source

# One degree of latitude is 111.2 km; hand-made centroids are placed along a meridian.
KM_PER_DEGREE = 111.195


def north_of(point: Point, km: float) -> Point:
    """Return the point ``km`` kilometres north of ``point``."""
    return Point(point.lat + km / KM_PER_DEGREE, point.lon)


ORIGIN = Point(10.0, 106.0)
ACCEPT, REJECT = SuccessionDecision.ACCEPT, SuccessionDecision.REJECT


@cache
def package() -> SourceData:
    """Read the package's data once for the whole module (it takes a second or two)."""
    return read_source()


def test_distance_is_the_great_circle_distance() -> None:
    """Hồ Chí Minh City to Cần Thơ is about 130 km as the crow flies; a degree is 111.2 km."""
    assert distance_km(Point(10.7769, 106.7009), Point(10.0452, 105.7469)) == pytest.approx(
        130.0, abs=3
    )
    assert distance_km(ORIGIN, north_of(ORIGIN, 50)) == pytest.approx(50, abs=0.01)


def test_a_far_successor_among_several_is_rejected_and_the_near_ones_kept() -> None:
    """An old commune split in two nearby communes keeps both, and loses a far namesake."""
    points = {
        "old": ORIGIN,
        "near": north_of(ORIGIN, 3),
        "neighbour": north_of(ORIGIN, 9),
        "namesake": north_of(ORIGIN, 60),
        "other": north_of(ORIGIN, 61),  # the namesake's real predecessor, next to it
    }
    pairs = [
        ("old", "near"),
        ("old", "neighbour"),
        ("old", "namesake"),
        ("other", "namesake"),
    ]

    judged = judge_successions(pairs, points)

    assert judged[("old", "near")].verdict == Verdict.NEAR
    assert judged[("old", "neighbour")].verdict == Verdict.NEAR
    assert judged[("old", "namesake")].verdict == Verdict.FAR
    assert judged[("old", "namesake")].distance_km == pytest.approx(60, abs=0.01)
    assert judged[("old", "namesake")].nearest_km == pytest.approx(3, abs=0.01)
    assert judged[("other", "namesake")].verdict == Verdict.SOLE


def test_the_threshold_counts_from_the_nearest_successor() -> None:
    """Successors are judged by how much farther they lie than the nearest one."""
    nearest = north_of(ORIGIN, 16)
    within = north_of(nearest, MAX_EXTRA_KM - 1)
    beyond = north_of(nearest, MAX_EXTRA_KM + 1)
    points = {
        "old": ORIGIN,
        "nearest": nearest,
        "within": within,
        "beyond": beyond,
        # Each new commune's own main predecessor lies next to it, so its centroid is sound.
        "within's own": north_of(within, 1),
        "beyond's own": north_of(beyond, 1),
    }
    pairs = [
        ("old", "nearest"),
        ("old", "within"),
        ("old", "beyond"),
        ("within's own", "within"),
        ("beyond's own", "beyond"),
    ]

    judged = judge_successions(pairs, points)

    assert judged[("old", "nearest")].verdict == Verdict.NEAR
    assert judged[("old", "within")].verdict == Verdict.NEAR
    assert judged[("old", "beyond")].verdict == Verdict.FAR


def test_a_sole_successor_is_kept_however_far() -> None:
    """The only successor cannot be a duplicate: a far one means a wrong centroid."""
    judged = judge_successions([("old", "new")], {"old": ORIGIN, "new": north_of(ORIGIN, 600)})

    assert judged[("old", "new")].verdict == Verdict.SOLE
    assert judged[("old", "new")].verdict.kept


def test_a_successor_far_from_all_its_predecessors_is_not_judged() -> None:
    """A new commune whose centroid is far from every predecessor has a wrong centroid."""
    points = {
        "old": ORIGIN,
        "near": north_of(ORIGIN, 3),
        "misplaced": north_of(ORIGIN, 100),
        "other": north_of(ORIGIN, -1),
    }
    pairs = [("old", "near"), ("old", "misplaced"), ("other", "misplaced")]

    judged = judge_successions(pairs, points)

    assert judged[("old", "misplaced")].verdict == Verdict.UNJUDGED
    assert judged[("old", "misplaced")].verdict.kept


def test_missing_or_shared_centroids_leave_successions_unjudged() -> None:
    """No centroid, or one given to namesakes of two districts, cannot be judged."""
    spot = north_of(ORIGIN, 40)
    points = {
        "lost": ORIGIN,  # the only one of its successors with a centroid is too few
        "a": north_of(ORIGIN, 1),
        "namesake 1": spot,
        "namesake 2": spot,
        "near 1": north_of(spot, 2),
        "far 1": north_of(spot, 50),
        "near 2": north_of(spot, -2),
        "far 2": north_of(spot, -45),
    }
    pairs = [
        ("lost", "a"),
        ("lost", "unknown"),
        ("namesake 1", "near 1"),
        ("namesake 1", "far 1"),
        ("namesake 2", "near 2"),
        ("namesake 2", "far 2"),
        ("x", "far 1"),
        ("y", "far 2"),
    ]
    points["x"] = north_of(spot, 51)
    points["y"] = north_of(spot, -46)
    districts = {"namesake 1": "district 1", "namesake 2": "district 2"}

    judged = judge_successions(pairs, points, districts=districts)
    same_district = judge_successions(
        pairs, points, districts={"namesake 1": "d", "namesake 2": "d"}
    )

    assert judged[("lost", "unknown")].verdict == Verdict.UNJUDGED
    assert judged[("namesake 1", "far 1")].verdict == Verdict.UNJUDGED
    assert judged[("namesake 2", "far 2")].verdict == Verdict.UNJUDGED
    assert same_district[("namesake 1", "far 1")].verdict == Verdict.FAR


def _judgement(old_code: str, new_code: str) -> Verdict:
    data = package()
    units = {u.key: u for u in data.units}
    for (old, new), judgement in data.judgements.items():
        if (units[old].code, units[new].code) == (old_code, new_code) and units[
            new
        ].valid_from == REFORM_DATE:
            return judgement.verdict
    raise AssertionError(f"no succession {old_code} → {new_code} in the package")


def test_long_phu_of_soc_trang_is_not_succeeded_by_long_phu_1_of_hau_giang() -> None:
    """The package's namesake artefacts are rejected, the real successions kept.

    Sóc Trăng's Xã Long Phú (31669) became Xã Long Phú (31639); the package also maps it to
    Phường Long Phú 1 (31480), 54 km away, which absorbed Hậu Giang's Xã Long Phú (31480).
    """
    assert _judgement("31669", "31480") == Verdict.FAR
    assert _judgement("31669", "31639") == Verdict.NEAR
    assert _judgement("31480", "31480") == Verdict.NEAR  # Hậu Giang's Long Phú, 8 km
    assert _judgement("31480", "31639") == Verdict.FAR  # and its namesake in Sóc Trăng
    # Real splits of Cần Thơ's wards, both halves within a few kilometres.
    assert _judgement("31178", "31120") == Verdict.NEAR  # Bùi Hữu Nghĩa → Cái Khế
    assert _judgement("31178", "31168") == Verdict.NEAR  # Bùi Hữu Nghĩa → Bình Thủy
    assert _judgement("31183", "31150") == Verdict.NEAR  # Long Tuyền → An Bình
    # Trinh Phú's only successor.
    assert _judgement("31543", "31531") == Verdict.SOLE


def test_the_package_gives_a_few_dozen_implausible_successions_at_most() -> None:
    """The rule rejects a handful of the 10,597 commune successions, never an only one."""
    verdicts = [j.verdict for j in package().judgements.values()]

    assert len(verdicts) == 10_597
    assert 15 <= verdicts.count(Verdict.FAR) <= 40
    olds_left = {old for (old, _), j in package().judgements.items() if j.verdict.kept}
    assert olds_left == {old for old, _ in package().judgements}


async def _unit(session: AsyncSession, code: str, *, current: bool) -> AdminUnit:
    era = (
        col(AdminUnit.valid_from) == REFORM_DATE
        if current
        else col(AdminUnit.valid_from).is_(None)
    )
    rows = await session.execute(
        select(AdminUnit).where(
            col(AdminUnit.code) == code, col(AdminUnit.level) == "commune", era
        )
    )
    return rows.scalars().one()


async def _successor_names(session: AsyncSession, old: AdminUnit) -> dict[str, str]:
    rows = await session.execute(
        select(col(AdminUnit.name), col(UnitSuccession.kind))
        .join(UnitSuccession, col(UnitSuccession.new_id) == col(AdminUnit.id))
        .where(col(UnitSuccession.old_id) == old.id)
    )
    return dict(rows.all())


async def _cooperatives_inside(session: AsyncSession, unit: AdminUnit) -> list[str]:
    rows = await session.execute(
        select(col(Cooperative.name)).where(
            in_unit_subtree(col(Cooperative.commune_id), [unit.id or 0])
        )
    )
    return list(rows.scalars())


async def test_a_cooperative_of_long_phu_is_not_counted_in_long_phu_1(
    session: AsyncSession,
) -> None:
    """After import, a cooperative of Sóc Trăng's Long Phú is in Xã Long Phú only."""
    report = await import_units(session, province="Cần Thơ", source=package())
    old_long_phu = await _unit(session, "31669", current=False)
    session.add(
        Cooperative(
            kind="HTX",
            name="HTX Long Phú",
            folded_name="htx long phu",
            commune_id=old_long_phu.id or 0,
        )
    )
    await session.flush()

    assert report.rejected >= 10
    assert await _successor_names(session, old_long_phu) == {"Xã Long Phú": SuccessionKind.MERGE}
    assert await _cooperatives_inside(session, await _unit(session, "31639", current=True)) == [
        "HTX Long Phú"
    ]
    assert await _cooperatives_inside(session, await _unit(session, "31480", current=True)) == []


async def test_an_earlier_import_s_artefact_is_removed(session: AsyncSession) -> None:
    """A succession stored before the check existed is deleted by the next import."""
    await import_units(session, province="Cần Thơ", source=package())
    old = await _unit(session, "31669", current=False)
    far = await _unit(session, "31480", current=True)
    session.add(
        UnitSuccession(
            old_id=old.id or 0, new_id=far.id or 0, kind=SuccessionKind.SPLIT, on=REFORM_DATE
        )
    )
    await session.flush()

    await import_units(session, province="Cần Thơ", source=package())

    assert "Phường Long Phú 1" not in await _successor_names(session, old)


async def test_the_review_lists_the_rejected_with_their_places_and_counts_the_kept(
    session: AsyncSession,
) -> None:
    """`units check` data: the Long Phú artefact with its district, province and distance."""
    await import_units(session, province="Cần Thơ", source=package())

    review = await review_successions(session, province_code="92")
    everywhere = await review_successions(session, province_code=None)
    elsewhere = await review_successions(session, province_code="01")

    long_phu = next(c for c in review.shown if (c.old_code, c.new_code) == ("31669", "31480"))
    assert (long_phu.old_commune, long_phu.old_district, long_phu.old_province) == (
        "Xã Long Phú",
        "Huyện Long Phú",
        "Tỉnh Sóc Trăng",
    )
    assert (long_phu.new_commune, long_phu.new_province) == (
        "Phường Long Phú 1",
        "Thành phố Cần Thơ",
    )
    assert long_phu.distance_km == pytest.approx(53.8, abs=0.1)
    assert long_phu.status == "rejected"
    assert all(not c.kept for c in review.shown)
    assert review.rejected == len(review.shown)
    checks = (await session.execute(select(UnitSuccessionCheck))).scalars().all()
    assert review.kept == sum(c.verdict != Verdict.FAR for c in checks)
    assert everywhere == review
    assert (elsewhere.kept, elsewhere.rejected, elsewhere.shown) == (0, 0, [])


def _sheet(tmp_path: Path, text: str) -> list[SheetRow]:
    path = tmp_path / "overrides.csv"
    path.write_text(text, encoding="utf-8")
    return read_sheet(path.read_bytes())


def test_an_overrides_file_is_read_into_decisions(tmp_path: Path) -> None:
    """Accept, reject and rule rows are read; rows without a decision are left alone."""
    rows = _sheet(
        tmp_path,
        "decision,status,old_code,old_commune,new_code,new_commune,distance_km\n"
        "accept,rejected,31669,Xã Long Phú,31480,Phường Long Phú 1,53.8\n"
        ",rejected,31606,Xã Thuận Hưng,31495,Xã Xà Phiên,37.3\n"
        "Reject,kept,31744,,31473,,22.0\n"
        "rule,,31480,,31639,,\n",
    )

    overrides, errors = read_overrides(rows, package(), {})

    assert errors == []
    assert overrides == [
        Override("31669", "31480", ACCEPT),
        Override("31744", "31473", REJECT),
        Override("31480", "31639", None),
    ]


def test_a_bad_overrides_file_names_each_row_and_column(tmp_path: Path) -> None:
    """Every problem of the file is reported with its row and column."""
    rows = _sheet(
        tmp_path,
        "decision,old_code,new_code,old_commune\n"
        "maybe,31669,31480,\n"
        "accept,99999,31480,\n"
        "accept,31669,31480,Xã Long Phước\n"
        "accept,31543,31480,\n"
        "accept,31669,31480,\n"
        "accept,31669,31480,\n"
        "reject,31543,31531,\n",
    )

    _, errors = read_overrides(rows, package(), {})

    assert [(e.row, e.column) for e in errors] == [
        (2, "decision"),
        (3, "old_code"),
        (4, "old_commune"),
        (5, "new_code"),
        (7, "old_code"),
        (8, "decision"),
    ]
    assert errors[2].render() == "The code 31669 is Xã Long Phú, not “Xã Long Phước”."
    assert errors[4].render() == "This succession is already in row 6."
    assert "no successor" in errors[5].render()


def test_a_file_without_the_codes_is_refused_at_its_header(tmp_path: Path) -> None:
    """A missing required column is named, on the header row."""
    rows = _sheet(tmp_path, "decision,old_commune\naccept,Xã Long Phú\n")

    _, errors = read_overrides(rows, package(), {})

    assert [(e.row, e.column) for e in errors] == [(1, "old_code"), (1, "new_code")]


async def test_overrides_are_kept_and_win_over_the_rule(session: AsyncSession) -> None:
    """An accepted artefact is stored, a rejected plausible succession is not, at every import."""
    await save_overrides(
        session,
        [
            Override("31669", "31480", ACCEPT),
            Override("31744", "31473", REJECT),
        ],
    )
    report = await import_units(session, province="Cần Thơ", source=package())
    again = await import_units(session, province="Cần Thơ", source=package())
    old_long_phu = await _unit(session, "31669", current=False)
    old_long_binh = await _unit(session, "31744", current=False)

    assert again.rejected == report.rejected
    assert set(await _successor_names(session, old_long_phu)) == {
        "Xã Long Phú",
        "Phường Long Phú 1",
    }
    assert set(await _successor_names(session, old_long_binh)) == {"Xã Tân Long"}
    review = await review_successions(session, province_code="92")
    statuses = {(c.old_code, c.new_code): c.status for c in review.shown}
    assert statuses[("31669", "31480")] == "accepted by admin"
    assert statuses[("31744", "31473")] == "rejected by admin"

    await save_overrides(session, [Override("31669", "31480", None)])
    await import_units(session, province="Cần Thơ", source=package())

    assert set(await _successor_names(session, old_long_phu)) == {"Xã Long Phú"}
    remaining = (await session.execute(select(UnitSuccessionOverride))).scalars().all()
    assert [(o.old_code, o.new_code) for o in remaining] == [("31744", "31473")]


def test_the_cli_checks_imports_with_overrides_and_refuses_a_bad_file(tmp_path: Path) -> None:
    """`units check` lists the artefact; a bad overrides file changes nothing; a good one wins."""
    runner = CliRunner()
    env = {"COOPBOT_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}"}
    assert runner.invoke(app, ["db", "upgrade"], env=env).exit_code == 0
    imported = runner.invoke(app, ["units", "import", "--province", "Cần Thơ"], env=env)
    assert imported.exit_code == 0, imported.output
    assert "rejected (see coopbot units check)" in imported.stdout

    check = runner.invoke(app, ["units", "check", "--province", "Sóc Trăng"], env=env)
    assert check.exit_code == 0, check.output
    assert (
        "rejected: Xã Long Phú (31669), Huyện Long Phú, Tỉnh Sóc Trăng → "
        "Phường Long Phú 1 (31480), 53.8 km (nearest successor 2.5 km)"
    ) in check.stdout
    assert check.stdout.strip().splitlines()[-1].startswith("commune successions: ")

    printed = runner.invoke(app, ["units", "check", "--province", "Cần Thơ", "--csv"], env=env)
    lines = printed.stdout.splitlines()
    assert lines[0].startswith("decision,status,old_code,old_commune")
    edited = tmp_path / "edited.csv"
    edited.write_text(
        "\n".join(["accept" + line if ",31669,Xã Long Phú," in line else line for line in lines]),
        encoding="utf-8",
    )
    bad = tmp_path / "bad.csv"
    bad.write_text("decision,old_code,new_code\naccept,31669,31639x\n", encoding="utf-8")

    refused = runner.invoke(
        app, ["units", "import", "--province", "Cần Thơ", "--overrides", str(bad)], env=env
    )
    unchanged = runner.invoke(app, ["units", "check", "--province", "Cần Thơ"], env=env)
    accepted = runner.invoke(
        app, ["units", "import", "--province", "Cần Thơ", "--overrides", str(edited)], env=env
    )
    after = runner.invoke(app, ["units", "check", "--province", "Cần Thơ"], env=env)

    assert refused.exit_code == 1
    assert "row 2, column new_code: No commune since 1 July 2025 has the code “31639x”." in (
        refused.output
    )
    assert "import refused: 1 error(s)" in refused.output
    assert unchanged.stdout == check.stdout
    assert accepted.exit_code == 0, accepted.output
    assert "accepted by admin: Xã Long Phú (31669)" in after.stdout


def test_the_cli_check_wants_exactly_one_of_province_and_all(tmp_path: Path) -> None:
    """Like `units import`, `units check` takes --province NAME or --all."""
    env = {"COOPBOT_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}"}

    result = CliRunner().invoke(app, ["units", "check"], env=env)

    assert result.exit_code == 2
    assert "--province NAME or --all" in result.output


def test_the_cli_prints_the_figures_the_threshold_was_chosen_from(tmp_path: Path) -> None:
    """`units check --figures` reads the package only: no database is needed."""
    env = {"COOPBOT_DATABASE_URL": f"sqlite:///{tmp_path / 'never-created.db'}"}

    result = CliRunner().invoke(app, ["units", "check", "--all", "--figures"], env=env)

    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "commune successions: 10597"
    assert "  15–20 km: 5" in lines
    assert "  20–25 km: 1" in lines
    assert lines[-1].startswith("largest extra distance kept: 18.0 km; smallest rejected: 24.4 km")
    assert not (tmp_path / "never-created.db").exists()
