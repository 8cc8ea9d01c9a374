"""The officials' summary: numbers equal independent counts, scope never leaks."""

from __future__ import annotations

import datetime as dt
import statistics
from collections import Counter

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.errors import PermissionDenied
from storage.meetings import MeetingRecord, log_meeting
from storage.models import AdminUnit, Cooperative, FeedbackEvent, FeedbackItem, Status
from storage.periods import parse_period
from storage.reporting.scope import ensure_unit_in_scope
from storage.reporting.summary import summarize
from tests import factories as f

NOW = dt.datetime(2026, 6, 10, 3, 0, tzinfo=dt.UTC)
Q2 = parse_period("2026Q2", NOW.date())
STATUSES = [
    Status.NEW,
    Status.ACKNOWLEDGED,
    Status.IN_PROGRESS,
    Status.RESOLVED,
    Status.DECLINED,
    Status.CLOSED,
]
KINDS = ["difficulty", "proposal", "question"]
CATEGORIES = ["credit", "land", "market", "ocop"]
COOPS = [
    "HTX Trinh Phú",
    "HTX Quyết Thắng",
    "HTX Thành Công",
    "HTX Đại Đoàn Kết",
    "Tổ hợp tác Tiến Lợi",
]

item_strategy = st.tuples(
    st.sampled_from(COOPS),
    st.sampled_from(KINDS),
    st.sampled_from(CATEGORIES),
    st.sampled_from(STATUSES),
    st.integers(min_value=-40, max_value=60),
    st.one_of(st.none(), st.integers(min_value=1, max_value=20)),
)


async def make_items(session: AsyncSession, specs: list[tuple]) -> list[FeedbackItem]:
    """File items with the given cooperative, kind, category, status, age and response time."""
    directors = {name: await f.director_of(session, name) for name in COOPS}
    made = []
    for coop, kind, category, status, days_ago, respond_days in specs:
        created = NOW - dt.timedelta(days=days_ago)
        item = await f.item(
            session, directors[coop], category=category, status=status, now=created
        )
        item.kind = kind
        if respond_days is not None:
            item.first_response_at = created + dt.timedelta(days=respond_days)
        made.append(item)
    await session.flush()
    return made


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(specs=st.lists(item_strategy, min_size=0, max_size=25))
async def test_summary_counts_equal_an_independent_count(
    demo_session: AsyncSession, specs: list[tuple]
) -> None:
    """Kind × status, categories, communes, overdue and the median match a Python count."""
    await demo_session.execute(delete(FeedbackEvent))
    await demo_session.execute(delete(FeedbackItem))
    items = await make_items(demo_session, specs)
    admin = await f.actor(demo_session, "admin")
    summary = await summarize(demo_session, admin, Q2, now=NOW)
    start, end = Q2.bounds()
    inside = [i for i in items if start <= i.created_at < end]
    assert summary.total == len(inside)
    assert summary.by_kind_status == dict(Counter((i.kind, i.status) for i in inside))
    expected_categories = Counter(i.category_key for i in inside)
    assert dict(summary.top_categories) == dict(expected_categories.most_common(5))
    open_statuses = {Status.NEW, Status.ACKNOWLEDGED, Status.IN_PROGRESS}
    assert summary.overdue == sum(
        1 for i in inside if i.status in open_statuses and i.due_at < NOW
    )
    communes = {
        c.id: c.commune_id for c in (await demo_session.execute(select(Cooperative))).scalars()
    }
    names = {u.id: u.name for u in (await demo_session.execute(select(AdminUnit))).scalars()}
    by_commune = Counter(names[communes[i.cooperative_id]] for i in inside)
    assert {name: n for _, name, n in summary.by_commune} == dict(by_commune)
    responses = [
        (i.first_response_at - i.created_at).total_seconds() / 86400
        for i in inside
        if i.first_response_at
    ]
    expected_median = round(statistics.median(responses), 1) if responses else None
    assert summary.median_first_response_days == expected_median


async def test_compliance_counts_communes_that_met(demo_session: AsyncSession) -> None:
    """One of the six Kế Sách communes logged Q2's meeting: 1 of 6."""
    commune = await f.unit(demo_session, "Xã An Lạc Thôn")
    leader = await f.actor(demo_session, "commune_leader", unit_id=commune.id)
    coop = await f.cooperative(demo_session, "HTX Trinh Phú")
    await log_meeting(
        demo_session, leader, MeetingRecord(commune.id, dt.date(2026, 5, 5), (coop.id,)), now=NOW
    )
    official = await f.actor(
        demo_session, "official", unit_id=(await f.unit(demo_session, "Thành phố Cần Thơ")).id
    )
    summary = await summarize(demo_session, official, Q2, now=NOW)
    assert (summary.meetings_held, summary.communes_total) == (1, 6)
    own = await summarize(demo_session, leader, Q2, now=NOW)
    assert (own.meetings_held, own.communes_total) == (1, 1)


async def test_a_leader_or_official_sees_only_their_scope(demo_session: AsyncSession) -> None:
    """A leader's summary counts their commune only; units outside scope are refused."""
    await make_items(
        demo_session,
        [
            ("HTX Trinh Phú", "difficulty", "credit", Status.NEW, 5, None),
            ("HTX Đại Đoàn Kết", "proposal", "land", Status.NEW, 5, None),
        ],
    )
    leader = await f.actor(
        demo_session, "commune_leader", unit_id=(await f.unit(demo_session, "Xã Đại Hải")).id
    )
    summary = await summarize(demo_session, leader, Q2, now=NOW)
    assert summary.total == 1
    assert summary.by_kind_status == {("proposal", "new"): 1}
    trinh_phu_old = await f.unit(demo_session, "Xã Trinh Phú", current=False)
    with pytest.raises(PermissionDenied):
        await ensure_unit_in_scope(demo_session, leader, trinh_phu_old.id or 0)
    official = await f.actor(
        demo_session, "official", unit_id=(await f.unit(demo_session, "Thành phố Cần Thơ")).id
    )
    assert (await ensure_unit_in_scope(demo_session, official, trinh_phu_old.id or 0)).id == (
        trinh_phu_old.id
    )
    director = await f.director_of(demo_session, "HTX Trinh Phú")
    with pytest.raises(PermissionDenied):
        await ensure_unit_in_scope(demo_session, director, trinh_phu_old.id or 0)
