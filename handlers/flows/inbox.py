"""``/inbox``: the handling desk of commune leaders, officials and admins.

``/inbox`` shows the desk's lists with their counts; each list is paged, each line naming
the reference, the cooperative, the commune, the topic and the age, with a button per item
that opens its card (``handlers.flows.item_actions``). A reference typed anywhere
(``PA-2026-000123``, ``pa2026000123``, ``/item PA-2026-123``) opens that card for anyone whose
scope holds the item — the director's own card for directors — and a plain refusal for anyone
else.
"""

from __future__ import annotations

from handlers.commands import is_command
from handlers.flows import item_actions, my_items
from handlers.labels import category_name
from handlers.menus import paging_row
from handlers.payloads import InboxView, MenuEntry, OpenItem, OpenMenuEntry
from handlers.turn import Turn
from handlers.types import Button, IncomingKind
from handlers.wording import first_words
from storage.categories import list_categories
from storage.desk import (
    DeskLine,
    DeskView,
    find_reference,
    parse_reference,
    view_counts,
    view_page,
)
from storage.errors import N_
from storage.feedback import is_overdue
from storage.models import Status

PAGE_SIZE = 5

VIEW_LABELS = {
    DeskView.NEW: N_("🆕 New and reopened"),
    DeskView.ACTIVE: N_("🔧 In progress"),
    DeskView.MINE: N_("📌 Referred or assigned to me"),
    DeskView.OVERDUE: N_("⏰ Overdue"),
    DeskView.OPEN: N_("📂 All open"),
}
EMPTY = {
    DeskView.NEW: N_("No new or reopened items in your area."),
    DeskView.ACTIVE: N_("No items in progress in your area."),
    DeskView.MINE: N_("Nothing is referred or assigned to you."),
    DeskView.OVERDUE: N_("No overdue items in your area."),
    DeskView.OPEN: N_("No open items in your area."),
}


async def route(turn: Turn) -> bool:
    """Answer /inbox, the desk's lists, and a typed reference."""
    actor = turn.actor
    if actor is None:
        return False
    if is_command(turn, "item") or (
        turn.incoming.kind == IncomingKind.TEXT and parse_reference(turn.incoming.text)
    ):
        await open_reference(turn)
        return True
    if not actor.handles_items:
        return False
    if is_command(turn, "inbox") or turn.pressed == OpenMenuEntry(MenuEntry.INBOX):
        await item_actions.end_pending_text(turn)
        await desk(turn)
        return True
    if isinstance(press := turn.pressed, InboxView):
        await item_actions.end_pending_text(turn)
        await show_view(turn, press.view, press.page)
        return True
    return False


async def open_reference(turn: Turn) -> None:
    """Open the card of the item a typed reference names, if it is in the person's scope."""
    assert turn.actor is not None  # noqa: S101
    reference = parse_reference(turn.incoming.text)
    if reference is None:
        turn.say(turn._("Write a reference after /item, for example: /item PA-2026-000123"))
        return
    item_id = await find_reference(turn.session, turn.actor, reference)
    if item_id is None:
        turn.say(turn._("No item {reference} was found in your area.", reference=reference))
        return
    if turn.actor.handles_items:
        await item_actions.show_card(turn, item_id)
    else:
        await my_items.show(turn, item_id)


async def desk(turn: Turn) -> None:
    """Show the desk: each list with its count."""
    assert turn.actor is not None  # noqa: S101
    counts = await view_counts(turn.session, turn.actor, turn.now)
    rows = [
        [Button(f"{turn._(VIEW_LABELS[view])} ({counts[view]})", InboxView(view, 0).encode())]
        for view in DeskView
    ]
    lines = [
        turn._("Your desk: the items you handle."),
        turn._("Type a reference (PA-2026-000123) to open it; /find words searches the texts."),
    ]
    turn.say("\n".join(lines), *rows, title=turn._("📥 Desk"))


def _age(turn: Turn, line: DeskLine) -> str:
    days = (turn.now - line.item.created_at).days
    if days <= 0:
        return turn._("today")
    return turn.translator.ngettext("{days} day", "{days} days", days).format(days=days)


async def describe_lines(turn: Turn, lines: list[DeskLine], first: int) -> list[str]:
    """Return the numbered lines of a list of items (reference, cooperative, commune, topic,
    age, and the first words of the text)."""
    categories = {c.key: c for c in await list_categories(turn.session)}
    described = []
    for number, line in enumerate(lines, start=first):
        item = line.item
        topic = category_name(categories.get(item.category_key), turn.locale)
        flags = " ⏰" if is_overdue(item.status, item.due_at, turn.now) else ""
        flags += " ⏳" if item.status == Status.WAITING else ""
        described.append(
            f"{number}. {item.reference}{flags} · {line.cooperative} · {line.commune} · "
            f"{topic} · {_age(turn, line)}\n   {first_words(item.text, 90)}"
        )
    return described


async def show_view(turn: Turn, view: DeskView, page: int) -> None:
    """Show one page of one of the desk's lists."""
    assert turn.actor is not None  # noqa: S101
    lines, total = await view_page(
        turn.session, turn.actor, view, now=turn.now, page=page, page_size=PAGE_SIZE
    )
    back = [Button(turn._("⬅️ Desk"), OpenMenuEntry(MenuEntry.INBOX).encode())]
    if total == 0:
        turn.say(turn._(EMPTY[view]), back)
        return
    first = max(page, 0) * PAGE_SIZE + 1
    text = "\n".join(await describe_lines(turn, lines, first))
    rows = [
        [Button(f"{n} · {line.item.reference}", OpenItem(line.item.id or 0).encode())]
        for n, line in enumerate(lines, start=first)
    ]
    paging = paging_row(turn, lambda p: InboxView(view, p), page, total, PAGE_SIZE)
    count = turn.translator.ngettext("{view}: {count} item", "{view}: {count} items", total)
    title = count.format(view=turn._(VIEW_LABELS[view]), count=total)
    turn.say(text, *rows, *([paging] if paging else []), back, title=title)
