"""A handler that raises anyway: one apology, nothing kept, a throttled alert without text."""

from __future__ import annotations

import datetime as dt
import logging
import sys

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.logs import RedactingFormatter
from handlers import router as router_module
from handlers.failures import APOLOGY, FailureTally, failure_kind
from handlers.i18n import get_translator
from handlers.notices.admins import render_failure_alert
from handlers.notices.context import Notice
from handlers.turn import Turn
from handlers.types import IncomingKind
from storage.db import Database
from storage.models import ChannelIdentity, OutboxMessage, Person, Role, RoleAssignment
from storage.outbox_payloads import FailureAlert
from tests.handlers.chat import Chat

SECRET_TEXT = "Thiếu vốn lưu động của HTX bí mật"
NOW = dt.datetime(2026, 6, 10, 3, 0, tzinfo=dt.UTC)


async def add_admin(session: AsyncSession, external_id: str, locale: str = "vi") -> None:
    """Store a person holding the admin role, reachable on Telegram."""
    person = Person(full_name="Quản trị", locale=locale)
    session.add(person)
    await session.flush()
    session.add_all(
        [
            RoleAssignment(
                person_id=person.id or 0, role=Role.ADMIN, valid_from=NOW - dt.timedelta(days=1)
            ),
            ChannelIdentity(channel="telegram", external_id=external_id, person_id=person.id),
        ]
    )
    await session.commit()


async def write_then_fail(turn: Turn) -> bool:
    """A route with a bug: it writes, then fails with a database error quoting a director's
    words in its parameters."""
    turn.session.add(Person(full_name="Nửa chừng"))
    await turn.session.flush()
    raise IntegrityError("INSERT INTO feedback_item (text) VALUES (?)", (SECRET_TEXT,), None)


@pytest.fixture
def failing_routes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Put the failing route first."""
    monkeypatch.setattr(router_module, "ROUTES", (write_then_fail, *router_module.ROUTES))


async def alerts(session: AsyncSession) -> list[OutboxMessage]:
    """Return the planned failure alerts."""
    session.expire_all()
    rows = await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))
    return [row for row in rows if row.payload.get("kind") == "failure_alert"]


async def test_a_failing_handler_apologises_once_and_keeps_nothing(
    db: Database, session: AsyncSession, failing_routes: None
) -> None:
    """One apology in the person's language; the half-written row is rolled back; the same
    update delivered again is not handled (and apologised for) a second time."""
    chat = Chat(db, user="501", now=NOW)
    people = await session.scalar(select(func.count()).select_from(Person))
    incoming = chat._base(IncomingKind.TEXT, text="xin chào")

    replies = await chat.send(incoming)

    assert [reply.text for reply in replies] == [get_translator("vi").gettext(APOLOGY)]
    assert "Xin lỗi Ông/Bà" in replies[0].text
    assert await session.scalar(select(func.count()).select_from(Person)) == people
    assert await chat.send(incoming) == []  # delivered again: not one more failure


async def test_admins_get_one_alert_per_kind_per_hour_with_a_count_and_no_text(
    db: Database, session: AsyncSession, failing_routes: None
) -> None:
    """The first failure alerts each admin; more within the hour are counted, not sent; the
    next alert carries the count. No alert holds the statement's parameters."""
    await add_admin(session, "9001")
    await add_admin(session, "9002", locale="en")
    chat = Chat(db, user="502", now=NOW)

    await chat.say("một")
    first = await alerts(session)
    await chat.say("hai")
    await chat.say("ba")
    assert len(await alerts(session)) == len(first) == 2

    chat.now = NOW + dt.timedelta(minutes=61)
    await chat.say("bốn")
    later = (await alerts(session))[2:]

    assert [row.recipient for row in later] == ["9001", "9002"]
    for row in [*first, *later]:
        assert SECRET_TEXT not in str(row.payload)
        assert "INSERT" not in str(row.payload)
    assert first[0].payload["count"] == 1
    assert later[0].payload["count"] == 3  # "hai", "ba" held back, then "bốn"
    # The failing route lives in tests/, so the innermost function of ours is the router's.
    assert later[0].payload["error_kind"] == "IntegrityError at handlers.router._handle"


async def test_the_alert_names_the_kind_and_count_in_the_admins_language(
    session: AsyncSession,
) -> None:
    """The alert says how many, since when, and what to look for in the log."""
    alert = FailureAlert(
        error_kind="IntegrityError at storage.referrals.assign_office", count=3, since=NOW
    )
    [vi] = await render_failure_alert(Notice(session, get_translator("vi"), NOW), alert)
    [en] = await render_failure_alert(Notice(session, get_translator("en"), NOW), alert)

    assert "có 3 tin nhắn không được trả lời" in vi.text
    assert "10:00 10/06/2026" in vi.text
    assert "3 messages could not be answered" in en.text
    assert en.text.endswith("IntegrityError at storage.referrals.assign_office")


def test_the_tally_alerts_the_first_then_once_an_hour_with_the_count() -> None:
    """Kinds are counted apart; a window holds back repeats and hands their count on."""
    tally = FailureTally(window=dt.timedelta(hours=1))
    minute = dt.timedelta(minutes=1)

    assert tally.note("A", NOW) == (1, NOW)
    assert tally.note("A", NOW + minute) is None
    assert tally.note("B", NOW + minute) == (1, NOW + minute)
    assert tally.note("A", NOW + 59 * minute) is None
    assert tally.note("A", NOW + 60 * minute) == (3, NOW)
    assert tally.note("A", NOW + 61 * minute) is None


def test_the_tally_forgets_the_oldest_kinds_beyond_its_bound() -> None:
    """Memory stays bounded whatever the number of distinct kinds."""
    tally = FailureTally()
    for number in range(1000):
        tally.note(f"kind {number}", NOW)
    assert len(tally._counts) <= 256
    assert tally.note("kind 999", NOW) is None  # recent kinds are still throttled


def test_the_kind_is_the_type_and_our_innermost_function() -> None:
    """The kind names where in our code it failed, never the error's text."""

    def inner() -> None:
        raise ValueError(SECRET_TEXT)

    with pytest.raises(ValueError, match="bí mật") as raised:
        inner()
    kind = failure_kind(raised.value)
    assert kind == "ValueError"  # raised in tests/, which is not ours to name
    assert SECRET_TEXT not in kind

    with pytest.raises(AttributeError) as raised_in_ours:
        Turn.say(None, "x")  # type: ignore[arg-type]
    assert failure_kind(raised_in_ours.value) == "AttributeError at handlers.turn.say"


def test_the_log_formatter_blanks_secrets_in_messages_and_tracebacks() -> None:
    """Tokens and passwords never reach the log, not even inside a traceback."""
    formatter = RedactingFormatter(["123456:SECRET-TOKEN", "pw"])
    try:
        raise RuntimeError("calling https://api/bot123456:SECRET-TOKEN/getMe")
    except RuntimeError:
        record = logging.LogRecord(
            "x", logging.DEBUG, __file__, 1, "token %s", ("123456:SECRET-TOKEN",), sys.exc_info()
        )
    text = formatter.format(record)
    assert "SECRET-TOKEN" not in text
    assert "token ***" in text
    assert "bot***/getMe" in text
