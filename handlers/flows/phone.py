"""``/phone``: the mobile number coopbot keeps for a person, where it came from, and changing
or removing it.

Zalo lets an Official Account write first, outside its reply window, only to a phone number
(a template message), so the number is what lets news of a person's items reach them when they
have not written for a while. It is kept only as the person confirms it: a typed number is read
(``storage.phones.normalize_mobile``), shown back, and kept with the source "chat" after "yes";
removing asks first too. ``/phone 0912 345 678`` goes straight to the confirmation. Where the
platform has a form for it (Zalo), the person may share their account's number instead: the
form is Zalo's own consent, so that number is kept at once, with the source "zalo".
"""

from __future__ import annotations

from enum import StrEnum

from handlers.codec import Payload
from handlers.commands import is_command
from handlers.payloads import (
    ChangePhone,
    ConfirmPhone,
    ConfirmRemovePhone,
    KeepPhone,
    RemovePhone,
    RetypePhone,
)
from handlers.steps import StepButtons
from handlers.turn import Turn
from handlers.types import Button, IncomingKind, ShareRequest
from storage.dialogs import clear_dialog, save_dialog
from storage.errors import N_
from storage.models import Person
from storage.phones import (
    InvalidPhone,
    PhoneSource,
    clear_phone,
    display_phone,
    normalize_mobile,
    set_phone,
)

FLOW = "phone"


class Step(StrEnum):
    """What the flow waits for; stored, so never renumber or reuse a value."""

    NUMBER = "number"  # a typed number
    CONFIRM = "confirm"  # "yes" or "no" to the number shown back (the draft holds it)
    REMOVE = "remove"  # "yes" or "no" to forgetting the number kept


BUTTONS = StepButtons(
    FLOW,
    Step,
    {
        Step.NUMBER: (),
        Step.CONFIRM: (ConfirmPhone, RetypePhone),
        Step.REMOVE: (ConfirmRemovePhone,),
    },
    anywhere=(ChangePhone, RemovePhone, KeepPhone),
)

SOURCE_NAMES = {
    PhoneSource.REGISTRY: N_("from the cooperative registry"),
    PhoneSource.INVITE: N_("written on your invite"),
    PhoneSource.CHAT: N_("given by you here"),
    PhoneSource.ZALO: N_("shared from your Zalo account"),
}
UNKNOWN_SOURCE = N_("where it came from was not recorded")
WHY = N_(
    "With your mobile number, news of your items reaches you on Zalo even when you have not "
    "written to coopbot for a while."
)
ASK_NUMBER = N_("Please type your mobile number, for example 0912 345 678.")
TRY_AGAIN = N_("Please type the number again, or press Cancel.")
STALE = N_("That button is not valid any more. Send /phone to see your number.")
SHARE_TITLE = N_("Share your phone number")
SHARE_SUBTITLE = N_(
    "Press here to send coopbot the phone number of your Zalo account, instead of typing it."
)


async def route(turn: Turn) -> bool:
    """Answer /phone, its buttons, and the number typed after "change"."""
    if turn.actor is None or not turn.actor.grants:
        return False
    if turn.incoming.kind == IncomingKind.SHARED_PHONE:
        await _shared_number(turn)
        return True
    if is_command(turn, "phone"):
        typed = turn.incoming.text.strip()
        if typed:
            await _typed_number(turn, typed)
        else:
            await _end(turn)  # a question left open would take the next text as a number
            await _show(turn)
        return True
    if isinstance(press := turn.pressed, BUTTONS.kinds):
        await _press(turn, press)
        return True
    step = BUTTONS.current(turn)
    if step is None or turn.incoming.kind != IncomingKind.TEXT:
        return False
    if step == Step.REMOVE or (step == Step.CONFIRM and not _has_digits(turn.incoming.text)):
        await _ask_again(turn, step)
    else:
        await _typed_number(turn, turn.incoming.text)
    return True


async def _person(turn: Turn) -> Person | None:
    assert turn.actor is not None  # noqa: S101  (the route checks it)
    return await turn.session.get(Person, turn.actor.person_id)


def _source_name(turn: Turn, source: str | None) -> str:
    names = {str(key): name for key, name in SOURCE_NAMES.items()}
    return turn._(names.get(source or "", UNKNOWN_SOURCE))


def _cancel_row(turn: Turn) -> list[Button]:
    return [Button(turn._("✖️ Cancel"), KeepPhone().encode())]


async def _show(turn: Turn) -> None:
    person = await _person(turn)
    if person is None or not person.phone:
        turn.say(
            turn._("No phone number is kept for you.") + "\n" + turn._(WHY),
            [Button(turn._("➕ Give a number"), ChangePhone().encode())],
        )
        return
    lines = [
        turn._(
            "The phone number kept for you: {number} ({source}).",
            number=display_phone(person.phone),
            source=_source_name(turn, person.phone_source),
        ),
        turn._(WHY),
    ]
    if person.phone_unreachable_since is not None:
        lines.append(
            turn._(
                "Zalo says this number has no Zalo account, so messages cannot reach you "
                "through it. You may give another number."
            )
        )
    turn.say(
        "\n".join(lines),
        [Button(turn._("✏️ Change the number"), ChangePhone().encode())],
        [Button(turn._("🗑 Remove the number"), RemovePhone().encode())],
    )


async def _save(turn: Turn, step: Step, draft: dict[str, str]) -> None:
    identity_id = turn.identity.id if turn.identity else None
    turn.dialog = await save_dialog(
        turn.session, identity_id or 0, FLOW, step, draft, now=turn.now
    )


async def _end(turn: Turn) -> None:
    if turn.identity is not None and turn.dialog is not None and turn.dialog.flow == FLOW:
        await clear_dialog(turn.session, turn.identity.id or 0)
        turn.dialog = None


async def _press(turn: Turn, press: Payload) -> None:
    """Apply a button of the flow, each only at the step that offered it."""
    match press:
        case ChangePhone():
            await _save(turn, Step.NUMBER, {})
            share = ShareRequest(turn._(SHARE_TITLE), turn._(SHARE_SUBTITLE))
            turn.say(turn._(ASK_NUMBER), _cancel_row(turn), share=share)
        case RemovePhone():
            await _ask_removal(turn)
        case KeepPhone():
            await _end(turn)
            turn.say(turn._("Nothing was changed."))
        case _:
            step = BUTTONS.current(turn)
            if step is None or not BUTTONS.takes(step, press):
                turn.say(turn._(STALE))
                return
            await _answer(turn, press)


async def _answer(turn: Turn, press: Payload) -> None:
    """Apply "yes" or "no" to the number shown back, or "yes" to removing the number."""
    assert turn.actor is not None  # noqa: S101  (the route checks it)
    assert turn.dialog is not None  # noqa: S101  (the step was checked)
    match press:
        case ConfirmPhone():
            kept = await set_phone(
                turn.session,
                turn.actor.person_id,
                str(turn.dialog.draft.get("phone", "")),
                PhoneSource.CHAT,
                turn.now,
            )
            await _end(turn)
            turn.say(
                turn._(
                    "Thank you. The number {number} is kept; news of your items can now reach "
                    "you on Zalo at this number.",
                    number=display_phone(kept),
                )
            )
        case RetypePhone():
            await _save(turn, Step.NUMBER, {})
            turn.say(turn._(TRY_AGAIN), _cancel_row(turn))
        case ConfirmRemovePhone():
            await clear_phone(turn.session, turn.actor.person_id)
            await _end(turn)
            turn.say(turn._("The phone number was removed. /phone gives one again at any time."))


async def _ask_removal(turn: Turn) -> None:
    person = await _person(turn)
    if person is None or not person.phone:
        await _end(turn)
        turn.say(turn._("No phone number is kept for you."))
        return
    await _save(turn, Step.REMOVE, {})
    turn.say(
        turn._(
            "Remove the number {number}? News of your items will then reach you on Zalo only "
            "while you write to coopbot from time to time.",
            number=display_phone(person.phone),
        ),
        [
            Button(turn._("🗑 Yes, remove it"), ConfirmRemovePhone().encode()),
            Button(turn._("No, keep it"), KeepPhone().encode()),
        ],
    )


async def _shared_number(turn: Turn) -> None:
    """Keep the number the person shared from their Zalo account: sharing it through Zalo's
    own form is their confirmation, so it is not asked again."""
    assert turn.actor is not None  # noqa: S101  (the route checks it)
    try:
        kept = await set_phone(
            turn.session, turn.actor.person_id, turn.incoming.text, PhoneSource.ZALO, turn.now
        )
    except InvalidPhone as error:
        await _save(turn, Step.NUMBER, {})
        turn.say(
            turn._(
                "The number shared from Zalo cannot be used: {reason}",
                reason=turn.error_text(error),
            )
            + "\n"
            + turn._(ASK_NUMBER),
            _cancel_row(turn),
        )
        return
    await _end(turn)
    turn.say(
        turn._(
            "Thank you. The number {number}, shared from your Zalo account, is kept; news of "
            "your items can now reach you on Zalo at this number.",
            number=display_phone(kept),
        )
    )


async def _typed_number(turn: Turn, text: str) -> None:
    """Read a typed number: explain what is wrong with it, or show it back to be confirmed."""
    try:
        number = normalize_mobile(text)
    except InvalidPhone as error:
        await _save(turn, Step.NUMBER, {})
        turn.say(turn.error_text(error) + "\n" + turn._(TRY_AGAIN), _cancel_row(turn))
        return
    await _save(turn, Step.CONFIRM, {"phone": number})
    _ask_to_confirm(turn, number)


def _ask_to_confirm(turn: Turn, number: str) -> None:
    turn.say(
        turn._("Is {number} your mobile number?", number=display_phone(number)),
        [
            Button(turn._("✅ Yes, that is right"), ConfirmPhone().encode()),
            Button(turn._("✏️ No, type it again"), RetypePhone().encode()),
        ],
        _cancel_row(turn),
    )


async def _ask_again(turn: Turn, step: Step) -> None:
    """Answer a text that is not what the step waits for by asking its question again."""
    if step == Step.REMOVE:
        await _ask_removal(turn)
        return
    assert turn.dialog is not None  # noqa: S101  (a step stands)
    _ask_to_confirm(turn, str(turn.dialog.draft.get("phone", "")))


def _has_digits(text: str) -> bool:
    return any(ch in "0123456789" for ch in text)
