"""Invites: single-use, expiring codes that carry a role and a scope.

Codes use an alphabet without look-alikes (no 0/O, 1/I/l), are easy to read aloud in groups
of four, carry 49 bits of entropy, and only their SHA-256 is stored. Guessing is bounded by
the attempt limit (5 wrong codes per 10 minutes per account) and the 14-day expiry.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from storage.errors import (
    N_,
    InvalidInput,
    InviteExpired,
    InviteInvalid,
    InviteUsed,
    TooManyAttempts,
)
from storage.models import (
    AdminUnit,
    ChannelIdentity,
    Cooperative,
    Invite,
    InviteAttempt,
    Office,
    Person,
    Role,
    RoleAssignment,
    UnitLevel,
    utcnow,
)
from storage.phones import normalize_mobile, phone_on_admission

ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 10
DEFAULT_TTL = dt.timedelta(days=14)
MAX_FAILED_ATTEMPTS = 5
ATTEMPT_WINDOW = dt.timedelta(minutes=10)
_SYMBOLS = frozenset(ALPHABET)


def generate_code() -> str:
    """Return a new random code, e.g. ``K7QM-3XPA-HT``."""
    raw = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
    return "-".join(raw[i : i + 4] for i in range(0, CODE_LENGTH, 4))


def normalize_code(code: str) -> str:
    """Return the code as stored for hashing: upper case, without spaces or dashes."""
    return "".join(ch for ch in code.upper() if ch.isalnum())


def looks_like_code(text: str) -> bool:
    """Tell whether a message is most likely an invite code typed or pasted on its own.

    Ten symbols of the code alphabet, in any case, with dashes or spaces anywhere between them
    (``K7QM-3XPA-HT``, ``k7qm 3xpa ht``). Anything else (a greeting, a sentence) is not taken
    for a code, so it is never counted as a wrong one.
    """
    symbols = [ch for ch in text if ch != "-" and not ch.isspace()]
    return len(symbols) == CODE_LENGTH and all(ch.upper() in _SYMBOLS for ch in symbols)


def hash_code(code: str) -> str:
    """Return the stored hash of a code."""
    return hashlib.sha256(normalize_code(code).encode("ascii", "ignore")).hexdigest()


@dataclass(frozen=True)
class IssuedInvite:
    """A new invite and its clear-text code (shown once, never stored)."""

    code: str
    invite: Invite


@dataclass(frozen=True)
class Redemption:
    """The outcome of a successful redemption."""

    person: Person
    identity: ChannelIdentity
    assignment: RoleAssignment
    invite: Invite


async def create_invite(
    session: AsyncSession,
    *,
    role: str,
    unit_id: int | None = None,
    cooperative_id: int | None = None,
    office_id: int | None = None,
    created_by_person_id: int | None = None,
    phone: str | None = None,
    ttl: dt.timedelta = DEFAULT_TTL,
    now: dt.datetime | None = None,
) -> IssuedInvite:
    """Create an invite for ``role`` in its scope (an official's may name their office, and
    any may carry the invitee's mobile number, given to them on admission).

    Raises:
        InvalidPhone: ``phone`` is not a Vietnamese mobile number; nothing is stored.
        InvalidInput: the role is unknown or its scope is missing or of the wrong kind, or an
            office is given for another role or does not exist.
    """
    now = now or utcnow()
    normalized_phone = normalize_mobile(phone) if phone is not None else None
    await _check_scope(session, role, unit_id, cooperative_id)
    if office_id is not None:
        if role != Role.OFFICIAL:
            raise InvalidInput(N_("Only an official's invite can name an office."))
        if await session.get(Office, office_id) is None:
            raise InvalidInput(N_("That office does not exist."))
    code = generate_code()
    invite = Invite(
        code_hash=hash_code(code),
        role=role,
        unit_id=unit_id,
        cooperative_id=cooperative_id,
        office_id=office_id,
        phone=normalized_phone,
        created_by_person_id=created_by_person_id,
        created_at=now,
        expires_at=now + ttl,
    )
    session.add(invite)
    await session.flush()
    return IssuedInvite(code=code, invite=invite)


async def _check_scope(
    session: AsyncSession, role: str, unit_id: int | None, cooperative_id: int | None
) -> None:
    if role not in set(Role):
        raise InvalidInput(N_("Unknown role “{role}”."), role=role)
    if role == Role.ADMIN:
        if unit_id is not None or cooperative_id is not None:
            raise InvalidInput(N_("An admin invite has no scope."))
        return
    if role == Role.DIRECTOR:
        if cooperative_id is None or unit_id is not None:
            raise InvalidInput(N_("A director invite needs a cooperative."))
        cooperative = await session.get(Cooperative, cooperative_id)
        if cooperative is None:
            raise InvalidInput(N_("That cooperative does not exist."))
        return
    if unit_id is None or cooperative_id is not None:
        raise InvalidInput(N_("This invite needs a unit (a commune or a province)."))
    unit = await session.get(AdminUnit, unit_id)
    if unit is None or unit.valid_to is not None:
        raise InvalidInput(N_("Invites are only for units that exist today."))
    if role == Role.COMMUNE_LEADER and unit.level != UnitLevel.COMMUNE:
        raise InvalidInput(N_("A commune leader invite needs a commune."))


async def failed_attempts(
    session: AsyncSession, channel: str, external_id: str, now: dt.datetime
) -> int:
    """Count wrong codes sent from this account within the attempt window."""
    count = await session.scalar(
        select(func.count())
        .select_from(InviteAttempt)
        .where(
            col(InviteAttempt.channel) == channel,
            col(InviteAttempt.external_id) == external_id,
            col(InviteAttempt.at) > now - ATTEMPT_WINDOW,
        )
    )
    return int(count or 0)


async def check_invite(
    session: AsyncSession, code: str, *, channel: str, external_id: str, now: dt.datetime
) -> Invite:
    """Return the invite ``code`` names if it can be redeemed now, without redeeming it (the
    notice on personal data is shown first). A wrong code counts towards the attempt limit as
    in ``redeem_invite``: the caller commits in either case.

    Raises:
        TooManyAttempts, InviteInvalid, InviteUsed, InviteExpired: as ``redeem_invite``.
    """
    if await failed_attempts(session, channel, external_id, now) >= MAX_FAILED_ATTEMPTS:
        raise TooManyAttempts(minutes=int(ATTEMPT_WINDOW.total_seconds() // 60))
    invite = None
    if len(normalize_code(code)) == CODE_LENGTH:
        invite = (
            await session.execute(select(Invite).where(col(Invite.code_hash) == hash_code(code)))
        ).scalar_one_or_none()
    if invite is None:
        session.add(InviteAttempt(channel=channel, external_id=external_id, at=now))
        await session.flush()
        raise InviteInvalid()
    if invite.redeemed_at is not None:
        raise InviteUsed()
    if invite.revoked_at is not None or invite.expires_at <= now:
        raise InviteExpired()
    return invite


async def redeem_invite(
    session: AsyncSession,
    code: str,
    *,
    channel: str,
    external_id: str,
    display_name: str = "",
    platform_locale: str | None = None,
    now: dt.datetime | None = None,
) -> Redemption:
    """Redeem ``code`` for the account (channel, external_id), creating the person if new.

    A failed attempt is added to the session before the error is raised: the caller commits
    in either case so that wrong codes count towards the limit.

    Raises:
        TooManyAttempts: too many wrong codes recently; nothing is checked.
        InviteInvalid: no such code.
        InviteUsed: already redeemed.
        InviteExpired: past its expiry, or revoked.
    """
    now = now or utcnow()
    invite = await check_invite(session, code, channel=channel, external_id=external_id, now=now)
    # Claim the invite with a conditional update so two simultaneous redemptions of the same
    # code cannot both succeed.
    claimed = await session.execute(
        update(Invite)
        .where(col(Invite.id) == invite.id, col(Invite.redeemed_at).is_(None))
        .values(redeemed_at=now)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        raise InviteUsed()
    identity = await _identity(session, channel, external_id, display_name, platform_locale, now)
    if identity.person_id is None:
        person = Person(full_name=display_name, created_at=now)
        session.add(person)
        await session.flush()
        identity.person_id = person.id
    else:
        found = await session.get(Person, identity.person_id)
        if found is None:  # pragma: no cover - guarded by the foreign key
            raise InviteInvalid()
        person = found
    assignment = RoleAssignment(
        person_id=person.id or 0,
        role=invite.role,
        unit_id=invite.unit_id,
        cooperative_id=invite.cooperative_id,
        office_id=invite.office_id,
        valid_from=now,
        invite_id=invite.id,
    )
    session.add(assignment)
    invite.redeemed_by_person_id = person.id
    await phone_on_admission(session, person, invite, now)
    await session.flush()
    await session.refresh(invite)
    return Redemption(person=person, identity=identity, assignment=assignment, invite=invite)


async def _identity(
    session: AsyncSession,
    channel: str,
    external_id: str,
    display_name: str,
    platform_locale: str | None,
    now: dt.datetime,
) -> ChannelIdentity:
    identity = (
        await session.execute(
            select(ChannelIdentity).where(
                col(ChannelIdentity.channel) == channel,
                col(ChannelIdentity.external_id) == external_id,
            )
        )
    ).scalar_one_or_none()
    if identity is None:
        identity = ChannelIdentity(
            channel=channel,
            external_id=external_id,
            display_name=display_name,
            platform_locale=platform_locale,
            created_at=now,
        )
        session.add(identity)
        await session.flush()
    identity.last_seen_at = now
    return identity


async def revoke_invite(
    session: AsyncSession, invite_id: int, now: dt.datetime | None = None
) -> None:
    """Revoke an unused invite so it can no longer be redeemed."""
    await session.execute(
        update(Invite)
        .where(col(Invite.id) == invite_id, col(Invite.redeemed_at).is_(None))
        .values(revoked_at=now or utcnow())
    )


async def scope_name(session: AsyncSession, assignment: RoleAssignment) -> str:
    """Return the name of what a grant speaks for: its cooperative, else its unit ("" for an
    admin, who speaks for no one place)."""
    if assignment.cooperative_id is not None:
        cooperative = await session.get(Cooperative, assignment.cooperative_id)
        return cooperative.name if cooperative else ""
    if assignment.unit_id is not None:
        unit = await session.get(AdminUnit, assignment.unit_id)
        return unit.name if unit else ""
    return ""
