"""Notices to officials: communes that did not meet, overdue items, the weekly summary."""

from __future__ import annotations

from handlers.i18n import format_quarter
from handlers.notices.context import Notice
from handlers.payloads import DigestOff, InboxView
from handlers.types import Button, Reply
from storage.calendar import Quarter
from storage.desk import DeskView
from storage.errors import N_
from storage.outbox_payloads import MeetingEscalation, OverdueItems, WeeklyDigest
from storage.reporting.notice_counts import week_summary
from storage.units import unit_names


async def render_escalation(notice: Notice, payload: MeetingEscalation) -> list[Reply]:
    """Name the communes of the official's area that have not logged the quarter's meeting."""
    t = notice.translator
    quarter = Quarter.parse(payload.quarter)
    names = await unit_names(notice.session, list(payload.commune_ids))
    text = t._(
        N_(
            "{quarter} ends in a week. These communes have not logged "
            "their quarterly meeting: {communes}."
        ),
        quarter=format_quarter(quarter.year, quarter.number, t.locale),
        communes=", ".join(names),
    )
    return [Reply(text=text)]


async def render_overdue(notice: Notice, payload: OverdueItems) -> list[Reply]:
    """Count the items of the official's units past their due date at the moment of sending,
    with a button to their list; nothing when none is (any more)."""
    t = notice.translator
    summary = await week_summary(notice.session, list(payload.unit_ids), notice.now)
    if summary.overdue == 0:
        return []
    text = t._(
        N_("{count} items in your area are past their due date: {refs}"),
        count=summary.overdue,
        refs=", ".join(summary.overdue_references),
    )
    see = Button(t._(N_("⏰ See the overdue items")), InboxView(DeskView.OVERDUE, 0).encode())
    return [Reply(text=text, buttons=((see,),))]


async def render_digest(notice: Notice, payload: WeeklyDigest) -> list[Reply]:
    """Give the week's figures of one unit, with buttons to the open items and to stop them;
    nothing in a week with no item open and none new."""
    t = notice.translator
    ids = [payload.unit_id]
    summary = await week_summary(notice.session, ids, notice.now)
    if summary.open == 0 and summary.new_this_week == 0:
        return []
    text = "\n".join(
        [
            t._(
                N_("Weekly summary for {unit}:"),
                unit=", ".join(await unit_names(notice.session, ids)),
            ),
            t._(N_("New items in the last 7 days: {count}"), count=summary.new_this_week),
            t._(N_("Open items: {count}"), count=summary.open),
            t._(N_("Overdue items: {count}"), count=summary.overdue),
        ]
    )
    see = Button(t._(N_("📂 See the open items")), InboxView(DeskView.OPEN, 0).encode())
    off = Button(t._(N_("🔕 Stop the weekly summary")), DigestOff().encode())
    return [Reply(text=text, buttons=((see,), (off,)))]
