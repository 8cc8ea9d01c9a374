"""Unit names resolve across the 2025 reform, with or without diacritics and type words."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.demo_data import load_demo_data
from storage.errors import Ambiguous, NotFound
from storage.models import AdminUnit, Cooperative, UnitSuccession
from storage.text import fold, fold_unit_name, nfc
from storage.units import describe_unit, resolve_unit

MEETING = dt.date(2021, 2, 25)
TODAY = dt.date(2026, 11, 26)


async def test_old_name_on_an_old_date_is_the_old_commune_and_today_its_successor(
    demo_session: AsyncSession,
) -> None:
    """'trinh phu' on 25/02/2021 is Xã Trinh Phú, which lives on in Xã An Lạc Thôn."""
    resolved = await resolve_unit(demo_session, "trinh phu", on=MEETING)
    assert resolved.unit.name == "Xã Trinh Phú"
    assert resolved.today is not None
    assert resolved.today.name == "Xã An Lạc Thôn"


async def test_old_name_typed_today_still_resolves_to_todays_commune(
    demo_session: AsyncSession,
) -> None:
    """A commune abolished in 2025 is still found today and mapped to its successor."""
    resolved = await resolve_unit(demo_session, "Xã Trinh Phú", on=TODAY)
    assert resolved.unit.name == "Xã Trinh Phú"
    assert [u.name for u in resolved.current] == ["Xã An Lạc Thôn"]


@pytest.mark.parametrize(
    "typed", ["Đại Hải", "dai hai", "DAI HAI", "xa dai hai", "Xã  Đại  Hải", "TT. dai hai"]
)
async def test_diacritics_case_spacing_and_type_words_do_not_matter(
    demo_session: AsyncSession, typed: str
) -> None:
    """Folding removes tone marks, đ, case, extra spaces and a leading type word."""
    resolved = await resolve_unit(demo_session, typed, on=TODAY)
    assert resolved.unit.name == "Xã Đại Hải"
    assert resolved.unit.valid_to is None


async def test_type_word_tells_a_township_from_a_commune_of_the_same_name(
    demo_session: AsyncSession,
) -> None:
    """'TT Kế Sách' in 2021 is the township; plain 'Kế Sách' today is the new commune."""
    township = await resolve_unit(demo_session, "TT Kế Sách", on=MEETING, levels=["commune"])
    assert township.unit.name == "Thị trấn Kế Sách"
    assert township.today is not None
    assert township.today.name == "Xã Kế Sách"
    today = await resolve_unit(demo_session, "ke sach", on=TODAY, levels=["commune"])
    assert today.unit.name == "Xã Kế Sách"
    assert today.unit.valid_from == dt.date(2025, 7, 1)


async def test_reused_code_means_different_units_in_different_eras(
    demo_session: AsyncSession,
) -> None:
    """Code 31540 was An Lạc Tây before the reform and is Thới An Hội after it."""
    rows = await demo_session.execute(
        select(AdminUnit).where(AdminUnit.code == "31540").order_by(AdminUnit.name)
    )
    names = [(u.name, u.valid_to is None) for u in rows.scalars()]
    assert names == [("Xã An Lạc Tây", False), ("Xã Thới An Hội", True)]
    an_lac_tay = await resolve_unit(demo_session, "an lac tay", on=MEETING)
    assert an_lac_tay.today is not None
    assert an_lac_tay.today.name == "Xã Thới An Hội"


async def test_same_name_in_two_eras_prefers_the_unit_valid_on_the_date(
    demo_session: AsyncSession,
) -> None:
    """Xã Thới An Hội existed before and after the reform: the date picks the right one."""
    before = await resolve_unit(demo_session, "thoi an hoi", on=MEETING)
    after = await resolve_unit(demo_session, "thoi an hoi", on=TODAY)
    assert before.unit.code == "31549"
    assert after.unit.code == "31540"
    assert before.today == after.unit


async def test_a_name_with_several_candidates_is_an_error_listing_them(
    demo_session: AsyncSession,
) -> None:
    """'Kế Sách' in 2021 without a level is the district and the township: both are listed."""
    with pytest.raises(Ambiguous) as caught:
        await resolve_unit(demo_session, "Kế Sách", on=MEETING)
    assert len(caught.value.candidates) == 2
    assert any("Huyện Kế Sách" in c for c in caught.value.candidates)
    assert any("Thị trấn Kế Sách" in c for c in caught.value.candidates)


async def test_unknown_or_empty_names_are_not_found(demo_session: AsyncSession) -> None:
    """A name that matches nothing, or nothing at all, raises NotFound naming it."""
    with pytest.raises(NotFound, match="Hà Tiên"):
        await resolve_unit(demo_session, "Hà Tiên")
    with pytest.raises(NotFound):
        await resolve_unit(demo_session, "  ")


async def test_within_narrows_the_match_to_a_province_of_either_era(
    demo_session: AsyncSession,
) -> None:
    """An old commune is inside the new province through its successor, and the old one."""
    can_tho = await resolve_unit(demo_session, "Cần Thơ", levels=["province"])
    soc_trang = await resolve_unit(demo_session, "Sóc Trăng", levels=["province"], on=MEETING)
    for scope in (can_tho.unit, soc_trang.unit):
        found = await resolve_unit(demo_session, "trinh phu", on=MEETING, within=[scope.id or 0])
        assert found.unit.name == "Xã Trinh Phú"
    with pytest.raises(NotFound):
        await resolve_unit(demo_session, "trinh phu", within=[999_999])


async def test_describe_unit_names_parents_and_end_date(demo_session: AsyncSession) -> None:
    """A candidate's description shows its validity so people can tell eras apart."""
    resolved = await resolve_unit(demo_session, "trinh phu", on=MEETING)
    assert describe_unit(resolved.unit) == "Xã Trinh Phú (until 01/07/2025)"


async def test_demo_data_loads_twice_without_duplicates(session: AsyncSession) -> None:
    """Loading the demo set again adds nothing."""
    first = await load_demo_data(session)
    second = await load_demo_data(session)
    assert first.units_added == 24
    assert first.cooperatives_added == 12
    assert second.units_added == second.cooperatives_added == second.successions_added == 0
    count = await session.scalar(select(func.count()).select_from(Cooperative))
    assert count == 12
    successions = await session.scalar(select(func.count()).select_from(UnitSuccession))
    assert successions == first.successions_added == 15


async def test_demo_cooperatives_live_in_todays_communes(demo_session: AsyncSession) -> None:
    """The three Trinh Phú cooperatives of 2021 belong to Xã An Lạc Thôn today."""
    rows = await demo_session.execute(
        select(Cooperative.name, AdminUnit.name)
        .join(AdminUnit, AdminUnit.id == Cooperative.commune_id)
        .order_by(Cooperative.name)
    )
    by_commune: dict[str, set[str]] = {}
    for cooperative, commune in rows:
        by_commune.setdefault(commune, set()).add(cooperative)
    assert by_commune["Xã An Lạc Thôn"] >= {"HTX Trinh Phú", "HTX Lộc Mãi", "HTX 22 tháng 12"}
    assert "Tổ hợp tác Tiến Lợi" in by_commune["Xã Thới An Hội"]


def test_text_helpers_fold_and_normalise() -> None:
    """Folding handles đ and decomposed input; NFC recomposes what was typed decomposed."""
    decomposed = "Tra\u0300 Vinh"
    assert nfc(decomposed) == "Trà Vinh"
    assert fold("Đồng Tháp") == "dong thap"
    assert fold_unit_name("Phường 3") == "phuong 3"
    assert fold_unit_name("Thành phố Cần Thơ") == "can tho"
