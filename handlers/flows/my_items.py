"""``/my``: a director's items, newest first, five a page, and what the director does with one.

The card shows the item whole (``handlers.cards``). From it a director adds information —
text, photos or files — (while the item waits for the cooperative, that is the reply to the
handler's question), confirms an answer or reopens the item, and rates the answer. Buttons
are the ``MyItem…`` kinds of ``handlers.payloads``; every item id is re-checked against the
person's scope, and every action by storage's rules.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from handlers.cards import card_replies
from handlers.codec import Payload
from handlers.commands import is_command
from handlers.flows import report
from handlers.labels import RATING_FACES, status_name
from handlers.media import new_attachments
from handlers.menus import paging_row
from handlers.payloads import (
    Cancel,
    MenuEntry,
    MyItem,
    MyItemAddInfo,
    MyItemAnswerQuestion,
    MyItemConfirm,
    MyItemDone,
    MyItemReopen,
    MyItemsPage,
    OpenMenuEntry,
    RateAnswer,
)
from handlers.turn import Turn
from handlers.types import Button, IncomingKind
from storage.attachments import MAX_ATTACHMENTS
from storage.dialogs import clear_dialog, save_dialog
from storage.errors import N_, InvalidTransition
from storage.feedback import add_note, allowed_targets, change_status, is_overdue
from storage.item_details import item_details
from storage.listing import list_cooperative_items
from storage.models import EventKind, FeedbackItem, Status
from storage.questions import RATEABLE, rate_answer
from storage.scope import ensure_item_visible

FLOW = "my"
PAGE_SIZE = 5
SATISFIED = 3  # a rating from here on also confirms the answer

PRESSES = (
    MyItemsPage,
    MyItem,
    MyItemAddInfo,
    MyItemConfirm,
    MyItemReopen,
    MyItemAnswerQuestion,
    MyItemDone,
    RateAnswer,
)


class Step(StrEnum):
    """What the flow waits for; stored, so never renumber or reuse a value."""

    ADD_INFO = "add_info"
    REOPEN_REASON = "reopen_reason"


def rating_row(turn: Turn, item_id: int) -> list[Button]:
    """Return the three faces that rate an answer."""
    return [
        Button(turn._(label), RateAnswer(item_id, score).encode()) for label, score in RATING_FACES
    ]


async def route(turn: Turn) -> bool:
    """Answer /my, its buttons, and the text, photos or files it asked for."""
    if turn.actor is None or not turn.actor.cooperative_ids():
        return False
    incoming = turn.incoming
    if is_command(turn, "my") or turn.pressed == OpenMenuEntry(MenuEntry.MY):
        await _page(turn, 0)
        return True
    if isinstance(press := turn.pressed, PRESSES):
        await _press(turn, press)
        return True
    dialog = turn.dialog
    answers = incoming.kind in (IncomingKind.TEXT, IncomingKind.MEDIA)
    if dialog is not None and dialog.flow == FLOW and answers:
        await _typed(turn, Step(dialog.step), dict(dialog.draft))
        return True
    return False


async def _press(turn: Turn, press: Payload) -> None:
    """Apply a button of the list or of an item."""
    assert turn.actor is not None  # noqa: S101  (route checks it)
    match press:
        case MyItemsPage(page=page):
            await _page(turn, page)
        case MyItem(item=item_id):
            await show(turn, item_id)
        case MyItemConfirm(item=item_id):
            await change_status(turn.session, turn.actor, item_id, Status.CLOSED, now=turn.now)
            turn.say(
                turn._("Thank you. The item is closed as resolved. How satisfied are you?"),
                rating_row(turn, item_id),
            )
        case RateAnswer(item=item_id, score=score):
            await _rate(turn, item_id, score)
        case MyItemDone():
            kept = _finish(turn)
            if turn.identity is not None and turn.dialog is not None and turn.dialog.flow == FLOW:
                await clear_dialog(turn.session, turn.identity.id or 0)
            turn.say(turn._("Thank you. Everything you sent is with the item."))
            if kept:
                await report.resume(turn, kept)
        case MyItemAddInfo(item=item_id) | MyItemAnswerQuestion(item=item_id):
            await _ask(turn, Step.ADD_INFO, item_id)
        case MyItemReopen(item=item_id):
            item = await ensure_item_visible(turn.session, turn.actor, item_id)
            if Status.REOPENED not in allowed_targets(turn.actor, item):
                raise InvalidTransition(current=item.status, target=Status.REOPENED.value)
            await _ask(turn, Step.REOPEN_REASON, item_id)


async def _rate(turn: Turn, item_id: int, score: int) -> None:
    """Record the rating; a satisfied or so-so rating of a fresh answer also closes the item,
    a dissatisfied one offers to reopen it."""
    assert turn.actor is not None  # noqa: S101
    await rate_answer(turn.session, turn.actor, item_id, score, now=turn.now)
    item = await ensure_item_visible(turn.session, turn.actor, item_id)
    if item.status != Status.RESOLVED:
        turn.say(turn._("Thank you for rating the answer."))
    elif score >= SATISFIED:
        await change_status(turn.session, turn.actor, item_id, Status.CLOSED, now=turn.now)
        turn.say(turn._("Thank you for rating the answer. The item is closed as resolved."))
    else:
        turn.say(
            turn._(
                "Thank you for rating the answer. If the difficulty is not resolved, "
                "you can reopen the item."
            ),
            [Button(turn._("↩️ Reopen"), MyItemReopen(item_id).encode())],
        )


async def _ask(turn: Turn, step: Step, item_id: int) -> None:
    """Ask for the information (or the reply, or the reason for reopening)."""
    assert turn.actor is not None  # noqa: S101
    item = await ensure_item_visible(turn.session, turn.actor, item_id)
    draft: dict[str, Any] = {"item_id": item_id}
    kept = report.set_aside(turn) or _finish(turn)
    if kept:
        draft["report"] = kept  # taken up again when this is done
    turn.dialog = await save_dialog(
        turn.session,
        turn.identity.id or 0 if turn.identity else 0,
        FLOW,
        step,
        draft,
        now=turn.now,
    )
    if step == Step.REOPEN_REASON:
        ask = N_("Why is the difficulty not resolved? Write a short reason.")
    elif item.status == Status.WAITING:
        ask = N_(
            "Write your reply to the question; you can send photos or files too. "
            "Each message is added to the item."
        )
    else:
        ask = N_(
            "Write the information to add; you can send photos or files too. "
            "Each message is added to the item."
        )
    turn.say(turn._(ask), [Button(turn._("✖️ Cancel"), Cancel().encode())])


async def _typed(turn: Turn, step: Step, draft: dict[str, Any]) -> None:
    """Add the text, photos or files sent at the step, or take the reason for reopening."""
    assert turn.actor is not None  # noqa: S101
    incoming = turn.incoming
    item_id = int(draft.get("item_id", 0))
    if step == Step.REOPEN_REASON:
        if incoming.kind != IncomingKind.TEXT:
            turn.say(turn._("Please write the reason in words."))
            return
        await change_status(
            turn.session, turn.actor, item_id, Status.REOPENED, text=incoming.text, now=turn.now
        )
        turn.say(turn._("The item is reopened. The officials handling it have been told."))
        kept = _finish(turn)
        await clear_dialog(turn.session, turn.identity.id or 0 if turn.identity else 0)
        if kept:
            await report.resume(turn, kept)
        return
    files = new_attachments(incoming.channel, incoming.media[:MAX_ATTACHMENTS])
    text = incoming.text if incoming.kind == IncomingKind.TEXT else incoming.text or ""
    event = await add_note(
        turn.session, turn.actor, item_id, text, internal=False, now=turn.now, files=files
    )
    done = (
        N_("Your reply is added to the item. The officials handling it have been told.")
        if event.kind == EventKind.REPLY
        else N_("Added. The officials handling the item have been told.")
    )
    more = turn._("You can send more, or press Done.")
    turn.say(
        f"{turn._(done)} {more}",
        [
            Button(turn._("✅ Done"), MyItemDone().encode()),
            Button(turn._("📄 Open the item"), MyItem(item_id).encode()),
        ],
    )


def _finish(turn: Turn) -> dict[str, Any] | None:
    """Return the report this conversation set aside, if any."""
    dialog = turn.dialog
    if dialog is None or dialog.flow != FLOW:
        return None
    kept = dialog.draft.get("report")
    return dict(kept) if isinstance(kept, dict) else None


def _line(turn: Turn, item: FeedbackItem) -> str:
    flag = " ⏰" if is_overdue(item.status, item.due_at, turn.now) else ""
    created = turn.date(item.created_at.astimezone(turn.config.tz).date())
    return f"{item.reference} · {status_name(turn, item.status)}{flag} · {created}"


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


async def show(turn: Turn, item_id: int) -> None:
    """Send an item's card to a director of its cooperative, with what they can do."""
    assert turn.actor is not None  # noqa: S101
    details = await item_details(turn.session, turn.actor, item_id)
    item = details.item
    kept = _finish(turn)
    if turn.identity is not None and turn.dialog is not None and turn.dialog.flow == FLOW:
        await clear_dialog(turn.session, turn.identity.id or 0)  # the addition is finished
    if item.status == Status.WAITING:
        rows = [
            [Button(turn._("💬 Reply to the question"), MyItemAnswerQuestion(item_id).encode())]
        ]
    else:
        rows = [[Button(turn._("➕ Add information"), MyItemAddInfo(item_id).encode())]]
    if Status.CLOSED in allowed_targets(turn.actor, item):
        rows.append(
            [
                Button(turn._("✅ Confirm resolved"), MyItemConfirm(item_id).encode()),
                Button(turn._("↩️ Reopen"), MyItemReopen(item_id).encode()),
            ]
        )
    if item.status in RATEABLE:
        rows.append(rating_row(turn, item_id))
    turn.replies.extend(card_replies(turn, details, rows))
    if kept:
        await report.resume(turn, kept)
