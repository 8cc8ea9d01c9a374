"""The buttons each role sees, and role names in the person's language."""

from __future__ import annotations

from handlers.turn import Turn
from handlers.types import Button
from storage.errors import N_
from storage.models import Role

ROLE_NAMES = {
    Role.DIRECTOR: N_("director of a cooperative"),
    Role.COMMUNE_LEADER: N_("commune leader"),
    Role.OFFICIAL: N_("official"),
    Role.ADMIN: N_("administrator"),
}


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
                Button(turn._("📝 Report"), "menu:report"),
                Button(turn._("📋 My items"), "menu:my"),
            ]
        )
    if Role.COMMUNE_LEADER in turn.actor.roles:
        rows.append([Button(turn._("🗓 Log the meeting"), "menu:meeting")])
    if turn.actor.handles_items:
        rows.append([Button(turn._("📥 Inbox"), "menu:inbox")])
    return rows


def paging_row(turn: Turn, prefix: str, page: int, total: int, page_size: int) -> list[Button]:
    """Return the "newer" / "older" buttons of a list shown a page at a time (maybe none).

    The buttons carry ``{prefix}:p:{page}``; the first page holds the newest items.
    """
    row = []
    if page > 0:
        row.append(Button(turn._("◀️ Newer"), f"{prefix}:p:{page - 1}"))
    if (page + 1) * page_size < total:
        row.append(Button(turn._("Older ▶️"), f"{prefix}:p:{page + 1}"))
    return row
