"""The officials' Excel workbook as a ``WorkbookSpec``: items, a summary, meetings, targets.

Built from a translator rather than a turn, so the CLI (``coopbot report export``) writes the
very same workbook. Sheet names and headers use the ``workbook`` message context: spreadsheet
vocabulary ("Tổng hợp", "Xã (hiện nay)") differs from the chat's.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.i18n import Translator, format_quarter
from handlers.labels import KIND_LABELS, STATUS_NAMES
from handlers.ports import Sheet, WorkbookSpec
from storage.categories import list_categories
from storage.models import FeedbackKind, Status
from storage.reporting.export_rows import ExportItem, export_items, meeting_rows
from storage.reporting.figures import (
    elapsed_quarters,
    ratings_by_commune,
    ratings_by_office,
    status_counts,
)
from storage.reporting.scope import ReportScope, target_unit_ids
from storage.targets import TargetState, targets_progress
from storage.text import fold

ITEM_WIDTHS = (16, 12, 26, 12, 30, 20, 14, 26, 20, 12, 9, 14, 14, 80)


def _capitalized(text: str) -> str:
    return text[:1].upper() + text[1:]


def _yes_no(translator: Translator, value: bool) -> str:
    if value:
        return translator.pgettext("workbook", "yes")
    return translator.pgettext("workbook", "no")


def _items_sheet(translator: Translator, items: list[ExportItem], categories_vi: bool) -> Sheet:
    pgettext = translator.pgettext  # the name message extraction looks for
    headers = (
        pgettext("workbook", "Reference"),
        pgettext("workbook", "Sent on"),
        pgettext("workbook", "Cooperative"),
        pgettext("workbook", "Kind"),
        pgettext("workbook", "Category"),
        pgettext("workbook", "Commune (today)"),
        pgettext("workbook", "Status"),
        pgettext("workbook", "Assigned office"),
        pgettext("workbook", "Assigned unit"),
        pgettext("workbook", "Due on"),
        pgettext("workbook", "Overdue"),
        pgettext("workbook", "First response on"),
        pgettext("workbook", "Resolved on"),
        pgettext("workbook", "Text"),
    )
    rows = tuple(
        (
            item.reference,
            item.created_on,
            item.cooperative,
            translator.gettext(KIND_LABELS[FeedbackKind(item.kind)]),
            item.category_vi if categories_vi else item.category_en,
            item.commune,
            translator.gettext(STATUS_NAMES[Status(item.status)]),
            item.office or "",
            item.assignee_unit or "",
            item.due_on,
            _yes_no(translator, item.overdue),
            item.first_response_on,
            item.resolved_on,
            item.text,
        )
        for item in items
    )
    return Sheet(pgettext("workbook", "Items"), headers, rows, ITEM_WIDTHS)


async def _summary_sheet(
    session: AsyncSession, scope: ReportScope, translator: Translator
) -> Sheet:
    """Kinds and categories (rows) by status (columns), with totals."""
    pgettext = translator.pgettext  # the name message extraction looks for
    statuses = list(Status)
    headers = (
        pgettext("workbook", "By"),
        pgettext("workbook", "Name"),
        *(_capitalized(translator.gettext(STATUS_NAMES[s])) for s in statuses),
        pgettext("workbook", "Total"),
    )
    by_kind = await status_counts(session, scope, "kind")
    by_category = await status_counts(session, scope, "category")
    rows: list[tuple[object, ...]] = []

    def add(group: str, name: str, key: str, counts: dict[tuple[str, str], int]) -> None:
        values = [counts.get((key, s), 0) for s in statuses]
        rows.append((group, name, *values, sum(values)))

    for kind in FeedbackKind:
        add(pgettext("workbook", "Kind"), translator.gettext(KIND_LABELS[kind]), kind, by_kind)
    vi = translator.locale == "vi"
    for category in await list_categories(session):
        name = category.name_vi if vi else category.name_en
        add(pgettext("workbook", "Category"), name, category.key, by_category)
    totals = [sum(n for (_k, s), n in by_kind.items() if s == status) for status in statuses]
    rows.append((pgettext("workbook", "All items"), "", *totals, sum(totals)))
    return Sheet(pgettext("workbook", "Summary"), headers, tuple(rows))


async def _meetings_sheet(
    session: AsyncSession, scope: ReportScope, translator: Translator, today: dt.date
) -> Sheet:
    pgettext = translator.pgettext  # the name message extraction looks for
    quarters = elapsed_quarters(scope.period, today)
    headers = (
        pgettext("workbook", "Quarter"),
        pgettext("workbook", "Commune"),
        pgettext("workbook", "Meeting held"),
        pgettext("workbook", "Held on"),
        pgettext("workbook", "Cooperatives present"),
        pgettext("workbook", "Notes"),
    )
    rows = tuple(
        (
            format_quarter(row.quarter.year, row.quarter.number, translator.locale),
            row.commune,
            _yes_no(translator, row.held_on is not None),
            row.held_on,
            row.cooperatives_present if row.held_on is not None else None,
            row.notes,
        )
        for row in await meeting_rows(session, scope, quarters)
    )
    return Sheet(
        pgettext("workbook", "Quarterly meetings"), headers, rows, (14, 24, 12, 12, 12, 60)
    )


def _metric_names(translator: Translator) -> dict[str, str]:
    pgettext = translator.pgettext  # the name message extraction looks for
    return {
        "new_htx": pgettext("workbook", "New cooperatives (HTX) founded"),
        "new_union": pgettext("workbook", "New unions of cooperatives founded"),
        "effective_share": pgettext("workbook", "Share of HTX operating effectively"),
        "good_rating_share": pgettext(
            "workbook", "Share of effective HTX rated fairly good or better"
        ),
        "ocop_htx": pgettext("workbook", "HTX with a valid OCOP certificate"),
        "high_tech_htx": pgettext("workbook", "HTX applying high technology"),
    }


async def _targets_sheet(
    session: AsyncSession, scope: ReportScope, translator: Translator, today: dt.date
) -> Sheet:
    """The plan's targets, each with the plan's words, its state and, for figures computed
    from the demo's made-up data, a note saying so."""
    pgettext = translator.pgettext  # the name message extraction looks for
    headers = (
        pgettext("workbook", "Plan"),
        pgettext("workbook", "Target"),
        pgettext("workbook", "Years"),
        pgettext("workbook", "Minimum"),
        pgettext("workbook", "Maximum"),
        pgettext("workbook", "Actual"),
        pgettext("workbook", "Measured in"),
        pgettext("workbook", "Result"),
        pgettext("workbook", "As of"),
        pgettext("workbook", "The plan's words"),
        pgettext("workbook", "Note"),
    )
    names = _metric_names(translator)
    states = {
        TargetState.MET: pgettext("workbook", "met"),
        TargetState.MISSED: pgettext("workbook", "missed"),
        TargetState.IN_PROGRESS: pgettext("workbook", "in progress"),
    }
    rows = []
    units = await target_unit_ids(session, scope)
    for target in await targets_progress(session, units, today=today):
        # Shares are stored as fractions; a spreadsheet reader expects percentages.
        share = target.unit_of_measure == "share"
        scale = 100.0 if share else 1.0
        rows.append(
            (
                target.title,
                names.get(target.metric, target.metric),
                f"{target.period_start}–{target.period_end}",
                round(target.target_min * scale, 1),
                round(target.target_max * scale, 1) if target.target_max is not None else None,
                round(target.actual * scale, 1),
                "%" if share else pgettext("workbook", "number"),
                states[target.state],
                target.reference_day,
                target.definition,
                pgettext("workbook", "(illustrative data)") if target.illustrative else None,
            )
        )
    widths = (50, 40, 11, 10, 10, 10, 12, 12, 12, 50, 20)
    return Sheet(pgettext("workbook", "Targets"), headers, tuple(rows), widths)


async def _ratings_sheet(
    session: AsyncSession, scope: ReportScope, translator: Translator
) -> Sheet:
    """The directors' ratings of the answers, per commune of today and per office."""
    pgettext = translator.pgettext
    headers = (
        pgettext("workbook", "By"),
        pgettext("workbook", "Name"),
        pgettext("workbook", "Answers rated"),
        pgettext("workbook", "Average rating (1–5)"),
    )
    commune, office = pgettext("workbook", "Commune (today)"), pgettext("workbook", "Office")
    rows = [
        (commune, group.name, group.rated, group.mean)
        for group in await ratings_by_commune(session, scope)
    ] + [
        (office, group.name, group.rated, group.mean)
        for group in await ratings_by_office(session, scope)
    ]
    return Sheet(pgettext("workbook", "Ratings"), headers, tuple(rows), (18, 40, 16, 20))


def file_name(period_key: str, where: str) -> str:
    """Return an ASCII file name such as ``coopbot-2026Q1-an-lac-thon.xlsx``."""
    slug = "-".join(fold(where).split())[:40] or "all"
    return f"coopbot-{period_key}-{slug}.xlsx"


async def build_workbook(
    session: AsyncSession,
    scope: ReportScope,
    translator: Translator,
    *,
    now: dt.datetime,
    where: str,
) -> WorkbookSpec:
    """Return the workbook of ``scope`` with headers in the translator's language."""
    today = now.astimezone(scope.tz).date()
    items = await export_items(session, scope, now)
    sheets = (
        _items_sheet(translator, items, translator.locale == "vi"),
        await _summary_sheet(session, scope, translator),
        await _meetings_sheet(session, scope, translator, today),
        await _targets_sheet(session, scope, translator, today),
        await _ratings_sheet(session, scope, translator),
    )
    return WorkbookSpec(file_name(scope.period.key, where), sheets)
