"""Status rules of feedback items: every allowed and every refused transition, by role."""

from __future__ import annotations

import itertools

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.errors import InvalidInput, InvalidTransition, PermissionDenied
from storage.feedback import (
    DIRECTOR_TRANSITIONS,
    HANDLER_TRANSITIONS,
    NewItem,
    add_note,
    allowed_targets,
    change_status,
    create_item,
    item_history,
)
from storage.models import EventKind, FeedbackEvent, Status
from tests import factories as f

ALL_PAIRS = list(itertools.product(list(Status), list(Status)))
DIRECTOR_TARGETS = {Status.CLOSED, Status.REOPENED}
REASON = "Đã làm việc với ngân hàng chính sách xã hội."


def handler_allows(current: Status, target: Status) -> bool:
    """Tell whether the handler table allows the move (the expectation under test)."""
    return target in HANDLER_TRANSITIONS.get(current, frozenset())


def director_allows(current: Status, target: Status) -> bool:
    """Tell whether the director table allows the move."""
    return target in DIRECTOR_TRANSITIONS.get(current, frozenset())


EXPECTED_HANDLER = (
    {
        (Status.NEW, t)
        for t in (
            Status.ACKNOWLEDGED,
            Status.IN_PROGRESS,
            Status.RESOLVED,
            Status.DECLINED,
            Status.REFERRED,
        )
    }
    | {
        (Status.ACKNOWLEDGED, t)
        for t in (Status.IN_PROGRESS, Status.RESOLVED, Status.DECLINED, Status.REFERRED)
    }
    | {(Status.IN_PROGRESS, t) for t in (Status.RESOLVED, Status.DECLINED, Status.REFERRED)}
    | {
        (Status.REFERRED, t)
        for t in (Status.ACKNOWLEDGED, Status.IN_PROGRESS, Status.RESOLVED, Status.DECLINED)
    }
    | {
        (Status.REOPENED, t)
        for t in (
            Status.ACKNOWLEDGED,
            Status.IN_PROGRESS,
            Status.RESOLVED,
            Status.DECLINED,
            Status.REFERRED,
        )
    }
    # Waiting for the cooperative is left by going on without its reply, or by answering.
    | {
        (Status.WAITING, t)
        for t in (Status.IN_PROGRESS, Status.RESOLVED, Status.DECLINED, Status.REFERRED)
    }
)


def test_the_handler_table_is_exactly_the_documented_workflow() -> None:
    """new → acknowledged → in_progress → resolved | declined | referred; reopened re-enters."""
    actual = {(c, t) for c, targets in HANDLER_TRANSITIONS.items() for t in targets}
    assert actual == EXPECTED_HANDLER
    assert {(c, t) for c, ts in DIRECTOR_TRANSITIONS.items() for t in ts} == {
        (Status.RESOLVED, Status.CLOSED),
        (Status.RESOLVED, Status.REOPENED),
    }


@pytest.mark.parametrize(("current", "target"), ALL_PAIRS, ids=lambda s: str(s))
async def test_commune_leader_transition_is_applied_exactly_when_the_rules_allow(
    demo_session: AsyncSession, current: Status, target: Status
) -> None:
    """A commune leader in scope may make every handler move and no other."""
    director = await f.director_of(demo_session, "HTX Trinh Phú")
    commune = await f.unit(demo_session, "Xã An Lạc Thôn")
    province = await f.unit(demo_session, "Thành phố Cần Thơ")
    leader = await f.actor(demo_session, "commune_leader", unit_id=commune.id)
    item = await f.item(demo_session, director, status=current)
    # The province is where a commune leader refers an item (the card offers nothing else).
    kwargs = {"text": REASON, "referred_unit_id": province.id, "now": f.T0}
    if target in DIRECTOR_TARGETS:
        with pytest.raises(PermissionDenied):
            await change_status(demo_session, leader, item.id or 0, target, **kwargs)
    elif handler_allows(current, target):
        event = await change_status(demo_session, leader, item.id or 0, target, **kwargs)
        assert (event.from_status, event.to_status) == (current, target)
        assert item.status == target
        assert item.first_response_at == f.T0
    else:
        with pytest.raises(InvalidTransition):
            await change_status(demo_session, leader, item.id or 0, target, **kwargs)
        assert item.status == current


@pytest.mark.parametrize(("current", "target"), ALL_PAIRS, ids=lambda s: str(s))
async def test_director_transition_is_applied_exactly_when_the_rules_allow(
    demo_session: AsyncSession, current: Status, target: Status
) -> None:
    """The director may only confirm (close) or reopen a resolved item of their cooperative."""
    director = await f.director_of(demo_session, "HTX Trinh Phú")
    item = await f.item(demo_session, director, status=current)
    if target not in DIRECTOR_TARGETS:
        with pytest.raises(PermissionDenied):
            await change_status(demo_session, director, item.id or 0, target, text=REASON)
    elif director_allows(current, target):
        await change_status(demo_session, director, item.id or 0, target, text=REASON)
        assert item.status == target
        assert item.first_response_at is None
    else:
        with pytest.raises(InvalidTransition):
            await change_status(demo_session, director, item.id or 0, target, text=REASON)


async def test_closing_and_resolving_stamp_their_times(demo_session: AsyncSession) -> None:
    """Resolving sets resolved_at; closing sets closed_at; reopening clears resolved_at."""
    director = await f.director_of(demo_session, "HTX Trinh Phú")
    official = await f.actor(
        demo_session, "official", unit_id=(await f.unit(demo_session, "Thành phố Cần Thơ")).id
    )
    item = await f.item(demo_session, director)
    await change_status(demo_session, official, item.id or 0, Status.RESOLVED, text=REASON)
    assert item.resolved_at is not None
    await change_status(demo_session, director, item.id or 0, Status.REOPENED, text="Chưa xong")
    assert item.resolved_at is None
    await change_status(demo_session, official, item.id or 0, Status.RESOLVED, text=REASON)
    await change_status(demo_session, director, item.id or 0, Status.CLOSED)
    assert item.closed_at is not None
    kinds = [e.to_status for e in await item_history(demo_session, official, item.id or 0)]
    assert kinds == ["new", "resolved", "reopened", "resolved", "closed"]


@pytest.mark.parametrize("target", [Status.DECLINED, Status.RESOLVED])
async def test_declining_or_answering_needs_text(
    demo_session: AsyncSession, target: Status
) -> None:
    """A decline needs a reason and an answer needs a text; nothing changes without."""
    director = await f.director_of(demo_session, "HTX Trinh Phú")
    admin = await f.actor(demo_session, "admin")
    item = await f.item(demo_session, director)
    with pytest.raises(InvalidInput):
        await change_status(demo_session, admin, item.id or 0, target, text="  ")
    assert item.status == Status.NEW


async def test_referral_needs_a_unit_and_records_it(demo_session: AsyncSession) -> None:
    """Referring sets the assignee unit; without a unit it is refused."""
    director = await f.director_of(demo_session, "HTX Trinh Phú")
    admin = await f.actor(demo_session, "admin")
    can_tho = await f.unit(demo_session, "Thành phố Cần Thơ")
    item = await f.item(demo_session, director)
    with pytest.raises(InvalidInput):
        await change_status(demo_session, admin, item.id or 0, Status.REFERRED)
    event = await change_status(
        demo_session, admin, item.id or 0, Status.REFERRED, referred_unit_id=can_tho.id
    )
    assert item.assignee_unit_id == can_tho.id
    assert event.data == {"referred_unit_id": can_tho.id}


async def test_allowed_targets_lists_the_buttons_a_person_should_see(
    demo_session: AsyncSession,
) -> None:
    """A director sees close/reopen on a resolved item; a handler sees the handler moves."""
    director = await f.director_of(demo_session, "HTX Trinh Phú")
    admin = await f.actor(demo_session, "admin")
    resolved = await f.item(demo_session, director, status=Status.RESOLVED)
    assert allowed_targets(director, resolved) == {Status.CLOSED, Status.REOPENED}
    assert allowed_targets(admin, resolved) == frozenset()
    fresh = await f.item(demo_session, director)
    assert allowed_targets(director, fresh) == frozenset()
    assert Status.ACKNOWLEDGED in allowed_targets(admin, fresh)


async def test_new_items_get_yearly_reference_numbers_and_due_dates(
    demo_session: AsyncSession,
) -> None:
    """References count per year in Vietnam's time zone; the due date follows the category."""
    director = await f.director_of(demo_session, "HTX Trinh Phú")
    first = await f.item(demo_session, director)
    second = await f.item(demo_session, director)
    # 31/12/2026 18:00 UTC is already 2027 in Asia/Ho_Chi_Minh.
    new_year = f.T0.replace(year=2026, month=12, day=31, hour=18)
    third = await f.item(demo_session, director, now=new_year)
    assert [first.reference, second.reference, third.reference] == [
        "PA-2026-000001",
        "PA-2026-000002",
        "PA-2027-000001",
    ]
    assert (first.due_at - first.created_at).days == 15
    commune = await f.unit(demo_session, "Xã An Lạc Thôn")
    assert first.commune_id == commune.id


@pytest.mark.parametrize(
    ("text", "kind", "category"),
    [
        ("quá ngắn", "difficulty", "credit"),
        ("😀😀😀😀😀😀😀😀😀😀😀😀", "difficulty", "credit"),
        ("   \n\t  ", "difficulty", "credit"),
        ("x" * 4001, "difficulty", "credit"),
        ("Một nội dung đủ dài để gửi đi.", "complaint", "credit"),
        ("Một nội dung đủ dài để gửi đi.", "difficulty", "no_such_category"),
    ],
    ids=["too-short", "only-emoji", "blank", "too-long", "unknown-kind", "unknown-category"],
)
async def test_bad_items_are_refused_and_nothing_is_stored(
    demo_session: AsyncSession, text: str, kind: str, category: str
) -> None:
    """Bad text, kind or category raise InvalidInput and leave no row behind."""
    director = await f.director_of(demo_session, "HTX Trinh Phú")
    new = NewItem(director.cooperative_ids()[0], kind, category, text)
    with pytest.raises(InvalidInput):
        await create_item(demo_session, director, new)
    events = await demo_session.execute(select(FeedbackEvent))
    assert events.scalars().all() == []


async def test_text_is_stored_verbatim_in_nfc(demo_session: AsyncSession) -> None:
    """Markup-like text is stored as typed (escaping is for display), normalised to NFC."""
    director = await f.director_of(demo_session, "HTX Trinh Phú")
    typed = "  <b>Gia\u0301 lúa</b> & </code> thấp quá  "
    created = await f.item(demo_session, director, text=typed)
    assert created.text == "<b>Giá lúa</b> & </code> thấp quá"


async def test_notes_are_internal_and_hidden_from_the_director(
    demo_session: AsyncSession,
) -> None:
    """An internal note shows in the handler's history and not in the director's."""
    director = await f.director_of(demo_session, "HTX Trinh Phú")
    leader = await f.actor(
        demo_session, "commune_leader", unit_id=(await f.unit(demo_session, "Xã An Lạc Thôn")).id
    )
    item = await f.item(demo_session, director)
    await add_note(
        demo_session, leader, item.id or 0, "Cần hỏi thêm phòng Tài chính", internal=True
    )
    await add_note(demo_session, leader, item.id or 0, "Xã đã ghi nhận.", internal=False)
    await add_note(demo_session, director, item.id or 0, "Bổ sung: cần 200 triệu.", internal=False)
    leader_view = [e.kind for e in await item_history(demo_session, leader, item.id or 0)]
    director_view = [e.kind for e in await item_history(demo_session, director, item.id or 0)]
    assert leader_view == ["created", EventKind.NOTE, EventKind.COMMENT, EventKind.INFO_ADDED]
    assert director_view == ["created", EventKind.COMMENT, EventKind.INFO_ADDED]
    with pytest.raises(PermissionDenied):
        await add_note(demo_session, director, item.id or 0, "bí mật", internal=True)
    with pytest.raises(InvalidInput):
        await add_note(demo_session, director, item.id or 0, "   ", internal=False)
