"""Erasure: no name, phone or chat id left anywhere; the cooperative's items and counts stay."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.i18n import get_translator
from handlers.notices import render
from handlers.notices.context import Notice
from storage.item_details import item_details
from storage.models import (
    ChannelIdentity,
    FeedbackItem,
    Invite,
    OutboxMessage,
    OutboxStatus,
    Person,
    Role,
    metadata,
)
from storage.outbox import tell_admins
from storage.outbox_payloads import RecipientUnreachable
from storage.people import ERASED_PERSON
from storage.periods import parse_period
from storage.personal_data import ERASED_REASON, ONLY_ADMIN_WARNING, erase_person
from storage.reporting.export_rows import export_items
from storage.reporting.scope import ReportScope
from storage.reporting.summary import summarize
from storage.scope import load_actor
from tests import factories as f
from tests.privacy.someone import CHAT_ID, DRAFT, NAME, NOW, PHONE, someone

SECRETS = (NAME, PHONE, CHAT_ID, DRAFT)


async def _admin(session: AsyncSession, chat_id: str = "9900") -> int:
    admin = await f.actor(session, Role.ADMIN, name="Quản trị")
    session.add(
        ChannelIdentity(channel="telegram", external_id=chat_id, person_id=admin.person_id)
    )
    await session.flush()
    return admin.person_id


async def _traces(session: AsyncSession) -> list[str]:
    """Return 'table.column' for every stored value (JSON ones as text) holding a secret."""
    found = []
    for table in metadata.sorted_tables:
        for row in (await session.execute(select(table))).mappings():
            for column, value in row.items():
                if value is not None and any(secret in str(value) for secret in SECRETS):
                    found.append(f"{table.name}.{column}")
    return found


async def test_erasure_leaves_no_trace_and_keeps_the_cooperatives_items(
    demo_session: AsyncSession,
) -> None:
    """Name, phone, chat id and drafts are gone from every table; items, events, summaries
    and the export keep their counts; the person holds no role."""
    session = demo_session
    admin_id = await _admin(session)
    person = await someone(session)
    # An admin notice naming the person's account: its payload and dedupe key hold the chat id.
    await tell_admins(
        session,
        RecipientUnreachable(
            channel="telegram", recipient=CHAT_ID, person_id=person.person_id, reason="blocked"
        ),
        now=f.T0,
    )
    admin = await load_actor(session, admin_id, now=NOW)
    period = parse_period("2026", NOW.date())
    before = await summarize(session, admin, period, now=NOW)
    rows_before = await export_items(session, ReportScope(admin, period), NOW)
    items_before = len((await session.execute(select(FeedbackItem))).all())
    assert await _traces(session)  # the scan sees them before

    report = await erase_person(session, person.person_id, now=NOW)
    await session.commit()

    assert await _traces(session) == []
    assert report.changed["role_assignment ended"] == 1
    assert report.changed["channel_identity deleted"] == 1
    assert report.changed["dialog_state deleted"] == 1
    assert report.changed["admin notices scrubbed"] == 1
    assert report.warnings == ()  # another admin remains
    assert (await load_actor(session, person.person_id, now=NOW)).grants == ()
    erased = await session.get(Person, person.person_id)
    assert erased is not None
    assert erased.erased_at == NOW
    assert erased.full_name == ""
    assert len((await session.execute(select(FeedbackItem))).all()) == items_before
    after = await summarize(session, admin, period, now=NOW)
    assert (after.total, after.by_kind_status) == (before.total, before.by_kind_status)
    rows_after = await export_items(session, ReportScope(admin, period), NOW)
    assert [r.reference for r in rows_after] == [r.reference for r in rows_before]
    details = await item_details(session, admin, person.item.id or 0)
    assert details.item.author_person_id == person.person_id
    assert len(details.events) >= 1
    assert not any(secret in repr(details) for secret in SECRETS)


async def test_pending_messages_are_cancelled_and_unused_invites_revoked(
    demo_session: AsyncSession,
) -> None:
    """What was still to be sent to them ends failed with the reason; their invites die."""
    person = await someone(demo_session)
    report = await erase_person(demo_session, person.person_id, now=NOW)
    messages = (
        await demo_session.execute(
            select(OutboxMessage).where(OutboxMessage.person_id == person.person_id)
        )
    ).scalars()
    mine = list(messages)
    assert mine
    assert all(m.status == OutboxStatus.FAILED for m in mine)
    assert all(m.last_error == ERASED_REASON and m.recipient == "" for m in mine)
    assert report.changed["outbox cancelled"] == len(mine)
    invites = (
        await demo_session.execute(
            select(Invite).where(Invite.created_by_person_id == person.person_id)
        )
    ).scalars()
    assert all(invite.revoked_at == NOW for invite in invites)
    assert report.changed["invite revoked"] == 1


async def test_erasure_is_idempotent(demo_session: AsyncSession) -> None:
    """A second erasure finds nothing to change and keeps the first moment."""
    person = await someone(demo_session)
    await erase_person(demo_session, person.person_id, now=NOW)
    again = await erase_person(demo_session, person.person_id, now=NOW + dt.timedelta(days=1))
    assert again.total == 0
    erased = await demo_session.get(Person, person.person_id)
    assert erased is not None
    assert erased.erased_at == NOW


async def test_erasing_the_only_admin_is_allowed_with_a_warning(session: AsyncSession) -> None:
    """The right to erasure wins; the operator is told to invite another admin."""
    admin_id = await _admin(session)
    report = await erase_person(session, admin_id, now=NOW)
    assert report.warnings == (ONLY_ADMIN_WARNING,)
    assert (await load_actor(session, admin_id, now=NOW)).grants == ()


async def test_notices_name_an_erased_person_as_erased(demo_session: AsyncSession) -> None:
    """An admin's notice about the erased person reads "a person whose data was erased"."""
    admin_id = await _admin(demo_session)
    person = await someone(demo_session)
    await erase_person(demo_session, person.person_id, now=NOW)
    for locale in ("vi", "en"):
        translator = get_translator(locale)
        notice = Notice(demo_session, translator, NOW)
        payload = RecipientUnreachable(
            channel="telegram", recipient="", person_id=person.person_id, reason="blocked"
        )
        [reply] = await render(notice, payload)
        assert translator.gettext(ERASED_PERSON) in (reply.text or "")
        assert NAME not in (reply.text or "")
    del admin_id
