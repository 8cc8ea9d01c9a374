"""Joining: ``/start CODE`` (or a deep link) redeems an invite; strangers are told how to join.

Zalo has no deep links and no command menu, so a stranger's message that is just an invite
code is taken as ``/start CODE`` too, on every channel.
"""

from __future__ import annotations

from handlers.commands import is_command
from handlers.i18n import get_translator
from handlers.menus import main_menu, role_names
from handlers.turn import Turn
from handlers.types import IncomingKind
from storage.errors import N_, CoopbotError
from storage.invites import looks_like_code, redeem_invite, scope_name
from storage.scope import load_actor

GREETINGS = {
    "director": N_(
        "Welcome! You can now send your cooperative's difficulties and proposals with "
        "/report and follow them with /my."
    ),
    "commune_leader": N_(
        "Welcome! You will receive your commune's quarterly meeting reminders, with the open "
        "items as the agenda."
    ),
    "official": N_("Welcome! You can follow the items of your area here."),
    "admin": N_("Welcome! You administer this coopbot."),
}


async def start_command(turn: Turn) -> bool:
    """Redeem the code after /start, or greet a known person, or explain how to join."""
    if not is_command(turn, "start"):
        return False
    code = turn.incoming.text.strip()
    if not code:
        if turn.actor is not None and turn.actor.grants:
            turn.say(
                turn._("Hello again! Your roles: {roles}.", roles=", ".join(role_names(turn))),
                *main_menu(turn),
                navigation=True,
            )
        else:
            _explain_invites(turn)
        return True
    await _redeem(turn, code)
    return True


async def _redeem(turn: Turn, code: str) -> None:
    """Redeem ``code`` for this account and greet the person, or say why it failed."""
    try:
        redemption = await redeem_invite(
            turn.session,
            code[:64],
            channel=turn.incoming.channel,
            external_id=turn.incoming.external_id,
            display_name=turn.incoming.display_name[:200],
            platform_locale=turn.incoming.platform_locale,
            now=turn.now,
        )
    except CoopbotError as error:
        # Returned, not raised: a wrong code must stay counted towards the attempt limit.
        turn.say(turn.error_text(error))
        return
    turn.identity = redemption.identity
    turn.actor = await load_actor(turn.session, redemption.person.id or 0, turn.now)
    if redemption.person.locale is None and turn.incoming.platform_locale:
        turn.translator = get_translator(turn.locale)
    greeting = turn._(GREETINGS[redemption.assignment.role])
    scope = await scope_name(turn.session, redemption.assignment)
    speaks = turn._("You now speak for {scope}.", scope=scope) if scope else ""
    roles = turn._("Your roles: {roles}.", roles=", ".join(role_names(turn)))
    turn.say(
        "\n".join(line for line in (greeting, speaks, roles) if line),
        *main_menu(turn),
        navigation=True,
    )


def _explain_invites(turn: Turn) -> None:
    turn.say(
        turn._(
            "Hello! coopbot is for cooperatives and the local government officials who work "
            "with them. To join, ask your commune's People's Committee or the provincial "
            "Department of Finance for an invite code, then send: /start CODE"
        )
    )


async def stranger(turn: Turn) -> bool:
    """Redeem a code sent on its own, else explain how to join; store nothing else."""
    if turn.actor is not None and turn.actor.grants:
        return False
    incoming = turn.incoming
    if incoming.kind == IncomingKind.TEXT and looks_like_code(incoming.text):
        await _redeem(turn, incoming.text)
        return True
    _explain_invites(turn)
    return True
