"""The rows of the officials' Excel export: items and quarterly meetings, inside their scope.

The scope and unit filters are those of ``storage.reporting.scope`` (SQL WHERE clauses); dates
are turned into local calendar days here, because that is how a spreadsheet reader reads
them.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlmodel import col

from storage.calendar import Quarter
from storage.feedback import is_overdue
from storage.models import (
    AdminUnit,
    Category,
    Cooperative,
    FeedbackItem,
    Meeting,
    MeetingAttendance,
    Office,
)
from storage.reporting.scope import ReportScope, item_filters, scoped_communes, today_commune


@dataclass(frozen=True)
class ExportItem:
    """One item as the export shows it (dates are local days)."""

    reference: str
    created_on: dt.date
    cooperative: str
    kind: str
    category_vi: str
    category_en: str
    commune: str
    status: str
    office: str | None
    assignee_unit: str | None
    due_on: dt.date
    overdue: bool
    first_response_on: dt.date | None
    resolved_on: dt.date | None
    text: str


@dataclass(frozen=True)
class MeetingRow:
    """A commune's quarter: the meeting held (one row each) or none (``held_on`` None)."""

    quarter: Quarter
    commune: str
    held_on: dt.date | None
    cooperatives_present: int
    notes: str


def _day(moment: dt.datetime | None, tz: dt.tzinfo) -> dt.date | None:
    return moment.astimezone(tz).date() if moment is not None else None


async def export_items(
    session: AsyncSession, scope: ReportScope, now: dt.datetime
) -> list[ExportItem]:
    """Return the period's items in scope, oldest first, with everything a reader needs."""
    today = today_commune()
    commune_id = func.coalesce(today.c.current_id, col(FeedbackItem.commune_id))
    commune = aliased(AdminUnit, name="commune_today")
    assignee = aliased(AdminUnit, name="assignee_unit")
    rows = await session.execute(
        select(
            FeedbackItem,
            col(Cooperative.name),
            col(Category.name_vi),
            col(Category.name_en),
            col(commune.name),
            col(Office.name),
            col(assignee.name),
        )
        .join(Cooperative, col(Cooperative.id) == col(FeedbackItem.cooperative_id))
        .join(Category, col(Category.key) == col(FeedbackItem.category_key))
        .outerjoin(today, today.c.unit_id == col(FeedbackItem.commune_id))
        .join(commune, col(commune.id) == commune_id)
        .outerjoin(Office, col(Office.id) == col(FeedbackItem.assignee_office_id))
        .outerjoin(assignee, col(assignee.id) == col(FeedbackItem.assignee_unit_id))
        .where(*item_filters(scope))
        .order_by(col(FeedbackItem.created_at), col(FeedbackItem.id))
    )
    result = []
    for item, cooperative, name_vi, name_en, commune_name, office, unit in rows:
        result.append(
            ExportItem(
                reference=item.reference,
                created_on=item.created_at.astimezone(scope.tz).date(),
                cooperative=cooperative,
                kind=item.kind,
                category_vi=name_vi,
                category_en=name_en,
                commune=commune_name,
                status=item.status,
                office=office,
                assignee_unit=unit,
                due_on=item.due_at.astimezone(scope.tz).date(),
                overdue=is_overdue(item.status, item.due_at, now),
                first_response_on=_day(item.first_response_at, scope.tz),
                resolved_on=_day(item.resolved_at, scope.tz),
                text=item.text,
            )
        )
    return result


async def meeting_rows(
    session: AsyncSession, scope: ReportScope, quarters: list[Quarter]
) -> list[MeetingRow]:
    """Return every commune of today in scope for each quarter, with its meetings, if any."""
    communes = (
        await session.execute(
            select(col(AdminUnit.id), col(AdminUnit.name))
            .where(scoped_communes(scope))
            .order_by(col(AdminUnit.folded_name), col(AdminUnit.id))
        )
    ).all()
    today = today_commune()
    commune_id = func.coalesce(today.c.current_id, col(Meeting.commune_id))
    present = (
        select(func.count())
        .where(col(MeetingAttendance.meeting_id) == col(Meeting.id))
        .correlate(Meeting)
        .scalar_subquery()
    )
    meetings = await session.execute(
        select(
            col(Meeting.quarter),
            commune_id,
            col(Meeting.held_on),
            present,
            col(Meeting.notes),
        )
        .select_from(Meeting)
        .outerjoin(today, today.c.unit_id == col(Meeting.commune_id))
        .where(
            col(Meeting.quarter).in_([q.key for q in quarters]),
            commune_id.in_(select(col(AdminUnit.id)).where(scoped_communes(scope))),
        )
        .order_by(col(Meeting.held_on), col(Meeting.id))
    )
    held: dict[tuple[str, int], list[tuple[dt.date | None, int, str]]] = defaultdict(list)
    for quarter_key, commune, held_on, count, notes in meetings:
        held[(quarter_key, int(commune))].append((held_on, int(count or 0), notes or ""))
    rows: list[MeetingRow] = []
    for quarter in quarters:
        for unit_id, name in communes:
            found = held.get((quarter.key, int(unit_id or 0))) or [(None, 0, "")]
            rows.extend(
                MeetingRow(quarter, name, held_on, count, notes) for held_on, count, notes in found
            )
    return rows
