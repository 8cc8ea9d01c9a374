"""``/people``: who is registered in one's area, eight a page, with a way to revoke access.

Payloads: ``pp:p:<page>``, ``pp:r:<grant id>`` (asks to confirm), ``pp:y:<grant id>``
(revokes), ``pp:n``. Storage re-checks every grant against the person's scope at each step,
and nobody can revoke their own access.
"""

from __future__ import annotations

import logging

from handlers.commands import is_command
from handlers.labels import ROLE_NAMES
from handlers.payloads import AskRevoke, ConfirmRevoke, KeepGrant, PeoplePage
from handlers.turn import Turn
from handlers.types import Button
from storage.errors import N_, PermissionDenied
from storage.models import Role
from storage.people import ERASED_PERSON
from storage.people_admin import Grantee, find_grantee, list_grantees, managed_roles, revoke_grant

logger = logging.getLogger(__name__)

PAGE_SIZE = 8
NOT_FOR_YOU = N_("Only officials and commune leaders can see who is registered.")


async def route(turn: Turn) -> bool:
    """Answer /people and its buttons."""
    press = turn.pressed
    pressed = isinstance(press, PeoplePage | AskRevoke | ConfirmRevoke | KeepGrant)
    if turn.actor is None or not (is_command(turn, "people") or pressed):
        return False
    if not managed_roles(turn.actor):
        turn.say(turn.error_text(PermissionDenied(NOT_FOR_YOU)))
        return True
    if not pressed:
        await _page(turn, 0)
        return True
    match press:
        case KeepGrant():
            turn.say(turn._("Nothing was changed."))
        case PeoplePage(page=page):
            await _page(turn, page)
        case AskRevoke(assignment=assignment_id):
            await _confirm(turn, assignment_id)
        case ConfirmRevoke(assignment=assignment_id):
            await _revoke(turn, assignment_id)
    return True


def _name(turn: Turn, grantee: Grantee) -> str:
    """Return the name to show; an erased person's grants are ended, so this is belt and
    braces for a grant read in the same moment as the erasure."""
    if grantee.erased:
        return turn._(ERASED_PERSON)
    return grantee.name or turn._("(no name)")


def _describe(turn: Turn, grantee: Grantee) -> str:
    name = _name(turn, grantee)
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
            label = turn._("✖️ Revoke {number}. {name}", number=number, name=_name(turn, grantee))
            rows.append([Button(label[:60], AskRevoke(grantee.assignment_id).encode())])
    paging = []
    if page > 0:
        paging.append(Button(turn._("◀️ Previous"), PeoplePage(page - 1).encode()))
    if (page + 1) * PAGE_SIZE < total:
        paging.append(Button(turn._("Next ▶️"), PeoplePage(page + 1).encode()))
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
            Button(turn._("✅ Yes, revoke"), ConfirmRevoke(assignment_id).encode()),
            Button(turn._("✖️ No"), KeepGrant().encode()),
        ],
    )


async def _revoke(turn: Turn, assignment_id: int) -> None:
    assert turn.actor is not None  # noqa: S101
    grantee = await revoke_grant(turn.session, turn.actor, assignment_id, turn.now)
    logger.info(
        "grant %s (%s) revoked by person %s", assignment_id, grantee.role, turn.actor.person_id
    )
    turn.say(turn._("Access revoked: {who}.", who=_describe(turn, grantee)))
