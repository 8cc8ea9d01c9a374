"""The commands each person can use: the platform's command menu and the /help list.

One table says which command serves whom, so the menu a chat app shows beside the text box and
the list /help prints never disagree. People who are not registered see the public commands;
registered people see those of their roles first, then the public ones they still need.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

from handlers.i18n import Translator, get_translator
from handlers.types import CommandMenu
from storage.errors import N_
from storage.models import Role
from storage.scope import Actor


def _everyone(_actor: Actor | None) -> bool:
    return True


def _strangers(actor: Actor | None) -> bool:
    """Not registered, or no longer: a person whose grants all ended is a stranger again."""
    return actor is None or actor.is_stranger


def _admitted(actor: Actor | None) -> bool:
    """Anyone registered with a grant in force."""
    return actor is not None and not actor.is_stranger


def _directors(actor: Actor | None) -> bool:
    return actor is not None and bool(actor.cooperative_ids())


def _commune_leaders(actor: Actor | None) -> bool:
    return actor is not None and Role.COMMUNE_LEADER in actor.roles


def _handlers(actor: Actor | None) -> bool:
    """Officials, commune leaders and admins: whoever handles items of a scope."""
    return actor is not None and actor.handles_items


@dataclass(frozen=True)
class Command:
    """A command, what it does (a message id), and who may use it."""

    name: str
    about: str
    usage: str = ""  # the arguments (a message id: their words differ by language), /help only
    serves: Callable[[Actor | None], bool] = _everyone


# In menu order: what a person does most comes first.
COMMANDS: tuple[Command, ...] = (
    Command("start", N_("Start, or join with an invite code"), serves=_strangers),
    Command("report", N_("Send a difficulty, proposal or question"), serves=_directors),
    Command("my", N_("Your cooperative's items and their answers"), serves=_directors),
    Command(
        "meeting",
        N_("Log the quarterly meeting with the cooperatives"),
        serves=_commune_leaders,
    ),
    Command("inbox", N_("The desk: items to handle, by list"), serves=_handlers),
    Command("find", N_("Search the items' texts"), usage=N_("words"), serves=_admitted),
    Command("item", N_("Open an item by its reference"), usage="PA-2026-000123", serves=_admitted),
    Command("alerts", N_("Alerts of new items"), usage=N_("now|daily|off"), serves=_handlers),
    Command("summary", N_("Where things stand"), usage=N_("[period] [unit]"), serves=_handlers),
    Command("targets", N_("The plan's targets against actual figures"), serves=_handlers),
    Command(
        "chart", N_("Charts of items and meetings"), usage=N_("[period] [unit]"), serves=_handlers
    ),
    Command("export", N_("The Excel workbook"), usage=N_("[period] [unit]"), serves=_handlers),
    Command("invite", N_("Invite people to the bot"), serves=_handlers),
    Command("people", N_("Who is registered; revoke access"), serves=_handlers),
    Command("digest", N_("The weekly summary"), usage=N_("on|off"), serves=_handlers),
    Command("phone", N_("Your phone number, for messages on Zalo"), serves=_admitted),
    Command(
        "privacy",
        N_("Your personal data: the notice, a copy, correction, erasure"),
        serves=_admitted,
    ),
    Command("help", N_("What I can do for you")),
    Command("language", N_("Tiếng Việt / English")),
    Command("cancel", N_("Stop what you are doing")),
)


def commands_for(actor: Actor | None) -> list[Command]:
    """Return the commands ``actor`` (None: someone not registered) can use, in menu order."""
    return [command for command in COMMANDS if command.serves(actor)]


def public_menu(translator: Translator) -> tuple[tuple[str, str], ...]:
    """Return the menu of people who are not registered, in ``translator``'s language."""
    return tuple((c.name, translator.gettext(c.about)) for c in commands_for(None))


def menu_for(actor: Actor | None, translator: Translator) -> CommandMenu:
    """Return the chat menu of ``actor`` in ``translator``'s language (empty: the public one)."""
    if _strangers(actor):
        return CommandMenu()
    return _menu(tuple(c.name for c in commands_for(actor)), translator.locale)


_BY_NAME = {command.name: command for command in COMMANDS}


# Every update of a private chat compares the person's menu with the published one: the few
# menus there are (role combinations × languages) are translated and fingerprinted once.
@functools.cache
def _menu(names: tuple[str, ...], locale: str) -> CommandMenu:
    translator = get_translator(locale)
    return CommandMenu(tuple((name, translator.gettext(_BY_NAME[name].about)) for name in names))


def help_lines(actor: Actor | None, translate: Callable[[str], str]) -> list[str]:
    """Return one "/command [usage] — what it does" line per command ``actor`` can use."""
    lines = []
    for command in commands_for(actor):
        usage = f" {translate(command.usage)}" if command.usage else ""
        lines.append(f"/{command.name}{usage} — {translate(command.about)}")
    return lines
