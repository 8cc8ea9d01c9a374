"""Which approved Zalo template each kind of unasked message goes as, and its parameters.

A template (ZNS) is written once, approved by Zalo in the OA's account, and then sent to a
person's phone number with values for its parameters. Each kind below names the parameters
coopbot fills; docs/zalo.md gives the Vietnamese text to submit for each and says which
parameter is which. An admin maps a kind to the approved template's id with
``coopbot zalo templates set KIND TEMPLATE_ID``.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from storage.errors import N_, InvalidInput
from storage.models import ZaloTemplate, utcnow

TEMPLATE_ID_LIMIT = 64


class TemplateKind(StrEnum):
    """The kinds of unasked message that may go as a template."""

    KICKOFF = "kickoff"  # the quarter began: meet the commune's cooperatives
    FOLLOW_UP = "follow_up"  # the quarter ends soon and no meeting is logged
    ESCALATION = "escalation"  # to an official: communes without the quarter's meeting
    ITEM_STATUS = "item_status"  # to a director: their item changed (status, reply, office)
    ITEM_QUESTION = "item_question"  # to a director: the handler asks about their item
    ITEM_ALERT = "item_alert"  # to a handler: an item arrived, was reopened or answered
    OVERDUE = "overdue"  # to an official: items past their due date
    DIGEST = "digest"  # to an official: the weekly summary
    ALERT_DIGEST = "alert_digest"  # to a handler: the day's alerts in one message


# The parameters each template has, in the order docs/zalo.md shows them.
TEMPLATE_PARAMS: dict[TemplateKind, tuple[str, ...]] = {
    TemplateKind.KICKOFF: ("commune", "quarter", "open_items", "last_day"),
    TemplateKind.FOLLOW_UP: ("commune", "quarter", "last_day"),
    TemplateKind.ESCALATION: ("quarter", "count", "communes"),
    TemplateKind.ITEM_STATUS: ("reference", "status"),
    TemplateKind.ITEM_QUESTION: ("reference", "question"),
    TemplateKind.ITEM_ALERT: ("reference", "cooperative", "event"),
    TemplateKind.OVERDUE: ("count", "references"),
    TemplateKind.DIGEST: ("unit", "new_items", "open_items", "overdue_items"),
    TemplateKind.ALERT_DIGEST: ("count", "day"),
}


def _squeezed(text: str) -> str:
    """Return ``text`` without case, spaces, hyphens or underscores: "Kick-off" is kickoff."""
    return "".join(c for c in text.lower() if c.isalnum())


def parse_kind(text: str) -> TemplateKind:
    """Return the kind ``text`` names.

    Raises:
        InvalidInput: no such kind (the message lists them).
    """
    wanted = _squeezed(text)
    for kind in TemplateKind:
        if _squeezed(kind) == wanted:
            return kind
    raise InvalidInput(
        N_("Unknown kind {kind}; the kinds are: {kinds}."),
        kind=text[:40],
        kinds=", ".join(TemplateKind),
    )


async def set_template(
    session: AsyncSession, kind: TemplateKind, template_id: str, *, now: dt.datetime | None = None
) -> None:
    """Send ``kind`` as the approved template ``template_id`` from now on.

    Raises:
        InvalidInput: the id is empty, too long or has spaces.
    """
    template_id = template_id.strip()
    if (
        not template_id
        or len(template_id) > TEMPLATE_ID_LIMIT
        or any(c.isspace() for c in template_id)
    ):
        raise InvalidInput(
            N_(
                "A template id is the id Zalo shows for an approved template: one word of at "
                "most {limit} characters."
            ),
            limit=TEMPLATE_ID_LIMIT,
        )
    row = await session.get(ZaloTemplate, str(kind))
    if row is None:
        session.add(
            ZaloTemplate(kind=str(kind), template_id=template_id, updated_at=now or utcnow())
        )
    else:
        row.template_id = template_id
        row.updated_at = now or utcnow()
    await session.flush()


async def remove_template(session: AsyncSession, kind: TemplateKind) -> bool:
    """Stop sending ``kind`` as a template; False when none was set."""
    result = await session.execute(delete(ZaloTemplate).where(col(ZaloTemplate.kind) == str(kind)))
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def list_templates(session: AsyncSession) -> dict[TemplateKind, str]:
    """Return the template id set for each kind that has one."""
    rows = await session.execute(select(ZaloTemplate).order_by(col(ZaloTemplate.kind)))
    known = set(TemplateKind)
    return {TemplateKind(r.kind): r.template_id for r in rows.scalars() if r.kind in known}


async def template_for(session: AsyncSession, kind: TemplateKind) -> str | None:
    """Return the template id ``kind`` goes as, or None."""
    row = await session.get(ZaloTemplate, str(kind))
    return row.template_id if row is not None else None
