"""The quarterly reminder's buttons ("see the items", "remind me in a week") and ``/digest``.

The reminder itself is rendered by ``handlers.notices.reminders``; "log the meeting" belongs to
the meeting flow. Every commune id in a press is checked against the communes the person
leads, since payloads can be forged.
"""

from __future__ import annotations

from handlers.commands import is_command
from handlers.labels import category_name
from handlers.notices.reminders import agenda_lines
from handlers.payloads import DigestOff, LogMeeting, OpenItem, SeeAgenda, SnoozeReminder
from handlers.turn import Turn
from handlers.types import Button
from handlers.wording import first_words
from storage.calendar import Quarter
from storage.categories import list_categories
from storage.dialogs import set_digest
from storage.errors import N_, PermissionDenied
from storage.meetings import agenda, communes_led_by
from storage.reminders import snooze
from storage.text import fold

MAX_LISTED = 20
MAX_BUTTONS = 8


async def route(turn: Turn) -> bool:
    """Answer the reminder's "see the items" and "remind me in a week" buttons."""
    press = turn.pressed
    if turn.actor is None or not isinstance(press, SeeAgenda | SnoozeReminder):
        return False
    commune_id = await _own_commune(turn, press.commune)
    if isinstance(press, SeeAgenda):
        await show_agenda(turn, commune_id)
        return True
    if turn.identity is None:  # pragma: no cover - a leader always has an identity
        return True
    quarter = Quarter.parse(press.quarter)
    when = await snooze(turn.session, turn.identity, commune_id, quarter, turn.now)
    if when is None:
        turn.say(turn._("You have already postponed this reminder twice this quarter."))
    else:
        turn.say(turn._("I will remind you again on {date}.", date=turn.when(when)))
    return True


async def show_agenda(turn: Turn, commune_id: int) -> None:
    """List the commune's open items with their words, each with a button to its card."""
    plan = await agenda(turn.session, commune_id)
    items = plan.open_items
    log = [Button(turn._("📝 Log the meeting"), LogMeeting(commune_id).encode())]
    if not items:
        turn.say("\n".join(agenda_lines(plan, turn.translator)), log, title=plan.commune.name)
        return
    names = {c.id: c.name for c in plan.cooperatives}
    categories = {c.key: c for c in await list_categories(turn.session)}
    lines = [turn._("Open items (the agenda):")]
    for number, item in enumerate(items[:MAX_LISTED], start=1):
        topic = category_name(categories.get(item.category_key), turn.locale)
        lines.append(
            f"{number}. {item.reference} · {names.get(item.cooperative_id, '?')} · {topic}\n"
            f"   “{first_words(item.text, 140)}”"
        )
    if len(items) > MAX_LISTED:
        lines.append(
            turn._("…and {count} more: /inbox lists them all.", count=len(items) - MAX_LISTED)
        )
    rows = [
        [Button(f"{n} · {item.reference}", OpenItem(item.id or 0).encode())]
        for n, item in enumerate(items[:MAX_BUTTONS], start=1)
    ]
    turn.say("\n".join(lines), *rows, log, title=plan.commune.name)


async def _own_commune(turn: Turn, commune_id: int) -> int:
    assert turn.actor is not None  # noqa: S101
    led = {c.id for c in await communes_led_by(turn.actor, turn.session)}
    if commune_id not in led:
        raise PermissionDenied(N_("Only a leader of this commune can log its meeting."))
    return commune_id


async def digest_command(turn: Turn) -> bool:
    """Answer ``/digest on|off`` and the digest's stop button."""
    pressed_off = isinstance(turn.pressed, DigestOff)
    if not (is_command(turn, "digest") or pressed_off) or turn.person_id is None:
        return False
    typed = fold(turn.incoming.text)
    wanted = "off" if pressed_off else {"bat": "on", "tat": "off"}.get(typed, typed)
    if wanted not in {"on", "off"}:
        turn.say(turn._("Use /digest on or /digest off."))
        return True
    await set_digest(turn.session, turn.person_id, wanted == "on")
    turn.say(
        turn._("The weekly summary is on.")
        if wanted == "on"
        else turn._("The weekly summary is off. /digest on turns it back on.")
    )
    return True
