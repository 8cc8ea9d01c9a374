"""Notices to officials: communes that did not meet, overdue items, the weekly summary."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.i18n import Translator, format_quarter
from handlers.payloads import DigestOff
from handlers.types import Button, Reply
from storage.calendar import Quarter
from storage.errors import N_
from storage.outbox_payloads import MeetingEscalation, OverdueItems, WeeklyDigest
from storage.reporting.notice_counts import week_summary
from storage.units import unit_names


async def render_escalation(
    session: AsyncSession, payload: MeetingEscalation, translator: Translator
) -> list[Reply]:
    """Name the communes of the official's area that have not logged the quarter's meeting."""
    quarter = Quarter.parse(payload.quarter)
    names = await unit_names(session, list(payload.commune_ids))
    text = translator._(
        N_(
            "{quarter} ends in a week. These communes have not logged "
            "their quarterly meeting: {communes}."
        ),
        quarter=format_quarter(quarter.year, quarter.number, translator.locale),
        communes=", ".join(names),
    )
    return [Reply(text=text)]


async def render_overdue(
    session: AsyncSession, payload: OverdueItems, translator: Translator
) -> list[Reply]:
    """Count the items of the official's units that are past their due date."""
    summary = await week_summary(session, list(payload.unit_ids), dt.datetime.now(dt.UTC))
    text = translator._(
        N_("{count} items in your area are past their due date: {refs}"),
        count=summary.overdue,
        refs=", ".join(summary.overdue_references) or "—",
    )
    return [Reply(text=text)]


async def render_digest(
    session: AsyncSession, payload: WeeklyDigest, translator: Translator
) -> list[Reply]:
    """Give the week's figures of one unit, with a button that stops them."""
    ids = [payload.unit_id]
    summary = await week_summary(session, ids, dt.datetime.now(dt.UTC))
    text = "\n".join(
        [
            translator._(
                N_("Weekly summary for {unit}:"), unit=", ".join(await unit_names(session, ids))
            ),
            translator._(N_("New items in the last 7 days: {count}"), count=summary.new_this_week),
            translator._(N_("Open items: {count}"), count=summary.open),
            translator._(N_("Overdue items: {count}"), count=summary.overdue),
        ]
    )
    off = Button(translator._(N_("🔕 Stop the weekly summary")), DigestOff().encode())
    return [Reply(text=text, buttons=((off,),))]
