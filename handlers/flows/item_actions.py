"""The card of an item, for whoever handles it, and what they can do from it.

Acknowledge, mark in progress, answer (resolves it), ask the cooperative (the item waits for
the reply), decline, refer to a unit, assign to an office, write an internal note. Each button
is offered only when storage's rules allow it, and each press is checked again by storage
against the same rule: a forged or stale button is answered with the item's status in words
and changes nothing. Texts (answer, question, reason, note) are asked for in a stored step;
every picker has a way back and a cancel.
"""

from __future__ import annotations

from enum import StrEnum

from handlers.cards import card_replies
from handlers.codec import Payload
from handlers.labels import category_name
from handlers.payloads import (
    Acknowledge,
    Answer,
    AskQuestion,
    AssignOffice,
    Cancel,
    ChooseOffice,
    ChooseReferral,
    Decline,
    InboxView,
    InternalNote,
    OpenItem,
    Refer,
    StartWork,
)
from handlers.turn import Turn
from handlers.types import Button, IncomingKind
from storage.desk import DeskView
from storage.dialogs import clear_dialog, save_dialog
from storage.errors import N_, InvalidInput, InvalidTransition
from storage.feedback import add_note, allowed_targets, change_status, validate_text
from storage.handling import assign_office
from storage.item_details import item_details
from storage.models import Category, Status
from storage.questions import ASKABLE, ask_cooperative
from storage.referrals import assignable_offices, referral_targets, routed_offices
from storage.scope import ensure_item_handleable

FLOW = "item"


class Step(StrEnum):
    """The text the card waits for; stored, so never renumber or reuse a value."""

    ANSWER = "answer"
    DECLINE = "decline"
    NOTE = "note"
    QUESTION = "question"


ASK = {
    Step.ANSWER: N_("Write the answer. It resolves the item and goes to the cooperative."),
    Step.DECLINE: N_("Write the reason for declining. The cooperative will see it."),
    Step.NOTE: N_("Write the internal note. The cooperative never sees it."),
    Step.QUESTION: N_(
        "Write your question to the cooperative. The item waits for its reply, and its due "
        "date waits too."
    ),
}
DONE = {
    Step.ANSWER: N_("Answered. The cooperative has been told and asked to rate the answer."),
    Step.DECLINE: N_("Declined. The cooperative has been told."),
    Step.NOTE: N_("Note added."),
    Step.QUESTION: N_("Asked. The cooperative's directors have the question and a reply button."),
}
ASKED_BY: dict[type[Payload], Step] = {
    Answer: Step.ANSWER,
    Decline: Step.DECLINE,
    InternalNote: Step.NOTE,
    AskQuestion: Step.QUESTION,
}
PRESSES: tuple[type[Payload], ...] = (
    OpenItem,
    Acknowledge,
    StartWork,
    ChooseOffice,
    AssignOffice,
    ChooseReferral,
    Refer,
    Answer,
    Decline,
    InternalNote,
    AskQuestion,
)


async def route(turn: Turn) -> bool:
    """Answer the card's buttons and the texts it asked for (people who handle items)."""
    actor = turn.actor
    if actor is None or not actor.handles_items:
        return False
    if isinstance(press := turn.pressed, PRESSES):
        await _press(turn, press)
        return True
    dialog = turn.dialog
    if dialog is None or dialog.flow != FLOW:
        return False
    item_id = int(dialog.draft.get("item_id", 0))
    if turn.incoming.kind == IncomingKind.TEXT:
        await _typed(turn, Step(dialog.step), item_id)
        return True
    if turn.incoming.kind == IncomingKind.MEDIA:
        turn.say(
            turn._("Photos and files cannot go with an answer or a question; please write it."),
            _back_row(turn, item_id),
        )
        return True
    return False


def _back_row(turn: Turn, item_id: int) -> list[Button]:
    return [
        Button(turn._("⬅️ Back to the item"), OpenItem(item_id).encode()),
        Button(turn._("✖️ Cancel"), Cancel().encode()),
    ]


async def end_pending_text(turn: Turn) -> None:
    """Forget a text the card was waiting for: the person moved on to something else, so what
    they type next must not land on the earlier item as an answer or a question."""
    if turn.identity is not None and turn.dialog is not None and turn.dialog.flow == FLOW:
        await clear_dialog(turn.session, turn.identity.id or 0)
        turn.dialog = None


async def show_card(turn: Turn, item_id: int) -> None:
    """Send an item's card with the actions the person may take on it."""
    assert turn.actor is not None  # noqa: S101  (the route checks it)
    await end_pending_text(turn)
    details = await item_details(turn.session, turn.actor, item_id)
    if not details.handler:
        raise InvalidInput(N_("This item does not exist or is not yours to handle."))
    targets = allowed_targets(turn.actor, details.item)
    offered = [
        (Status.ACKNOWLEDGED in targets, N_("✅ Acknowledge"), Acknowledge(item_id)),
        (Status.IN_PROGRESS in targets, N_("🔧 In progress"), StartWork(item_id)),
        (Status.RESOLVED in targets, N_("💬 Answer"), Answer(item_id)),
        (details.item.status in ASKABLE, N_("❓ Ask the cooperative"), AskQuestion(item_id)),
        (Status.REFERRED in targets, N_("↪️ Refer"), ChooseReferral(item_id)),
        (True, N_("🏢 Assign office"), ChooseOffice(item_id)),
        (Status.DECLINED in targets, N_("✖️ Decline"), Decline(item_id)),
        (True, N_("📝 Internal note"), InternalNote(item_id)),
    ]
    actions = [Button(turn._(label), press.encode()) for shown, label, press in offered if shown]
    rows = [actions[i : i + 2] for i in range(0, len(actions), 2)]
    rows.append([Button(turn._("📥 Desk"), InboxView(DeskView.OPEN, 0).encode())])
    turn.replies.extend(card_replies(turn, details, rows))


async def _press(turn: Turn, press: Payload) -> None:
    """Apply a button of an item's card."""
    assert turn.actor is not None  # noqa: S101
    match press:
        case OpenItem(item=item_id):
            await show_card(turn, item_id)
        case Acknowledge(item=item_id) | StartWork(item=item_id):
            target = Status.ACKNOWLEDGED if isinstance(press, Acknowledge) else Status.IN_PROGRESS
            await change_status(turn.session, turn.actor, item_id, target, now=turn.now)
            await show_card(turn, item_id)
        case ChooseOffice(item=item_id):
            await _offer_offices(turn, item_id)
        case AssignOffice(item=item_id, office=office_id):
            await assign_office(turn.session, turn.actor, item_id, office_id, now=turn.now)
            await show_card(turn, item_id)
        case ChooseReferral(item=item_id):
            await _offer_referral(turn, item_id)
        case Refer(item=item_id, unit=unit_id):
            await change_status(
                turn.session,
                turn.actor,
                item_id,
                Status.REFERRED,
                referred_unit_id=unit_id,
                now=turn.now,
            )
            turn.say(turn._("Referred. The cooperative and the unit's officials have been told."))
        case (
            Answer(item=item_id)
            | Decline(item=item_id)
            | InternalNote(item=item_id)
            | (AskQuestion(item=item_id))
        ):
            await _ask_text(turn, ASKED_BY[type(press)], item_id)


async def _ask_text(turn: Turn, step: Step, item_id: int) -> None:
    """Ask for the text of an answer, reason, note or question, if the action is allowed."""
    assert turn.actor is not None  # noqa: S101
    item = await ensure_item_handleable(turn.session, turn.actor, item_id)
    wanted = {Step.ANSWER: Status.RESOLVED, Step.DECLINE: Status.DECLINED}.get(step)
    if wanted is not None and wanted not in allowed_targets(turn.actor, item):
        turn.say(turn.error_text(_moved_on(item.status, wanted)))
        return
    if step == Step.QUESTION and item.status not in ASKABLE:
        turn.say(turn.error_text(_moved_on(item.status, Status.WAITING)))
        return
    identity_id = turn.identity.id if turn.identity else 0
    await save_dialog(
        turn.session, identity_id or 0, FLOW, step, {"item_id": item_id}, now=turn.now
    )
    turn.say(turn._(ASK[step]), _back_row(turn, item_id))


def _moved_on(current: str, target: Status) -> InvalidTransition:
    return InvalidTransition(current=current, target=target.value)


async def _offer_offices(turn: Turn, item_id: int) -> None:
    """Offer the offices this item can be assigned to."""
    assert turn.actor is not None  # noqa: S101
    item = await ensure_item_handleable(turn.session, turn.actor, item_id)
    offices = await assignable_offices(turn.session, item)
    routed = await routed_offices(turn.session, item)
    rows = [
        [
            Button(
                ("⭐ " if o.id in routed else "") + o.name,
                AssignOffice(item_id, o.id or 0).encode(),
            )
        ]
        for o in offices
    ]
    if not offices:
        turn.say(turn._("There is no office to assign."), _back_row(turn, item_id))
        return
    text = turn._("Assign to which office?")
    if routed & {o.id for o in offices}:
        category = await turn.session.get(Category, item.category_key)
        text += "\n" + turn._(
            "⭐ handles {category}.", category=category_name(category, turn.locale)
        )
    turn.say(text, *rows, _back_row(turn, item_id))


async def _offer_referral(turn: Turn, item_id: int) -> None:
    """Offer the units this item can be referred to (the same list storage accepts)."""
    assert turn.actor is not None  # noqa: S101
    item = await ensure_item_handleable(turn.session, turn.actor, item_id)
    units = await referral_targets(turn.session, item, turn.now)
    if not units:
        turn.say(turn._("There is no unit to refer this item to."), _back_row(turn, item_id))
        return
    rows = [[Button(unit.name, Refer(item_id, unit.id or 0).encode())] for unit in units]
    turn.say(turn._("Refer the item to which unit?"), *rows, _back_row(turn, item_id))


async def _typed(turn: Turn, step: Step, item_id: int) -> None:
    """Apply the text the card asked for."""
    assert turn.actor is not None  # noqa: S101
    text = turn.incoming.text
    if step != Step.NOTE:
        try:
            text = validate_text(text)
        except InvalidInput as error:
            turn.say(turn.error_text(error), _back_row(turn, item_id))
            return
    if step == Step.NOTE:
        await add_note(turn.session, turn.actor, item_id, text, internal=True, now=turn.now)
    elif step == Step.QUESTION:
        await ask_cooperative(turn.session, turn.actor, item_id, text, now=turn.now)
    else:
        target = Status.RESOLVED if step == Step.ANSWER else Status.DECLINED
        await change_status(turn.session, turn.actor, item_id, target, text=text, now=turn.now)
    if turn.identity is not None:
        await clear_dialog(turn.session, turn.identity.id or 0)
    turn.say(turn._(DONE[step]), [Button(turn._("📄 Open the item"), OpenItem(item_id).encode())])
