"""The quarterly reminder's content and buttons, the officials' notices, and ``/digest``.

Rendered at send time in the recipient's language from ids in the outbox payload, so the
agenda is current when it arrives, not when it was planned.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.commands import is_command
from handlers.i18n import Translator, format_date, format_quarter
from handlers.turn import Turn
from handlers.types import Button, Reply
from storage.calendar import Quarter
from storage.dialogs import set_digest
from storage.errors import N_, PermissionDenied
from storage.meetings import Agenda, agenda, communes_led_by
from storage.reminders import snooze
from storage.summaries import unit_names, week_summary

MAX_AGENDA_LINES = 40


def _t(translator: Translator, message: str, **params: object) -> str:
    text = translator.gettext(message)
    return text.format(**params) if params else text


def agenda_lines(plan: Agenda, translator: Translator) -> list[str]:
    """Return the agenda: each cooperative with its open items' references."""
    lines = [
        _t(
            translator,
            N_("Cooperatives: {names}"),
            names=", ".join(c.name for c in plan.cooperatives) or "—",
        )
    ]
    if not plan.open_items:
        lines.append(_t(translator, N_("No open items: a good moment to ask how they are doing.")))
        return lines
    lines.append(_t(translator, N_("Open items (the agenda):")))
    for cooperative in plan.cooperatives:
        items = plan.items.get(cooperative.id or 0, [])
        if items:
            refs = ", ".join(i.reference for i in items)
            lines.append(f"• {cooperative.name}: {refs}")
    if len(lines) > MAX_AGENDA_LINES:
        lines = [*lines[:MAX_AGENDA_LINES], "…"]
    return lines


def reminder_buttons(translator: Translator, commune_id: int, quarter: str) -> tuple:
    """Return the reminder's buttons."""
    return (
        (Button(_t(translator, N_("📝 Log the meeting")), f"mt:start:{commune_id}"),),
        (
            Button(_t(translator, N_("📋 See items")), f"mt:items:{commune_id}"),
            Button(
                _t(translator, N_("⏰ Remind me in a week")), f"mt:snooze:{commune_id}:{quarter}"
            ),
        ),
    )


async def render_reminder(
    session: AsyncSession, payload: dict[str, object], translator: Translator
) -> list[Reply]:
    """Render a kick-off or follow-up reminder for a commune leader."""
    quarter = Quarter.parse(str(payload["quarter"]))
    commune_id = int(str(payload["commune_id"]))
    plan = await agenda(session, commune_id)
    label = format_quarter(quarter.year, quarter.number, translator.locale)
    if payload["kind"] == "quarter_kickoff":
        head = _t(
            translator,
            N_(
                "{quarter}: time to meet the cooperatives of {commune}, hear "
                "their difficulties and log the meeting here."
            ),
            quarter=label,
            commune=plan.commune.name,
        )
    else:
        last_day = format_date(quarter.end - dt.timedelta(days=1), translator.locale)
        head = _t(
            translator,
            N_(
                "Reminder: no meeting of {commune} is logged yet for {quarter}. "
                "The quarter ends on {date}."
            ),
            commune=plan.commune.name,
            quarter=label,
            date=last_day,
        )
    text = "\n".join([head, "", *agenda_lines(plan, translator)])
    return [Reply(text=text, buttons=reminder_buttons(translator, commune_id, quarter.key))]


async def render_official_notice(
    session: AsyncSession, payload: dict[str, object], translator: Translator
) -> list[Reply]:
    """Render an escalation, an overdue notice or the weekly digest for an official."""
    kind = payload["kind"]
    if kind == "meeting_escalation":
        quarter = Quarter.parse(str(payload["quarter"]))
        ids = [int(str(i)) for i in payload.get("commune_ids", [])]  # type: ignore[attr-defined]
        names = await unit_names(session, ids)
        text = _t(
            translator,
            N_(
                "{quarter} ends in a week. These communes have not logged "
                "their quarterly meeting: {communes}."
            ),
            quarter=format_quarter(quarter.year, quarter.number, translator.locale),
            communes=", ".join(names),
        )
        return [Reply(text=text)]
    if kind == "overdue_items":
        ids = [int(str(i)) for i in payload.get("unit_ids", [])]  # type: ignore[attr-defined]
        summary = await week_summary(session, ids, dt.datetime.now(dt.UTC))
        text = _t(
            translator,
            N_("{count} items in your area are past their due date: {refs}"),
            count=summary.overdue,
            refs=", ".join(summary.overdue_references) or "—",
        )
        return [Reply(text=text)]
    ids = [int(str(payload["unit_id"]))]
    summary = await week_summary(session, ids, dt.datetime.now(dt.UTC))
    text = "\n".join(
        [
            _t(
                translator,
                N_("Weekly summary for {unit}:"),
                unit=", ".join(await unit_names(session, ids)),
            ),
            _t(
                translator,
                N_("New items in the last 7 days: {count}"),
                count=summary.new_this_week,
            ),
            _t(translator, N_("Open items: {count}"), count=summary.open),
            _t(translator, N_("Overdue items: {count}"), count=summary.overdue),
        ]
    )
    off = Button(_t(translator, N_("🔕 Stop the weekly summary")), "dg:off")
    return [Reply(text=text, buttons=((off,),))]


async def _own_commune(turn: Turn, args: list[str]) -> int:
    assert turn.actor is not None  # noqa: S101
    led = {c.id for c in await communes_led_by(turn.actor, turn.session)}
    if not args or not args[0].isdigit() or int(args[0]) not in led:
        raise PermissionDenied(N_("Only a leader of this commune can log its meeting."))
    return int(args[0])


async def items_button(turn: Turn, args: list[str]) -> None:
    """Show the commune's agenda (its cooperatives' open items)."""
    plan = await agenda(turn.session, await _own_commune(turn, args))
    turn.say("\n".join(agenda_lines(plan, turn.translator)), title=plan.commune.name)


async def snooze_button(turn: Turn, args: list[str]) -> None:
    """Plan the reminder again in a week, at most twice a quarter."""
    commune_id = await _own_commune(turn, args)
    quarter = Quarter.parse(args[1]) if len(args) > 1 else Quarter.at(turn.now)
    if turn.identity is None:  # pragma: no cover - a leader always has an identity
        return
    when = await snooze(turn.session, turn.identity, commune_id, quarter, turn.now)
    if when is None:
        turn.say(turn._("You have already postponed this reminder twice this quarter."))
    else:
        turn.say(turn._("I will remind you again on {date}.", date=turn.when(when)))


async def digest_command(turn: Turn) -> bool:
    """Answer ``/digest on|off`` and the digest's stop button."""
    pressed_off = turn.incoming.payload == "dg:off"
    if not (is_command(turn, "digest") or pressed_off) or turn.person_id is None:
        return False
    wanted = "off" if pressed_off else turn.incoming.text.strip().lower()
    if wanted not in {"on", "off"}:
        turn.say(turn._("Use /digest on or /digest off."))
        return True
    await set_digest(turn.session, turn.person_id, wanted == "on")
    turn.say(
        turn._("The weekly summary is on.")
        if wanted == "on"
        else turn._("The weekly summary is off. /digest on turns it back on.")
    )
    return True
