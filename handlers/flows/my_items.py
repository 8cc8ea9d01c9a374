"""``/my``: a director's items, newest first, five a page; history, add info, confirm, reopen.

Buttons are the ``MyItem…`` kinds of ``handlers.payloads``; every item id is re-checked against
the person's scope.
"""

from __future__ import annotations

from enum import StrEnum

from handlers.codec import Payload
from handlers.commands import is_command
from handlers.labels import EVENT_NAMES, status_name
from handlers.menus import paging_row
from handlers.payloads import (
    Cancel,
    MenuEntry,
    MyItem,
    MyItemAddInfo,
    MyItemConfirm,
    MyItemReopen,
    MyItemsPage,
    OpenMenuEntry,
)
from handlers.turn import Turn
from handlers.types import Button, IncomingKind
from storage.dialogs import clear_dialog, save_dialog
from storage.errors import N_
from storage.feedback import add_note, allowed_targets, change_status, item_history
from storage.listing import list_cooperative_items
from storage.models import EventKind, FeedbackItem, Status
from storage.scope import ensure_item_visible

FLOW = "my"
PAGE_SIZE = 5


PRESSES = (MyItemsPage, MyItem, MyItemAddInfo, MyItemConfirm, MyItemReopen)


class Step(StrEnum):
    """What the flow waits for; stored, so never renumber or reuse a value."""

    ADD_INFO = "add_info"
    REOPEN_REASON = "reopen_reason"


async def route(turn: Turn) -> bool:
    """Answer /my, its buttons, and the text it asked for."""
    if turn.actor is None or not turn.actor.cooperative_ids():
        return False
    incoming = turn.incoming
    if is_command(turn, "my") or turn.pressed == OpenMenuEntry(MenuEntry.MY):
        await _page(turn, 0)
        return True
    if isinstance(press := turn.pressed, PRESSES):
        await _press(turn, press)
        return True
    if turn.dialog is not None and turn.dialog.flow == FLOW and incoming.kind == IncomingKind.TEXT:
        item_id = int(turn.dialog.draft.get("item_id", 0))
        if turn.dialog.step == Step.ADD_INFO:
            await add_note(
                turn.session, turn.actor, item_id, incoming.text, internal=False, now=turn.now
            )
            turn.say(turn._("Added. The officials handling the item will see it."))
        else:
            await change_status(
                turn.session,
                turn.actor,
                item_id,
                Status.REOPENED,
                text=incoming.text,
                now=turn.now,
            )
            turn.say(turn._("The item is reopened. The officials handling it will be told."))
        await clear_dialog(turn.session, turn.identity.id or 0 if turn.identity else 0)
        return True
    return False


def _line(turn: Turn, item: FeedbackItem) -> str:
    overdue = item.due_at < turn.now and item.status not in {"resolved", "closed", "declined"}
    flag = " ⏰" if overdue else ""
    created = turn.date(item.created_at.date())
    return f"{item.reference} · {status_name(turn, item.status)}{flag} · {created}"


async def _press(turn: Turn, press: Payload) -> None:
    """Apply a button of the list or of an item."""
    assert turn.actor is not None  # noqa: S101  (route checks it)
    match press:
        case MyItemsPage(page=page):
            await _page(turn, page)
        case MyItem(item=item_id):
            await _show(turn, item_id)
        case MyItemConfirm(item=item_id):
            await change_status(turn.session, turn.actor, item_id, Status.CLOSED, now=turn.now)
            turn.say(turn._("Thank you. The item is closed as resolved."))
        case MyItemAddInfo(item=item_id) | MyItemReopen(item=item_id):
            await ensure_item_visible(turn.session, turn.actor, item_id)
            step = Step.ADD_INFO if isinstance(press, MyItemAddInfo) else Step.REOPEN_REASON
            await save_dialog(
                turn.session,
                turn.identity.id or 0 if turn.identity else 0,
                FLOW,
                step,
                {"item_id": item_id},
                now=turn.now,
            )
            ask = (
                N_("Write the information to add.")
                if step == Step.ADD_INFO
                else N_("Why is the difficulty not resolved? Write a short reason.")
            )
            turn.say(turn._(ask), [Button(turn._("✖️ Cancel"), Cancel().encode())])


async def _page(turn: Turn, page: int) -> None:
    assert turn.actor is not None  # noqa: S101
    items, total = await list_cooperative_items(
        turn.session, turn.actor, page=page, page_size=PAGE_SIZE
    )
    if total == 0:
        turn.say(turn._("Your cooperative has no items yet. Send one with /report."))
        return
    rows = [[Button(_line(turn, item), MyItem(item.id or 0).encode())] for item in items]
    paging = paging_row(turn, MyItemsPage, page, total, PAGE_SIZE)
    if paging:
        rows.append(paging)
    pages = (total + PAGE_SIZE - 1) // PAGE_SIZE
    turn.say(turn._("Your items (page {page} of {pages}):", page=page + 1, pages=pages), *rows)


async def _show(turn: Turn, item_id: int) -> None:
    assert turn.actor is not None  # noqa: S101
    item = await ensure_item_visible(turn.session, turn.actor, item_id)
    lines = [
        turn._("Status: {status}", status=status_name(turn, item.status)),
        turn._("Due: {date}", date=turn.date(item.due_at.date())),
        "",
        item.text,
        "",
    ]
    for event in await item_history(turn.session, turn.actor, item_id):
        what = (
            status_name(turn, event.to_status)
            if event.kind == EventKind.STATUS and event.to_status
            else turn._(EVENT_NAMES.get(EventKind(event.kind), event.kind))
        )
        detail = f": {event.text}" if event.text else ""
        lines.append(f"• {turn.when(event.created_at)} — {what}{detail}")
    buttons = [[Button(turn._("➕ Add information"), MyItemAddInfo(item_id).encode())]]
    targets = allowed_targets(turn.actor, item)
    if Status.CLOSED in targets:
        buttons.append(
            [
                Button(turn._("✅ Confirm resolved"), MyItemConfirm(item_id).encode()),
                Button(turn._("↩️ Reopen"), MyItemReopen(item_id).encode()),
            ]
        )
    turn.say("\n".join(lines), *buttons, title=item.reference)
