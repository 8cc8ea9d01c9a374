"""``/alerts now|daily|off``: how someone who handles items hears of new ones."""

from __future__ import annotations

from handlers.commands import is_command
from handlers.payloads import ChooseAlerts
from handlers.turn import Turn
from handlers.types import Button
from storage.dialogs import set_alert_mode
from storage.errors import N_
from storage.models import AlertMode, Person
from storage.text import fold

MODE_LABELS = {
    AlertMode.NOW: N_("🔔 At once"),
    AlertMode.DAILY: N_("🗓 Once a day"),
    AlertMode.OFF: N_("🔕 Off"),
}
CHOSEN = {
    AlertMode.NOW: N_("You will be told at once of every new, reopened or answered item."),
    AlertMode.DAILY: N_("You will get one message a day with what arrived in your area."),
    AlertMode.OFF: N_("Alerts are off. /inbox still shows everything; /alerts now turns them on."),
}
# What people type after /alerts, folded: English and Vietnamese, with or without diacritics.
TYPED = {
    "now": AlertMode.NOW,
    "ngay": AlertMode.NOW,
    "daily": AlertMode.DAILY,
    "hang ngay": AlertMode.DAILY,
    "moi ngay": AlertMode.DAILY,
    "off": AlertMode.OFF,
    "tat": AlertMode.OFF,
}


async def route(turn: Turn) -> bool:
    """Answer /alerts [now|daily|off] and its buttons."""
    actor = turn.actor
    press = turn.pressed
    if actor is None or not (is_command(turn, "alerts") or isinstance(press, ChooseAlerts)):
        return False
    if not actor.handles_items or turn.person_id is None:
        turn.say(turn._("Alerts are for commune leaders and officials who handle items."))
        return True
    wanted = press.mode if isinstance(press, ChooseAlerts) else TYPED.get(fold(turn.incoming.text))
    if wanted is None:
        person = await turn.session.get(Person, turn.person_id)
        current = AlertMode(person.alert_mode) if person else AlertMode.NOW
        turn.say(
            turn._("Alerts of new items: {mode}. Choose:", mode=turn._(MODE_LABELS[current])),
            [
                Button(turn._(label), ChooseAlerts(mode).encode())
                for mode, label in MODE_LABELS.items()
            ],
        )
        return True
    await set_alert_mode(turn.session, turn.person_id, wanted)
    turn.say(turn._(CHOSEN[wanted]))
    return True
