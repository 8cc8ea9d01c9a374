"""One delivery plan per person: the account used last first, the others when it cannot."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.accounts_preferred import preferred_accounts
from storage.delivery_plan import Cause, reroute, tried_channels
from storage.models import ChannelIdentity, OutboxMessage, OutboxStatus, Person
from storage.outbox import claim_due, plan
from storage.outbox_admin import problem_messages, retry
from storage.outbox_payloads import PersonUnreached, QuarterKickoff, read_payload
from storage.reply_window import ReplyWindow, count_sent, note_seen
from tests import factories as f

NOW = dt.datetime(2027, 1, 4, 1, 0, tzinfo=dt.UTC)
KICKOFF = QuarterKickoff(quarter="2027Q1", commune_id=1)


async def person_with(
    session: AsyncSession, *accounts: tuple[str, str, dt.datetime | None]
) -> list[ChannelIdentity]:
    """Create a person with (channel, id, last written) accounts; return them in order."""
    person = Person(full_name="Lê Văn Ba")
    session.add(person)
    await session.flush()
    made = [
        ChannelIdentity(channel=c, external_id=e, person_id=person.id, last_seen_at=seen)
        for c, e, seen in accounts
    ]
    session.add_all(made)
    await session.flush()
    return made


async def claimed(session: AsyncSession, identity: ChannelIdentity, key: str) -> OutboxMessage:
    """Plan a kick-off to ``identity`` and claim it (its first attempt)."""
    await plan(
        session,
        dedupe_key=key,
        channel=identity.channel,
        recipient=identity.external_id,
        person_id=identity.person_id,
        payload=KICKOFF,
        now=NOW,
    )
    [message] = await claim_due(session, now=NOW, channels=[identity.channel])
    return message


async def pending(session: AsyncSession) -> list[OutboxMessage]:
    rows = await session.execute(
        select(OutboxMessage).where(OutboxMessage.status == OutboxStatus.PENDING)
    )
    return list(rows.scalars())


async def test_a_rerouted_message_is_no_problem_and_retrying_failures_never_resends_it(
    session: AsyncSession,
) -> None:
    """`coopbot outbox retry --failed` puts back what failed, not what went elsewhere: the
    copy on Telegram already carries it."""
    zalo, _telegram = await person_with(session, ("zalo", "z1", NOW), ("telegram", "t1", None))
    message = await claimed(session, zalo, "remind:2027Q1:kickoff:1:p1")
    await reroute(session, message.id or 0, "closed", [Cause.WINDOW_CLOSED], now=NOW, attempt=1)

    assert await retry(session, failed=True) == 0
    assert await retry(session, message.id) == 0
    assert await problem_messages(session) == []
    await session.refresh(message)
    assert message.status == OutboxStatus.REROUTED


async def test_the_account_written_from_last_is_preferred_and_never_used_ones_come_last(
    session: AsyncSession,
) -> None:
    """Of three accounts the one written from most recently wins; with no writes, the oldest."""
    hours = dt.timedelta(hours=1)
    zalo, telegram, web = await person_with(
        session,
        ("zalo", "z1", NOW - 3 * hours),
        ("telegram", "t1", NOW - hours),
        ("web", "w1", None),
    )
    assert preferred_accounts([zalo, telegram, web]) == [telegram]
    never_a, never_b = await person_with(session, ("zalo", "z2", None), ("web", "w2", None))
    assert preferred_accounts([never_b, never_a]) == [never_a]


async def test_a_message_zalo_cannot_carry_goes_to_the_persons_telegram_once(
    session: AsyncSession,
) -> None:
    """Rerouting ends the Zalo message with its reason and plans one copy on Telegram, keyed
    by the original's key; rerouting the same attempt again plans nothing more."""
    zalo, _telegram = await person_with(
        session, ("zalo", "z1", NOW), ("telegram", "t1", NOW - dt.timedelta(days=30))
    )
    message = await claimed(session, zalo, "remind:2027Q1:kickoff:1:p1")

    channel = await reroute(
        session, message.id or 0, "outside the window", [Cause.WINDOW_CLOSED], now=NOW, attempt=1
    )
    again = await reroute(
        session, message.id or 0, "outside the window", [Cause.WINDOW_CLOSED], now=NOW, attempt=1
    )

    assert (channel, again) == ("telegram", None)
    await session.refresh(message)
    assert message.status == OutboxStatus.REROUTED
    assert message.last_error == "outside the window; sent on telegram instead"
    (copy,) = await pending(session)
    assert (copy.channel, copy.recipient, copy.person_id) == ("telegram", "t1", zalo.person_id)
    assert copy.dedupe_key == "remind:2027Q1:kickoff:1:p1>zalo>telegram"
    assert read_payload(copy.payload) == KICKOFF
    assert tried_channels(copy) == ["zalo", "telegram"]


async def test_the_chain_never_goes_back_to_a_channel_it_tried(session: AsyncSession) -> None:
    """A copy on Telegram that fails too does not return to Zalo: the web account is next."""
    zalo, telegram, web = await person_with(
        session,
        ("zalo", "z1", NOW),
        ("telegram", "t1", NOW - dt.timedelta(days=1)),
        ("web", "w1", None),
    )
    first = await claimed(session, zalo, "k")
    await reroute(session, first.id or 0, "no", [Cause.WINDOW_CLOSED], now=NOW, attempt=1)
    [second] = await claim_due(session, now=NOW, channels=["telegram"])
    assert (second.dedupe_key, second.recipient) == ("k>zalo>telegram", telegram.external_id)

    channel = await reroute(session, second.id or 0, "no", [Cause.REFUSED], now=NOW, attempt=1)

    assert channel == "web"
    (copy,) = await pending(session)
    assert (copy.dedupe_key, copy.recipient) == ("k>zalo>telegram>web", web.external_id)


async def test_an_unreachable_account_is_not_a_way(session: AsyncSession) -> None:
    """A blocked Telegram account is skipped: nothing is planned, the admins would be told."""
    zalo, telegram = await person_with(session, ("zalo", "z1", NOW), ("telegram", "t1", NOW))
    telegram.unreachable_since = NOW
    message = await claimed(session, zalo, "k")

    assert await reroute(session, message.id or 0, "no", [Cause.NO_PHONE], now=NOW) is None
    assert await pending(session) == []


async def test_a_notice_to_an_admin_goes_to_their_next_account_but_never_cascades(
    session: AsyncSession,
) -> None:
    """An admin last seen on Zalo still gets a notice Zalo cannot carry, on Telegram; when the
    admin has no way left, no notice about the notice is planned."""
    admin = await f.actor(session, "admin", name="Quản trị viên")
    zalo, telegram = await person_with(session, ("zalo", "z1", NOW), ("telegram", "t1", None))
    for account in (zalo, telegram):
        account.person_id = admin.person_id
    notice = PersonUnreached(
        person_id=1, message_id=1, message_kind="quarter_kickoff", causes=["no_phone"]
    )
    await plan(
        session,
        dedupe_key="n",
        channel="zalo",
        recipient="z1",
        person_id=admin.person_id,
        payload=notice,
        now=NOW,
    )
    [message] = await claim_due(session, now=NOW, channels=["zalo"])

    assert await reroute(session, message.id or 0, "closed", [Cause.WINDOW_CLOSED], now=NOW) == (
        "telegram"
    )
    [copy] = await claim_due(session, now=NOW, channels=["telegram"])
    assert read_payload(copy.payload) == notice

    assert await reroute(session, copy.id or 0, "blocked", [Cause.REFUSED], now=NOW) is None
    assert await pending(session) == []


async def test_the_window_opens_when_the_person_writes_and_closes_by_time_or_count(
    session: AsyncSession,
) -> None:
    """Open right after a write, closed 48 hours later or after the free replies; a new write
    opens it again; writes within a minute are not written again."""
    window = ReplyWindow(hours=48, free_replies=2)
    (zalo,) = await person_with(session, ("zalo", "z1", None))
    assert not window.is_open(zalo, NOW)

    note_seen(zalo, NOW, "m1")
    await session.flush()
    assert window.is_open(zalo, NOW + dt.timedelta(hours=47, minutes=59))
    assert not window.is_open(zalo, NOW + dt.timedelta(hours=48))

    await count_sent(session, "zalo", "z1", 2)
    await session.refresh(zalo)
    assert zalo.sent_since_seen == 2
    assert not window.is_open(zalo, NOW + dt.timedelta(minutes=1))

    note_seen(zalo, NOW + dt.timedelta(seconds=10), "m2")
    assert (zalo.last_seen_at, zalo.sent_since_seen) == (NOW + dt.timedelta(seconds=10), 0)
    note_seen(zalo, NOW + dt.timedelta(seconds=20), "m3")
    assert zalo.last_seen_at == NOW + dt.timedelta(seconds=10)  # within the minute
    assert zalo.last_message_ref == "m3"  # but the newest message is the one answered
    assert window.is_open(zalo, NOW + dt.timedelta(hours=1))
