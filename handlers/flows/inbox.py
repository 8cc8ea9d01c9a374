"""``/inbox``: new, reopened and overdue items, and the item card's actions.

Buttons are the inbox kinds of ``handlers.payloads`` (``OpenItem``, ``Acknowledge``, ``Refer``…).
Every item id is re-checked against the person's scope; answers, reasons and notes are asked
for in a stored conversation step.
"""

from __future__ import annotations

from enum import StrEnum

from handlers.codec import Payload
from handlers.commands import is_command
from handlers.labels import status_name
from handlers.menus import paging_row
from handlers.payloads import (
    Acknowledge,
    Answer,
    AssignOffice,
    Cancel,
    ChooseOffice,
    ChooseReferral,
    Decline,
    InboxPage,
    InternalNote,
    MenuEntry,
    OpenItem,
    OpenMenuEntry,
    Refer,
    StartWork,
)
from handlers.turn import Turn
from handlers.types import Button, IncomingKind
from storage.dialogs import clear_dialog, save_dialog
from storage.errors import N_, InvalidInput
from storage.feedback import add_note, allowed_targets, change_status, item_history
from storage.handling import assign_office, inbox, offices_for
from storage.models import AdminUnit, Cooperative, FeedbackItem, Status
from storage.scope import ensure_item_handleable

FLOW = "inbox"
PAGE_SIZE = 5


class Step(StrEnum):
    """The text the flow waits for; stored, so never renumber or reuse a value."""

    ANSWER = "answer"
    DECLINE = "decline"
    NOTE = "note"


ASK = {
    Step.ANSWER: N_("Write the answer. It resolves the item and goes to the cooperative."),
    Step.DECLINE: N_("Write the reason for declining. The cooperative will see it."),
    Step.NOTE: N_("Write the internal note. The cooperative never sees it."),
}
ASKED_BY: dict[type[Payload], Step] = {
    Answer: Step.ANSWER,
    Decline: Step.DECLINE,
    InternalNote: Step.NOTE,
}
PRESSES = (
    InboxPage,
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
)
DONE = {
    Step.ANSWER: N_("Answered. The cooperative has been told."),
    Step.DECLINE: N_("Declined. The cooperative has been told."),
    Step.NOTE: N_("Note added."),
}


async def route(turn: Turn) -> bool:
    """Answer /inbox, the card's buttons, and the texts it asked for."""
    actor = turn.actor
    if actor is None or not actor.handles_items:
        return False
    incoming = turn.incoming
    if is_command(turn, "inbox") or turn.pressed == OpenMenuEntry(MenuEntry.INBOX):
        await _page(turn, 0)
        return True
    if isinstance(press := turn.pressed, PRESSES):
        await _press(turn, press)
        return True
    if turn.dialog is not None and turn.dialog.flow == FLOW and incoming.kind == IncomingKind.TEXT:
        await _typed(turn, Step(turn.dialog.step), int(turn.dialog.draft.get("item_id", 0)))
        return True
    return False


def _line(turn: Turn, item: FeedbackItem) -> str:
    overdue = " ⏰" if item.due_at < turn.now and item.status not in _CLOSED else ""
    return f"{item.reference} · {status_name(turn, item.status)}{overdue}"


_CLOSED = {Status.RESOLVED, Status.CLOSED, Status.DECLINED}


async def _page(turn: Turn, page: int) -> None:
    assert turn.actor is not None  # noqa: S101
    items, total = await inbox(
        turn.session, turn.actor, now=turn.now, page=page, page_size=PAGE_SIZE
    )
    if total == 0:
        turn.say(turn._("Nothing is waiting: no new or overdue items in your area."))
        return
    rows = [[Button(_line(turn, item), OpenItem(item.id or 0).encode())] for item in items]
    paging = paging_row(turn, InboxPage, page, total, PAGE_SIZE)
    if paging:
        rows.append(paging)
    turn.say(turn._("Waiting for you: {count} items (⏰ = overdue).", count=total), *rows)


async def show_card(turn: Turn, item_id: int) -> None:
    """Send an item's card with the actions the person may take."""
    assert turn.actor is not None  # noqa: S101
    item = await ensure_item_handleable(turn.session, turn.actor, item_id)
    cooperative = await turn.session.get(Cooperative, item.cooperative_id)
    commune = await turn.session.get(AdminUnit, item.commune_id)
    lines = [
        f"{cooperative.name if cooperative else '?'} — {commune.name if commune else '?'}",
        turn._("Status: {status}", status=status_name(turn, item.status)),
        turn._("Due: {date}", date=turn.date(item.due_at.date()))
        + (" ⏰" if item.due_at < turn.now and item.status not in _CLOSED else ""),
        "",
        item.text,
        "",
    ]
    for event in await item_history(turn.session, turn.actor, item_id):
        marker = "🔒 " if event.internal else ""
        what = status_name(turn, event.to_status) if event.to_status else event.kind
        lines.append(
            f"• {turn.when(event.created_at)} — {marker}{what}"
            + (f": {event.text}" if event.text else "")
        )
    targets = allowed_targets(turn.actor, item)
    actions = []
    if Status.ACKNOWLEDGED in targets:
        actions.append(Button(turn._("✅ Acknowledge"), Acknowledge(item_id).encode()))
    if Status.IN_PROGRESS in targets:
        actions.append(Button(turn._("🔧 In progress"), StartWork(item_id).encode()))
    if Status.RESOLVED in targets:
        actions.append(Button(turn._("💬 Answer"), Answer(item_id).encode()))
    if Status.DECLINED in targets:
        actions.append(Button(turn._("✖️ Decline"), Decline(item_id).encode()))
    if Status.REFERRED in targets:
        actions.append(Button(turn._("↪️ Refer"), ChooseReferral(item_id).encode()))
    actions += [
        Button(turn._("🏢 Assign office"), ChooseOffice(item_id).encode()),
        Button(turn._("📝 Internal note"), InternalNote(item_id).encode()),
    ]
    rows = [actions[i : i + 2] for i in range(0, len(actions), 2)]
    turn.say("\n".join(lines), *rows, title=item.reference)


async def _press(turn: Turn, press: Payload) -> None:
    """Apply a button of the inbox or of an item's card."""
    assert turn.actor is not None  # noqa: S101
    match press:
        case InboxPage(page=page):
            await _page(turn, page)
        case OpenItem(item=item_id):
            await show_card(turn, item_id)
        case Acknowledge(item=item_id) | StartWork(item=item_id):
            target = Status.ACKNOWLEDGED if isinstance(press, Acknowledge) else Status.IN_PROGRESS
            await change_status(turn.session, turn.actor, item_id, target, now=turn.now)
            await show_card(turn, item_id)
        case ChooseOffice(item=item_id):
            await ensure_item_handleable(turn.session, turn.actor, item_id)
            offices = await offices_for(turn.session)
            turn.say(
                turn._("Assign to which office?"),
                *[[Button(o.name, AssignOffice(item_id, o.id or 0).encode())] for o in offices],
            )
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
            turn.say(turn._("Referred. The cooperative has been told."))
        case Answer(item=item_id) | Decline(item=item_id) | InternalNote(item=item_id):
            await ensure_item_handleable(turn.session, turn.actor, item_id)
            step = ASKED_BY[type(press)]
            identity_id = turn.identity.id if turn.identity else 0
            await save_dialog(
                turn.session, identity_id or 0, FLOW, step, {"item_id": item_id}, now=turn.now
            )
            turn.say(turn._(ASK[step]), [Button(turn._("✖️ Cancel"), Cancel().encode())])


async def _offer_referral(turn: Turn, item_id: int) -> None:
    """Offer the commune's province (the usual referral) as a button."""
    assert turn.actor is not None  # noqa: S101
    item = await ensure_item_handleable(turn.session, turn.actor, item_id)
    commune = await turn.session.get(AdminUnit, item.commune_id)
    province = (
        await turn.session.get(AdminUnit, commune.parent_id)
        if commune and commune.parent_id
        else None
    )
    if province is None:
        raise InvalidInput(N_("There is no unit to refer this item to."))
    turn.say(
        turn._("Refer the item to which unit?"),
        [Button(province.name, Refer(item_id, province.id or 0).encode())],
    )


async def _typed(turn: Turn, step: Step, item_id: int) -> None:
    assert turn.actor is not None  # noqa: S101
    text = turn.incoming.text
    if step == Step.NOTE:
        await add_note(turn.session, turn.actor, item_id, text, internal=True, now=turn.now)
    else:
        target = Status.RESOLVED if step == Step.ANSWER else Status.DECLINED
        await change_status(turn.session, turn.actor, item_id, target, text=text, now=turn.now)
    if turn.identity is not None:
        await clear_dialog(turn.session, turn.identity.id or 0)
    turn.say(turn._(DONE[step]))
