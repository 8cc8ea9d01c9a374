"""``/meeting``: a commune leader logs the quarterly meeting and each agenda item's outcome.

Steps: commune (when leading several) → date → cooperatives present (multi-select) → notes →
one outcome per open item → confirm. Payloads are ``mt:<verb>[:args]``; every commune,
cooperative and item id in them is checked against the leader's communes and the agenda.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

from handlers.commands import is_command
from handlers.i18n import format_quarter
from handlers.turn import Turn
from handlers.types import Button, IncomingKind
from storage.calendar import Quarter
from storage.dialogs import clear_dialog, save_dialog
from storage.errors import N_, InvalidInput, PermissionDenied
from storage.meetings import (
    OUTCOME_TEXT,
    MeetingRecord,
    Outcome,
    agenda,
    communes_led_by,
    log_meeting,
    meeting_held,
)

FLOW = "meeting"
RECENT_DAYS = 6

OUTCOME_LABELS = {
    Outcome.DISCUSSED: N_("💬 Discussed"),
    Outcome.RESOLVED: N_("✅ Resolved at commune level"),
    Outcome.FORWARDED: N_("⬆️ Forwarded to the province"),
    Outcome.NEEDS_INFO: N_("❓ Needs more information"),
}


class Step(StrEnum):
    """Where the log stands; stored, so never renumber or reuse a value."""

    COMMUNE = "commune"
    DATE = "date"
    COOPERATIVES = "cooperatives"
    NOTES = "notes"
    OUTCOMES = "outcomes"
    CONFIRM = "confirm"


async def route(turn: Turn) -> bool:
    """Start or continue a meeting log."""
    if turn.actor is None:
        return False
    incoming = turn.incoming
    payload = incoming.payload if incoming.kind == IncomingKind.BUTTON else ""
    if is_command(turn, "meeting") or payload == "menu:meeting":
        await _start(turn, None)
        return True
    if payload.startswith("mt:"):
        await _press(turn, payload.removeprefix("mt:").split(":"))
        return True
    if turn.dialog is not None and turn.dialog.flow == FLOW and incoming.kind == IncomingKind.TEXT:
        await _typed(turn, Step(turn.dialog.step), dict(turn.dialog.draft))
        return True
    return False


async def _led(turn: Turn) -> dict[int, str]:
    assert turn.actor is not None  # noqa: S101  (route checks it)
    return {c.id or 0: c.name for c in await communes_led_by(turn.actor, turn.session)}


async def _start(turn: Turn, commune_id: int | None) -> None:
    led = await _led(turn)
    if not led:
        turn.say(turn._("Only commune leaders log quarterly meetings."))
        return
    if commune_id is not None and commune_id not in led:
        raise PermissionDenied(N_("Only a leader of this commune can log its meeting."))
    if commune_id is None and len(led) == 1:
        commune_id = next(iter(led))
    if commune_id is None:
        await _save(turn, Step.COMMUNE, {})
        turn.say(
            turn._("Which commune's meeting?"),
            *[[Button(name, f"mt:start:{cid}")] for cid, name in led.items()],
        )
        return
    await _ask_date(turn, {"commune_id": commune_id})


async def _save(turn: Turn, step: Step, draft: dict[str, Any]) -> None:
    identity_id = turn.identity.id if turn.identity else None
    turn.dialog = await save_dialog(
        turn.session, identity_id or 0, FLOW, step, draft, now=turn.now
    )


def _cancel(turn: Turn) -> list[Button]:
    return [Button(turn._("✖️ Cancel"), "rp:cancel")]


async def _ask_date(turn: Turn, draft: dict[str, Any]) -> None:
    await _save(turn, Step.DATE, draft)
    today = turn.now.astimezone(turn.config.tz).date()
    quarter = Quarter.of(today)
    notice = ""
    if await meeting_held(turn.session, draft["commune_id"], quarter):
        notice = (
            turn._(
                "A meeting is already logged for {quarter}; you can log another one.",
                quarter=format_quarter(quarter.year, quarter.number, turn.locale),
            )
            + "\n"
        )
    days = [today - dt.timedelta(days=n) for n in range(RECENT_DAYS + 1)]
    buttons = [
        Button(turn._("Today") if d == today else turn.date(d), f"mt:d:{d.isoformat()}")
        for d in days
    ]
    rows = [buttons[i : i + 3] for i in range(0, len(buttons), 3)]
    turn.say(
        notice + turn._("When was the meeting held? Choose a day or type it as dd/mm/yyyy."),
        *rows,
        _cancel(turn),
    )


async def _ask_cooperatives(turn: Turn, draft: dict[str, Any]) -> None:
    await _save(turn, Step.COOPERATIVES, draft)
    plan = await agenda(turn.session, draft["commune_id"])
    chosen = set(draft.get("coops", []))
    rows = [
        [Button(("☑ " if c.id in chosen else "☐ ") + c.name, f"mt:c:{c.id}")]
        for c in plan.cooperatives
    ]
    rows.append([Button(turn._("✅ Done"), "mt:cdone")])
    turn.say(
        turn._("Which cooperatives attended? Tap to select, then Done."), *rows, _cancel(turn)
    )


async def _ask_outcome(turn: Turn, draft: dict[str, Any]) -> None:
    plan = await agenda(turn.session, draft["commune_id"])
    decided = {int(k) for k in draft.get("outcomes", {})}
    pending = [i for i in plan.open_items if i.id not in decided]
    if not pending:
        await _confirm(turn, draft)
        return
    await _save(turn, Step.OUTCOMES, draft)
    item = pending[0]
    names = {c.id: c.name for c in plan.cooperatives}
    buttons = [
        [Button(turn._(label), f"mt:o:{item.id}:{outcome}")]
        for outcome, label in OUTCOME_LABELS.items()
    ]
    buttons.append([Button(turn._("⏭ Not discussed"), f"mt:o:{item.id}:skip")])
    summary = item.text if len(item.text) <= 300 else item.text[:300] + "…"
    turn.say(
        f"{names.get(item.cooperative_id, '')}\n{summary}",
        *buttons,
        _cancel(turn),
        title=turn._("Agenda item {reference}:", reference=item.reference),
    )


async def _confirm(turn: Turn, draft: dict[str, Any]) -> None:
    await _save(turn, Step.CONFIRM, draft)
    held = dt.date.fromisoformat(draft["held_on"])
    decided = [o for o in draft.get("outcomes", {}).values() if o != "skip"]
    lines = [
        turn._("Date: {date}", date=turn.date(held)),
        turn._("Cooperatives present: {count}", count=len(draft.get("coops", []))),
        turn._("Outcomes recorded: {count}", count=len(decided)),
    ]
    if draft.get("notes"):
        lines.append(turn._("Notes: {notes}", notes=draft["notes"]))
    turn.say(
        "\n".join(lines),
        [Button(turn._("💾 Save"), "mt:save")],
        _cancel(turn),
        title=turn._("Please check the meeting log:"),
    )


async def _press(turn: Turn, parts: list[str]) -> None:
    verb, args = parts[0], parts[1:]
    if verb == "start":
        await _start(turn, int(args[0]) if args and args[0].isdigit() else None)
        return
    if verb in {"items", "snooze"}:
        from handlers.flows.meeting_reminders import items_button, snooze_button

        await (items_button(turn, args) if verb == "items" else snooze_button(turn, args))
        return
    dialog = turn.dialog if turn.dialog is not None and turn.dialog.flow == FLOW else None
    expected = {
        "d": Step.DATE,
        "c": Step.COOPERATIVES,
        "cdone": Step.COOPERATIVES,
        "skipnotes": Step.NOTES,
        "o": Step.OUTCOMES,
        "save": Step.CONFIRM,
    }
    if dialog is None or expected.get(verb) != Step(dialog.step):
        turn.say(turn._("That button is not valid any more. Send /meeting to log a meeting."))
        return
    draft = dict(dialog.draft)
    if verb == "d":
        await _take_date(turn, draft, args[0] if args else "")
    elif verb == "c":
        await _toggle(turn, draft, args)
    elif verb == "cdone":
        if not draft.get("coops"):
            turn.say(turn._("Choose at least one cooperative."))
            await _ask_cooperatives(turn, draft)
            return
        await _save(turn, Step.NOTES, draft)
        turn.say(
            turn._("Any notes on the meeting? Type them, or skip."),
            [Button(turn._("⏭ Skip"), "mt:skipnotes")],
            _cancel(turn),
        )
    elif verb == "skipnotes":
        await _ask_outcome(turn, draft)
    elif verb == "o":
        await _take_outcome(turn, draft, args)
    elif verb == "save":
        await _store(turn, draft)


async def _take_date(turn: Turn, draft: dict[str, Any], text: str) -> None:
    try:
        held = _parse_day(text)
    except ValueError:
        turn.say(turn._("Please write the date as dd/mm/yyyy, for example 15/04/2026."))
        return
    today = turn.now.astimezone(turn.config.tz).date()
    if held > today:
        turn.say(turn._("The meeting date cannot be in the future."))
        return
    if held < Quarter.of(today).previous().first_day:
        turn.say(turn._("Meetings older than the previous quarter cannot be logged."))
        return
    await _ask_cooperatives(turn, {**draft, "held_on": held.isoformat()})


def _parse_day(text: str) -> dt.date:
    text = text.strip()
    if "/" in text:
        return dt.datetime.strptime(text, "%d/%m/%Y").date()  # noqa: DTZ007  (a date only)
    return dt.date.fromisoformat(text)


async def _toggle(turn: Turn, draft: dict[str, Any], args: list[str]) -> None:
    plan = await agenda(turn.session, draft["commune_id"])
    allowed = {c.id for c in plan.cooperatives}
    if not args or not args[0].isdigit() or int(args[0]) not in allowed:
        raise PermissionDenied(N_("That cooperative is not in your commune."))
    chosen = set(draft.get("coops", [])) ^ {int(args[0])}
    await _ask_cooperatives(turn, {**draft, "coops": sorted(chosen)})


async def _take_outcome(turn: Turn, draft: dict[str, Any], args: list[str]) -> None:
    plan = await agenda(turn.session, draft["commune_id"])
    if len(args) != 2 or not args[0].isdigit() or args[1] not in {*Outcome, "skip"}:
        raise InvalidInput(N_("That item is not on this commune's agenda."))
    if int(args[0]) not in {i.id for i in plan.open_items}:
        raise InvalidInput(N_("That item is not on this commune's agenda."))
    outcomes = {**draft.get("outcomes", {}), args[0]: args[1]}
    await _ask_outcome(turn, {**draft, "outcomes": outcomes})


async def _typed(turn: Turn, step: Step, draft: dict[str, Any]) -> None:
    if step == Step.DATE:
        await _take_date(turn, draft, turn.incoming.text)
    elif step == Step.NOTES:
        await _ask_outcome(turn, {**draft, "notes": turn.incoming.text[:4000]})
    else:
        turn.say(turn._("Please use the buttons, or /cancel to stop."))


async def _store(turn: Turn, draft: dict[str, Any]) -> None:
    assert turn.actor is not None  # noqa: S101
    outcomes = tuple(
        (int(k), Outcome(v)) for k, v in draft.get("outcomes", {}).items() if v != "skip"
    )
    record = MeetingRecord(
        draft["commune_id"],
        dt.date.fromisoformat(draft["held_on"]),
        tuple(draft.get("coops", [])),
        draft.get("notes", ""),
        outcomes,
    )

    def describe(outcome: Outcome, held_on: dt.date) -> str:
        return turn._(OUTCOME_TEXT[outcome], date=turn.date(held_on))

    meeting, first = await log_meeting(
        turn.session, turn.actor, record, now=turn.now, tz=turn.config.tz, describe=describe
    )
    if turn.identity is not None:
        await clear_dialog(turn.session, turn.identity.id or 0)
    quarter = Quarter.parse(meeting.quarter)
    label = format_quarter(quarter.year, quarter.number, turn.locale)
    text = (
        turn._("Saved. The meeting duty of {quarter} is fulfilled.", quarter=label)
        if first
        else turn._("Saved as another meeting of {quarter}.", quarter=label)
    )
    turn.say(text + "\n" + turn._("The cooperatives concerned are told of each outcome."))
