"""The commune leader's quarterly reminder: the kick-off and the follow-up, with the agenda.

Rendered at send time from the ids in the outbox payload, so the agenda is current when the
reminder arrives, not when it was planned.
"""

from __future__ import annotations

import datetime as dt

from handlers.i18n import Translator, format_date, format_quarter
from handlers.notices.context import Notice
from handlers.payloads import LogMeeting, SeeAgenda, SnoozeReminder
from handlers.types import Button, Reply
from storage.calendar import Quarter
from storage.errors import N_
from storage.meetings import Agenda, agenda
from storage.outbox_payloads import QuarterFollowUp, QuarterKickoff

MAX_AGENDA_LINES = 40


def agenda_lines(plan: Agenda, translator: Translator) -> list[str]:
    """Return the agenda: each cooperative with its open items' references."""
    names = ", ".join(c.name for c in plan.cooperatives) or "—"
    lines = [translator._(N_("Cooperatives: {names}"), names=names)]
    if not plan.open_items:
        lines.append(translator._(N_("No open items: a good moment to ask how they are doing.")))
        return lines
    lines.append(translator._(N_("Open items (the agenda):")))
    for cooperative in plan.cooperatives:
        items = plan.items.get(cooperative.id or 0, [])
        if items:
            refs = ", ".join(i.reference for i in items)
            lines.append(f"• {cooperative.name}: {refs}")
    if len(lines) > MAX_AGENDA_LINES:
        lines = [*lines[:MAX_AGENDA_LINES], "…"]
    return lines


def reminder_buttons(
    translator: Translator, commune_id: int, quarter: str
) -> tuple[tuple[Button, ...], ...]:
    """Return the reminder's buttons."""
    return (
        (Button(translator._(N_("📝 Log the meeting")), LogMeeting(commune_id).encode()),),
        (
            Button(translator._(N_("📋 See items")), SeeAgenda(commune_id).encode()),
            Button(
                translator._(N_("⏰ Remind me in a week")),
                SnoozeReminder(commune_id, quarter).encode(),
            ),
        ),
    )


async def render_reminder(
    notice: Notice, payload: QuarterKickoff | QuarterFollowUp
) -> list[Reply]:
    """Render a kick-off or follow-up reminder for a commune leader."""
    t = notice.translator
    quarter = Quarter.parse(payload.quarter)
    plan = await agenda(notice.session, payload.commune_id)
    label = format_quarter(quarter.year, quarter.number, t.locale)
    if isinstance(payload, QuarterKickoff):
        head = t._(
            N_(
                "{quarter}: time to meet the cooperatives of {commune}, hear "
                "their difficulties and log the meeting here."
            ),
            quarter=label,
            commune=plan.commune.name,
        )
    else:
        last_day = format_date(quarter.end - dt.timedelta(days=1), t.locale)
        head = t._(
            N_(
                "Reminder: no meeting of {commune} is logged yet for {quarter}. "
                "The quarter ends on {date}."
            ),
            commune=plan.commune.name,
            quarter=label,
            date=last_day,
        )
    text = "\n".join([head, "", *agenda_lines(plan, t)])
    buttons = reminder_buttons(t, payload.commune_id, quarter.key)
    return [Reply(text=text, buttons=buttons)]
