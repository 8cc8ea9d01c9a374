"""People's mobile numbers: reading them as people write them, and keeping them with their source.

A number is kept in international form without the plus (``84`` and nine digits), the form
Zalo's template messages are addressed to, and shown the Vietnamese way (``0912 345 678``).
Only mobile numbers are kept: a landline has no Zalo account, so it could never be reached.

The mobile prefixes are those in use since the 2018 change from eleven to ten digits, when
Viettel's 016x became 032–039, MobiFone's 012x 070 and 076–079, VinaPhone's 012x 081–085,
Vietnamobile's 0186/0188 056/058 and Gmobile's 0199 059 (the Ministry of Information and
Communications' plan, as the operators published it), with the ten-digit prefixes that did
not change (086, 088, 089, 090–099) and those given out since (052, 055, 087). See
docs/zalo.md, "Phone numbers".
"""

from __future__ import annotations

import datetime as dt
import re
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession

from storage.errors import N_, InvalidInput, NotFound
from storage.models import Cooperative, Invite, Person, Role

COUNTRY_CODE = "84"
NATIONAL_DIGITS = 9  # after the country code or the leading 0
# The first two digits of a mobile number after the leading 0, and the third digits in use.
MOBILE_PREFIXES: dict[str, str] = {
    "3": "23456789",
    "5": "25689",
    "7": "06789",
    "8": "123456789",
    "9": "0123456789",
}
LANDLINE_DIGITS = 10  # area code 2xx (or 2x) and the subscriber, after the leading 0
# Longer texts are refused unread: no way of writing a number needs more.
MAX_TEXT = 40
_SEPARATORS = re.compile(r"[\s.\-()]+")


class PhoneSource(StrEnum):
    """Where a kept number came from; stored, so never rename a value."""

    REGISTRY = "registry"  # the cooperative's number in the registry, given to its director
    INVITE = "invite"  # written on the invite the person was admitted with
    CHAT = "chat"  # typed and confirmed by the person (/phone)
    ZALO = "zalo"  # shared by the person from their Zalo account


# Numbers the person gave themselves are never replaced by one found elsewhere.
GIVEN_BY_THE_PERSON = frozenset({PhoneSource.CHAT, PhoneSource.ZALO})


class PhoneProblem(StrEnum):
    """Why a text is not a Vietnamese mobile number."""

    LETTERS = "letters"
    LENGTH = "length"
    LANDLINE = "landline"
    PREFIX = "prefix"


PROBLEMS: dict[PhoneProblem, str] = {
    PhoneProblem.LETTERS: N_(
        "A phone number is written with digits only (spaces, dots and dashes are fine), "
        "for example 0912 345 678."
    ),
    PhoneProblem.LENGTH: N_(
        "A mobile number has 10 digits, starting with 0, for example 0912 345 678."
    ),
    PhoneProblem.LANDLINE: N_(
        "This is a landline number (area code 02…). Messages on Zalo need a mobile number, "
        "for example 0912 345 678."
    ),
    PhoneProblem.PREFIX: N_(
        "No mobile network in Vietnam uses numbers starting with {prefix}. Please check the "
        "number."
    ),
}


class InvalidPhone(InvalidInput, ValueError):
    """The text is not a Vietnamese mobile number; ``reason`` says why.

    A domain error (shown translated like any other) and a ``ValueError`` (what parsing raises).
    """

    def __init__(self, reason: PhoneProblem, prefix: str = "") -> None:
        self.reason = reason
        params = {"prefix": prefix} if reason == PhoneProblem.PREFIX else {}
        super().__init__(PROBLEMS[reason], **params)


def _national(digits: str, international: bool) -> str:
    """Return the digits after the country code or the leading 0 (the national number)."""
    if digits.startswith("00" + COUNTRY_CODE):
        digits, international = digits[2:], True
    if international or (digits.startswith(COUNTRY_CODE) and len(digits) > NATIONAL_DIGITS + 1):
        if not digits.startswith(COUNTRY_CODE):
            raise InvalidPhone(PhoneProblem.PREFIX, prefix="+" + digits[:2])
        digits = digits[len(COUNTRY_CODE) :]
        # "+84 0912 …": the leading 0 of the national form, written after the country code.
        return digits[1:] if digits.startswith("0") else digits
    if digits.startswith("0"):
        return digits[1:]
    raise InvalidPhone(PhoneProblem.LENGTH)


def normalize_mobile(text: str) -> str:
    """Return a Vietnamese mobile number as kept: ``84`` and nine digits.

    Takes the ways people write one: ``0912345678``, ``0912 345 678``, ``0912.345.678``,
    ``091-234-5678``, ``+84 912 345 678``, ``(+84)912345678``, ``84912345678``.

    Raises:
        InvalidPhone: with the reason: letters (anything but digits, spaces, dots, dashes,
            brackets and a leading plus), length (too short or too long), landline (an 02x
            area code), prefix (no mobile network uses it).
    """
    if len(text) > MAX_TEXT:
        raise InvalidPhone(PhoneProblem.LENGTH)
    compact = _SEPARATORS.sub("", text)
    international = compact.startswith("+")
    digits = compact.removeprefix("+")
    if not digits:
        raise InvalidPhone(PhoneProblem.LENGTH)
    if not (digits.isascii() and digits.isdigit()):
        raise InvalidPhone(PhoneProblem.LETTERS)
    national = _national(digits, international)
    if national.startswith("2") and len(national) == LANDLINE_DIGITS:
        raise InvalidPhone(PhoneProblem.LANDLINE)
    if len(national) != NATIONAL_DIGITS:
        raise InvalidPhone(PhoneProblem.LENGTH)
    if national[1] not in MOBILE_PREFIXES.get(national[0], ""):
        if national.startswith("2"):
            raise InvalidPhone(PhoneProblem.LANDLINE)
        raise InvalidPhone(PhoneProblem.PREFIX, prefix="0" + national[:2])
    return COUNTRY_CODE + national


def is_mobile(text: str) -> bool:
    """Tell whether ``text`` is a Vietnamese mobile number, in any form people write one."""
    try:
        normalize_mobile(text)
    except InvalidPhone:
        return False
    return True


def display_phone(phone: str) -> str:
    """Return a kept number the way people in Vietnam write it: ``0912 345 678``.

    A value not in the kept form (written before numbers were normalised) is returned as is.
    """
    national = phone.removeprefix(COUNTRY_CODE)
    if not (phone.startswith(COUNTRY_CODE) and len(national) == NATIONAL_DIGITS):
        return phone
    return f"0{national[:3]} {national[3:6]} {national[6:]}"


def registry_mobile(cell: str | None) -> str | None:
    """Return the first mobile number in a registry's phone cell, kept form, else None.

    A cell may hold several numbers ("0292 3822 123 / 0912 345 678"), a landline only, or a
    number whose leading 0 a spreadsheet dropped (``912345678``: the import warns of it).
    """
    if not cell:
        return None
    for part in re.split(r"[/,;\n]|\s-\s", cell[: MAX_TEXT * 4]):
        candidate = part.strip()
        if candidate.isascii() and candidate.isdigit() and len(candidate) == NATIONAL_DIGITS:
            candidate = "0" + candidate
        if is_mobile(candidate):
            return normalize_mobile(candidate)
    return None


async def _person(session: AsyncSession, person_id: int) -> Person:
    person = await session.get(Person, person_id)
    if person is None or person.erased_at is not None:
        raise NotFound(name=f"person {person_id}")
    return person


async def set_phone(
    session: AsyncSession,
    person_id: int,
    phone: str,
    source: PhoneSource,
    now: dt.datetime,  # noqa: ARG001  (kept in the signature: no column records when, yet)
) -> str:
    """Keep ``phone`` (any form ``normalize_mobile`` reads) as the person's number; return
    it as kept. A number newly set is tried on Zalo again, so its unreachable mark goes.

    Raises:
        InvalidPhone: not a Vietnamese mobile number.
        NotFound: no such person, or one whose data was erased.
    """
    normalized = normalize_mobile(phone)
    person = await _person(session, person_id)
    person.phone = normalized
    person.phone_source = source
    person.phone_unreachable_since = None
    await session.flush()
    return normalized


async def clear_phone(session: AsyncSession, person_id: int) -> None:
    """Forget the person's number, where it came from and whether Zalo knew it.

    Raises:
        NotFound: no such person, or one whose data was erased.
    """
    person = await _person(session, person_id)
    person.phone = None
    person.phone_source = None
    person.phone_unreachable_since = None
    await session.flush()


async def offer_phone(
    session: AsyncSession,
    person: Person,
    phone: str,
    source: PhoneSource,
    now: dt.datetime,
) -> bool:
    """Give the person a number found for them (on their invite, in the registry; in kept
    form) unless they have a better one; return whether it was kept.

    A number the person gave themselves is never replaced; a registry number only fills an
    empty place (it is the cooperative's, not necessarily the director's own); an invite's
    replaces a registry's or an earlier invite's. The same number again changes nothing, so
    Zalo's mark on it stays.
    """
    if person.phone == phone:
        return False
    if person.phone is not None and (
        source == PhoneSource.REGISTRY or person.phone_source in GIVEN_BY_THE_PERSON
    ):
        return False
    await set_phone(session, person.id or 0, phone, source, now)
    return True


async def phone_on_admission(
    session: AsyncSession, person: Person, invite: Invite, now: dt.datetime
) -> None:
    """Give a person just admitted the number their invite carries, else, for a director,
    their cooperative's mobile number in the registry (a landline there is no use)."""
    if invite.phone:
        await offer_phone(session, person, invite.phone, PhoneSource.INVITE, now)
    if invite.role != Role.DIRECTOR or invite.cooperative_id is None:
        return
    cooperative = await session.get(Cooperative, invite.cooperative_id)
    found = registry_mobile(cooperative.phone if cooperative is not None else None)
    if found is not None:
        await offer_phone(session, person, found, PhoneSource.REGISTRY, now)
