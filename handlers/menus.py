"""The buttons each role sees, and role names in the person's language."""

from __future__ import annotations

from collections.abc import Callable

from handlers.codec import Payload
from handlers.labels import ROLE_NAMES
from handlers.payloads import MenuEntry, OpenMenuEntry
from handlers.turn import Turn
from handlers.types import Button
from storage.models import Role


def role_names(turn: Turn) -> list[str]:
    """Return the person's roles, translated, in a stable order."""
    if turn.actor is None:
        return []
    return [turn._(ROLE_NAMES[role]) for role in Role if role in turn.actor.roles]


def main_menu(turn: Turn) -> list[list[Button]]:
    """Return the rows of buttons of the person's main menu."""
    if turn.actor is None:
        return []
    rows: list[list[Button]] = []
    if turn.actor.cooperative_ids():
        rows.append(
            [
                Button(turn._("📝 Report"), OpenMenuEntry(MenuEntry.REPORT).encode()),
                Button(turn._("📋 My items"), OpenMenuEntry(MenuEntry.MY).encode()),
            ]
        )
    if Role.COMMUNE_LEADER in turn.actor.roles:
        rows.append(
            [Button(turn._("🗓 Log the meeting"), OpenMenuEntry(MenuEntry.MEETING).encode())]
        )
    if turn.actor.handles_items:
        rows.append([Button(turn._("📥 Inbox"), OpenMenuEntry(MenuEntry.INBOX).encode())])
    return rows


def paging_row(
    turn: Turn, page_kind: Callable[[int], Payload], page: int, total: int, page_size: int
) -> list[Button]:
    """Return the "newer" / "older" buttons of a list shown a page at a time (maybe none).

    The buttons carry ``page_kind(page)``; the first page holds the newest items.
    """
    row = []
    if page > 0:
        row.append(Button(turn._("◀️ Newer"), page_kind(page - 1).encode()))
    if (page + 1) * page_size < total:
        row.append(Button(turn._("Older ▶️"), page_kind(page + 1).encode()))
    return row
