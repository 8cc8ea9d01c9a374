"""What people type and press out of bounds is a specific answer, never a crash or apology."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.failures import APOLOGY
from storage.db import Database
from storage.models import FeedbackEvent, FeedbackItem
from tests import factories as f
from tests.officials.test_official_chats import NOW, join
from tests.reporting.chats import join as join_with_renderers

YEAR_9999 = "Năm 9999 nằm ngoài phạm vi"


@pytest.mark.parametrize(
    ("command", "answer"),
    [
        ("/summary 9999", YEAR_9999),
        ("/chart 0001", "Năm 0001 nằm ngoài phạm vi"),
        ("/export 9999", YEAR_9999),
        ("/summary quy 5", "Không có quý 5"),
        ("/summary " + "9" * 5000, "nằm ngoài phạm vi"),
        ("/summary xa " + "a" * 5000, "tối đa 100 ký tự"),
        ("/chart quy IV/2025 xa Dai Hai", ""),
        ("/summary 4/2026", ""),
    ],
)
async def test_typed_periods_out_of_range_get_a_specific_answer(
    db: Database, demo_session: AsyncSession, command: str, answer: str
) -> None:
    """/summary 9999, /chart 0001, /export 9999 crashed; now each says what is wrong."""
    official = await join_with_renderers(
        db, demo_session, "811", "official", unit="Thành phố Cần Thơ"
    )
    text = await official.say(command)
    assert "Xin lỗi" not in text
    assert answer in text
    assert len(official.last) >= 1


@pytest.mark.parametrize(
    "payload",
    [
        "ib:i:²",
        "ib:i:٣",
        "ib:i:" + "9" * 30,
        f"ib:i:{2**63}",
        f"ib:i:{2**31}",
        "ib:i:-1",
        "ib:i:0",
        "ib:ff:1:99999999",
        "ib:ff:1:" + "1" * 30,
        "sm:c:9999:x:0",
        "x" * 10_000,
        "",
    ],
)
async def test_forged_payloads_out_of_bounds_change_nothing(
    db: Database, demo_session: AsyncSession, payload: str
) -> None:
    """Unicode digits, ids beyond the database's integer and unknown units are refused calmly."""
    trinh_phu = await f.director_of(demo_session, "HTX Trinh Phú")
    await f.item(demo_session, trinh_phu, now=NOW)
    await demo_session.commit()
    before = await demo_session.scalar(select(func.count()).select_from(FeedbackEvent))
    leader = await join(db, demo_session, "812", "commune_leader", "Xã An Lạc Thôn")

    text = await leader.press(payload)

    assert "Xin lỗi" not in text, text
    demo_session.expire_all()
    after = await demo_session.scalar(select(func.count()).select_from(FeedbackEvent))
    assert after == before
    assert await demo_session.scalar(select(func.count()).select_from(FeedbackItem)) == 1


@pytest.mark.parametrize(
    "reference",
    ["/item PA-2026-" + "9" * 40, "/item " + "٣" * 8, "/item 2026-999999", "PA-9999-1"],
)
async def test_typed_references_out_of_bounds_are_not_found(
    db: Database, demo_session: AsyncSession, reference: str
) -> None:
    """A reference too long, in other digits or of no item is answered, never an apology."""
    leader = await join(db, demo_session, "813", "commune_leader", "Xã An Lạc Thôn")
    text = await leader.say(reference)
    assert "Xin lỗi" not in text
    assert text


def test_the_apology_does_not_invite_the_same_failure_again() -> None:
    """The apology says the admins know and that nothing was saved, not 'try again now'."""
    assert "try again in a moment" not in APOLOGY
