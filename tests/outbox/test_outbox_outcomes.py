"""What each delivery outcome records, and who among the admins is told about it."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.calendar import Quarter
from storage.delivery_plan import Cause, reroute
from storage.models import (
    ChannelIdentity,
    OutboxMessage,
    OutboxStatus,
    Person,
    RoleAssignment,
)
from storage.outbox import (
    INTERRUPTED,
    claim_due,
    mark_failed,
    mark_retry,
    mark_sent,
    mark_unreachable,
    plan,
    tell_admins,
)
from storage.outbox_payloads import QuarterKickoff, RecipientUnreachable, read_payload
from tests import factories as f

NOW = f.T0
REASON = "Forbidden: bot was blocked by the user. " * 20  # 800 characters


async def account(session: AsyncSession, external_id: str, *, channel: str = "telegram"):
    """Create an account on ``channel`` for a new person and return it."""
    person = Person(full_name=f"Person {external_id}")
    session.add(person)
    await session.flush()
    identity = ChannelIdentity(channel=channel, external_id=external_id, person_id=person.id)
    session.add(identity)
    await session.flush()
    return identity


async def admin_account(session: AsyncSession, external_id: str) -> ChannelIdentity:
    """Create an admin reachable on Telegram and return the account."""
    admin = await f.actor(session, "admin", name=f"Admin {external_id}")
    identity = ChannelIdentity(
        channel="telegram", external_id=external_id, person_id=admin.person_id
    )
    session.add(identity)
    await session.flush()
    return identity


async def claimed_message(session: AsyncSession, identity: ChannelIdentity, key: str):
    """Plan a kick-off to ``identity``, claim it and return the row (its first attempt)."""
    await plan(
        session,
        dedupe_key=key,
        channel=identity.channel,
        recipient=identity.external_id,
        person_id=identity.person_id,
        payload=QuarterKickoff(quarter="2026Q1", commune_id=1),
        now=NOW,
    )
    [message] = await claim_due(session, now=NOW, channels=[identity.channel])
    return message


async def admin_notices(session: AsyncSession) -> list[OutboxMessage]:
    """Return the planned notices to admins, by id."""
    rows = await session.execute(select(OutboxMessage).order_by(OutboxMessage.id))
    return [m for m in rows.scalars() if m.payload.get("kind") != "quarter_kickoff"]


async def test_a_blocked_recipient_is_flagged_and_every_admin_is_told_once(
    session: AsyncSession,
) -> None:
    """Only that account (channel and id) becomes unreachable, with the reason cut to 200
    characters; each admin gets one notice naming it, however often it is reported."""
    first_admin = await admin_account(session, "901")
    second_admin = await admin_account(session, "902")
    blocked = await account(session, "42")
    same_id_on_zalo = await account(session, "42", channel="zalo")
    neighbour = await account(session, "43")
    message = await claimed_message(session, blocked, "kickoff:42")

    await mark_unreachable(session, message.id or 0, REASON, now=NOW, attempt=1)
    await mark_unreachable(session, message.id or 0, REASON, now=NOW)

    for identity in (blocked, same_id_on_zalo, neighbour):
        await session.refresh(identity)
    assert (blocked.unreachable_since, blocked.unreachable_reason) == (NOW, REASON[:200])
    assert same_id_on_zalo.unreachable_since is None
    assert neighbour.unreachable_since is None
    await session.refresh(message)
    assert (message.status, message.last_error) == (OutboxStatus.UNREACHABLE, REASON[:500])
    assert message.claimed_until is None
    notices = await admin_notices(session)
    assert [(n.recipient, n.person_id) for n in notices] == [
        ("901", first_admin.person_id),
        ("902", second_admin.person_id),
    ]
    assert [n.dedupe_key for n in notices] == [
        f"unreachable:telegram:42:{NOW.date()}:{first_admin.id}",
        f"unreachable:telegram:42:{NOW.date()}:{second_admin.id}",
    ]
    assert read_payload(notices[0].payload) == RecipientUnreachable(
        channel="telegram", recipient="42", person_id=blocked.person_id, reason=REASON[:200]
    )
    assert {n.created_at for n in notices} == {NOW}


async def test_an_outcome_reported_by_an_attempt_that_lost_the_row_changes_nothing(
    session: AsyncSession,
) -> None:
    """A worker whose lease ran out cannot mark the message unreachable or refused any more."""
    await admin_account(session, "901")
    blocked = await account(session, "42")
    message = await claimed_message(session, blocked, "kickoff:42")

    await mark_unreachable(session, message.id or 0, "blocked", now=NOW, attempt=2)
    await reroute(session, message.id or 0, "window closed", [Cause.REFUSED], now=NOW, attempt=2)

    await session.refresh(message)
    await session.refresh(blocked)
    assert (message.status, message.last_error) == (OutboxStatus.SENDING, None)
    assert blocked.unreachable_since is None
    assert await admin_notices(session) == []


async def test_every_admin_in_office_at_the_time_is_told_and_counted(
    session: AsyncSession,
) -> None:
    """Two admins in office at the notice's time get it (one of them left later on)."""
    await admin_account(session, "901")
    leaving = await admin_account(session, "902")
    grant = (
        await session.execute(
            select(RoleAssignment).where(RoleAssignment.person_id == leaving.person_id)
        )
    ).scalar_one()
    grant.valid_to = NOW + dt.timedelta(days=1)
    await session.flush()
    notice = RecipientUnreachable(channel="telegram", recipient="42", reason="blocked")
    assert await tell_admins(session, notice, now=NOW) == 2
    assert [n.recipient for n in await admin_notices(session)] == ["901", "902"]


async def test_an_admins_own_account_is_not_told_about_itself_but_the_others_are(
    session: AsyncSession,
) -> None:
    """The notice about an admin's account skips that account and reaches the next admin;
    telling again the same day plans nothing new."""
    await admin_account(session, "901")
    await admin_account(session, "902")
    notice = RecipientUnreachable(channel="telegram", recipient="901", reason="blocked")

    assert await tell_admins(session, notice, now=NOW) == 1
    assert await tell_admins(session, notice, now=NOW) == 0
    assert [n.recipient for n in await admin_notices(session)] == ["902"]


async def test_a_message_no_channel_can_carry_fails_and_admins_learn_why_once_a_quarter(
    session: AsyncSession,
) -> None:
    """With no other account, a rerouted message fails with its reason and every admin gets
    one notice naming the person, the message and each cause; a second such message of the
    quarter adds no notice; a notice to an admin that cannot go is not reported in turn."""
    admin = await admin_account(session, "901")
    await admin_account(session, "902")
    director = await account(session, "42", channel="zalo")
    message = await claimed_message(session, director, "kickoff:42")

    causes = [Cause.WINDOW_CLOSED, Cause.NO_TEMPLATE]
    assert await reroute(session, message.id or 0, REASON, causes, now=NOW, attempt=1) is None

    await session.refresh(message)
    assert (message.status, message.last_error) == (OutboxStatus.FAILED, REASON[:500])
    assert message.claimed_until is None
    notice, _ = await admin_notices(session)
    quarter = Quarter.at(NOW).key
    assert notice.dedupe_key == f"unreached:{director.person_id}:{quarter}:{admin.id}"
    assert (notice.recipient, notice.person_id, notice.created_at) == (
        "901",
        admin.person_id,
        NOW,
    )
    assert read_payload(notice.payload).model_dump() == {
        "kind": "person_unreached",
        "person_id": director.person_id,
        "message_id": message.id,
        "message_kind": "quarter_kickoff",
        "causes": ["window_closed", "no_template", "no_other_account"],
    }

    second = await claimed_message(session, director, "follow-up:42")
    await reroute(session, second.id or 0, "closed", causes, now=NOW, attempt=1)
    assert len(await admin_notices(session)) == 2  # still one per admin

    claimed_notice, _ = await claim_due(session, now=NOW, channels=["telegram"])
    await reroute(session, claimed_notice.id or 0, "refused too", [Cause.REFUSED], now=NOW)
    assert len(await admin_notices(session)) == 2  # nothing about 901's notice


async def test_a_retry_keeps_the_error_and_waits_its_delay(session: AsyncSession) -> None:
    """A retried message is pending again after ``delay``, with its error cut to 500."""
    director = await account(session, "42")
    message = await claimed_message(session, director, "kickoff:42")
    delay = dt.timedelta(minutes=4)

    status = await mark_retry(
        session, message.id or 0, delay=delay, error=REASON, max_attempts=3, now=NOW, attempt=1
    )

    assert status == OutboxStatus.PENDING
    await session.refresh(message)
    assert (message.next_attempt_at, message.last_error) == (NOW + delay, REASON[:500])
    assert message.claimed_until is None


async def test_a_sent_message_records_when_and_forgets_its_claim_and_last_error(
    session: AsyncSession,
) -> None:
    """After a failed first attempt, the second attempt's delivery is stamped with its time,
    and the claim and the earlier error are cleared."""
    director = await account(session, "42")
    message = await claimed_message(session, director, "kickoff:42")
    message_id = message.id or 0
    await mark_retry(
        session, message_id, delay=dt.timedelta(0), error="502", max_attempts=3, now=NOW
    )
    [again] = await claim_due(session, now=NOW)
    sent_at = NOW + dt.timedelta(seconds=5)

    assert await mark_sent(session, again.id or 0, now=sent_at, attempt=2) is True

    session.expire_all()
    stored = await session.get(OutboxMessage, message_id)
    assert stored is not None
    assert (stored.status, stored.sent_at) == (OutboxStatus.SENT, sent_at)
    assert (stored.claimed_until, stored.last_error) == (None, None)


async def plain(session: AsyncSession, key: str, *, at: dt.datetime = NOW) -> None:
    """Plan a message to Telegram account 42, due at ``at``."""
    await plan(
        session,
        dedupe_key=key,
        channel="telegram",
        recipient="42",
        payload=QuarterKickoff(quarter="2026Q1", commune_id=1),
        not_before=at,
        now=NOW,
    )


async def test_claims_take_fifty_at_a_time_the_longest_due_first(session: AsyncSession) -> None:
    """Of 51 due messages a claim takes 50; one at a time, the one due earliest comes first
    whatever order they were planned in."""
    await plain(session, "later", at=NOW - dt.timedelta(minutes=1))
    await plain(session, "earliest", at=NOW - dt.timedelta(minutes=5))
    [first] = await claim_due(session, now=NOW, limit=1)
    assert first.dedupe_key == "earliest"
    for n in range(50):
        await plain(session, f"k{n}")  # with "later", 51 are due
    assert len(await claim_due(session, now=NOW)) == 50
    assert len(await claim_due(session, now=NOW)) == 1


async def test_a_claim_holds_until_the_end_of_its_lease(session: AsyncSession) -> None:
    """At the instant the lease ends the message is still held; just after, it is taken over
    and says the previous attempt may have been delivered."""
    await plain(session, "one")
    [claimed] = await claim_due(session, now=NOW)
    lease_end = claimed.claimed_until
    assert lease_end is not None
    assert await claim_due(session, now=lease_end) == []
    [again] = await claim_due(session, now=lease_end + dt.timedelta(seconds=1))
    assert (again.attempts, again.last_error) == (2, INTERRUPTED)


async def test_a_retried_message_keeps_its_error_when_it_is_claimed_again(
    session: AsyncSession,
) -> None:
    """A message waiting for its retry is claimed with the error of its last attempt."""
    await plain(session, "one")
    [claimed] = await claim_due(session, now=NOW)
    message_id = claimed.id or 0
    await mark_retry(
        session,
        message_id,
        delay=dt.timedelta(0),
        error="502 Bad Gateway",
        max_attempts=3,
        now=NOW,
    )
    [again] = await claim_due(session, now=NOW)
    assert (again.attempts, again.last_error) == (2, "502 Bad Gateway")


async def test_an_outcome_changes_only_its_own_message(session: AsyncSession) -> None:
    """Two messages in their first attempt: sending or failing one leaves the other held."""
    for key in ("one", "two", "three"):
        await plain(session, key)
    one, two, three = await claim_due(session, now=NOW)
    ids = (one.id or 0, two.id or 0, three.id or 0)
    assert await mark_sent(session, ids[0], now=NOW, attempt=1) is True
    await mark_failed(session, ids[1], REASON, attempt=1)
    session.expire_all()
    stored = [await session.get(OutboxMessage, i) for i in ids]
    assert [m.status for m in stored if m] == [
        OutboxStatus.SENT,
        OutboxStatus.FAILED,
        OutboxStatus.SENDING,
    ]
    failed = stored[1]
    assert failed is not None
    assert (failed.last_error, failed.claimed_until) == (REASON[:500], None)


async def test_a_failure_reported_by_an_attempt_that_lost_the_row_changes_nothing(
    session: AsyncSession,
) -> None:
    """A worker whose lease ran out cannot mark the message failed any more."""
    await plain(session, "one")
    [claimed] = await claim_due(session, now=NOW)
    message_id = claimed.id or 0
    await mark_failed(session, message_id, "400", attempt=2)
    session.expire_all()
    stored = await session.get(OutboxMessage, message_id)
    assert stored is not None
    assert (stored.status, stored.last_error) == (OutboxStatus.SENDING, None)
