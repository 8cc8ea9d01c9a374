"""Quarterly meetings: who must meet whom, the agenda, and logging what happened.

The first meeting logged for a commune in a quarter fulfils that quarter's duty. Each agenda
item's outcome becomes an item event, which in turn tells the cooperative's directors.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from storage.calendar import VIETNAM, Quarter
from storage.errors import N_, InvalidInput, PermissionDenied
from storage.feedback import OPEN_STATUSES, add_note, change_status
from storage.models import (
    AdminUnit,
    Cooperative,
    FeedbackItem,
    Meeting,
    MeetingAttendance,
    MeetingItem,
    Role,
    Status,
    UnitLevel,
)
from storage.scope import Actor, in_unit_subtree
from storage.text import nfc

MAX_NOTES = 4000
MAX_DECISION = 300


class Outcome(StrEnum):
    """What came of an agenda item at the meeting."""

    DISCUSSED = "discussed"
    RESOLVED = "resolved"  # resolved at commune level
    FORWARDED = "forwarded"  # forwarded to the province
    NEEDS_INFO = "needs_info"


OUTCOME_TEXT = {
    Outcome.DISCUSSED: N_("Discussed at the commune's quarterly meeting on {date}."),
    Outcome.RESOLVED: N_("Resolved at the commune's quarterly meeting on {date}."),
    Outcome.FORWARDED: N_("Forwarded to the province after the commune's meeting on {date}."),
    Outcome.NEEDS_INFO: N_(
        "The commune's meeting on {date} needs more information: please add it with /my."
    ),
}


OutcomeText = Callable[[Outcome, dt.date], str]


def _english_outcome(outcome: Outcome, held_on: dt.date) -> str:
    return OUTCOME_TEXT[outcome].format(date=f"{held_on:%d/%m/%Y}")


@dataclass
class Agenda:
    """A commune's cooperatives and their open items, for a quarterly meeting."""

    commune: AdminUnit
    cooperatives: list[Cooperative]
    items: dict[int, list[FeedbackItem]] = field(default_factory=dict)

    @property
    def open_items(self) -> list[FeedbackItem]:
        """Return every open item, grouped by cooperative order."""
        return [item for coop in self.cooperatives for item in self.items.get(coop.id or 0, [])]


async def agenda(session: AsyncSession, commune_id: int) -> Agenda:
    """Return the commune's cooperatives (predecessors' included) and their open items."""
    commune = await session.get(AdminUnit, commune_id)
    if commune is None:
        raise InvalidInput(N_("Unknown commune."))
    cooperatives = list(
        (
            await session.execute(
                select(Cooperative)
                .where(in_unit_subtree(col(Cooperative.commune_id), [commune_id]))
                .order_by(col(Cooperative.folded_name))
            )
        ).scalars()
    )
    items = (
        await session.execute(
            select(FeedbackItem)
            .where(
                col(FeedbackItem.cooperative_id).in_([c.id for c in cooperatives]),
                col(FeedbackItem.status).in_(list(OPEN_STATUSES)),
            )
            .order_by(col(FeedbackItem.created_at))
        )
    ).scalars()
    grouped: dict[int, list[FeedbackItem]] = {}
    for item in items:
        grouped.setdefault(item.cooperative_id, []).append(item)
    return Agenda(commune, cooperatives, grouped)


async def meeting_held(session: AsyncSession, commune_id: int, quarter: Quarter) -> bool:
    """Tell whether a meeting was logged for the commune in the quarter."""
    found = await session.execute(
        select(col(Meeting.id))
        .where(col(Meeting.commune_id) == commune_id, col(Meeting.quarter) == quarter.key)
        .limit(1)
    )
    return found.first() is not None


async def communes_led_by(actor: Actor, session: AsyncSession) -> list[AdminUnit]:
    """Return the communes the actor leads (today's units)."""
    ids = [g.unit_id for g in actor.grants if g.role == Role.COMMUNE_LEADER and g.unit_id]
    if not ids:
        return []
    rows = await session.execute(
        select(AdminUnit)
        .where(col(AdminUnit.id).in_(ids), col(AdminUnit.level) == UnitLevel.COMMUNE)
        .order_by(col(AdminUnit.name))
    )
    return list(rows.scalars())


@dataclass(frozen=True)
class MeetingRecord:
    """What a commune leader logs."""

    commune_id: int
    held_on: dt.date
    cooperative_ids: tuple[int, ...]
    notes: str = ""
    outcomes: tuple[tuple[int, Outcome], ...] = ()
    decisions: dict[int, str] = field(default_factory=dict)  # what was decided, per item


async def log_meeting(
    session: AsyncSession,
    actor: Actor,
    record: MeetingRecord,
    *,
    now: dt.datetime,
    tz: dt.tzinfo = VIETNAM,
    describe: OutcomeText | None = None,
) -> tuple[Meeting, bool]:
    """Log a meeting and its outcomes; return it and whether it fulfilled the quarter's duty.

    ``describe`` words each outcome for the item's history (the handler passes it in the
    leader's language); by default the English text is used.

    Raises:
        PermissionDenied: the actor does not lead the commune.
        InvalidInput: a date in the future or too long ago, cooperatives or items that are
            not the commune's, an unknown outcome, over-long notes.
    """
    if not actor.is_admin and record.commune_id not in [
        c.id for c in await communes_led_by(actor, session)
    ]:
        raise PermissionDenied(N_("Only a leader of this commune can log its meeting."))
    today = now.astimezone(tz).date()
    if record.held_on > today:
        raise InvalidInput(N_("The meeting date cannot be in the future."))
    if record.held_on < Quarter.of(today).previous().first_day:
        raise InvalidInput(N_("Meetings older than the previous quarter cannot be logged."))
    notes = nfc(record.notes)
    if len(notes) > MAX_NOTES:
        raise InvalidInput(
            N_("The notes are too long (at most {maximum} characters)."), maximum=MAX_NOTES
        )
    plan = await agenda(session, record.commune_id)
    known_cooperatives = {c.id for c in plan.cooperatives}
    if not record.cooperative_ids or not set(record.cooperative_ids) <= known_cooperatives:
        raise InvalidInput(N_("Choose at least one of the commune's cooperatives."))
    open_items = {item.id for item in plan.open_items}
    for item_id, outcome in record.outcomes:
        if item_id not in open_items or outcome not in set(Outcome):
            raise InvalidInput(N_("That item is not on this commune's agenda."))
    describe = describe or _english_outcome
    quarter = Quarter.of(record.held_on)
    first = not await meeting_held(session, record.commune_id, quarter)
    meeting = Meeting(
        commune_id=record.commune_id,
        quarter=quarter.key,
        held_on=record.held_on,
        logged_by_person_id=actor.person_id,
        notes=notes,
        created_at=now,
    )
    session.add(meeting)
    await session.flush()
    for cooperative_id in sorted(set(record.cooperative_ids)):
        session.add(MeetingAttendance(meeting_id=meeting.id or 0, cooperative_id=cooperative_id))
    for item_id, outcome in record.outcomes:
        decision = nfc(record.decisions.get(item_id, "")).strip()[:MAX_DECISION] or None
        session.add(
            MeetingItem(
                meeting_id=meeting.id or 0, item_id=item_id, outcome=outcome, decision=decision
            )
        )
        text = describe(Outcome(outcome), record.held_on)
        if decision:
            text = f"{text} {decision}"
        await _apply_outcome(session, actor, item_id, Outcome(outcome), text, now, plan)
    await session.flush()
    return meeting, first


async def _apply_outcome(
    session: AsyncSession,
    actor: Actor,
    item_id: int,
    outcome: Outcome,
    text: str,
    now: dt.datetime,
    plan: Agenda,
) -> None:
    item = await session.get(FeedbackItem, item_id)
    if item is None:  # pragma: no cover - checked against the agenda above
        return
    if outcome == Outcome.RESOLVED:
        await change_status(session, actor, item_id, Status.RESOLVED, text=text, now=now)
    elif outcome == Outcome.FORWARDED:
        await change_status(
            session,
            actor,
            item_id,
            Status.REFERRED,
            text=text,
            referred_unit_id=plan.commune.parent_id,
            now=now,
        )
    else:
        await add_note(session, actor, item_id, text, internal=False, now=now)
