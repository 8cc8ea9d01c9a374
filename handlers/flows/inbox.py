"""``/inbox``: new, reopened and overdue items, and the item card's actions.

Payloads ``ib:<verb>:<item>[:<arg>]``: ``p`` page, ``i`` open, ``a`` acknowledge, ``w`` in
progress, ``o`` choose an office / ``oo`` assign it, ``r`` answer, ``d`` decline, ``f`` refer,
``ff`` refer to a unit, ``n`` internal note. Every item id is re-checked against the
person's scope; answers, reasons and notes are asked for in a stored conversation step.
"""

from __future__ import annotations

from enum import StrEnum

from handlers.commands import is_command
from handlers.flows.my_items import status_name
from handlers.menus import paging_row
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
    if is_command(turn, "inbox") or incoming.payload == "menu:inbox":
        await _page(turn, 0)
        return True
    if incoming.kind == IncomingKind.BUTTON and incoming.payload.startswith("ib:"):
        parts = incoming.payload.split(":")[1:]
        if len(parts) < 2 or not parts[1].isdigit():
            turn.say(turn._("That button is not valid any more."))
            return True
        await _press(turn, parts[0], int(parts[1]), parts[2:])
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
    rows = [[Button(_line(turn, item), f"ib:i:{item.id}")] for item in items]
    paging = paging_row(turn, "ib", page, total, PAGE_SIZE)
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
        actions.append(Button(turn._("✅ Acknowledge"), f"ib:a:{item_id}"))
    if Status.IN_PROGRESS in targets:
        actions.append(Button(turn._("🔧 In progress"), f"ib:w:{item_id}"))
    if Status.RESOLVED in targets:
        actions.append(Button(turn._("💬 Answer"), f"ib:r:{item_id}"))
    if Status.DECLINED in targets:
        actions.append(Button(turn._("✖️ Decline"), f"ib:d:{item_id}"))
    if Status.REFERRED in targets:
        actions.append(Button(turn._("↪️ Refer"), f"ib:f:{item_id}"))
    actions += [
        Button(turn._("🏢 Assign office"), f"ib:o:{item_id}"),
        Button(turn._("📝 Internal note"), f"ib:n:{item_id}"),
    ]
    rows = [actions[i : i + 2] for i in range(0, len(actions), 2)]
    turn.say("\n".join(lines), *rows, title=item.reference)


async def _press(turn: Turn, verb: str, number: int, rest: list[str]) -> None:
    assert turn.actor is not None  # noqa: S101
    if verb == "p":
        await _page(turn, number)
    elif verb == "i":
        await show_card(turn, number)
    elif verb in {"a", "w"}:
        target = Status.ACKNOWLEDGED if verb == "a" else Status.IN_PROGRESS
        await change_status(turn.session, turn.actor, number, target, now=turn.now)
        await show_card(turn, number)
    elif verb == "o":
        await ensure_item_handleable(turn.session, turn.actor, number)
        offices = await offices_for(turn.session)
        turn.say(
            turn._("Assign to which office?"),
            *[[Button(o.name, f"ib:oo:{number}:{o.id}")] for o in offices],
        )
    elif verb == "oo" and rest and rest[0].isdigit():
        await assign_office(turn.session, turn.actor, number, int(rest[0]), now=turn.now)
        await show_card(turn, number)
    elif verb == "f":
        await _offer_referral(turn, number)
    elif verb == "ff" and rest and rest[0].isdigit():
        await change_status(
            turn.session,
            turn.actor,
            number,
            Status.REFERRED,
            referred_unit_id=int(rest[0]),
            now=turn.now,
        )
        turn.say(turn._("Referred. The cooperative has been told."))
    elif verb in {"r", "d", "n"}:
        await ensure_item_handleable(turn.session, turn.actor, number)
        step = {"r": Step.ANSWER, "d": Step.DECLINE, "n": Step.NOTE}[verb]
        identity_id = turn.identity.id if turn.identity else 0
        await save_dialog(
            turn.session, identity_id or 0, FLOW, step, {"item_id": number}, now=turn.now
        )
        turn.say(turn._(ASK[step]), [Button(turn._("✖️ Cancel"), "rp:cancel")])
    else:
        turn.say(turn._("That button is not valid any more."))


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
        [Button(province.name, f"ib:ff:{item_id}:{province.id}")],
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
