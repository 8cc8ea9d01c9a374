"""The web chat page's own words, translated through the gettext catalogs like every message.

The page holds no text of its own: it asks ``/api/page`` for these strings in the language of
the persona being shown, so the catalogs (and their completeness check) cover the page too.
"""

from __future__ import annotations

from bot.channels.attachments import CANNOT_SHOW, KIND_NAMES
from handlers.i18n import Translator
from storage.demo_personas import DemoPersona
from storage.errors import N_
from storage.models import Role

PAGE_STRINGS = {
    "title": N_("coopbot — demo"),
    "act_as": N_("Act as"),
    "conversation": N_("Conversation with coopbot"),
    "you": N_("You"),
    "bot": N_("coopbot"),
    "message_label": N_("Message"),
    "message_placeholder": N_("Type a message or a command such as /report"),
    "send": N_("Send"),
    "attach": N_("Attach a photo or file"),
    "uploading": N_("Sending {name}…"),
    "download": N_("Download {name}"),
    "image_alt": N_("Image: {name}"),
    "file_unavailable": CANNOT_SHOW,
    **{f"kind_{kind.value}": name for kind, name in KIND_NAMES.items()},
    "language": N_("Language"),
    "clock": N_("Demo clock"),
    "clock_hint": N_("Demo time in Asia/Ho_Chi_Minh"),
    "jump_quarter": N_("Jump to the next quarter's start"),
    "jump_end": N_("Jump to two weeks before the quarter ends"),
    "connected": N_("Connected."),
    "reconnecting": N_("Connection lost; reconnecting…"),
    "unread": N_("{count} new"),
    "no_login": N_(
        "This demo has no login: anyone who can open this page can act as any persona."
    ),
}

PERSONA_LABELS = {
    Role.DIRECTOR: N_("Director — {scope}"),
    Role.COMMUNE_LEADER: N_("Commune leader — {scope}"),
    Role.OFFICIAL: N_("Official — {scope}"),
    Role.ADMIN: N_("Administrator"),
}

# Answers of the page's endpoints, shown in its status line.
TOO_LARGE = N_("The file is too large: at most {size}.")
TOO_LONG = N_("The message is too long: at most {limit} characters.")
BAD_REQUEST = N_("The page sent something this server does not understand. Please reload it.")
UNKNOWN_PERSONA = N_("There is no such demo persona.")
NOT_FOUND = N_("Not found.")
FAILED = N_("Something went wrong. Please try again.")
JUMPED = N_(
    "Demo time is now {time}. Nothing else happens on a jump yet: quarterly reminders will be "
    "planned here once the scheduler is in place."
)
JUMPED_AND_PLANNED = N_("Demo time is now {time}; due reminders were planned.")


def page_strings(translator: Translator) -> dict[str, str]:
    """Return the page's labels in the translator's language (placeholders left for the page)."""
    return {key: translator.gettext(message) for key, message in PAGE_STRINGS.items()}


def persona_label(persona: DemoPersona, translator: Translator) -> str:
    """Return the persona's switcher label, e.g. 'Giám đốc — HTX Trinh Phú'."""
    return translator.gettext(PERSONA_LABELS[persona.role]).format(scope=persona.scope)
