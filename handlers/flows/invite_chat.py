"""``/invite``: officials invite commune leaders and directors, commune leaders invite directors.

Role (buttons) → commune or cooperative (buttons, eight a page, or a typed name) → the code,
the Telegram deep link and a QR code of it. Payloads: ``iv:r:<role>``, ``iv:p:<role>:<page>``,
``iv:t:<role>:<id>``, ``iv:x``; the role is ``c`` (commune leader) or ``d`` (director). Every
id is re-checked in storage against the person's scope.
"""

from __future__ import annotations

import logging
from enum import StrEnum

from handlers.codec import Payload
from handlers.commands import is_command
from handlers.labels import ROLE_NAMES
from handlers.payloads import InviteCancel, InviteFor, InviteRoleChosen, InviteTargetsPage
from handlers.turn import Turn
from handlers.types import Button, IncomingKind, Reply
from storage.dialogs import clear_dialog, ensure_identity, save_dialog
from storage.errors import N_, PermissionDenied
from storage.models import Role
from storage.people_admin import (
    invitable_communes,
    invitable_cooperatives,
    invite_in_scope,
    managed_roles,
)

logger = logging.getLogger(__name__)

FLOW = "invite"
PAGE_SIZE = 8
ROLE_CODES = {"c": Role.COMMUNE_LEADER, "d": Role.DIRECTOR}  # as ``InviteRole`` spells them
PRESSES = (InviteCancel, InviteRoleChosen, InviteTargetsPage, InviteFor)
CODE_OF = {role: code for code, role in ROLE_CODES.items()}
NOT_FOR_YOU = N_("Only officials and commune leaders can invite people.")


class Step(StrEnum):
    """What the flow waits for; stored, so never renumber or reuse a value."""

    TARGET = "target"


def deep_link(username: str | None, code: str) -> str | None:
    """Return the Telegram link that opens the bot and redeems ``code``, when known."""
    return f"https://t.me/{username.lstrip('@')}?start={code}" if username else None


async def route(turn: Turn) -> bool:
    """Answer /invite, its buttons, and a name typed at the target step."""
    incoming = turn.incoming
    if turn.actor is None:
        return False
    if is_command(turn, "invite"):
        await _start(turn)
        return True
    if isinstance(press := turn.pressed, PRESSES):
        await _press(turn, press)
        return True
    dialog = turn.dialog
    if dialog is not None and dialog.flow == FLOW and incoming.kind == IncomingKind.TEXT:
        role = ROLE_CODES.get(str(dialog.draft.get("role", "")))
        if role is None:
            return False
        await _options(turn, role, 0, search=incoming.text.strip()[:100])
        return True
    return False


def _cancel_row(turn: Turn) -> list[Button]:
    return [Button(turn._("✖️ Cancel"), InviteCancel().encode())]


async def _start(turn: Turn) -> None:
    assert turn.actor is not None  # noqa: S101
    roles = managed_roles(turn.actor)
    if not roles:
        turn.say(turn.error_text(PermissionDenied(NOT_FOR_YOU)))
        return
    if len(roles) == 1:
        await _options(turn, roles[0], 0)
        return
    turn.say(
        turn._("Whom would you like to invite?"),
        *[[Button(turn._(ROLE_NAMES[r]), InviteRoleChosen(CODE_OF[r]).encode())] for r in roles],
        _cancel_row(turn),
    )


async def _press(turn: Turn, press: Payload) -> None:
    """Apply a button of the invite flow."""
    match press:
        case InviteCancel():
            if turn.identity is not None and turn.dialog is not None and turn.dialog.flow == FLOW:
                await clear_dialog(turn.session, turn.identity.id or 0)
            turn.say(turn._("Cancelled. No invite was made."))
        case InviteRoleChosen(role=code):
            await _options(turn, ROLE_CODES[code], 0)
        case InviteTargetsPage(role=code, page=page):
            await _options(turn, ROLE_CODES[code], page)
        case InviteFor(role=code, target=target):
            await _invite(turn, ROLE_CODES[code], target)


async def _options(turn: Turn, role: Role, page: int, search: str = "") -> None:
    """Show a page of communes or cooperatives to invite for (those matching ``search``)."""
    assert turn.actor is not None  # noqa: S101
    if role not in managed_roles(turn.actor):
        turn.say(turn.error_text(PermissionDenied(N_("You cannot invite people in this role."))))
        return
    offset = max(page, 0) * PAGE_SIZE
    code = CODE_OF[role]
    if role == Role.COMMUNE_LEADER:
        units, total = await invitable_communes(
            turn.session, turn.actor, search=search, offset=offset, limit=PAGE_SIZE
        )
        options = [(u.name, u.id or 0) for u in units]
    else:
        cooperatives, total = await invitable_cooperatives(
            turn.session, turn.actor, search=search, offset=offset, limit=PAGE_SIZE
        )
        options = [(c.name, c.id or 0) for c in cooperatives]
    if search and total == 1:
        await _invite(turn, role, options[0][1])
        return
    if total and not options:  # a page button past the end: show the last page
        await _options(turn, role, (total - 1) // PAGE_SIZE, search)
        return
    identity = turn.identity or await ensure_identity(
        turn.session, turn.incoming.channel, turn.incoming.external_id, now=turn.now
    )
    turn.dialog = await save_dialog(
        turn.session, identity.id or 0, FLOW, Step.TARGET, {"role": code}, now=turn.now
    )
    if total == 0:
        turn.say(
            turn._("Nothing called “{name}” was found in your area.", name=search)
            if search
            else turn._("There is nobody to invite in your area yet."),
            _cancel_row(turn),
        )
        return
    rows = [[Button(name, InviteFor(code, target).encode())] for name, target in options]
    paging = []
    if page > 0:
        paging.append(Button(turn._("◀️ Previous"), InviteTargetsPage(code, page - 1).encode()))
    if offset + PAGE_SIZE < total and not search:
        paging.append(Button(turn._("Next ▶️"), InviteTargetsPage(code, page + 1).encode()))
    ask = (
        turn._("Which commune is the new commune leader for? Choose, or type its name.")
        if role == Role.COMMUNE_LEADER
        else turn._("Which cooperative is the new director for? Choose, or type its name.")
    )
    turn.say(ask, *rows, *([paging] if paging else []), _cancel_row(turn))


async def _invite(turn: Turn, role: Role, target_id: int) -> None:
    assert turn.actor is not None  # noqa: S101
    made = await invite_in_scope(
        turn.session, turn.actor, role=role, target_id=target_id, now=turn.now
    )
    if turn.identity is not None and turn.dialog is not None and turn.dialog.flow == FLOW:
        await clear_dialog(turn.session, turn.identity.id or 0)
    issued, invite, scope = made.issued, made.issued.invite, made.scope
    link = deep_link(turn.config.bot_username, issued.code)
    lines = [
        turn._("Invite for a leader of {commune}.", commune=scope)
        if role == Role.COMMUNE_LEADER
        else turn._("Invite for a director of {cooperative}.", cooperative=scope),
        turn._("Code: {code}", code=issued.code),
        turn._("Valid until {date}, for one person.", date=turn.when(invite.expires_at)),
    ]
    if link:
        lines.append(turn._("Link: {link}", link=link))
    lines.append(
        turn._(
            "Give the person the link or the QR code, or ask them to send /start {code} "
            "to the bot.",
            code=issued.code,
        )
    )
    renderers = turn.config.renderers
    image = renderers.qr_code(link or issued.code, "invite-qr.png") if renderers else None
    turn.replies.append(Reply(text="\n".join(lines), image=image))
    logger.info("invite %s (%s) made by person %s", invite.id, role, turn.actor.person_id)
