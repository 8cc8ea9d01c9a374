"""``/summary [period] [unit]``: where things stand, for officials and commune leaders.

``/summary``, ``/summary 2026Q1``, ``/summary 2026 Xã Kế Sách``, ``/summary q1 trinh phu``.
Buttons drill into a category or a commune (``SummaryCategory``, ``SummaryUnit``), or ask for
the charts and the workbook (``Charts``, ``Workbook``).
"""

from __future__ import annotations

from handlers.commands import is_command
from handlers.i18n import format_number, format_quarter
from handlers.labels import KIND_LABELS, status_name
from handlers.payloads import Charts, OpenItem, SummaryCategory, SummaryUnit, Workbook
from handlers.turn import Turn
from handlers.types import Button
from handlers.wording import first_words
from storage.categories import list_categories
from storage.errors import N_, CoopbotError, InvalidInput
from storage.models import AdminUnit
from storage.periods import Period, parse_period, split_period
from storage.reporting.scope import ensure_unit_in_scope
from storage.reporting.summary import Summary, items_in_summary, summarize
from storage.units import resolve_unit

USAGE = N_("Examples: /summary, /summary q4/2026, /summary 2026 Xã Kế Sách, /summary q1 trinh phu")


def may_report(turn: Turn) -> bool:
    """Tell whether the person handles items (official, commune leader, admin)."""
    return turn.actor is not None and turn.actor.handles_items


async def resolve_scope(turn: Turn, args: str) -> tuple[Period, AdminUnit | None]:
    """Parse '[period] [unit]' and check the unit is inside the person's scope.

    Raises:
        InvalidInput: a bad period or unit name (the message carries the accepted forms).
        PermissionDenied: a unit outside the person's scope.
    """
    assert turn.actor is not None  # noqa: S101  (routes check it)
    period_text, unit_name = split_period(args)
    today = turn.now.astimezone(turn.config.tz).date()
    period = parse_period(period_text, today)
    if not unit_name:
        return period, None
    try:
        resolved = await resolve_unit(turn.session, unit_name, on=period.start)
    except CoopbotError as error:
        raise InvalidInput(error.message, **error.params) from None
    unit = resolved.today or resolved.unit
    return period, await ensure_unit_in_scope(turn.session, turn.actor, unit.id or 0)


async def route(turn: Turn) -> bool:
    """Answer /summary and its drill-down buttons."""
    if not may_report(turn):
        return False
    if is_command(turn, "summary"):
        try:
            period, unit = await resolve_scope(turn, turn.incoming.text)
        except InvalidInput as error:
            turn.say(turn.error_text(error) + "\n" + turn._(USAGE))
            return True
        await show(turn, period, unit)
        return True
    if isinstance(press := turn.pressed, SummaryCategory | SummaryUnit):
        await _drill(turn, press)
        return True
    return False


async def _unit_of(turn: Turn, unit_id: int) -> AdminUnit | None:
    """Return the unit of a button (None for the whole scope), if inside the person's scope."""
    assert turn.actor is not None  # noqa: S101
    if unit_id == 0:
        return None
    return await ensure_unit_in_scope(turn.session, turn.actor, unit_id)


async def _drill(turn: Turn, press: SummaryCategory | SummaryUnit) -> None:
    assert turn.actor is not None  # noqa: S101
    today = turn.now.astimezone(turn.config.tz).date()
    period, unit = parse_period(press.period, today), await _unit_of(turn, press.unit)
    if isinstance(press, SummaryUnit):
        await show(turn, period, unit)
        return
    items = await items_in_summary(
        turn.session,
        turn.actor,
        period,
        unit_ids=[unit.id or 0] if unit else None,
        category=press.category,
    )
    lines = [
        f"{i.reference} · {status_name(turn, i.status)} · {turn.date(i.created_at.date())}"
        for i in items
    ]
    turn.say(
        "\n".join(lines) or turn._("No items."),
        *[[Button(i.reference, OpenItem(i.id or 0).encode())] for i in items[:8]],
    )


def _label(turn: Turn, period: Period) -> str:
    quarter = period.quarter
    return format_quarter(quarter.year, quarter.number, turn.locale) if quarter else period.key


async def show(turn: Turn, period: Period, unit: AdminUnit | None) -> None:
    """Send the summary of ``period`` in ``unit`` (or the whole scope)."""
    assert turn.actor is not None  # noqa: S101
    summary = await summarize(
        turn.session,
        turn.actor,
        period,
        unit_ids=[unit.id or 0] if unit else None,
        now=turn.now,
        tz=turn.config.tz,
    )
    categories = {
        c.key: (c.name_vi if turn.locale == "vi" else c.name_en)
        for c in await list_categories(turn.session)
    }
    where = unit.name if unit else turn._("your area")
    title = turn._("📊 Summary — {period} — {unit}", period=_label(turn, period), unit=where)
    unit_arg = unit.id or 0 if unit else 0
    buttons = [
        [
            Button(
                f"🏷 {first_words(categories.get(key, key), 32)} ({n})",
                SummaryCategory(key, period.key, unit_arg).encode(),
            )
        ]
        for key, n in summary.top_categories[:3]
    ]
    buttons += [
        [Button(f"📍 {name} ({n})", SummaryUnit(cid, period.key).encode())]
        for cid, name, n in summary.by_commune[:3]
        if not unit or cid != unit.id
    ]
    buttons.append(
        [
            Button(turn._("📈 Charts"), Charts(period.key, unit_arg).encode()),
            Button(turn._("📥 Excel"), Workbook(period.key, unit_arg).encode()),
        ]
    )
    turn.say(render(turn, summary, categories), *buttons, title=title)


def render(turn: Turn, summary: Summary, categories: dict[str, str]) -> str:
    """Return the summary's text in the person's language."""

    def n(value: float) -> str:
        return format_number(value, turn.locale)

    lines = [turn._("Items: {count}", count=n(summary.total))]
    for kind, label in KIND_LABELS.items():
        counts = [
            (status, c) for (k, status), c in sorted(summary.by_kind_status.items()) if k == kind
        ]
        if counts:
            parts = ", ".join(f"{status_name(turn, status)} {n(c)}" for status, c in counts)
            lines.append(f"• {turn._(label)}: {parts}")
    if summary.top_categories:
        top = "; ".join(f"{categories.get(k, k)} {n(c)}" for k, c in summary.top_categories)
        lines.append(turn._("Top topics: {list}", list=top))
    if summary.by_commune:
        top = "; ".join(f"{name} {n(c)}" for _, name, c in summary.by_commune)
        lines.append(turn._("By commune: {list}", list=top))
    lines.append(turn._("Overdue: {count}", count=n(summary.overdue)))
    days = turn._("{days} days")
    first = (
        days.format(days=n(summary.median_first_response_days))
        if summary.median_first_response_days is not None
        else "—"
    )
    resolution = (
        days.format(days=n(summary.median_resolution_days))
        if summary.median_resolution_days is not None
        else "—"
    )
    lines.append(
        turn._(
            "Median time to first response: {first}; to resolution: {resolved}",
            first=first,
            resolved=resolution,
        )
    )
    if summary.compliance_quarter is not None:
        q = summary.compliance_quarter
        lines.append(
            turn._(
                "Quarterly meetings ({quarter}): {held} of {total} communes",
                quarter=format_quarter(q.year, q.number, turn.locale),
                held=n(summary.meetings_held),
                total=n(summary.communes_total),
            )
        )
    if summary.mean_rating is not None:
        lines.append(
            turn._(
                "Satisfaction with the answers: {mean}/5 ({count} rated)",
                mean=n(summary.mean_rating),
                count=n(summary.ratings),
            )
        )
    if summary.total == 0:
        lines.append(turn._("No items were filed in this period."))
    return "\n".join(lines)
