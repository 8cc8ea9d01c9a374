"""A person's data under the personal-data law (91/2025/QH15): a copy of it, and its erasure.

Every table is either linked to people (``PERSON_LINKS``: which of its rows are about a given
person) or declared not about people (``NOT_ABOUT_PEOPLE``, with the reason); a test fails when
a table is in neither, so a new table cannot be forgotten by the copy.

Erasure keeps what the cooperative told the government (its items, their events and files,
the meetings logged): those are the organisation's records, not the person's. The person row
stays too, nameless, because those records point at it; everything that identifies the person
or reaches them (name, phone, accounts, chat ids, drafts) goes.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from enum import Enum
from typing import Any

from sqlalchemy import ColumnElement, Select, delete, or_, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from storage.errors import N_, NotFound
from storage.models import (
    Attachment,
    ButtonOverflow,
    ChannelIdentity,
    Consent,
    DialogState,
    FeedbackEvent,
    FeedbackItem,
    Invite,
    InviteAttempt,
    Meeting,
    MeetingAttendance,
    MeetingItem,
    OutboxMessage,
    OutboxStatus,
    Person,
    PrivacyRequest,
    Role,
    RoleAssignment,
    metadata,
    utcnow,
)
from storage.scope import grant_active

JSONValue = str | int | float | bool | None | list[Any] | dict[str, Any]
Row = dict[str, JSONValue]

# OutboxStatus has no "cancelled": a cancelled message ends failed, with this reason.
ERASED_REASON = "erased at the person's request"
# The admins' notices whose payload names an account (storage.outbox.tell_admins).
_NOTICES_NAMING_AN_ACCOUNT = frozenset({"recipient_unreachable", "delivery_refused"})
ONLY_ADMIN_WARNING = (
    "the person was the only admin: nobody receives admin notices or can run the admin's "
    "commands in chat until someone is invited with `coopbot invite --role admin`"
)


def _identity_ids(person_id: int) -> Select[int | None]:
    return select(col(ChannelIdentity.id)).where(col(ChannelIdentity.person_id) == person_id)


def _accounts(person_id: int) -> Select[str, str]:
    """The person's (channel, external id) pairs: what tables keyed by an account hold."""
    return select(col(ChannelIdentity.channel), col(ChannelIdentity.external_id)).where(
        col(ChannelIdentity.person_id) == person_id
    )


def _filed_items(person_id: int) -> Select[int | None]:
    return select(col(FeedbackItem.id)).where(col(FeedbackItem.author_person_id) == person_id)


def _written_events(person_id: int) -> Select[int | None]:
    return select(col(FeedbackEvent.id)).where(col(FeedbackEvent.actor_person_id) == person_id)


def _logged_meetings(person_id: int) -> Select[int | None]:
    return select(col(Meeting.id)).where(col(Meeting.logged_by_person_id) == person_id)


def _addressed_to(person_id: int) -> ColumnElement[bool]:
    """Outbox rows to the person: by person id, or to one of their accounts (rows planned
    before the account had a person)."""
    return or_(
        col(OutboxMessage.person_id) == person_id,
        tuple_(col(OutboxMessage.channel), col(OutboxMessage.recipient)).in_(_accounts(person_id)),
    )


@dataclass(frozen=True)
class PersonLink:
    """How the rows of one table relate to a person, and the WHERE clause selecting them."""

    how: str  # a message id: the copy's workbook shows it in the reader's language
    rows: Callable[[int], ColumnElement[bool]]


PERSON_LINKS: dict[str, PersonLink] = {
    "person": PersonLink(N_("the person themself"), lambda p: col(Person.id) == p),
    "channel_identity": PersonLink(
        N_("their accounts (Telegram, Zalo, web)"),
        lambda p: col(ChannelIdentity.person_id) == p,
    ),
    "role_assignment": PersonLink(
        N_("their roles, past and present"), lambda p: col(RoleAssignment.person_id) == p
    ),
    "consent": PersonLink(
        N_("their choices on the notice"), lambda p: col(Consent.person_id) == p
    ),
    "privacy_request": PersonLink(
        N_("their requests about their data"), lambda p: col(PrivacyRequest.person_id) == p
    ),
    "feedback_item": PersonLink(
        N_("the items they filed"), lambda p: col(FeedbackItem.author_person_id) == p
    ),
    "feedback_event": PersonLink(
        N_("the history of the items they filed, and what they wrote on other items"),
        lambda p: or_(
            col(FeedbackEvent.item_id).in_(_filed_items(p)),
            col(FeedbackEvent.actor_person_id) == p,
        ),
    ),
    "attachment": PersonLink(
        N_("the files of their items and events (names and kinds, not the files themselves)"),
        lambda p: or_(
            col(Attachment.item_id).in_(_filed_items(p)),
            col(Attachment.event_id).in_(_written_events(p)),
        ),
    ),
    "meeting": PersonLink(
        N_("the meetings they logged"), lambda p: col(Meeting.logged_by_person_id) == p
    ),
    "meeting_attendance": PersonLink(
        N_("the cooperatives present at the meetings they logged"),
        lambda p: col(MeetingAttendance.meeting_id).in_(_logged_meetings(p)),
    ),
    "meeting_item": PersonLink(
        N_("the outcomes they recorded at those meetings"),
        lambda p: col(MeetingItem.meeting_id).in_(_logged_meetings(p)),
    ),
    "invite": PersonLink(
        N_("the invites they created or redeemed"),
        lambda p: or_(
            col(Invite.created_by_person_id) == p, col(Invite.redeemed_by_person_id) == p
        ),
    ),
    "invite_attempt": PersonLink(
        N_("wrong invite codes typed from their accounts"),
        lambda p: tuple_(col(InviteAttempt.channel), col(InviteAttempt.external_id)).in_(
            _accounts(p)
        ),
    ),
    "outbox": PersonLink(N_("the messages sent or planned to them"), _addressed_to),
    "dialog_state": PersonLink(
        N_("their conversations in progress, with drafts"),
        lambda p: col(DialogState.identity_id).in_(_identity_ids(p)),
    ),
    "button_overflow": PersonLink(
        N_("the buttons last shown to their accounts"),
        lambda p: tuple_(col(ButtonOverflow.channel), col(ButtonOverflow.external_id)).in_(
            _accounts(p)
        ),
    ),
}

NOT_ABOUT_PEOPLE: dict[str, str] = {
    "admin_unit": "the administrative units",
    "zalo_template": "which approved Zalo template each kind of message goes as",
    "unit_succession": "which units became which in the reform",
    "unit_succession_check": "what the distance check said of each succession of the package",
    "unit_succession_override": "admins' decisions on successions, by unit codes",
    "unit_ancestor": "derived: every unit with its ancestors",
    "unit_current": "derived: every unit with the units of today it lives on in",
    "cooperative": "the cooperatives: organisations, not people",
    "ocop_product": "the cooperatives' OCOP products",
    "cooperative_rating": "the cooperatives' ratings",
    "plan_target": "the plan's targets per unit",
    "category": "the topics of items",
    "office_category": "which categories each office handles",
    "office": "the offices items are assigned to",
    "sequence_counter": "counters of reference numbers",
    "holiday_override": "the working calendar's exceptions",
    "channel_credential": "the bot's own tokens on a channel",
    "processed_update": "ids of handled platform updates, with no account or person",
}


def _json_value(value: Any) -> JSONValue:
    """Return a stored value as JSON holds it: moments and days as ISO 8601 strings."""
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, Enum):
        return _json_value(value.value)
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes):  # no table stores bytes today; never export raw ones
        return f"<{len(value)} bytes>"
    if isinstance(value, dict):
        return {str(key): _json_value(inner) for key, inner in value.items()}
    if isinstance(value, list | tuple):
        return [_json_value(inner) for inner in value]
    return value  # type: ignore[no-any-return]


@dataclass(frozen=True)
class PersonalCopy:
    """Everything stored about one person, table by table, as JSON-able rows."""

    person_id: int
    made_at: str
    tables: dict[str, list[Row]] = field(default_factory=dict)

    def to_json(self) -> bytes:
        """Return the copy as UTF-8 JSON, indented, Vietnamese letters as they are."""
        document = {"person_id": self.person_id, "made_at": self.made_at, "tables": self.tables}
        return json.dumps(document, indent=2, ensure_ascii=False).encode("utf-8")


async def _person(session: AsyncSession, person_id: int) -> Person:
    person = await session.get(Person, person_id)
    if person is None:
        raise NotFound(name=f"person {person_id}")
    return person


async def personal_copy(
    session: AsyncSession, person_id: int, *, now: dt.datetime | None = None
) -> PersonalCopy:
    """Return every row of every table that is about the person (``PERSON_LINKS``).

    Raises:
        NotFound: no such person.
    """
    await _person(session, person_id)
    tables: dict[str, list[Row]] = {}
    for name, link in PERSON_LINKS.items():
        table = metadata.tables[name]
        # The whole table's columns, generated ones included (feedback_item's seconds).
        query = select(table).where(link.rows(person_id)).order_by(*table.primary_key.columns)
        rows = (await session.execute(query)).mappings()
        tables[name] = [{key: _json_value(value) for key, value in row.items()} for row in rows]
    return PersonalCopy(person_id=person_id, made_at=(now or utcnow()).isoformat(), tables=tables)


@dataclass(frozen=True)
class ErasureReport:
    """What an erasure changed: rows per kind of change, and what the operator should know."""

    person_id: int
    changed: dict[str, int]
    warnings: tuple[str, ...] = ()

    @property
    def total(self) -> int:
        """Return how many rows changed in all (0 when the person was erased already)."""
        return sum(self.changed.values())


def _count(result: Any) -> int:
    return int(result.rowcount or 0)


async def _is_only_admin(session: AsyncSession, person_id: int, now: dt.datetime) -> bool:
    admins = set(
        (
            await session.execute(
                select(col(RoleAssignment.person_id)).where(
                    col(RoleAssignment.role) == Role.ADMIN, grant_active(now)
                )
            )
        ).scalars()
    )
    return admins == {person_id}


async def _end_grants(session: AsyncSession, person_id: int, now: dt.datetime) -> int:
    result = await session.execute(
        update(RoleAssignment)
        .where(
            col(RoleAssignment.person_id) == person_id,
            or_(col(RoleAssignment.valid_to).is_(None), col(RoleAssignment.valid_to) > now),
        )
        .values(valid_to=now)
    )
    return _count(result)


async def _cancel_pending(session: AsyncSession, person_id: int) -> int:
    # A message being sent right now is cancelled too: the sender's outcome is recorded only
    # while the row is still in its attempt, so it cannot mark this one sent afterwards.
    result = await session.execute(
        update(OutboxMessage)
        .where(
            _addressed_to(person_id),
            col(OutboxMessage.status).in_([OutboxStatus.PENDING, OutboxStatus.SENDING]),
        )
        .values(status=OutboxStatus.FAILED, last_error=ERASED_REASON, claimed_until=None)
        .execution_options(synchronize_session=False)
    )
    return _count(result)


async def _blank_recipients(session: AsyncSession, person_id: int) -> int:
    """Forget the chat id on every message to the person (sent ones too)."""
    result = await session.execute(
        update(OutboxMessage)
        .where(_addressed_to(person_id), col(OutboxMessage.recipient) != "")
        .values(recipient="")
        .execution_options(synchronize_session=False)
    )
    return _count(result)


async def _scrub_admin_notices(
    session: AsyncSession, person_id: int, accounts: set[tuple[str, str]]
) -> int:
    """Forget the person's chat id in the notices admins got about their account.

    Those payloads (and their dedupe keys) name the account; the rows are few (at most one a
    day per account and admin), so they are read and rewritten here rather than in JSON SQL.
    """
    rows = await session.execute(
        select(OutboxMessage).where(
            or_(
                col(OutboxMessage.dedupe_key).like("unreachable:%"),
                col(OutboxMessage.dedupe_key).like("refused:%"),
            )
        )
    )
    scrubbed = 0
    for message in rows.scalars():
        payload = dict(message.payload)
        if payload.get("kind") not in _NOTICES_NAMING_AN_ACCOUNT:
            continue
        account = (str(payload.get("channel")), str(payload.get("recipient")))
        if payload.get("person_id") != person_id and account not in accounts:
            continue
        payload["recipient"] = ""
        message.payload = payload
        message.dedupe_key = f"erased:{message.id}"
        scrubbed += 1
    await session.flush()
    return scrubbed


async def _forget_accounts(
    session: AsyncSession, person_id: int, accounts: set[tuple[str, str]]
) -> dict[str, int]:
    """Delete the person's accounts and everything keyed by them."""
    changed = {
        "dialog_state deleted": _count(
            await session.execute(
                delete(DialogState).where(
                    col(DialogState.identity_id).in_(_identity_ids(person_id))
                )
            )
        )
    }
    for model, name in ((ButtonOverflow, "button_overflow"), (InviteAttempt, "invite_attempt")):
        gone = 0
        for channel, external_id in accounts:
            result = await session.execute(
                delete(model).where(
                    col(model.channel) == channel,
                    col(model.external_id) == external_id,
                )
            )
            gone += _count(result)
        changed[f"{name} deleted"] = gone
    changed["channel_identity deleted"] = _count(
        await session.execute(
            delete(ChannelIdentity).where(col(ChannelIdentity.person_id) == person_id)
        )
    )
    return changed


async def _revoke_unused_invites(session: AsyncSession, person_id: int, now: dt.datetime) -> int:
    result = await session.execute(
        update(Invite)
        .where(
            col(Invite.created_by_person_id) == person_id,
            col(Invite.redeemed_at).is_(None),
            col(Invite.revoked_at).is_(None),
        )
        .values(revoked_at=now)
    )
    return _count(result)


async def _clear_request_details(session: AsyncSession, person_id: int) -> int:
    # The requests stay (the law asks that they be answered and on time); what the person
    # wrote in them is free text about them, so it goes.
    result = await session.execute(
        update(PrivacyRequest)
        .where(
            col(PrivacyRequest.person_id) == person_id, col(PrivacyRequest.details).is_not(None)
        )
        .values(details=None)
    )
    return _count(result)


async def _clear_invite_phones(session: AsyncSession, person_id: int) -> int:
    """Forget the number written on the invites the person was admitted with."""
    result = await session.execute(
        update(Invite)
        .where(col(Invite.redeemed_by_person_id) == person_id, col(Invite.phone).is_not(None))
        .values(phone=None)
    )
    return _count(result)


def _anonymise(person: Person, now: dt.datetime) -> int:
    identifying = bool(
        person.full_name
        or person.phone
        or person.phone_source
        or person.phone_unreachable_since
        or person.locale
    )
    first_time = person.erased_at is None
    person.full_name = ""
    person.phone = None
    person.phone_source = None
    person.phone_unreachable_since = None
    person.locale = None  # nobody is left to talk to in a language
    if first_time:
        person.erased_at = now
    return int(identifying or first_time)


async def erase_person(
    session: AsyncSession, person_id: int, *, now: dt.datetime
) -> ErasureReport:
    """Erase what identifies or reaches a person; keep the cooperative's records.

    After it the person holds no role, has no account, gets no message, and is shown as
    ``storage.people.ERASED_PERSON`` wherever a name was. Items they filed and events they
    wrote stay (they are the cooperative's feedback to the government), as do meetings they
    logged, consents and privacy requests (without their free text). Unused invites they
    created are revoked; the number on the invites they redeemed goes with their own. Running
    it again changes nothing (every count is 0).

    Erasing the only admin is allowed — the law gives the person the right — and reported as
    a warning, so the operator invites another admin.

    Raises:
        NotFound: no such person.
    """
    person = await _person(session, person_id)
    warnings = (ONLY_ADMIN_WARNING,) if await _is_only_admin(session, person_id, now) else ()
    accounts = {
        (channel, external_id)
        for channel, external_id in (await session.execute(_accounts(person_id))).all()
    }
    changed = {
        "role_assignment ended": await _end_grants(session, person_id, now),
        "outbox cancelled": await _cancel_pending(session, person_id),
        "outbox recipient forgotten": await _blank_recipients(session, person_id),
        "admin notices scrubbed": await _scrub_admin_notices(session, person_id, accounts),
    }
    changed |= await _forget_accounts(session, person_id, accounts)
    changed["invite revoked"] = await _revoke_unused_invites(session, person_id, now)
    changed["invite phone cleared"] = await _clear_invite_phones(session, person_id)
    changed["privacy_request details cleared"] = await _clear_request_details(session, person_id)
    changed["person anonymised"] = _anonymise(person, now)
    await session.flush()
    return ErasureReport(person_id=person_id, changed=changed, warnings=warnings)
