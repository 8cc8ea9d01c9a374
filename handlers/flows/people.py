"""``/people``: who is registered in one's area, eight a page, with a way to revoke access.

Payloads: ``pp:p:<page>``, ``pp:r:<grant id>`` (asks to confirm), ``pp:y:<grant id>``
(revokes), ``pp:n``. Storage re-checks every grant against the person's scope at each step,
and nobody can revoke their own access.
"""

from __future__ import annotations

import logging

from handlers.commands import is_command
from handlers.menus import ROLE_NAMES
from handlers.turn import Turn
from handlers.types import Button, IncomingKind
from storage.errors import N_, PermissionDenied
from storage.models import Role
from storage.people_admin import Grantee, find_grantee, list_grantees, managed_roles, revoke_grant

logger = logging.getLogger(__name__)

PAGE_SIZE = 8
NOT_FOR_YOU = N_("Only officials and commune leaders can see who is registered.")


async def route(turn: Turn) -> bool:
    """Answer /people and its buttons."""
    incoming = turn.incoming
    pressed = incoming.kind == IncomingKind.BUTTON and incoming.payload.startswith("pp:")
    if turn.actor is None or not (is_command(turn, "people") or pressed):
        return False
    if not managed_roles(turn.actor):
        turn.say(turn.error_text(PermissionDenied(NOT_FOR_YOU)))
        return True
    if not pressed:
        await _page(turn, 0)
        return True
    verb, _, argument = incoming.payload.removeprefix("pp:").partition(":")
    if verb == "n" and not argument:
        turn.say(turn._("Nothing was changed."))
    elif verb in {"p", "r", "y"} and argument.isdigit():
        number = int(argument)
        if verb == "p":
            await _page(turn, number)
        elif verb == "r":
            await _confirm(turn, number)
        else:
            await _revoke(turn, number)
    else:
        turn.say(turn._("That button is not valid any more."))
    return True


def _describe(turn: Turn, grantee: Grantee) -> str:
    name = grantee.name or turn._("(no name)")
    role = turn._(ROLE_NAMES[Role(grantee.role)])
    return f"{name} — {role} — {grantee.scope}"


async def _page(turn: Turn, page: int) -> None:
    assert turn.actor is not None  # noqa: S101
    page = max(page, 0)
    grantees, total = await list_grantees(
        turn.session, turn.actor, turn.now, offset=page * PAGE_SIZE, limit=PAGE_SIZE
    )
    if total == 0:
        turn.say(turn._("Nobody is registered in your area yet. Invite people with /invite."))
        return
    if not grantees:  # an old page button, after people were revoked: show the last page
        await _page(turn, (total - 1) // PAGE_SIZE)
        return
    lines = []
    rows = []
    for number, grantee in enumerate(grantees, start=page * PAGE_SIZE + 1):
        since = turn.date(grantee.since.astimezone(turn.config.tz).date())
        lines.append(
            f"{number}. " + turn._("{who}, since {date}", who=_describe(turn, grantee), date=since)
        )
        if grantee.person_id != turn.actor.person_id:
            label = turn._("✖️ Revoke {number}. {name}", number=number, name=grantee.name)
            rows.append([Button(label[:60], f"pp:r:{grantee.assignment_id}")])
    paging = []
    if page > 0:
        paging.append(Button(turn._("◀️ Previous"), f"pp:p:{page - 1}"))
    if (page + 1) * PAGE_SIZE < total:
        paging.append(Button(turn._("Next ▶️"), f"pp:p:{page + 1}"))
    pages = (total + PAGE_SIZE - 1) // PAGE_SIZE
    turn.say(
        "\n".join(lines),
        *rows,
        *([paging] if paging else []),
        title=turn._(
            "People registered in your area (page {page} of {pages}):", page=page + 1, pages=pages
        ),
    )


async def _confirm(turn: Turn, assignment_id: int) -> None:
    assert turn.actor is not None  # noqa: S101
    grantee, _ = await find_grantee(turn.session, turn.actor, assignment_id, turn.now)
    turn.say(
        turn._(
            "Revoke the access of {who}? They will no longer be able to use the bot in this "
            "role. Their earlier reports and actions are kept.",
            who=_describe(turn, grantee),
        ),
        [
            Button(turn._("✅ Yes, revoke"), f"pp:y:{assignment_id}"),
            Button(turn._("✖️ No"), "pp:n"),
        ],
    )


async def _revoke(turn: Turn, assignment_id: int) -> None:
    assert turn.actor is not None  # noqa: S101
    grantee = await revoke_grant(turn.session, turn.actor, assignment_id, turn.now)
    logger.info(
        "grant %s (%s) revoked by person %s", assignment_id, grantee.role, turn.actor.person_id
    )
    turn.say(turn._("Access revoked: {who}.", who=_describe(turn, grantee)))
