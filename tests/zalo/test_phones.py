"""Phone numbers for Zalo's template messages: read as people write them, given by an invite or
the registry on admission, kept and removed by the person with /phone, gone on erasure."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from typer.testing import CliRunner

from bot.cli import app
from handlers.payloads import ConfirmPhone
from storage.db import Database
from storage.invites import create_invite, redeem_invite
from storage.models import ChannelIdentity, Invite, Person
from storage.personal_data import erase_person, personal_copy
from storage.phones import (
    InvalidPhone,
    PhoneProblem,
    PhoneSource,
    display_phone,
    normalize_mobile,
    registry_mobile,
    set_phone,
)
from tests import factories as f
from tests.conftest import database_url
from tests.handlers.chat import Chat

KEPT = "84912345678"

# The prefixes in use since 2018, written out independently of storage.phones.
MOBILE_PREFIXES = (
    {f"03{d}" for d in "23456789"}
    | {f"05{d}" for d in "25689"}
    | {f"07{d}" for d in "06789"}
    | {f"08{d}" for d in "123456789"}
    | {f"09{d}" for d in "0123456789"}
)


# --- reading numbers ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "written",
    [
        "0912345678",
        "0912 345 678",
        "0912.345.678",
        "091-234-5678",
        "+84 912 345 678",
        "(+84)912345678",
        "84912345678",
        "+84912345678",
        "+84 0912 345 678",  # the national 0 kept after the country code
        "0084 912 345 678",
        " 0912 345 678\n",
    ],
)
def test_every_way_of_writing_a_mobile_number_gives_the_kept_form(written: str) -> None:
    """The national, spaced, dotted, dashed and international forms are one number."""
    assert normalize_mobile(written) == KEPT


@pytest.mark.parametrize("prefix", [f"0{n:02d}" for n in range(100)])
def test_exactly_the_mobile_prefixes_in_use_are_accepted(prefix: str) -> None:
    """Every 0xx is a mobile prefix in use, a landline area code (02x), or refused as unknown."""
    written = prefix + "1234567"
    if prefix in MOBILE_PREFIXES:
        assert normalize_mobile(written) == "84" + written[1:]
        return
    with pytest.raises(InvalidPhone) as refused:
        normalize_mobile(written)
    expected = PhoneProblem.LANDLINE if prefix.startswith("02") else PhoneProblem.PREFIX
    assert refused.value.reason == expected


@pytest.mark.parametrize(
    ("written", "reason"),
    [
        ("", PhoneProblem.LENGTH),
        ("+84", PhoneProblem.LENGTH),
        ("84", PhoneProblem.LENGTH),
        ("0", PhoneProblem.LENGTH),
        ("0912 345 67", PhoneProblem.LENGTH),  # too short
        ("912345678", PhoneProblem.LENGTH),  # no leading 0 nor country code
        ("84 912 345 67", PhoneProblem.LENGTH),
        ("0912 345 6789", PhoneProblem.LENGTH),  # too long
        ("+84 912 345 6789", PhoneProblem.LENGTH),
        ("849 1234 56789", PhoneProblem.LENGTH),
        ("0" * 200, PhoneProblem.LENGTH),
        ("0912 345 67a", PhoneProblem.LETTERS),
        ("số của tôi", PhoneProblem.LETTERS),
        ("０９１２３４５６７８", PhoneProblem.LETTERS),  # full-width digits
        ("+84+912345678", PhoneProblem.LETTERS),
        ("0292 3822 123", PhoneProblem.LANDLINE),  # Cần Thơ
        ("024 3825 1234", PhoneProblem.LANDLINE),  # Hà Nội
        ("+84 292 3822 123", PhoneProblem.LANDLINE),
        ("84 292 3822 123", PhoneProblem.LANDLINE),
        ("0112 345 678", PhoneProblem.PREFIX),
        ("0312 345 678", PhoneProblem.PREFIX),
        ("+84 612 345 678", PhoneProblem.PREFIX),
        ("+1 415 555 0100", PhoneProblem.PREFIX),  # not Vietnamese
    ],
)
def test_what_is_not_a_mobile_number_is_refused_with_its_reason(
    written: str, reason: PhoneProblem
) -> None:
    """Letters, a wrong length, a landline and an unknown prefix each have their reason."""
    with pytest.raises(InvalidPhone) as refused:
        normalize_mobile(written)
    assert refused.value.reason == reason
    assert isinstance(refused.value, ValueError)


def test_a_refused_prefix_is_named_in_the_message() -> None:
    """The message names the prefix people typed, in the national form."""
    with pytest.raises(InvalidPhone, match="starting with 031"):
        normalize_mobile("0312 345 678")


def test_a_kept_number_is_shown_the_vietnamese_way() -> None:
    """84912345678 reads 0912 345 678; a value of before normalisation is shown as it is."""
    assert display_phone(KEPT) == "0912 345 678"
    assert display_phone("0912-345-678") == "0912-345-678"


@pytest.mark.parametrize(
    ("cell", "found"),
    [
        ("0912 345 678", KEPT),
        ("0292 3822 123 / 0912 345 678", KEPT),
        ("0292 3822 123; 0912.345.678", KEPT),
        ("912345678", KEPT),  # a spreadsheet dropped the leading 0
        ("0292 3822 123", None),
        ("", None),
        (None, None),
    ],
)
def test_the_registry_gives_its_first_mobile_number(cell: str | None, found: str | None) -> None:
    """A landline in the registry is no use; a second number in the cell may be a mobile."""
    assert registry_mobile(cell) == found


# --- invites -------------------------------------------------------------------------------


@pytest.fixture
def cli(empty_db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Return a function running the CLI against the test database, with the demo data."""
    monkeypatch.setenv("COOPBOT_DATABASE_URL", database_url(tmp_path))
    monkeypatch.delenv("TELEGRAM_BOT_USERNAME", raising=False)
    monkeypatch.chdir(tmp_path)  # no stray .env is read
    runner = CliRunner()

    def invoke(*args: str):
        return runner.invoke(app, list(args))

    assert invoke("db", "upgrade").exit_code == 0
    assert invoke("demo-data", "load").exit_code == 0
    return invoke


def _in_database(tmp_path: Path, work: Callable[[AsyncSession], Awaitable[Any]]) -> Any:
    async def body() -> Any:
        database = Database(database_url(tmp_path))
        try:
            async with database.transaction() as session:
                return await work(session)
        finally:
            await database.close()

    return asyncio.run(body())


DIRECTOR_INVITE = ("invite", "--role", "director", "--cooperative", "htx trinh phu")


def test_an_invite_with_a_phone_gives_it_to_the_person_admitted(cli, tmp_path: Path) -> None:
    """`invite --phone` keeps the number on the invite; redeeming it gives it to the person,
    with "invite" as its source."""
    made = cli(*DIRECTOR_INVITE, "--phone", "0912.345.678", "--json")
    assert made.exit_code == 0, made.output
    data = json.loads(made.output)
    assert data["phone"] == KEPT
    shown = cli(*DIRECTOR_INVITE, "--phone", "+84 912 345 678")
    assert "phone:      0912 345 678" in shown.output

    async def admit(session: AsyncSession) -> tuple[str | None, str | None]:
        redemption = await redeem_invite(
            session, data["code"], channel="zalo", external_id="8400001"
        )
        return redemption.person.phone, redemption.person.phone_source

    assert _in_database(tmp_path, admit) == (KEPT, PhoneSource.INVITE)


@pytest.mark.parametrize(
    ("phone", "words"),
    [
        ("0292 3822 123", "landline"),
        ("0912 345 67", "10 digits"),
        ("09l2345678", "digits only"),
        ("0312 345 678", "starting with 031"),
        ("[bold]x", "'[bold]x'"),  # the operator's text is quoted, not read as markup
    ],
)
def test_an_invite_with_a_wrong_phone_is_refused_and_nothing_is_stored(
    cli, tmp_path: Path, phone: str, words: str
) -> None:
    """One clear line, exit 1, no invite."""
    refused = cli(*DIRECTOR_INVITE, "--phone", phone)
    assert refused.exit_code == 1
    assert "is not a Vietnamese mobile number" in refused.output
    assert words in refused.output
    assert "Traceback" not in refused.output

    async def invites(session: AsyncSession) -> int:
        return int(await session.scalar(select(func.count()).select_from(Invite)) or 0)

    assert _in_database(tmp_path, invites) == 0


async def test_storage_refuses_an_invite_with_a_wrong_phone(demo_session: AsyncSession) -> None:
    """create_invite checks the number itself, before anything is added."""
    cooperative = await f.cooperative(demo_session, "HTX Trinh Phú")
    with pytest.raises(InvalidPhone):
        await create_invite(
            demo_session, role="director", cooperative_id=cooperative.id, phone="0292 3822 123"
        )
    assert await demo_session.scalar(select(func.count()).select_from(Invite)) == 0


# --- admission: the invite's number, the registry's ----------------------------------------


async def _admitted(
    session: AsyncSession,
    *,
    registry_phone: str | None,
    invite_phone: str | None = None,
    role: str = "director",
    external_id: str = "8400002",
) -> Person:
    cooperative = await f.cooperative(session, "HTX Trinh Phú")
    cooperative.phone = registry_phone
    scope: dict[str, Any] = {"cooperative_id": cooperative.id}
    if role == "commune_leader":
        scope = {"unit_id": (await f.unit(session, "Xã An Lạc Thôn")).id}
    issued = await create_invite(session, role=role, phone=invite_phone, now=f.T0, **scope)
    redemption = await redeem_invite(
        session, issued.code, channel="zalo", external_id=external_id, now=f.T0
    )
    return redemption.person


@pytest.mark.parametrize(
    ("registry_phone", "invite_phone", "kept"),
    [
        ("0912 345 678", None, (KEPT, PhoneSource.REGISTRY)),
        ("0292 3822 123 / 0912 345 678", None, (KEPT, PhoneSource.REGISTRY)),
        ("0292 3822 123", None, (None, None)),  # a landline is no use for Zalo
        (None, None, (None, None)),
        ("0912 345 678", "0987 654 321", ("84987654321", PhoneSource.INVITE)),
    ],
)
async def test_a_director_admitted_gets_the_cooperatives_mobile_unless_the_invite_has_one(
    demo_session: AsyncSession,
    registry_phone: str | None,
    invite_phone: str | None,
    kept: tuple[str | None, str | None],
) -> None:
    """The registry's number fills an empty place, with "registry" as its source."""
    person = await _admitted(
        demo_session, registry_phone=registry_phone, invite_phone=invite_phone
    )
    assert (person.phone, person.phone_source) == kept


async def test_the_registry_is_not_asked_for_a_commune_leader(demo_session: AsyncSession) -> None:
    """The cooperative's number is its director's business, not the commune leader's."""
    person = await _admitted(demo_session, registry_phone="0912 345 678", role="commune_leader")
    assert person.phone is None


async def test_a_number_the_person_gave_is_never_replaced_on_admission(
    demo_session: AsyncSession,
) -> None:
    """A second invite, and the registry, leave the person's own number alone; an invite's
    number replaces the registry's."""
    person = await _admitted(demo_session, registry_phone="0912 345 678")
    assert person.phone_source == PhoneSource.REGISTRY
    person = await _admitted(
        demo_session, registry_phone="0912 345 678", invite_phone="0987 654 321"
    )
    assert (person.phone, person.phone_source) == ("84987654321", PhoneSource.INVITE)
    await set_phone(demo_session, person.id or 0, "0388 123 456", PhoneSource.CHAT, f.T0)
    person = await _admitted(
        demo_session, registry_phone="0912 345 678", invite_phone="0987 654 321"
    )
    assert (person.phone, person.phone_source) == ("84388123456", PhoneSource.CHAT)


async def test_admission_in_chat_keeps_the_invites_number(
    db: Database, demo_session: AsyncSession
) -> None:
    """Joining with /start and agreeing to the notice gives the invite's number."""
    cooperative = await f.cooperative(demo_session, "HTX Trinh Phú")
    issued = await create_invite(
        demo_session, role="director", cooperative_id=cooperative.id, phone="0912345678", now=f.T0
    )
    await demo_session.commit()
    chat = Chat(db, user="8400003", channel="zalo", locale="en")
    assert "Welcome" in await chat.join(issued.code)
    person = await _person_of(demo_session, chat)
    assert (person.phone, person.phone_source) == (KEPT, PhoneSource.INVITE)


# --- /phone in chat ------------------------------------------------------------------------


async def _person_of(session: AsyncSession, chat: Chat) -> Person:
    session.expire_all()
    person = await session.scalar(
        select(Person)
        .join(ChannelIdentity, ChannelIdentity.person_id == Person.id)
        .where(ChannelIdentity.external_id == chat.user)
    )
    assert person is not None
    return person


async def _joined(db: Database, session: AsyncSession, user: str) -> Chat:
    cooperative = await f.cooperative(session, "HTX Trinh Phú")
    issued = await create_invite(session, role="director", cooperative_id=cooperative.id, now=f.T0)
    await session.commit()
    chat = Chat(db, user=user, channel="zalo", locale="en")
    await chat.join(issued.code)
    return chat


def _labels(chat: Chat) -> list[str]:
    return [label for label, _ in chat.buttons()]


async def test_phone_shows_none_then_keeps_a_typed_number_after_confirmation(
    db: Database, demo_session: AsyncSession
) -> None:
    """No number: why one helps. A landline is explained and may be typed again; a mobile is
    shown back and kept, with "chat" as its source, only after "yes" (typed here)."""
    chat = await _joined(db, demo_session, "8400010")

    shown = await chat.say("/phone")
    assert "No phone number is kept for you." in shown
    assert "reaches you on Zalo even when you have not written" in shown
    assert _labels(chat) == ["➕ Give a number"]

    asked = await chat.press_label("Give a number")
    assert "Please type your mobile number" in asked
    landline = await chat.say("0292 3822 123")
    assert "This is a landline number" in landline
    assert "Please type the number again, or press Cancel." in landline
    assert _labels(chat) == ["✖️ Cancel"]
    assert (await _person_of(demo_session, chat)).phone is None

    confirm = await chat.say("0912.345.678")
    assert "Is 0912 345 678 your mobile number?" in confirm
    assert _labels(chat) == ["✅ Yes, that is right", "✏️ No, type it again", "✖️ Cancel"]
    assert (await _person_of(demo_session, chat)).phone is None  # not before "yes"
    kept = await chat.say("yes")
    assert "The number 0912 345 678 is kept" in kept
    person = await _person_of(demo_session, chat)
    assert (person.phone, person.phone_source) == (KEPT, PhoneSource.CHAT)

    again = await chat.say("/phone")
    assert "The phone number kept for you: 0912 345 678 (given by you here)." in again
    assert _labels(chat) == ["✏️ Change the number", "🗑 Remove the number"]


async def test_changing_the_number_can_be_retyped_or_cancelled(
    db: Database, demo_session: AsyncSession
) -> None:
    """ "No" asks again; "Cancel" changes nothing; a confirmed new number replaces the old one
    and clears Zalo's "no account" mark."""
    chat = await _joined(db, demo_session, "8400011")
    person = await _person_of(demo_session, chat)
    await set_phone(demo_session, person.id or 0, KEPT, PhoneSource.REGISTRY, f.T0)
    person.phone_unreachable_since = f.T0
    await demo_session.commit()

    shown = await chat.say("/phone")
    assert "0912 345 678 (from the cooperative registry)" in shown
    assert "Zalo says this number has no Zalo account" in shown
    await chat.press_label("Change the number")
    await chat.say("0987 654 321")
    retype = await chat.press_label("No, type it again")
    assert "Please type the number again" in retype
    await chat.say("0987 654 322")
    assert "Nothing was changed." in await chat.press_label("Cancel")
    assert (await _person_of(demo_session, chat)).phone == KEPT
    stale = await chat.press(ConfirmPhone().encode())
    assert "That button is not valid any more" in stale

    confirm = await chat.say("/phone +84 987 654 321")  # straight to the confirmation
    assert "Is 0987 654 321 your mobile number?" in confirm
    not_a_number = await chat.say("what?")
    assert "Is 0987 654 321 your mobile number?" in not_a_number
    await chat.press_label("Yes, that is right")
    person = await _person_of(demo_session, chat)
    assert (person.phone, person.phone_source) == ("84987654321", PhoneSource.CHAT)
    assert person.phone_unreachable_since is None


@pytest.mark.parametrize(
    ("typed", "words"),
    [
        ("0912 345 67", "A mobile number has 10 digits"),
        ("my number", "written with digits only"),
        ("0112 345 678", "starting with 011"),
    ],
)
async def test_a_wrong_number_is_explained_and_may_be_typed_again(
    db: Database, demo_session: AsyncSession, typed: str, words: str
) -> None:
    """Each reason has its own message; the flow then waits for the number again."""
    chat = await _joined(db, demo_session, "8400012")
    await chat.say("/phone")
    await chat.press_label("Give a number")
    refused = await chat.say(typed)
    assert words in refused
    assert "Please type the number again, or press Cancel." in refused
    assert "Is 0912 345 678" in await chat.say("0912345678")


async def test_phone_again_closes_the_question_so_the_next_text_is_not_a_number(
    db: Database, demo_session: AsyncSession
) -> None:
    """Asked for a number, the person sends /phone instead: the question is closed, and what
    they type next is not refused as a phone number."""
    chat = await _joined(db, demo_session, "8400014")
    await chat.say("/phone")
    await chat.press_label("Give a number")

    await chat.say("/phone")
    answer = await chat.say("remove the number")

    assert "written with digits only" not in answer
    assert (await _person_of(demo_session, chat)).phone is None


async def test_removing_the_number_asks_first(db: Database, demo_session: AsyncSession) -> None:
    """ "No, keep it" (typed) keeps it; "Yes, remove it" forgets number and source."""
    chat = await _joined(db, demo_session, "8400013")
    person = await _person_of(demo_session, chat)
    await set_phone(demo_session, person.id or 0, KEPT, PhoneSource.CHAT, f.T0)
    await demo_session.commit()

    await chat.say("/phone")
    question = await chat.press_label("Remove the number")
    assert "Remove the number 0912 345 678?" in question
    assert _labels(chat) == ["🗑 Yes, remove it", "No, keep it"]
    assert "Nothing was changed." in await chat.say("no")
    assert (await _person_of(demo_session, chat)).phone == KEPT

    await chat.say("/phone")
    await chat.press_label("Remove the number")
    removed = await chat.press_label("Yes, remove it")
    assert "The phone number was removed." in removed
    person = await _person_of(demo_session, chat)
    assert (person.phone, person.phone_source) == (None, None)
    assert "No phone number is kept for you." in await chat.say("/phone")


async def test_phone_is_in_help_for_people_admitted(
    db: Database, demo_session: AsyncSession
) -> None:
    """/help lists /phone once one is admitted; a stranger gets no /phone."""
    chat = await _joined(db, demo_session, "8400014")
    assert "/phone — Your phone number, for messages on Zalo" in await chat.say("/help")
    stranger = Chat(db, user="8400099", channel="zalo", locale="en")
    assert "/phone" not in await stranger.say("/help")
    assert "No phone number" not in await stranger.say("/phone")


# --- erasure and the personal copy ---------------------------------------------------------


async def test_the_copy_shows_the_number_and_erasure_forgets_it_everywhere(
    demo_session: AsyncSession,
) -> None:
    """The copy holds the number and its source; erasure clears them, Zalo's mark, and the
    number on the invite the person redeemed."""
    person = await _admitted(demo_session, registry_phone=None, invite_phone="0912 345 678")
    person.phone_unreachable_since = f.T0
    await demo_session.flush()
    person_id = person.id or 0

    copy = await personal_copy(demo_session, person_id)
    [row] = copy.tables["person"]
    assert (row["phone"], row["phone_source"]) == (KEPT, "invite")
    assert [invite["phone"] for invite in copy.tables["invite"]] == [KEPT]

    report = await erase_person(demo_session, person_id, now=f.T0)
    await demo_session.commit()

    demo_session.expire_all()
    erased = await demo_session.get(Person, person_id)
    assert erased is not None
    assert (erased.phone, erased.phone_source, erased.phone_unreachable_since) == (
        None,
        None,
        None,
    )
    invite = await demo_session.scalar(
        select(Invite).where(Invite.redeemed_by_person_id == person_id)
    )
    assert invite is not None
    assert invite.phone is None
    assert report.changed["invite phone cleared"] == 1
    again = await erase_person(demo_session, person_id, now=f.T0)
    assert again.total == 0
