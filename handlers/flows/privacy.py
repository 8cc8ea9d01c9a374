"""Personal data in chat: the notice before admission, the choice on a changed notice, and
/privacy (a copy of one's data, a correction, withdrawal, erasure). See docs/privacy.md.

Before admission nothing is kept while the person reads the notice but their account's
buttons (so "dong y" typed instead of tapped works); agreeing redeems the invite the notice
was shown for, declining deletes that account and keeps only the fact of the refusal.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from handlers.commands import is_command
from handlers.i18n import format_datetime
from handlers.menus import main_menu
from handlers.payloads import (
    AgreeAndJoin,
    AgreeToNotice,
    ConfirmErasure,
    CopyOfMyData,
    CorrectMyData,
    DeclineNotice,
    EndingReason,
    EraseMyData,
    WithdrawConsent,
)
from handlers.privacy_notice import QUESTION, notice_text
from handlers.turn import Turn
from handlers.types import Button, FileOut, Reply
from storage.consent import forget_undecided_account, has_agreed, record_choice
from storage.dialogs import clear_dialog, ensure_identity, save_dialog
from storage.errors import N_
from storage.invites import normalize_code
from storage.models import ConsentDecision, PrivacyRequestKind, PrivacyRequestState
from storage.personal_data import erase_person, personal_copy
from storage.privacy_requests import finish_request, record_request

FLOW = "privacy"
MAX_CORRECTION = 1000


class Step(StrEnum):
    """The one step of /privacy that waits for text."""

    CORRECTION = "correction"


AGREE = N_("✅ Agree")
DECLINE = N_("❌ Do not agree")


def choice_buttons(turn: Turn, agree: str) -> list[Button]:
    """Return the two buttons under the notice; ``agree`` is the payload of agreeing."""
    return [Button(turn._(AGREE), agree), Button(turn._(DECLINE), DeclineNotice().encode())]


async def offer_notice(turn: Turn, code: str) -> None:
    """Show the notice to someone about to redeem ``code`` (already checked)."""
    if turn.identity is None:
        turn.identity = await ensure_identity(
            turn.session, turn.incoming.channel, turn.incoming.external_id, now=turn.now
        )
    turn.say(
        notice_text(turn) + "\n\n" + turn._(QUESTION),
        choice_buttons(turn, AgreeAndJoin(normalize_code(code)).encode()),
    )


async def declined_before_joining(turn: Turn) -> bool:
    """Answer "do not agree" from someone not admitted: keep only the fact of the refusal."""
    admitted = turn.actor is not None and bool(turn.actor.grants)
    if admitted or not isinstance(turn.pressed, DeclineNotice):
        return False
    await record_choice(
        turn.session, ConsentDecision.DECLINED, channel=turn.incoming.channel, now=turn.now
    )
    if turn.identity is not None:
        await forget_undecided_account(turn.session, turn.identity)
        turn.identity, turn.dialog = None, None
    turn.say(
        turn._(
            "You did not agree, so you have not joined and nothing about you was kept. Your "
            "invite code stays valid until it expires: if you change your mind, send "
            "/start CODE again."
        )
    )
    return True


async def consent_gate(turn: Turn) -> bool:
    """Show the notice in force to an admitted person who has not agreed to it (a changed
    notice, or someone admitted before notices existed); answer nothing else until they do."""
    if turn.actor is None or not turn.actor.grants:
        return False
    if await has_agreed(turn.session, turn.actor.person_id):
        return False
    match turn.pressed:
        case AgreeToNotice():
            await record_choice(
                turn.session,
                ConsentDecision.AGREED,
                channel=turn.incoming.channel,
                now=turn.now,
                person_id=turn.actor.person_id,
            )
            turn.say(turn._("Thank you. You can go on."), *main_menu(turn), navigation=True)
        case DeclineNotice():
            _ask_to_confirm(turn, EndingReason.WITHDRAWAL)
        case ConfirmErasure(reason=reason):
            await _end_account(turn, reason)
        case _:
            turn.say(
                turn._("The notice on your personal data has changed. Please read it again.")
                + "\n\n"
                + notice_text(turn)
                + "\n\n"
                + turn._(QUESTION),
                choice_buttons(turn, AgreeToNotice().encode()),
            )
    return True


async def route(turn: Turn) -> bool:
    """Answer /privacy, its buttons and the correction typed after it."""
    if turn.actor is None or not turn.actor.grants:
        return False
    if is_command(turn, "privacy"):
        await _show(turn)
        return True
    match turn.pressed:
        case CopyOfMyData():
            await _send_copy(turn)
        case CorrectMyData():
            await _ask_correction(turn)
        case WithdrawConsent():
            _ask_to_confirm(turn, EndingReason.WITHDRAWAL)
        case EraseMyData():
            _ask_to_confirm(turn, EndingReason.ERASURE)
        case ConfirmErasure(reason=reason):
            await _end_account(turn, reason)
        case _:
            return await _typed_correction(turn)
    return True


async def _show(turn: Turn) -> None:
    turn.say(
        notice_text(turn),
        [Button(turn._("📄 A copy of my data"), CopyOfMyData().encode())],
        [Button(turn._("✏️ Correct my data"), CorrectMyData().encode())],
        [Button(turn._("↩️ Withdraw my consent"), WithdrawConsent().encode())],
        [Button(turn._("🗑 Erase my data"), EraseMyData().encode())],
    )


async def _send_copy(turn: Turn) -> None:
    assert turn.actor is not None  # noqa: S101  (the route checks it)
    person_id = turn.actor.person_id
    copy = await personal_copy(turn.session, person_id)
    request = await record_request(
        turn.session,
        person_id,
        PrivacyRequestKind.COPY,
        channel=turn.incoming.channel,
        now=turn.now,
    )
    await finish_request(turn.session, request.id or 0, now=turn.now)
    text = turn._(
        "Here is a copy of everything coopbot keeps about you (request {number}).",
        number=request.id,
    )
    turn.replies.append(
        Reply(
            text=text,
            document=FileOut("coopbot-my-data.json", copy.to_json(), "application/json"),
        )
    )
    renderers = turn.config.renderers
    if renderers is not None:
        turn.replies.append(
            Reply(
                text=turn._("The same, as a spreadsheet."),
                document=renderers.personal_copy(copy, turn.locale),
            )
        )


async def _ask_correction(turn: Turn) -> None:
    if turn.identity is not None:
        await save_dialog(
            turn.session, turn.identity.id or 0, FLOW, Step.CORRECTION, {}, now=turn.now
        )
    turn.say(
        turn._(
            "Please write what should be corrected, for example: “my name is Nguyễn Văn Tư, "
            "not Nguyễn Văn Từ”. The administrators will correct it and tell you."
        )
    )


async def _typed_correction(turn: Turn) -> bool:
    dialog = turn.dialog
    if dialog is None or dialog.flow != FLOW or not turn.incoming.text.strip():
        return False
    assert turn.actor is not None  # noqa: S101
    request = await record_request(
        turn.session,
        turn.actor.person_id,
        PrivacyRequestKind.CORRECTION,
        channel=turn.incoming.channel,
        now=turn.now,
        details=" ".join(turn.incoming.text.split())[:MAX_CORRECTION],
    )
    if turn.identity is not None:
        await clear_dialog(turn.session, turn.identity.id or 0)
        turn.dialog = None
    turn.say(
        turn._(
            "Your request {number} was recorded; it will be answered by {due}.",
            number=request.id,
            due=_when(turn, request.due_at),
        )
    )
    return True


def _ask_to_confirm(turn: Turn, reason: EndingReason) -> None:
    question = {
        EndingReason.WITHDRAWAL: N_(
            "If you withdraw your consent, your account ends: you can no longer use coopbot, "
            "and your name, phone number and accounts are erased. The items you sent stay with "
            "your cooperative, without your name. Withdraw?"
        ),
        EndingReason.ERASURE: N_(
            "If your data is erased, your account ends: you can no longer use coopbot, and "
            "your name, phone number and accounts are erased. The items you sent stay with your "
            "cooperative, without your name. Erase?"
        ),
    }[reason]
    turn.say(
        turn._(question),
        [Button(turn._("Yes, end my account"), ConfirmErasure(reason).encode())],
        [Button(turn._("No, keep it"), AgreeToNotice().encode())],
    )


async def _end_account(turn: Turn, reason: EndingReason) -> None:
    assert turn.actor is not None  # noqa: S101
    person_id = turn.actor.person_id
    channel = turn.incoming.channel
    if reason == EndingReason.WITHDRAWAL:
        await record_choice(
            turn.session,
            ConsentDecision.WITHDRAWN,
            channel=channel,
            now=turn.now,
            person_id=person_id,
        )
    kind = (
        PrivacyRequestKind.WITHDRAWAL
        if reason == EndingReason.WITHDRAWAL
        else PrivacyRequestKind.ERASURE
    )
    request = await record_request(turn.session, person_id, kind, channel=channel, now=turn.now)
    await erase_person(turn.session, person_id, now=turn.now)
    await finish_request(
        turn.session, request.id or 0, now=turn.now, state=PrivacyRequestState.DONE
    )
    # The account is gone: nothing may be written to it after this turn.
    turn.identity, turn.actor, turn.dialog = None, None, None
    turn.say(
        turn._(
            "Your account has ended and your personal data was erased (request {number}). "
            "Thank you for using coopbot.",
            number=request.id,
        )
    )


def _when(turn: Turn, moment: dt.datetime) -> str:
    return format_datetime(moment, turn.locale, turn.config.timezone)
