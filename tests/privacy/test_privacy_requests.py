"""Requests about personal data: due dates, the admins' notice, answering them."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.i18n import get_translator
from handlers.notices import render
from handlers.notices.context import Notice
from storage.errors import InvalidInput, NotFound
from storage.models import (
    ChannelIdentity,
    OutboxMessage,
    Person,
    PrivacyRequestKind,
    PrivacyRequestState,
    Role,
)
from storage.outbox_payloads import PrivacyRequested, read_payload
from storage.privacy_requests import (
    DEADLINES,
    RequestNotOpen,
    finish_request,
    open_requests,
    record_request,
)
from tests import factories as f
from tests.privacy.someone import NOW


async def _person(session: AsyncSession, name: str = "Chị Lan") -> int:
    person = Person(full_name=name)
    session.add(person)
    await session.flush()
    return person.id or 0


async def _admins(session: AsyncSession) -> list[str]:
    chats = []
    for number in (1, 2):
        admin = await f.actor(session, Role.ADMIN, name=f"Admin {number}")
        chat = f"90{number}"
        session.add(
            ChannelIdentity(channel="telegram", external_id=chat, person_id=admin.person_id)
        )
        chats.append(chat)
    await session.flush()
    return chats


@pytest.mark.parametrize("kind", list(PrivacyRequestKind))
async def test_a_request_is_due_after_its_deadline_and_every_admin_is_told(
    session: AsyncSession, kind: PrivacyRequestKind
) -> None:
    """The due date is the kind's deadline after receipt; each admin gets one notice."""
    chats = await _admins(session)
    person_id = await _person(session)
    request = await record_request(session, person_id, kind, channel="zalo", now=NOW)
    assert request.due_at == NOW + DEADLINES[kind]
    assert request.state == PrivacyRequestState.OPEN
    notices = list((await session.execute(select(OutboxMessage))).scalars())
    assert sorted(m.recipient for m in notices) == sorted(chats)
    payload = read_payload(notices[0].payload)
    assert payload == PrivacyRequested(
        request_id=request.id or 0, request_kind=kind, due_at=request.due_at
    )
    [reply] = await render(Notice(session, get_translator("en"), NOW), payload)
    assert f"number {request.id}" in (reply.text or "")
    assert "Chị Lan" in (reply.text or "")
    assert "coopbot privacy requests" in (reply.text or "")


async def test_open_requests_come_nearest_deadline_first_until_finished(
    session: AsyncSession,
) -> None:
    """Finished requests leave the list; finishing twice, or as OPEN, is refused."""
    person_id = await _person(session)
    first = await record_request(
        session, person_id, PrivacyRequestKind.COPY, channel="cli", now=NOW
    )
    later = NOW.replace(hour=NOW.hour + 1)
    second = await record_request(
        session, person_id, PrivacyRequestKind.ERASURE, channel="cli", now=later
    )
    rows = await open_requests(session)
    assert [row.request.id for row in rows] == [first.id, second.id]
    assert not rows[0].overdue(NOW)
    assert rows[0].overdue(first.due_at + dt.timedelta(seconds=1))
    done = await finish_request(session, first.id or 0, now=later)
    assert (done.state, done.done_at) == (PrivacyRequestState.DONE, later)
    assert [row.request.id for row in await open_requests(session)] == [second.id]
    with pytest.raises(RequestNotOpen):
        await finish_request(session, first.id or 0, now=later)
    with pytest.raises(InvalidInput):
        await finish_request(session, second.id or 0, now=later, state=PrivacyRequestState.OPEN)
    with pytest.raises(NotFound):
        await finish_request(session, 999, now=later)
    with pytest.raises(NotFound):
        await record_request(session, 999, PrivacyRequestKind.COPY, channel="cli", now=NOW)
