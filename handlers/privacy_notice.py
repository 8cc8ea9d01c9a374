"""The notice on personal data shown before admission and by /privacy (docs/privacy.md).

``storage.consent.NOTICE_VERSION`` names the text below: change it whenever the text changes
in substance, and every admitted person is shown the notice again at their next message and
must choose again (Law 91/2025/QH15 asks for consent to what was actually notified).
"""

from __future__ import annotations

from handlers.turn import Turn
from storage.errors import N_

NOTICE = N_(
    "🔐 Your personal data\n"
    "\n"
    "Data controller: {controller} ({contact}), under the Law on Personal Data Protection "
    "(No. 91/2025/QH15).\n"
    "\n"
    "What is kept and why: your name; your mobile number (given by you, written on your "
    "invite or, for a cooperative's director, the cooperative's number in the registry), to "
    "reach you on Zalo when you have not written for a while; your account on this app, "
    "your language, when you last wrote; what you send (items, photos, files, "
    "replies) and what you do (meetings logged, items handled) — to receive and answer "
    "cooperatives' difficulties and proposals and to report on them.\n"
    "\n"
    "Who sees it: the commune leaders and officials whose area covers your cooperative or "
    "unit, and the administrators. Items and meeting records are a cooperative's feedback to "
    "the government and stay with it.\n"
    "\n"
    "How long: your account while you use coopbot; technical records of messages 30 to 180 "
    "days; items and meeting records as public records.\n"
    "\n"
    "Telegram and Zalo are separate companies with their own terms; Telegram's servers are "
    "outside Vietnam, so what you send through Telegram goes abroad.\n"
    "\n"
    "Your rights: to be informed; to agree or not; to withdraw your agreement; to see and get "
    "a copy of your data; to have it corrected or erased; to object; to complain. Send "
    "/privacy at any time."
)
QUESTION = N_("Do you agree?")
UNNAMED_CONTROLLER = N_("the provincial body that runs coopbot")
UNNAMED_CONTACT = N_("ask your commune's People's Committee")


def notice_text(turn: Turn) -> str:
    """Return the notice in the person's language, naming the deployment's controller."""
    return turn._(
        NOTICE,
        controller=turn.config.controller_name or turn._(UNNAMED_CONTROLLER),
        contact=turn.config.controller_contact or turn._(UNNAMED_CONTACT),
    )
