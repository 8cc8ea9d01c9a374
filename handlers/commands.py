"""Small commands and guards.

Groups, edits, forwards and unsupported content get a notice; then /help, /cancel, /language.
"""

from __future__ import annotations

from handlers.command_menu import help_lines
from handlers.i18n import get_translator
from handlers.menus import main_menu, role_names
from handlers.payloads import Cancel, ChooseLanguage
from handlers.turn import Turn
from handlers.types import Button, IncomingKind
from storage.dialogs import clear_dialog, set_person_locale
from storage.errors import N_
from storage.processed_updates import mark_processed

LANGUAGES = {"vi": "Tiếng Việt", "en": "English"}

_UNSUPPORTED = {
    "sticker": N_("Stickers can't be used here."),
    "location": N_("Locations can't be used here."),
    "contact": N_("Contacts can't be used here."),
    "poll": N_("Polls can't be used here."),
}


async def outside_private_chat(turn: Turn) -> bool:
    """Tell a group once that the bot only talks in private chats."""
    if turn.incoming.private:
        return False
    first_time = await mark_processed(
        turn.session, turn.incoming.channel, f"group-notice:{turn.incoming.chat_id}"
    )
    if first_time:
        turn.say(turn._("I only work in private chats. Please write to me directly."))
    return True


async def edited_message(turn: Turn) -> bool:
    """Explain that edits are not applied."""
    if not turn.incoming.edited:
        return False
    turn.say(turn._("Edited messages are not applied. Please send the corrected text again."))
    return True


async def forwarded_message(turn: Turn) -> bool:
    """Explain that forwarded messages are not taken as input."""
    if not turn.incoming.forwarded:
        return False
    turn.say(
        turn._(
            "Forwarded messages are not used. Please write it in your own words, or use /report."
        )
    )
    return True


async def unsupported_content(turn: Turn) -> bool:
    """Answer stickers, locations and the like politely."""
    if turn.incoming.kind != IncomingKind.UNSUPPORTED:
        return False
    what = _UNSUPPORTED.get(
        turn.incoming.unsupported, N_("This kind of message can't be used here.")
    )
    turn.say(turn._(what) + " " + turn._("Please send text, a photo or a file, or use /help."))
    return True


def is_command(turn: Turn, *names: str) -> bool:
    """Tell whether the event is one of the named commands."""
    incoming = turn.incoming
    return incoming.kind == IncomingKind.COMMAND and incoming.command.lower() in names


async def help_command(turn: Turn) -> bool:
    """Answer /help with what this person can do."""
    if not is_command(turn, "help"):
        return False
    lines = [
        turn._(
            "coopbot helps cooperatives report difficulties and proposals and follow them "
            "to their answer."
        )
    ]
    if turn.actor is None or turn.actor.is_stranger:
        lines.append(
            turn._(
                "To use it you need an invite code from your commune or province. "
                "Send /start followed by the code."
            )
        )
    else:
        lines.append(turn._("Your roles: {roles}.", roles=", ".join(role_names(turn))))
    lines.extend(help_lines(turn.actor, turn._))
    turn.say("\n".join(lines), *main_menu(turn), navigation=True)
    return True


async def cancel_command(turn: Turn) -> bool:
    """Answer /cancel, and the "Cancel" button, by ending the conversation in progress."""
    if isinstance(turn.pressed, Cancel) and turn.actor is not None and turn.actor.grants:
        if turn.identity is not None:
            await clear_dialog(turn.session, turn.identity.id or 0)
        turn.say(turn._("Cancelled. Nothing was sent."))
        return True
    if not is_command(turn, "cancel"):
        return False
    if turn.identity is not None and turn.dialog is not None:
        await clear_dialog(turn.session, turn.identity.id or 0)
        turn.say(turn._("Cancelled. Nothing was sent."), *main_menu(turn), navigation=True)
    else:
        turn.say(turn._("There is nothing to cancel."), *main_menu(turn), navigation=True)
    return True


async def language(turn: Turn) -> bool:
    """Answer /language with buttons, and store the choice when one is pressed."""
    if is_command(turn, "language"):
        turn.say(
            turn._("Choose your language:"),
            [Button(label, ChooseLanguage(code).encode()) for code, label in LANGUAGES.items()],
        )
        return True
    if not isinstance(press := turn.pressed, ChooseLanguage):
        return False
    code = press.code
    if turn.person_id is None:
        turn.say(turn._("That button is not valid any more."))
        return True
    await set_person_locale(turn.session, turn.person_id, code)
    turn.translator = get_translator(code)
    turn.say(turn._("Language set to English."), *main_menu(turn), navigation=True)
    return True


async def unknown(turn: Turn) -> bool:
    """Answer whatever no route took: unknown commands, stray buttons or media."""
    incoming = turn.incoming
    if incoming.kind == IncomingKind.COMMAND:
        turn.say(
            turn._(
                "I don't know the command /{command}. Try /help.", command=incoming.command[:40]
            )
        )
    elif incoming.kind == IncomingKind.BUTTON:
        turn.say(turn._("That button is not valid any more."), *main_menu(turn), navigation=True)
    else:
        turn.say(turn._("I didn't understand that. Try /help."), *main_menu(turn), navigation=True)
    return True
