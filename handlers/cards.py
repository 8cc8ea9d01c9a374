"""An item's card, whole: what it is, whose, where it stands, its text, files and history.

The same card serves the director (``/my``) and whoever handles the item (``/inbox``, a typed
reference), each with their own buttons; internal notes only reach handlers (storage leaves
them out for anyone else). Files come first, each in its own form, so the card and its
buttons are the last message of the turn.
"""

from __future__ import annotations

from collections.abc import Sequence

from handlers.labels import EVENT_NAMES, KIND_LABELS, category_name, status_name
from handlers.turn import Turn
from handlers.types import Button, MediaKind, Reply, StoredFile
from handlers.wording import first_words
from storage.errors import N_
from storage.feedback import is_overdue
from storage.item_details import ItemDetails
from storage.models import Attachment, EventKind, FeedbackEvent, FeedbackKind, Status

MAX_HISTORY = 30
MAX_EVENT_TEXT = 300


def stored_file(attachment: Attachment) -> StoredFile:
    """Return how a channel finds an attachment again."""
    return StoredFile(
        kind=MediaKind(attachment.media_kind),
        channel=attachment.channel,
        file_ref=attachment.file_ref,
        stored_key=attachment.stored_key,
        file_name=attachment.file_name,
        mime_type=attachment.mime_type,
    )


def _event_line(turn: Turn, details: ItemDetails, event: FeedbackEvent) -> str:
    """Return one line of the history, every code in words."""
    kind = EventKind(event.kind)
    if kind == EventKind.STATUS and event.to_status:
        what = status_name(turn, event.to_status)
        unit_id = event.data.get("referred_unit_id") if isinstance(event.data, dict) else None
        if event.to_status == Status.REFERRED and unit_id:
            what = turn._("referred to {unit}", unit=details.unit_names.get(int(unit_id), "?"))
    elif kind == EventKind.ASSIGNED:
        what = turn._("assigned to {office}", office=event.text or "?")
    elif kind == EventKind.RATED:
        score = event.data.get("score", "?") if isinstance(event.data, dict) else "?"
        what = turn._("answer rated {score}/5", score=score)
    else:
        what = turn._(EVENT_NAMES.get(kind, N_("update")))
    marker = "🔒 " if event.internal else ""
    files = sum(1 for a in details.attachments if a.event_id == event.id)
    detail = ""
    if event.text and kind not in {EventKind.ASSIGNED}:
        detail = ": " + first_words(event.text, MAX_EVENT_TEXT)
    clip = " 📎" * min(files, 3)
    return f"• {turn.when(event.created_at)} — {marker}{what}{detail}{clip}"


def card_text(turn: Turn, details: ItemDetails) -> str:
    """Return the card's text in the person's language."""
    item = details.item
    overdue = is_overdue(item.status, item.due_at, turn.now)
    kind = turn._(KIND_LABELS.get(FeedbackKind(item.kind), N_("Item")))
    topic = category_name(details.category, turn.locale)
    held = details.holder + (f" · {details.office}" if details.office else "")
    lines = [
        f"{kind} · {topic}",
        f"{details.cooperative} — {details.commune}",
        turn._("Status: {status}", status=status_name(turn, item.status)),
        turn._("Due: {date}", date=turn.date(item.due_at.astimezone(turn.config.tz).date()))
        + (" ⏰ " + turn._("overdue") if overdue else ""),
        turn._("Handled by: {holder}", holder=held),
    ]
    if item.status == Status.WAITING:
        lines.append(turn._("Waiting for the cooperative's reply; the due date waits too."))
    if item.satisfaction is not None:
        rating = turn._("The cooperative rated the answer {score}/5.", score=item.satisfaction)
        lines.append(rating)
    lines += ["", item.text, ""]
    if details.attachments:
        lines.append(turn._("Attachments: {count} (sent above).", count=len(details.attachments)))
    lines.append(turn._("History:"))
    events = details.events[-MAX_HISTORY:]
    lines += [_event_line(turn, details, event) for event in events]
    return "\n".join(lines)


def card_replies(
    turn: Turn, details: ItemDetails, rows: Sequence[Sequence[Button]]
) -> list[Reply]:
    """Return the card's replies: each file, then the text with ``rows`` of buttons."""
    files = [Reply(attachment=stored_file(a)) for a in details.attachments]
    card = Reply(
        text=card_text(turn, details),
        buttons=tuple(tuple(row) for row in rows),
        bold_prefix=details.item.reference,
    )
    return [*files, card]
