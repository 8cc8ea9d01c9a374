"""Details of the rules people meet: candidate lists, invite codes, buttons, meeting outcomes."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.calendar import Quarter
from storage.errors import (
    Ambiguous,
    CoopbotError,
    InvalidInput,
    InviteExpired,
    PermissionDenied,
)
from storage.feedback import add_note, allowed_targets, change_status, item_history
from storage.invites import create_invite, looks_like_code, redeem_invite, revoke_invite
from storage.meetings import (
    MeetingRecord,
    Outcome,
    agenda,
    communes_led_by,
    log_meeting,
    meeting_held,
)
from storage.models import (
    EventKind,
    FeedbackEvent,
    Invite,
    RoleAssignment,
    Status,
)
from storage.people_admin import invite_in_scope
from storage.periods import parse_period
from storage.scope import load_actor
from storage.text import fold
from storage.units import resolve_unit
from tests import factories as f

NOW = dt.datetime(2026, 5, 20, 3, 0, tzinfo=dt.UTC)


async def test_an_ambiguous_name_lists_each_candidate_with_all_its_parents(
    demo_session: AsyncSession,
) -> None:
    """'Kế Sách' in 2021 is the district and the township; each is named up to the province."""
    with pytest.raises(Ambiguous) as caught:
        await resolve_unit(demo_session, "Kế Sách", on=dt.date(2021, 2, 25))
    assert caught.value.candidates == [
        "Huyện Kế Sách, Tỉnh Sóc Trăng (until 01/07/2025)",
        "Thị trấn Kế Sách, Huyện Kế Sách, Tỉnh Sóc Trăng (until 01/07/2025)",
    ]


@pytest.mark.parametrize(
    ("text", "is_code"),
    [
        ("K7QM-3XPA-HT", True),
        ("k7qm 3xpa ht", True),
        ("0000000000", False),  # ten symbols, but 0 is not in the alphabet
        ("K7QM-3XPA-H", False),
        ("K7QM-3XPA-HTX", False),
    ],
)
def test_a_message_is_taken_for_a_code_only_when_it_is_ten_symbols_of_the_alphabet(
    text: str, is_code: bool
) -> None:
    """Only ten symbols of the code alphabet, with dashes or spaces, look like a code."""
    assert looks_like_code(text) is is_code


async def test_revoking_an_invite_stops_that_code_only_and_leaves_a_used_one_alone(
    demo_session: AsyncSession,
) -> None:
    """The revoked code is refused from then on; another code still works; revoking a code
    already used changes nothing."""
    s = demo_session
    revoked = await create_invite(s, role="admin", now=NOW)
    kept = await create_invite(s, role="admin", now=NOW)
    used = await create_invite(s, role="admin", now=NOW)
    await redeem_invite(s, used.code, channel="telegram", external_id="7", now=NOW)

    await revoke_invite(s, revoked.invite.id or 0, now=NOW)
    await revoke_invite(s, used.invite.id or 0, now=NOW + dt.timedelta(hours=1))

    rows = {i.id: i for i in (await s.execute(select(Invite))).scalars()}
    for invite in rows.values():
        await s.refresh(invite)
    assert rows[revoked.invite.id].revoked_at == NOW
    assert rows[kept.invite.id].revoked_at is None
    assert rows[used.invite.id].revoked_at is None
    with pytest.raises(InviteExpired):
        await redeem_invite(s, revoked.code, channel="telegram", external_id="8", now=NOW)
    await redeem_invite(s, kept.code, channel="telegram", external_id="9", now=NOW)


async def test_a_leader_who_also_directs_the_cooperative_gets_both_kinds_of_buttons(
    demo_session: AsyncSession,
) -> None:
    """On a new item the leader's handler moves; on a resolved one the director's close and
    reopen."""
    s = demo_session
    commune = await f.unit(s, "Xã An Lạc Thôn")
    coop = await f.cooperative(s, "HTX Trinh Phú")
    leader = await f.actor(s, "commune_leader", unit_id=commune.id)
    s.add(
        RoleAssignment(
            person_id=leader.person_id,
            role="director",
            cooperative_id=coop.id,
            valid_from=f.T0 - dt.timedelta(days=1),
        )
    )
    await s.flush()
    both = await load_actor(s, leader.person_id, now=f.T0)
    fresh = await f.item(s, both)
    resolved = await f.item(s, both, status=Status.RESOLVED)

    assert allowed_targets(both, fresh) == {
        Status.ACKNOWLEDGED,
        Status.IN_PROGRESS,
        Status.RESOLVED,
        Status.DECLINED,
        Status.REFERRED,
    }
    assert allowed_targets(both, resolved) == {Status.CLOSED, Status.REOPENED}


async def test_meeting_outcomes_are_dated_when_logged_worded_and_shown_to_the_director(
    demo_session: AsyncSession,
) -> None:
    """Each outcome is an event at the logging time carrying its sentence; the request for
    information is a comment the director sees."""
    s = demo_session
    commune = await f.unit(s, "Xã An Lạc Thôn")
    leader = await f.actor(s, "commune_leader", unit_id=commune.id)
    director = await f.director_of(s, "HTX Trinh Phú")
    coop = await f.cooperative(s, "HTX Trinh Phú")
    resolved, forwarded, asked = [await f.item(s, director) for _ in range(3)]
    record = MeetingRecord(
        commune.id or 0,
        dt.date(2026, 5, 19),
        (coop.id or 0,),
        outcomes=(
            (resolved.id or 0, Outcome.RESOLVED),
            (forwarded.id or 0, Outcome.FORWARDED),
            (asked.id or 0, Outcome.NEEDS_INFO),
        ),
    )
    await log_meeting(s, leader, record, now=NOW)

    rows = await s.execute(
        select(FeedbackEvent)
        .where(FeedbackEvent.kind != EventKind.CREATED)
        .order_by(FeedbackEvent.item_id)
    )
    events = {e.item_id: e for e in rows.scalars()}
    assert {e.created_at for e in events.values()} == {NOW}
    assert events[resolved.id].text == "Resolved at the commune's quarterly meeting on 19/05/2026."
    assert events[forwarded.id].text == (
        "Forwarded to the province after the commune's meeting on 19/05/2026."
    )
    history = await item_history(s, director, asked.id or 0)
    assert [(e.kind, e.internal, e.created_at) for e in history[1:]] == [
        (EventKind.COMMENT, False, NOW)
    ]
    assert history[1].text == (
        "The commune's meeting on 19/05/2026 needs more information: please add it with /my."
    )


async def test_a_note_may_be_four_thousand_characters_and_records_who_wrote_it_when(
    demo_session: AsyncSession,
) -> None:
    """A 4000-character comment is kept with its author and time; an empty or longer one is
    refused with the limit in the message."""
    s = demo_session
    leader = await f.actor(s, "commune_leader", unit_id=(await f.unit(s, "Xã An Lạc Thôn")).id)
    director = await f.director_of(s, "HTX Trinh Phú")
    item = await f.item(s, director)

    event = await add_note(s, leader, item.id or 0, "x" * 4000, internal=False, now=NOW)

    assert (event.item_id, event.actor_person_id, event.created_at) == (
        item.id,
        leader.person_id,
        NOW,
    )
    for text in ("", "x" * 4001):
        with pytest.raises(InvalidInput) as refused:
            await add_note(s, leader, item.id or 0, text, internal=False, now=NOW)
        assert str(refused.value) == "Please write between 1 and 4000 characters."


async def test_an_invite_made_in_the_chat_expires_fourteen_days_after_it_was_made(
    demo_session: AsyncSession,
) -> None:
    """The invite is dated at the moment given, not at the clock's."""
    s = demo_session
    official = await f.actor(s, "official", unit_id=(await f.unit(s, "Thành phố Cần Thơ")).id)
    commune = await f.unit(s, "Xã Kế Sách")
    made = await invite_in_scope(
        s, official, role="commune_leader", target_id=commune.id or 0, now=NOW
    )
    assert (made.issued.invite.created_at, made.issued.invite.expires_at) == (
        NOW,
        NOW + dt.timedelta(days=14),
    )
    assert made.scope == "Xã Kế Sách"


async def test_a_meeting_log_is_refused_with_a_reason_the_leader_can_act_on(
    demo_session: AsyncSession,
) -> None:
    """Each refusal says what is wrong: not the leader, a future or too old date, notes over
    4000 characters, no cooperative or another commune's, an item not on the agenda."""
    s = demo_session
    commune = await f.unit(s, "Xã An Lạc Thôn")
    leader = await f.actor(s, "commune_leader", unit_id=commune.id)
    stranger = await f.actor(s, "commune_leader", unit_id=(await f.unit(s, "Xã Đại Hải")).id)
    coop = (await f.cooperative(s, "HTX Trinh Phú")).id or 0
    foreign = (await f.cooperative(s, "HTX Đại Đoàn Kết")).id or 0
    far = await f.item(s, await f.director_of(s, "HTX Đại Đoàn Kết"))
    day = dt.date(2026, 5, 19)
    cases = [
        (
            stranger,
            MeetingRecord(commune.id or 0, day, (coop,)),
            PermissionDenied,
            "Only a leader of this commune can log its meeting.",
        ),
        (
            leader,
            MeetingRecord(commune.id or 0, dt.date(2026, 5, 21), (coop,)),
            InvalidInput,
            "The meeting date cannot be in the future.",
        ),
        (
            leader,
            MeetingRecord(commune.id or 0, dt.date(2025, 12, 31), (coop,)),
            InvalidInput,
            "Meetings older than the previous quarter cannot be logged.",
        ),
        (
            leader,
            MeetingRecord(commune.id or 0, day, (coop,), "x" * 4001),
            InvalidInput,
            "The notes are too long (at most 4000 characters).",
        ),
        (
            leader,
            MeetingRecord(commune.id or 0, day, ()),
            InvalidInput,
            "Choose at least one of the commune's cooperatives.",
        ),
        (
            leader,
            MeetingRecord(commune.id or 0, day, (coop, foreign)),
            InvalidInput,
            "Choose at least one of the commune's cooperatives.",
        ),
        (
            leader,
            MeetingRecord(
                commune.id or 0, day, (coop,), outcomes=((far.id or 0, Outcome.RESOLVED),)
            ),
            InvalidInput,
            "That item is not on this commune's agenda.",
        ),
    ]
    for actor, record, error, message in cases:
        with pytest.raises(error) as refused:
            await log_meeting(s, actor, record, now=NOW)
        assert str(refused.value) == message


async def test_a_meeting_may_be_logged_at_the_edges_of_what_is_allowed(
    demo_session: AsyncSession,
) -> None:
    """Today in Vietnam (still yesterday in UTC), the first day of the previous quarter,
    notes of exactly 4000 characters and every cooperative of the commune are accepted."""
    s = demo_session
    commune = await f.unit(s, "Xã An Lạc Thôn")
    leader = await f.actor(s, "commune_leader", unit_id=commune.id)
    everyone = tuple(c.id or 0 for c in (await agenda(s, commune.id or 0)).cooperatives)
    assert len(everyone) >= 3
    six_in_the_morning = dt.datetime(2026, 5, 19, 23, 0, tzinfo=dt.UTC)  # 20 May, 06:00 local
    for day, notes in ((dt.date(2026, 5, 20), "x" * 4000), (dt.date(2026, 1, 1), "")):
        record = MeetingRecord(commune.id or 0, day, everyone, notes)
        meeting, _ = await log_meeting(s, leader, record, now=six_in_the_morning)
        assert meeting.held_on == day
        assert (meeting.logged_by_person_id, meeting.created_at) == (
            leader.person_id,
            six_in_the_morning,
        )


async def test_a_missing_or_foreign_item_is_refused_in_the_same_words(
    demo_session: AsyncSession,
) -> None:
    """Whether the item is another cooperative's or does not exist, the director is told
    the same, so ids cannot be probed."""
    s = demo_session
    director = await f.director_of(s, "HTX Trinh Phú")
    foreign = await f.item(s, await f.director_of(s, "HTX Đại Đoàn Kết"))
    for item_id in (foreign.id or 0, 999_999):
        with pytest.raises(PermissionDenied) as refused:
            await item_history(s, director, item_id)
        assert str(refused.value) == "This item does not exist or is not yours to see."


async def test_an_items_history_is_in_the_order_things_happened(
    demo_session: AsyncSession,
) -> None:
    """Events are listed by their time, not by when they were written down."""
    s = demo_session
    leader = await f.actor(s, "commune_leader", unit_id=(await f.unit(s, "Xã An Lạc Thôn")).id)
    director = await f.director_of(s, "HTX Trinh Phú")
    item = await f.item(s, director, now=NOW - dt.timedelta(days=2))
    await add_note(s, leader, item.id or 0, "Ghi chú sau", internal=False, now=NOW)
    await add_note(
        s, leader, item.id or 0, "Ghi chú trước", internal=False, now=NOW - dt.timedelta(days=1)
    )
    history = await item_history(s, director, item.id or 0)
    assert [e.text for e in history] == [None, "Ghi chú trước", "Ghi chú sau"]


async def test_a_unit_handles_items_referred_to_it_from_outside_and_nothing_else(
    demo_session: AsyncSession,
) -> None:
    """Xã Phong Nẫm's leader may answer an item of Xã An Lạc Thôn referred to Phong Nẫm, and
    is refused another of An Lạc Thôn's items in so many words."""
    s = demo_session
    phong_nam = await f.unit(s, "Xã Phong Nẫm")
    leader = await f.actor(s, "commune_leader", unit_id=phong_nam.id)
    director = await f.director_of(s, "HTX Trinh Phú")
    referred = await f.item(s, director, status=Status.REFERRED)
    referred.assignee_unit_id = phong_nam.id
    other = await f.item(s, director)
    await s.flush()

    event = await change_status(s, leader, referred.id or 0, Status.ACKNOWLEDGED, now=NOW)
    assert event.to_status == Status.ACKNOWLEDGED
    with pytest.raises(PermissionDenied) as refused:
        await change_status(s, leader, other.id or 0, Status.ACKNOWLEDGED, now=NOW)
    assert str(refused.value) == "This item does not exist or is not yours to handle."


async def test_the_agenda_lists_cooperatives_by_name_and_only_their_open_items_oldest_first(
    demo_session: AsyncSession,
) -> None:
    """Closed and declined items and other communes' items stay off the agenda; an unknown
    commune is refused."""
    s = demo_session
    commune = await f.unit(s, "Xã An Lạc Thôn")
    trinh_phu = await f.director_of(s, "HTX Trinh Phú")
    loc_mai = await f.director_of(s, "HTX Lộc Mãi")
    newer = await f.item(s, trinh_phu, now=NOW - dt.timedelta(days=1))
    older = await f.item(s, trinh_phu, now=NOW - dt.timedelta(days=3))
    middle = await f.item(s, loc_mai, now=NOW - dt.timedelta(days=2))
    await f.item(s, trinh_phu, status=Status.CLOSED)
    await f.item(s, trinh_phu, status=Status.DECLINED)
    await f.item(s, await f.director_of(s, "HTX Đại Đoàn Kết"))

    plan = await agenda(s, commune.id or 0)

    names = [c.name for c in plan.cooperatives]
    assert names == sorted(names, key=lambda n: fold(n))
    assert "HTX Đại Đoàn Kết" not in names
    assert [i.id for i in plan.items[older.cooperative_id]] == [older.id, newer.id]
    assert [i.id for i in plan.items[middle.cooperative_id]] == [middle.id]
    assert {i.id for i in plan.open_items} == {older.id, newer.id, middle.id}
    assert set(plan.items) == {older.cooperative_id, middle.cooperative_id}
    with pytest.raises(InvalidInput) as refused:
        await agenda(s, 999_999)
    assert str(refused.value) == "Unknown commune."


async def test_a_meeting_fulfils_only_its_own_quarter_and_only_a_leader_may_log_it(
    demo_session: AsyncSession,
) -> None:
    """A first-quarter meeting leaves the second quarter's duty open; an official of the
    commune is not its leader; a leader of two communes has them by name."""
    s = demo_session
    an_lac_thon = await f.unit(s, "Xã An Lạc Thôn")
    ke_sach = await f.unit(s, "Xã Kế Sách")
    leader = await f.actor(s, "commune_leader", unit_id=an_lac_thon.id)
    s.add(
        RoleAssignment(
            person_id=leader.person_id,
            role="commune_leader",
            unit_id=ke_sach.id,
            valid_from=f.T0 - dt.timedelta(days=1),
        )
    )
    await s.flush()
    leader = await load_actor(s, leader.person_id, now=f.T0)
    coop = (await f.cooperative(s, "HTX Trinh Phú")).id or 0
    await log_meeting(
        s, leader, MeetingRecord(an_lac_thon.id or 0, dt.date(2026, 3, 20), (coop,)), now=NOW
    )

    assert await meeting_held(s, an_lac_thon.id or 0, Quarter(2026, 1))
    assert not await meeting_held(s, an_lac_thon.id or 0, Quarter(2026, 2))
    _, first = await log_meeting(
        s, leader, MeetingRecord(an_lac_thon.id or 0, dt.date(2026, 5, 19), (coop,)), now=NOW
    )
    assert first is True
    assert [c.name for c in await communes_led_by(leader, s)] == ["Xã An Lạc Thôn", "Xã Kế Sách"]
    official = await f.actor(s, "official", unit_id=an_lac_thon.id)
    assert await communes_led_by(official, s) == []
    with pytest.raises(PermissionDenied):
        await log_meeting(
            s,
            official,
            MeetingRecord(an_lac_thon.id or 0, dt.date(2026, 5, 19), (coop,)),
            now=NOW,
        )


def test_a_year_is_the_whole_calendar_year_and_bad_periods_name_what_was_typed() -> None:
    """'2026' runs from 1 January 2026 to 1 January 2027; a wrong period or quarter is quoted
    back in the message."""
    year = parse_period("2026", dt.date(2026, 5, 1))
    assert (year.key, year.start, year.end) == ("2026", dt.date(2026, 1, 1), dt.date(2027, 1, 1))
    with pytest.raises(InvalidInput) as refused:
        parse_period("quý năm", dt.date(2026, 5, 1))
    assert str(refused.value) == (
        "“quý năm” is not a period. Write q4 (this year), q4/2026, 2026Q4 or a year such as 2026."
    )
    with pytest.raises(InvalidInput) as refused:
        parse_period("quý 5", dt.date(2026, 5, 1))
    assert str(refused.value) == "There is no quarter 5: a year has quarters 1 to 4."
    with pytest.raises(InvalidInput) as refused:
        Quarter.parse("2026Q5")
    assert str(refused.value) == "“2026Q5” is not a quarter; write it like 2026Q2."


async def test_a_refused_status_change_says_what_is_missing_or_not_allowed(
    demo_session: AsyncSession,
) -> None:
    """A move the workflow forbids names both statuses; a decline without a reason and a
    referral without a unit say what to add."""
    s = demo_session
    leader = await f.actor(s, "commune_leader", unit_id=(await f.unit(s, "Xã An Lạc Thôn")).id)
    item = await f.item(s, await f.director_of(s, "HTX Trinh Phú"), status=Status.IN_PROGRESS)
    cases = [
        (Status.ACKNOWLEDGED, {}, "An item that is “in_progress” cannot become “acknowledged”."),
        (Status.DECLINED, {"text": None}, "Please give a reason or an answer."),
        (Status.REFERRED, {}, "Choose the unit to refer the item to."),
    ]
    for target, extra, message in cases:
        with pytest.raises(CoopbotError) as refused:
            await change_status(s, leader, item.id or 0, target, now=NOW, **extra)
        assert str(refused.value) == message
