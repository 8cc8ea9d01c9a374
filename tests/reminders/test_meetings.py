"""Logging a quarterly meeting: agenda, validation, outcomes and the quarter's duty."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.calendar import Quarter
from storage.errors import InvalidInput, PermissionDenied
from storage.feedback import item_history
from storage.meetings import MeetingRecord, Outcome, agenda, log_meeting, meeting_held
from storage.models import MeetingItem, Status
from tests import factories as f

NOW = dt.datetime(2026, 5, 20, 3, 0, tzinfo=dt.UTC)


@pytest.fixture
async def setting(demo_session: AsyncSession) -> dict:
    """Give Xã An Lạc Thôn's leader, its cooperatives' items, and another commune's leader."""
    s = demo_session
    commune = await f.unit(s, "Xã An Lạc Thôn")
    trinh_phu = await f.director_of(s, "HTX Trinh Phú")
    quyet_thang = await f.director_of(s, "HTX Quyết Thắng")
    return {
        "commune": commune,
        "leader": await f.actor(s, "commune_leader", unit_id=commune.id),
        "other_leader": await f.actor(
            s, "commune_leader", unit_id=(await f.unit(s, "Xã Đại Hải")).id
        ),
        "items": [
            await f.item(s, trinh_phu),
            await f.item(s, trinh_phu),
            await f.item(s, quyet_thang),
        ],
        "coops": [
            await f.cooperative(s, "HTX Trinh Phú"),
            await f.cooperative(s, "HTX Quyết Thắng"),
        ],
        "foreign_coop": await f.cooperative(s, "HTX Đại Đoàn Kết"),
    }


async def test_the_agenda_holds_the_communes_cooperatives_and_open_items(
    demo_session: AsyncSession, setting: dict
) -> None:
    """A merged commune's agenda has its predecessors' cooperatives and their open items."""
    plan = await agenda(demo_session, setting["commune"].id)
    assert {c.name for c in plan.cooperatives} == {
        "HTX Trinh Phú",
        "HTX Lộc Mãi",
        "HTX 22 tháng 12",
        "HTX Quyết Thắng",
    }
    assert {i.id for i in plan.open_items} == {i.id for i in setting["items"]}


async def test_logging_a_meeting_fulfils_the_quarter_and_applies_outcomes(
    demo_session: AsyncSession, setting: dict
) -> None:
    """Outcomes become item events: resolved, forwarded to the province, asked for info."""
    first, second, third = setting["items"]
    record = MeetingRecord(
        setting["commune"].id,
        dt.date(2026, 5, 19),
        tuple(c.id for c in setting["coops"]),
        "Họp với 2 HTX",
        (
            (first.id, Outcome.RESOLVED),
            (second.id, Outcome.FORWARDED),
            (third.id, Outcome.NEEDS_INFO),
        ),
    )
    meeting, fulfilled = await log_meeting(demo_session, setting["leader"], record, now=NOW)
    assert fulfilled is True
    assert meeting.quarter == "2026Q2"
    assert await meeting_held(demo_session, setting["commune"].id, Quarter(2026, 2))
    assert first.status == Status.RESOLVED
    assert second.status == Status.REFERRED
    assert second.assignee_unit_id == setting["commune"].parent_id
    assert third.status == Status.NEW
    history = await item_history(demo_session, setting["leader"], third.id)
    assert "19/05/2026" in (history[-1].text or "")
    rows = (await demo_session.execute(select(MeetingItem))).scalars().all()
    assert len(rows) == 3
    _, again = await log_meeting(
        demo_session,
        setting["leader"],
        MeetingRecord(setting["commune"].id, dt.date(2026, 5, 20), (setting["coops"][0].id,)),
        now=NOW,
    )
    assert again is False


@pytest.mark.parametrize(
    ("held_on", "problem"),
    [(dt.date(2026, 5, 21), "future"), (dt.date(2025, 12, 31), "older")],
)
async def test_dates_in_the_future_or_too_old_are_refused(
    demo_session: AsyncSession, setting: dict, held_on: dt.date, problem: str
) -> None:
    """Tomorrow (local time) and dates before the previous quarter are refused."""
    record = MeetingRecord(setting["commune"].id, held_on, (setting["coops"][0].id,))
    with pytest.raises(InvalidInput, match=problem):
        await log_meeting(demo_session, setting["leader"], record, now=NOW)


async def test_a_forged_commune_cooperative_or_item_is_refused(
    demo_session: AsyncSession, setting: dict
) -> None:
    """Another commune's leader, a foreign cooperative, an item not on the agenda: refused."""
    day = dt.date(2026, 5, 19)
    own = (setting["coops"][0].id,)
    with pytest.raises(PermissionDenied):
        await log_meeting(
            demo_session,
            setting["other_leader"],
            MeetingRecord(setting["commune"].id, day, own),
            now=NOW,
        )
    with pytest.raises(InvalidInput):
        await log_meeting(
            demo_session,
            setting["leader"],
            MeetingRecord(setting["commune"].id, day, (setting["foreign_coop"].id,)),
            now=NOW,
        )
    with pytest.raises(InvalidInput):
        await log_meeting(
            demo_session, setting["leader"], MeetingRecord(setting["commune"].id, day, ()), now=NOW
        )
    with pytest.raises(InvalidInput):
        await log_meeting(
            demo_session,
            setting["leader"],
            MeetingRecord(
                setting["commune"].id, day, own, outcomes=((987654, Outcome.DISCUSSED),)
            ),
            now=NOW,
        )
    with pytest.raises(InvalidInput):
        await log_meeting(
            demo_session,
            setting["leader"],
            MeetingRecord(setting["commune"].id, day, own, notes="x" * 4001),
            now=NOW,
        )
    assert not await meeting_held(demo_session, setting["commune"].id, Quarter(2026, 2))
