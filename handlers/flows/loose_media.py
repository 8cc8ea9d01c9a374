"""Photos and files a director sends outside any conversation: never dropped.

They are kept in a short conversation and offered as a new report, or as an addition to one
of the cooperative's open items. More files sent meanwhile join them.
"""

from __future__ import annotations

from typing import Any

from handlers.flows import report
from handlers.media import media_from_draft, media_to_draft, new_attachments
from handlers.payloads import Cancel, MediaAddTo, MediaAsReport, MyItem
from handlers.turn import Turn
from handlers.types import Button, IncomingKind
from storage.attachments import MAX_ATTACHMENTS
from storage.dialogs import clear_dialog, ensure_identity, save_dialog
from storage.feedback import add_note
from storage.listing import list_cooperative_items
from storage.models import Status

FLOW = "media"
OFFERED_ITEMS = 5


async def route(turn: Turn) -> bool:
    """Offer what to do with files sent outside a conversation, and do what was chosen."""
    actor = turn.actor
    if actor is None or not actor.cooperative_ids():
        return False
    dialog = turn.dialog if turn.dialog is not None and turn.dialog.flow == FLOW else None
    press = turn.pressed
    if isinstance(press, MediaAsReport | MediaAddTo):
        if dialog is None:
            turn.say(turn._("Those files were already handled. Send them again if needed."))
            return True
        await _apply(turn, press, list(dialog.draft.get("media", [])))
        return True
    if turn.incoming.kind != IncomingKind.MEDIA or not (dialog is not None or turn.dialog is None):
        return False
    kept = list(dialog.draft.get("media", [])) if dialog is not None else []
    kept = (kept + media_to_draft(turn.incoming.media))[:MAX_ATTACHMENTS]
    await _offer(turn, kept)
    return True


async def _offer(turn: Turn, kept: list[dict[str, Any]]) -> None:
    assert turn.actor is not None  # noqa: S101
    identity = turn.identity or await ensure_identity(
        turn.session, turn.incoming.channel, turn.incoming.external_id, now=turn.now
    )
    turn.dialog = await save_dialog(
        turn.session, identity.id or 0, FLOW, "offer", {"media": kept}, now=turn.now
    )
    items, _ = await list_cooperative_items(
        turn.session, turn.actor, page=0, page_size=OFFERED_ITEMS, open_only=True
    )
    rows = [[Button(turn._("📝 Make a new report with them"), MediaAsReport().encode())]]
    for item in items:
        label = (
            turn._("💬 Reply to the question on {reference}", reference=item.reference)
            if item.status == Status.WAITING
            else turn._("➕ Add to {reference}", reference=item.reference)
        )
        rows.append([Button(label, MediaAddTo(item.id or 0).encode())])
    rows.append([Button(turn._("✖️ Cancel"), Cancel().encode())])
    turn.say(
        turn._("I have received {count} files. What should I do with them?", count=len(kept)),
        *rows,
    )


async def _apply(
    turn: Turn, press: MediaAsReport | MediaAddTo, kept: list[dict[str, Any]]
) -> None:
    assert turn.actor is not None  # noqa: S101
    if isinstance(press, MediaAsReport):
        await report.start(turn, {"media": kept})
        return
    files = new_attachments(turn.incoming.channel, media_from_draft(kept))
    await add_note(
        turn.session, turn.actor, press.item, "", internal=False, now=turn.now, files=files
    )
    if turn.identity is not None:
        await clear_dialog(turn.session, turn.identity.id or 0)
    turn.say(
        turn._("Added to the item. The officials handling it have been told."),
        [Button(turn._("📄 Open the item"), MyItem(press.item).encode())],
    )
