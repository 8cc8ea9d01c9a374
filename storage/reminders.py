"""The reminder planner: what is due at a moment, planned into the outbox exactly once.

The database is the truth and the scheduler only a clock: ``plan_due(now)`` looks at the
quarter containing ``now``, works out which reminders are due, and plans each with a dedupe
key. Running it twice, late (catch-up after downtime) or from two processes at once plans the
same set. A kick-off is planned only until the follow-up is due, so a bot down for weeks does
not flood leaders with stale reminders when it comes back.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from storage.accounts_preferred import preferred
from storage.alerts import due_alert_digests
from storage.calendar import Quarter, ReminderSchedule, WorkingCalendar
from storage.feedback import overdue_clause
from storage.meetings import meeting_held
from storage.models import (
    AdminUnit,
    ChannelIdentity,
    FeedbackItem,
    OutboxMessage,
    Person,
    Role,
    RoleAssignment,
    UnitLevel,
)
from storage.outbox import plan
from storage.outbox_payloads import (
    MeetingEscalation,
    OutboxPayload,
    OverdueItems,
    QuarterFollowUp,
    QuarterKickoff,
    WeeklyDigest,
)
from storage.scope import grant_active, in_unit_subtree

MAX_SNOOZES = 2


@dataclass(frozen=True)
class Planned:
    """One message the planner wants sent."""

    dedupe_key: str
    channel: str
    recipient: str
    person_id: int | None
    payload: OutboxPayload
    not_before: dt.datetime | None = None


@dataclass
class PlanReport:
    """What a planner run found due and how much of it was new."""

    due: list[Planned] = field(default_factory=list)
    new: int = 0


async def _holders(
    session: AsyncSession, role: Role, now: dt.datetime, *, digest_only: bool = False
) -> list[tuple[int, ChannelIdentity]]:
    """Return (unit id, account) for every reachable account holding ``role`` on a unit."""
    query = (
        select(col(RoleAssignment.unit_id), ChannelIdentity)
        .join(ChannelIdentity, col(ChannelIdentity.person_id) == col(RoleAssignment.person_id))
        .where(
            col(RoleAssignment.role) == role,
            col(RoleAssignment.unit_id).is_not(None),
            grant_active(now),
            col(ChannelIdentity.unreachable_since).is_(None),
        )
        .order_by(col(RoleAssignment.unit_id), col(ChannelIdentity.id))
    )
    if digest_only:
        query = query.join(Person, col(Person.id) == col(RoleAssignment.person_id)).where(
            col(Person.digest_enabled)
        )
    rows = [(unit_id, identity) for unit_id, identity in (await session.execute(query)).all()]
    held = [(unit_id, identity) for unit_id, identity in rows if unit_id is not None]
    return preferred(held, lambda row: row[1], lambda row: row[0])


def _who(identity: ChannelIdentity) -> str:
    """Return whom a dedupe key names: the person, so a re-run after they changed channel
    plans nothing new."""
    return f"p{identity.person_id}" if identity.person_id else str(identity.id)


def _message(key: str, identity: ChannelIdentity, payload: OutboxPayload) -> Planned:
    return Planned(key, identity.channel, identity.external_id, identity.person_id, payload)


async def _communes_without_meeting(
    session: AsyncSession, unit_ids: list[int], quarter: Quarter
) -> list[int]:
    rows = await session.execute(
        select(col(AdminUnit.id))
        .where(
            col(AdminUnit.level) == UnitLevel.COMMUNE,
            col(AdminUnit.valid_to).is_(None),
            in_unit_subtree(col(AdminUnit.id), unit_ids),
        )
        .order_by(col(AdminUnit.name))
    )
    ids = [c for c in rows.scalars() if c is not None]
    return [c for c in ids if not await meeting_held(session, c, quarter)]


async def _overdue_count(session: AsyncSession, unit_id: int, now: dt.datetime) -> int:
    count = await session.scalar(
        select(func.count())
        .select_from(FeedbackItem)
        .where(
            overdue_clause(now),
            or_(
                in_unit_subtree(col(FeedbackItem.commune_id), [unit_id]),
                in_unit_subtree(col(FeedbackItem.assignee_unit_id), [unit_id]),
            ),
        )
    )
    return int(count or 0)


async def due_messages(
    session: AsyncSession,
    now: dt.datetime,
    schedule: ReminderSchedule,
    calendar: WorkingCalendar,
) -> list[Planned]:
    """Return every message due at ``now`` (planned or not yet)."""
    quarter = Quarter.at(now, schedule.tz)
    leaders = await _holders(session, Role.COMMUNE_LEADER, now)
    officials = await _holders(session, Role.OFFICIAL, now)
    due: list[Planned] = []
    follow_up = schedule.follow_up(quarter, calendar)
    if schedule.kickoff(quarter, calendar) <= now < follow_up:
        due += _kickoffs(quarter, leaders)
    if follow_up <= now:
        due += await _follow_ups(session, quarter, leaders)
    if schedule.escalation(quarter, calendar) <= now:
        due += await _escalations(session, quarter, officials)
    today = now.astimezone(schedule.tz).date()
    if calendar.is_working_day(today) and schedule.overdue_run(today) <= now:
        due += await _overdue_notices(session, today, now, officials)
    due += await _alert_digests(session, now, today, schedule, calendar)
    for week in schedule.digest_weeks(now, calendar):
        for unit_id, identity in await _holders(session, Role.OFFICIAL, now, digest_only=True):
            payload = WeeklyDigest(unit_id=unit_id, week=week)
            due.append(_message(f"digest:{week}:{unit_id}:{_who(identity)}", identity, payload))
    return due


async def _alert_digests(
    session: AsyncSession,
    now: dt.datetime,
    today: dt.date,
    schedule: ReminderSchedule,
    calendar: WorkingCalendar,
) -> list[Planned]:
    """Return the daily alert digests due: the last working day's (a bot that was down at its
    time still sends it, once) and today's, if today is a working day. Each covers the alerts
    since the working day before it, so the days off in between are not lost."""
    days = [calendar.previous_working_day(today)]
    if calendar.is_working_day(today):
        days.append(today)
    due = []
    for day in days:
        cutoff = schedule.alerts_digest(day)
        if cutoff <= now:
            since = schedule.alerts_digest(calendar.previous_working_day(day))
            for identity, digest in await due_alert_digests(session, now, since, cutoff):
                due.append(_message(f"alerts:{day}:{_who(identity)}", identity, digest))
    return due


def _kickoffs(quarter: Quarter, leaders: list[tuple[int, ChannelIdentity]]) -> list[Planned]:
    """Return the quarter's kick-off reminder to every commune leader."""
    q = quarter.key
    return [
        _message(
            f"remind:{q}:kickoff:{commune_id}:{_who(identity)}",
            identity,
            QuarterKickoff(quarter=q, commune_id=commune_id),
        )
        for commune_id, identity in leaders
    ]


async def _follow_ups(
    session: AsyncSession, quarter: Quarter, leaders: list[tuple[int, ChannelIdentity]]
) -> list[Planned]:
    """Return the follow-up to every leader of a commune with no meeting logged yet."""
    q = quarter.key
    due = []
    for commune_id, identity in leaders:
        if not await meeting_held(session, commune_id, quarter):
            payload = QuarterFollowUp(quarter=q, commune_id=commune_id)
            due.append(
                _message(f"remind:{q}:followup:{commune_id}:{_who(identity)}", identity, payload)
            )
    return due


async def _escalations(
    session: AsyncSession, quarter: Quarter, officials: list[tuple[int, ChannelIdentity]]
) -> list[Planned]:
    """Return, to each official, the communes of their units that have not met this quarter."""
    by_identity: dict[int, tuple[ChannelIdentity, list[int]]] = {}
    for unit_id, identity in officials:
        missing = await _communes_without_meeting(session, [unit_id], quarter)
        if missing:
            entry = by_identity.setdefault(identity.id or 0, (identity, []))
            entry[1].extend(m for m in missing if m not in entry[1])
    return [
        _message(
            f"escalate:{quarter.key}:{_who(identity)}",
            identity,
            MeetingEscalation(quarter=quarter.key, commune_ids=communes),
        )
        for identity, communes in by_identity.values()
    ]


async def _overdue_notices(
    session: AsyncSession,
    today: dt.date,
    now: dt.datetime,
    officials: list[tuple[int, ChannelIdentity]],
) -> list[Planned]:
    """Return today's overdue notice to each official with overdue items in their units."""
    units: dict[int, list[int]] = defaultdict(list)
    accounts: dict[int, ChannelIdentity] = {}
    for unit_id, identity in officials:
        units[identity.id or 0].append(unit_id)
        accounts[identity.id or 0] = identity
    due = []
    for identity_id, unit_ids in units.items():
        counts = [await _overdue_count(session, u, now) for u in unit_ids]
        if sum(counts):
            payload = OverdueItems(unit_ids=unit_ids, day=today)
            due.append(
                _message(
                    f"overdue:{today}:{_who(accounts[identity_id])}",
                    accounts[identity_id],
                    payload,
                )
            )
    return due


async def plan_due(
    session: AsyncSession,
    now: dt.datetime,
    schedule: ReminderSchedule | None = None,
    calendar: WorkingCalendar | None = None,
    *,
    dry_run: bool = False,
) -> PlanReport:
    """Plan every message due at ``now`` into the outbox (nothing when ``dry_run``)."""
    schedule = schedule or ReminderSchedule()
    calendar = calendar or await WorkingCalendar.load(session)
    report = PlanReport(due=await due_messages(session, now, schedule, calendar))
    if dry_run:
        return report
    for message in report.due:
        report.new += await plan(
            session,
            dedupe_key=message.dedupe_key,
            channel=message.channel,
            recipient=message.recipient,
            person_id=message.person_id,
            payload=message.payload,
            not_before=message.not_before,
            now=now,
        )
    return report


async def snooze(
    session: AsyncSession,
    identity: ChannelIdentity,
    commune_id: int,
    quarter: Quarter,
    now: dt.datetime,
) -> dt.datetime | None:
    """Plan the quarter's reminder again in a week; None when already snoozed twice."""
    prefix = f"remind:{quarter.key}:snooze"
    suffix = f":{commune_id}:{_who(identity)}"
    used = await session.scalar(
        select(func.count())
        .select_from(OutboxMessage)
        .where(
            col(OutboxMessage.dedupe_key).startswith(prefix),
            col(OutboxMessage.dedupe_key).endswith(suffix),
        )
    )
    if int(used or 0) >= MAX_SNOOZES:
        return None
    when = now + dt.timedelta(days=7)
    await plan(
        session,
        dedupe_key=f"{prefix}{int(used or 0) + 1}{suffix}",
        channel=identity.channel,
        recipient=identity.external_id,
        person_id=identity.person_id,
        payload=QuarterKickoff(quarter=quarter.key, commune_id=commune_id),
        not_before=when,
        now=now,
    )
    return when
