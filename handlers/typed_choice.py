"""A button's label, typed instead of tapped, chooses the button.

People on a phone often type what a button says ("tiep nhan", "Tiếp nhận", "moi ngay") rather
than tap it. The buttons last shown to an account are kept with it (``shown_buttons``); a
typed text that names exactly one of them is taken as a press of that button:

- its label, without case, diacritics, emoji, punctuation or a trailing count ("(3)");
- else the first words of exactly one label ("moi ngay" for "Mỗi ngày một lần");
- a number only for a numbered list, whose labels begin with it ("2" for "2 · PA-2026-…"),
  so a "5" typed as a score never presses the fifth button of something else.

A text that names none, or several, stays text. The main menu under general answers (help,
"not understood") is not remembered, so it never hides the buttons of the step in progress.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

from handlers.types import Incoming, IncomingKind, Reply
from storage.text import fold

MAX_SHOWN = 40  # buttons remembered per account (a page of choices and its navigation)
NOT_REMEMBERED = "not-remembered"  # in ``Reply.extras["buttons"]``: navigation, not a choice
_NOT_WORD = re.compile(r"[^a-z0-9]+")
_COUNT = re.compile(r"\(\d+\)\s*$")


def words(text: str) -> str:
    """Return ``text`` as comparable words: folded, letters and digits only, single spaces."""
    return _NOT_WORD.sub(" ", fold(text)).strip()


def label_words(label: str) -> str:
    """Return a button label's words, without a trailing count such as "(3)"."""
    return words(_COUNT.sub("", label))


def shown_buttons(replies: Sequence[Reply]) -> list[list[str]]:
    """Return the [label, payload] pairs of the buttons under ``replies`` worth remembering."""
    pairs = [
        [b.label, b.payload]
        for r in replies
        if r.extras.get("buttons") != NOT_REMEMBERED
        for row in r.buttons
        for b in row
    ]
    return pairs[:MAX_SHOWN]


def _one(payloads: list[str]) -> str | None:
    unique = set(payloads)
    return unique.pop() if len(unique) == 1 else None


def chosen_payload(text: str, shown: Sequence[Sequence[str]]) -> str | None:
    """Return the payload of the one shown button that ``text`` names, if exactly one does."""
    typed = words(text)
    if not typed or not shown:
        return None
    labelled = [(label_words(str(label)), str(payload)) for label, payload in shown]
    if typed.isdigit():
        return _one([payload for label, payload in labelled if label.split(" ")[0] == typed])
    exact = [payload for label, payload in labelled if label == typed]
    if exact:
        return _one(exact)
    return _one([payload for label, payload in labelled if label.startswith(typed + " ")])


def as_press(incoming: Incoming, shown: Sequence[Sequence[str]]) -> Incoming:
    """Return the event as a button press when its text names a shown button, else as is."""
    if incoming.kind != IncomingKind.TEXT:
        return incoming
    payload = chosen_payload(incoming.text, shown)
    if payload is None:
        return incoming
    return replace(incoming, kind=IncomingKind.BUTTON, payload=payload, text="")


def merged(earlier: Sequence[Sequence[str]], new: list[list[str]]) -> list[list[str]]:
    """Return the buttons remembered after a message nobody asked for (a notice) arrives:
    its buttons join those of the conversation instead of replacing them."""
    payloads = {payload for _, payload in new}
    kept = [[str(label), str(payload)] for label, payload in earlier if payload not in payloads]
    return [*kept, *new][-MAX_SHOWN:]
