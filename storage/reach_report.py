"""How each commune leader will be reached by a kick-off: the preview an admin acts on.

``coopbot reminders plan --quarter Q`` shows it a week before the quarter begins. It follows
what the delivery plan will do (``storage.delivery_plan``): the accounts a person used, most
recent first; on Zalo a consultation message while the reply window is open at that moment,
else the kind's template to the person's phone; else their next account. Whoever no way
reaches is listed with every cause, so an admin can ask for a phone number, register a
template, or invite the person on another channel in time.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from storage.accounts_preferred import recency
from storage.delivery_plan import Cause
from storage.models import AdminUnit, ChannelIdentity, Person, Role, RoleAssignment
from storage.people import shown_name
from storage.reply_window import ReplyWindow
from storage.scope import grant_active
from storage.zalo_templates import TemplateKind, template_for

ZALO = "zalo"


class Way(StrEnum):
    """How a message will reach a person."""

    CHANNEL = "channel"  # a channel with no window: Telegram, the web chat
    ZALO_WINDOW = "zalo_window"  # a Zalo consultation message, inside the reply window
    ZALO_TEMPLATE = "zalo_template"  # the kind's approved template, to the phone
    NONE = "unreachable"


@dataclass(frozen=True)
class Reach:
    """How one leader of one commune will be reached."""

    person_id: int
    name: str
    commune: str
    way: Way
    channel: str | None = None
    detail: str = ""
    causes: list[Cause] = field(default_factory=list)


async def _leaders(session: AsyncSession, at: dt.datetime) -> list[tuple[Person, AdminUnit]]:
    rows = await session.execute(
        select(Person, AdminUnit)
        .join(RoleAssignment, col(RoleAssignment.person_id) == col(Person.id))
        .join(AdminUnit, col(AdminUnit.id) == col(RoleAssignment.unit_id))
        .where(col(RoleAssignment.role) == Role.COMMUNE_LEADER, grant_active(at))
        .order_by(col(AdminUnit.name), col(Person.id))
    )
    return [(person, unit) for person, unit in rows.all()]


async def _accounts(session: AsyncSession, person_id: int) -> list[ChannelIdentity]:
    rows = await session.execute(
        select(ChannelIdentity).where(
            col(ChannelIdentity.person_id) == person_id,
            col(ChannelIdentity.unreachable_since).is_(None),
        )
    )
    return sorted(rows.scalars(), key=recency, reverse=True)


def _zalo_way(
    person: Person,
    identity: ChannelIdentity,
    template_id: str | None,
    window: ReplyWindow,
    at: dt.datetime,
) -> tuple[Way, str] | list[Cause]:
    """Return the way Zalo reaches the person at ``at`` (with a detail), or why it does not."""
    if window.is_open(identity, at):
        closes = window.closes_at(identity.last_seen_at)
        return Way.ZALO_WINDOW, f"window open until {closes:%d/%m/%Y %H:%M} UTC"
    causes = [Cause.WINDOW_CLOSED]
    if template_id is None:
        causes.append(Cause.NO_TEMPLATE)
    if not person.phone:
        causes.append(Cause.NO_PHONE)
    elif person.phone_unreachable_since is not None:
        causes.append(Cause.PHONE_NOT_ON_ZALO)
    if len(causes) == 1:
        return Way.ZALO_TEMPLATE, f"template {template_id} to {person.phone}"
    return causes


async def leader_reach(
    session: AsyncSession,
    at: dt.datetime,
    window: ReplyWindow,
    kind: TemplateKind = TemplateKind.KICKOFF,
) -> list[Reach]:
    """Return, for every commune leader in office at ``at``, how a message of ``kind`` sent
    then will reach them."""
    template_id = await template_for(session, kind)
    report = []
    for person, commune in await _leaders(session, at):
        who = (person.id or 0, shown_name(person.full_name, person.erased_at), commune.name)
        causes: list[Cause] = []
        for identity in await _accounts(session, person.id or 0):
            if identity.channel != ZALO:
                way, detail = Way.CHANNEL, f"account {identity.external_id}"
            else:
                found = _zalo_way(person, identity, template_id, window, at)
                if isinstance(found, list):
                    causes += found
                    continue
                way, detail = found
            report.append(Reach(*who, way=way, channel=identity.channel, detail=detail))
            break
        else:
            report.append(Reach(*who, way=Way.NONE, causes=[*causes, Cause.NO_OTHER_ACCOUNT]))
    return report
