"""Joining: ``/start CODE`` (or a deep link) checks an invite and shows the notice on personal
data; agreeing redeems it. Strangers are told how to join.

Zalo has no deep links and no command menu, so a stranger's message that is just an invite
code is taken as ``/start CODE`` too, on every channel. Someone already admitted who agreed to
the notice in force redeems a further invite at once.
"""

from __future__ import annotations

from handlers.commands import is_command
from handlers.flows.privacy import offer_notice
from handlers.i18n import get_translator
from handlers.menus import main_menu, role_names
from handlers.payloads import AgreeAndJoin
from handlers.turn import Turn
from handlers.types import IncomingKind
from storage.consent import has_agreed, record_choice
from storage.errors import N_, CoopbotError
from storage.invites import check_invite, looks_like_code, redeem_invite, scope_name
from storage.models import ConsentDecision
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
    await _join(turn, code)
    return True


async def agree_and_join(turn: Turn) -> bool:
    """Answer "agree" under the notice shown for an invite: record the agreement, redeem."""
    if not isinstance(press := turn.pressed, AgreeAndJoin):
        return False
    person_id = await _redeem(turn, press.code)
    if person_id is not None:
        await record_choice(
            turn.session,
            ConsentDecision.AGREED,
            channel=turn.incoming.channel,
            now=turn.now,
            person_id=person_id,
        )
    return True


async def _join(turn: Turn, code: str) -> None:
    """Redeem ``code`` for someone who agreed to the notice in force; show it to anyone else
    once the code is known to be good (a wrong code is refused before the notice)."""
    if turn.actor is not None and await has_agreed(turn.session, turn.actor.person_id):
        await _redeem(turn, code)
        return
    try:
        await check_invite(
            turn.session,
            code[:64],
            channel=turn.incoming.channel,
            external_id=turn.incoming.external_id,
            now=turn.now,
        )
    except CoopbotError as error:
        # Answered, not raised: a wrong code must stay counted towards the attempt limit.
        turn.say(turn.error_text(error))
        return
    await offer_notice(turn, code)


async def _redeem(turn: Turn, code: str) -> int | None:
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
        return None
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
    return redemption.person.id


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
        await _join(turn, incoming.text)
        return True
    _explain_invites(turn)
    return True
