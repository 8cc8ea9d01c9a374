"""``/find WORDS``: the items in one's scope whose text holds every word, newest first.

Diacritics and case do not matter ("may say" finds "máy sấy"). The words are kept in the
conversation state, so the result's "older" and "newer" buttons page through the same search.
"""

from __future__ import annotations

from handlers.commands import is_command
from handlers.flows.inbox import describe_lines
from handlers.menus import paging_row
from handlers.payloads import FindPage, MyItem, OpenItem
from handlers.turn import Turn
from handlers.types import Button
from storage.desk import find_items, search_words
from storage.dialogs import ensure_identity, save_dialog

FLOW = "find"
PAGE_SIZE = 5


async def route(turn: Turn) -> bool:
    """Answer /find and its paging buttons."""
    actor = turn.actor
    press = turn.pressed
    if actor is None or not (is_command(turn, "find") or isinstance(press, FindPage)):
        return False
    if isinstance(press, FindPage):
        dialog = turn.dialog
        if dialog is None or dialog.flow != FLOW:
            turn.say(turn._("That search is over. Send /find and the words again."))
            return True
        await _results(turn, [str(w) for w in dialog.draft.get("words", [])], press.page)
        return True
    words = search_words(turn.incoming.text)
    if not words:
        turn.say(turn._("Write what to look for after /find, for example: /find may say"))
        return True
    identity = turn.identity or await ensure_identity(
        turn.session, turn.incoming.channel, turn.incoming.external_id, now=turn.now
    )
    typed = " ".join(turn.incoming.text.split())[:100]
    turn.dialog = await save_dialog(
        turn.session,
        identity.id or 0,
        FLOW,
        "results",
        {"words": words, "typed": typed},
        now=turn.now,
    )
    await _results(turn, words, 0)
    return True


async def _results(turn: Turn, words: list[str], page: int) -> None:
    assert turn.actor is not None  # noqa: S101
    lines, total = await find_items(
        turn.session, turn.actor, words, page=page, page_size=PAGE_SIZE
    )
    typed = turn.dialog.draft.get("typed") if turn.dialog is not None else None
    query = str(typed or " ".join(words))
    if total == 0:
        turn.say(turn._("Nothing in your area mentions “{words}”.", words=query))
        return
    first = max(page, 0) * PAGE_SIZE + 1
    opener = OpenItem if turn.actor.handles_items else MyItem
    rows = [
        [Button(f"{n} · {line.item.reference}", opener(line.item.id or 0).encode())]
        for n, line in enumerate(lines, start=first)
    ]
    paging = paging_row(turn, FindPage, page, total, PAGE_SIZE)
    found = turn.translator.ngettext(
        "🔍 “{words}”: {count} item", "🔍 “{words}”: {count} items", total
    )
    title = found.format(words=query, count=total)
    text = "\n".join(await describe_lines(turn, lines, first))
    turn.say(text, *rows, *([paging] if paging else []), title=title)
