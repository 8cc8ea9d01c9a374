"""``/chart [period] [unit]``: three PNG charts for officials and commune leaders.

1. the period's items per commune of today, stacked by status;
2. items per category in each of the last four quarters up to the period's;
3. the share of communes that held their quarterly meeting, over the same four quarters.

Buttons ``ch:<period>:<unit id or 0>`` (under /summary, and here) ask for the same charts.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict

from handlers.i18n import format_quarter
from handlers.labels import STATUS_NAMES
from handlers.payloads import Charts, Workbook
from handlers.ports import ChartSpec, Series
from handlers.report_view import (
    View,
    period_label,
    scope_label,
    view_route,
)
from handlers.turn import Turn
from handlers.types import Button, Reply
from storage.categories import list_categories
from storage.models import Status
from storage.reporting.figures import (
    RatingGroup,
    items_by_category_quarter,
    items_by_commune_status,
    meeting_compliance,
    ratings_by_commune,
    ratings_by_office,
    trend_quarters,
)

logger = logging.getLogger(__name__)


async def send_charts(turn: Turn, view: View) -> None:
    """Draw the charts of ``view`` (items by commune and by topic, meetings, ratings) and queue
    them as images with short captions; a chart with nothing to show is a sentence instead."""
    renderers = turn.config.renderers
    assert renderers is not None  # noqa: S101  (checked by the route)
    period = period_label(view.period, turn.translator)
    where = await scope_label(turn, view)
    specs = [
        await _by_commune(turn, view, period, where),
        await _by_category(turn, view, where),
        await _meetings(turn, view, where),
        await _ratings(turn, view, period, where),
    ]
    by_office = await _office_ratings(turn, view, period, where)
    if by_office is not None:
        specs.append(by_office)
    for spec, caption in specs:
        if spec is None:
            turn.say(caption)
        else:
            # Drawing takes a few hundred milliseconds: a worker thread keeps the event loop
            # answering other people meanwhile (each chart is its own figure, nothing shared).
            image = await asyncio.to_thread(renderers.chart, spec)
            turn.replies.append(Reply(text=caption, image=image))
    last = turn.replies[-1]
    turn.replies[-1] = Reply(
        text=last.text,
        image=last.image,
        buttons=((Button(turn._("📥 Excel"), view.payload(Workbook)),),),
    )
    logger.info("charts of %s sent to person %s", view.payload(Charts), turn.person_id)


async def _by_commune(
    turn: Turn, view: View, period: str, where: str
) -> tuple[ChartSpec | None, str]:
    counts = await items_by_commune_status(turn.session, view.scope(turn))
    if not counts:
        return None, turn._(
            "No items were sent in {period} ({where}).", period=period, where=where
        )
    communes: dict[int, str] = {}
    table: dict[tuple[int, str], int] = {}
    for row in counts:
        communes[row.commune_id] = row.commune
        table[(row.commune_id, row.status)] = row.count
    present = {row.status for row in counts}
    statuses = [s for s in Status if s in present]
    series = tuple(
        Series(
            turn._(STATUS_NAMES[status]),
            tuple(float(table.get((commune, status), 0)) for commune in communes),
        )
        for status in statuses
    )
    total = sum(row.count for row in counts)
    spec = ChartSpec(
        title=turn._("Items by commune and status — {period}", period=period) + "\n" + where,
        labels=tuple(communes.values()),
        series=series,
        stacked=True,
        y_label=turn._("Number of items"),
        file_name=f"chart-communes-{view.period.key}.png",
    )
    caption = turn.translator.ngettext(
        "{count} item in {period}, {where}.", "{count} items in {period}, {where}.", total
    )
    return spec, caption.format(count=total, period=period, where=where)


async def _ratings(
    turn: Turn, view: View, period: str, where: str
) -> tuple[ChartSpec | None, str]:
    """Chart the directors' mean rating of the answers per commune (1–5)."""
    groups = await ratings_by_commune(turn.session, view.scope(turn))
    if not groups:
        return None, turn._(
            "No answers were rated in {period} ({where}).", period=period, where=where
        )
    title = turn._("Satisfaction with the answers by commune — {period}", period=period)
    caption = turn._(
        "{count} answers rated in {period}, {where}.",
        count=sum(group.rated for group in groups),
        period=period,
        where=where,
    )
    return _rating_chart(turn, groups, f"{title}\n{where}", f"ratings-{view.period.key}"), caption


async def _office_ratings(
    turn: Turn, view: View, period: str, where: str
) -> tuple[ChartSpec, str] | None:
    """Chart the mean rating per office the items were assigned to; None when no rated item
    was handled by an office (most communes assign none)."""
    groups = await ratings_by_office(turn.session, view.scope(turn))
    if not groups:
        return None
    title = turn._("Satisfaction with the answers by office — {period}", period=period)
    caption = turn._(
        "{count} answers of offices rated in {period}, {where}.",
        count=sum(group.rated for group in groups),
        period=period,
        where=where,
    )
    chart = _rating_chart(turn, groups, f"{title}\n{where}", f"office-ratings-{view.period.key}")
    return chart, caption


def _rating_chart(turn: Turn, groups: list[RatingGroup], title: str, name: str) -> ChartSpec:
    """Return the bar chart of mean ratings (1–5), one bar per group."""
    return ChartSpec(
        title=title,
        labels=tuple(group.name for group in groups),
        series=(Series(turn._("Average rating (1–5)"), tuple(g.mean for g in groups)),),
        y_label=turn._("Average rating (1–5)"),
        file_name=f"chart-{name}.png",
    )


async def _by_category(turn: Turn, view: View, where: str) -> tuple[ChartSpec | None, str]:
    quarters = trend_quarters(view.period, turn.now.astimezone(turn.config.tz).date())
    counts = await items_by_category_quarter(turn.session, view.scope(turn), quarters)
    names = [format_quarter(q.year, q.number, turn.locale) for q in quarters]
    first, last = names[0], names[-1]
    if not counts:
        return None, turn._(
            "No items were sent from {first} to {last} ({where}).",
            first=first,
            last=last,
            where=where,
        )
    per_category: dict[str, int] = defaultdict(int)
    for (_quarter, category), count in counts.items():
        per_category[category] += count
    name = "name_vi" if turn.locale == "vi" else "name_en"
    categories = [c for c in await list_categories(turn.session) if per_category.get(c.key)]
    spec = ChartSpec(
        title=turn._("Items by category, {first} to {last}", first=first, last=last)
        + "\n"
        + where,
        labels=tuple(getattr(c, name) for c in categories),
        series=tuple(
            Series(label, tuple(float(counts.get((q.key, c.key), 0)) for c in categories))
            for q, label in zip(quarters, names, strict=True)
        ),
        y_label=turn._("Number of items"),
        file_name=f"chart-categories-{quarters[-1].key}.png",
    )
    top = max(categories, key=lambda c: per_category[c.key])
    return spec, turn._(
        "Most items were about: {category} ({count}).",
        category=getattr(top, name),
        count=per_category[top.key],
    )


async def _meetings(turn: Turn, view: View, where: str) -> tuple[ChartSpec | None, str]:
    quarters = trend_quarters(view.period, turn.now.astimezone(turn.config.tz).date())
    compliance = await meeting_compliance(turn.session, view.scope(turn), quarters)
    names = [format_quarter(c.quarter.year, c.quarter.number, turn.locale) for c in compliance]
    spec = ChartSpec(
        title=turn._("Communes that held their quarterly meeting (%)") + "\n" + where,
        labels=tuple(names),
        series=(Series(turn._("Communes that met (%)"), tuple(c.percent for c in compliance)),),
        y_label="%",
        file_name=f"chart-meetings-{compliance[-1].quarter.key}.png",
    )
    lines = [
        turn.translator.ngettext(
            "{quarter}: {held} of {total} commune met",
            "{quarter}: {held} of {total} communes met",
            c.total,
        ).format(quarter=n, held=c.held, total=c.total)
        for n, c in zip(names, compliance, strict=True)
    ]
    return spec, "\n".join(lines)


# /chart and the Charts buttons.
route = view_route("chart", Charts, send_charts)
