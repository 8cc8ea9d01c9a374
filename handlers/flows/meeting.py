"""``/meeting``: a commune leader logs the quarterly meeting and each agenda item's outcome.

Steps: commune (when leading several) → date → cooperatives present (multi-select) → notes →
one outcome per open item → confirm. Buttons are the ``Meeting…`` kinds of
``handlers.payloads``; every commune, cooperative and item id in them is checked against the
leader's communes and the agenda, and every press against the step it belongs to (``ACCEPTS``).
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

from handlers.codec import Payload
from handlers.commands import is_command
from handlers.i18n import format_quarter
from handlers.labels import OUTCOME_LABELS
from handlers.payloads import (
    SKIPPED,
    Cancel,
    LogMeeting,
    MeetingCooperativesDone,
    MeetingDay,
    MeetingFixOutcome,
    MeetingOutcome,
    MeetingSave,
    MeetingSkipDecision,
    MeetingSkipNotes,
    MeetingToggleCooperative,
    MenuEntry,
    OpenMenuEntry,
)
from handlers.steps import StepButtons
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
MAX_DECISION = 300
MAX_FIXES = 8


class Step(StrEnum):
    """Where the log stands; stored, so never renumber or reuse a value."""

    COMMUNE = "commune"
    DATE = "date"
    COOPERATIVES = "cooperatives"
    NOTES = "notes"
    OUTCOMES = "outcomes"
    CONFIRM = "confirm"
    DECISION = "decision"


# The buttons each step takes ("log the meeting" and "cancel" are taken anywhere).
BUTTONS = StepButtons(
    FLOW,
    Step,
    {
        Step.COMMUNE: (),
        Step.DATE: (MeetingDay,),
        Step.COOPERATIVES: (MeetingToggleCooperative, MeetingCooperativesDone),
        Step.NOTES: (MeetingSkipNotes,),
        Step.OUTCOMES: (MeetingOutcome,),
        Step.DECISION: (MeetingSkipDecision,),
        Step.CONFIRM: (MeetingSave, MeetingFixOutcome),
    },
)


async def route(turn: Turn) -> bool:
    """Start or continue a meeting log."""
    if turn.actor is None:
        return False
    incoming = turn.incoming
    if is_command(turn, "meeting") or turn.pressed == OpenMenuEntry(MenuEntry.MEETING):
        await _start(turn, None)
        return True
    if isinstance(press := turn.pressed, LogMeeting):
        await _start(turn, press.commune)
        return True
    if isinstance(press, BUTTONS.kinds):
        await _press(turn, press)
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
            *[[Button(name, LogMeeting(cid).encode())] for cid, name in led.items()],
        )
        return
    await _ask_date(turn, {"commune_id": commune_id})


async def _save(turn: Turn, step: Step, draft: dict[str, Any]) -> None:
    identity_id = turn.identity.id if turn.identity else None
    turn.dialog = await save_dialog(
        turn.session, identity_id or 0, FLOW, step, draft, now=turn.now
    )


def _cancel(turn: Turn) -> list[Button]:
    return [Button(turn._("✖️ Cancel"), Cancel().encode())]


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
        Button(turn._("Today") if d == today else turn.date(d), MeetingDay(d).encode())
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
        [
            Button(
                ("☑ " if c.id in chosen else "☐ ") + c.name,
                MeetingToggleCooperative(c.id or 0).encode(),
            )
        ]
        for c in plan.cooperatives
    ]
    rows.append([Button(turn._("✅ Done"), MeetingCooperativesDone().encode())])
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
        [Button(turn._(label), MeetingOutcome(item.id or 0, outcome).encode())]
        for outcome, label in OUTCOME_LABELS.items()
    ]
    buttons.append(
        [Button(turn._("⏭ Not discussed"), MeetingOutcome(item.id or 0, SKIPPED).encode())]
    )
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
    outcomes: dict[str, str] = draft.get("outcomes", {})
    decided = [o for o in outcomes.values() if o != SKIPPED]
    lines = [
        turn._("Date: {date}", date=turn.date(held)),
        turn._("Cooperatives present: {count}", count=len(draft.get("coops", []))),
        turn._("Outcomes recorded: {count}", count=len(decided)),
    ]
    if draft.get("notes"):
        lines.append(turn._("Notes: {notes}", notes=draft["notes"]))
    plan = await agenda(turn.session, draft["commune_id"])
    references = {str(i.id): i.reference for i in plan.open_items}
    fixes = []
    for item_id, outcome in outcomes.items():
        label = (
            turn._(OUTCOME_LABELS[Outcome(outcome)])
            if outcome != SKIPPED
            else turn._("⏭ Not discussed")
        )
        decision = draft.get("decisions", {}).get(item_id)
        lines.append(
            f"• {references.get(item_id, '?')}: {label}" + (f" — {decision}" if decision else "")
        )
        fix = turn._("✏️ {reference}", reference=references.get(item_id, "?"))
        fixes.append(Button(fix, MeetingFixOutcome(int(item_id)).encode()))
    rows = [fixes[i : i + 2] for i in range(0, min(len(fixes), MAX_FIXES), 2)]
    turn.say(
        "\n".join(lines),
        [Button(turn._("💾 Save"), MeetingSave().encode())],
        *rows,
        _cancel(turn),
        title=turn._("Please check the meeting log (✏️ corrects an outcome):"),
    )


async def _press(turn: Turn, press: Payload) -> None:
    """Apply a button of the meeting log, if it fits the step the log is at."""
    step = BUTTONS.current(turn)
    if step is None or turn.dialog is None or not BUTTONS.takes(step, press):
        turn.say(turn._("That button is not valid any more. Send /meeting to log a meeting."))
        return
    draft = dict(turn.dialog.draft)
    match press:
        case MeetingDay(day=day):
            await _take_date(turn, draft, day)
        case MeetingToggleCooperative(cooperative=cooperative_id):
            await _toggle(turn, draft, cooperative_id)
        case MeetingCooperativesDone():
            if not draft.get("coops"):
                turn.say(turn._("Choose at least one cooperative."))
                await _ask_cooperatives(turn, draft)
                return
            await _save(turn, Step.NOTES, draft)
            turn.say(
                turn._("Any notes on the meeting? Type them, or skip."),
                [Button(turn._("⏭ Skip"), MeetingSkipNotes().encode())],
                _cancel(turn),
            )
        case MeetingSkipNotes():
            await _ask_outcome(turn, draft)
        case MeetingOutcome(item=item_id, outcome=outcome):
            await _take_outcome(turn, draft, item_id, outcome)
        case MeetingSkipDecision():
            await _ask_outcome(turn, {**draft, "deciding": None})
        case MeetingFixOutcome(item=item_id):
            outcomes = {k: v for k, v in draft.get("outcomes", {}).items() if k != str(item_id)}
            decisions = {k: v for k, v in draft.get("decisions", {}).items() if k != str(item_id)}
            await _ask_outcome(turn, {**draft, "outcomes": outcomes, "decisions": decisions})
        case MeetingSave():
            await _store(turn, draft)


async def _take_date(turn: Turn, draft: dict[str, Any], given: dt.date | str) -> None:
    """Take the meeting's day; a day that cannot be taken is explained and asked again (with
    the day buttons and the way out)."""
    today = turn.now.astimezone(turn.config.tz).date()
    try:
        held = given if isinstance(given, dt.date) else _parse_day(given)
    except ValueError:
        problem = turn._("Please write the date as dd/mm/yyyy, for example 15/04/2026.")
    else:
        if held > today:
            problem = turn._("The meeting date cannot be in the future.")
        elif held < Quarter.of(today).previous().first_day:
            problem = turn._("Meetings older than the previous quarter cannot be logged.")
        else:
            await _ask_cooperatives(turn, {**draft, "held_on": held.isoformat()})
            return
    turn.say(problem)
    await _ask_date(turn, draft)


def _parse_day(text: str) -> dt.date:
    text = text.strip()
    if "/" in text:
        return dt.datetime.strptime(text, "%d/%m/%Y").date()  # noqa: DTZ007  (a date only)
    return dt.date.fromisoformat(text)


async def _toggle(turn: Turn, draft: dict[str, Any], cooperative_id: int) -> None:
    plan = await agenda(turn.session, draft["commune_id"])
    if cooperative_id not in {c.id for c in plan.cooperatives}:
        raise PermissionDenied(N_("That cooperative is not in your commune."))
    chosen = set(draft.get("coops", [])) ^ {cooperative_id}
    await _ask_cooperatives(turn, {**draft, "coops": sorted(chosen)})


async def _take_outcome(turn: Turn, draft: dict[str, Any], item_id: int, outcome: str) -> None:
    plan = await agenda(turn.session, draft["commune_id"])
    if item_id not in {i.id for i in plan.open_items}:
        raise InvalidInput(N_("That item is not on this commune's agenda."))
    outcomes = {**draft.get("outcomes", {}), str(item_id): outcome}
    if outcome == SKIPPED:
        await _ask_outcome(turn, {**draft, "outcomes": outcomes})
        return
    await _save(turn, Step.DECISION, {**draft, "outcomes": outcomes, "deciding": item_id})
    turn.say(
        turn._("What was decided? Write it in one sentence, or skip."),
        [Button(turn._("⏭ Skip"), MeetingSkipDecision().encode())],
        _cancel(turn),
    )


async def _typed(turn: Turn, step: Step, draft: dict[str, Any]) -> None:
    if step == Step.DATE:
        await _take_date(turn, draft, turn.incoming.text)
    elif step == Step.NOTES:
        await _ask_outcome(turn, {**draft, "notes": turn.incoming.text[:4000]})
    elif step == Step.DECISION and draft.get("deciding"):
        decided = {**draft.get("decisions", {}), str(draft["deciding"]): _sentence(turn)}
        await _ask_outcome(turn, {**draft, "decisions": decided, "deciding": None})
    else:
        turn.say(turn._("Please use the buttons, or /cancel to stop."))


def _sentence(turn: Turn) -> str:
    """Return what was decided, as typed, on one line and not too long."""
    return " ".join(turn.incoming.text.split())[:MAX_DECISION]


async def _store(turn: Turn, draft: dict[str, Any]) -> None:
    assert turn.actor is not None  # noqa: S101
    outcomes = tuple(
        (int(k), Outcome(v)) for k, v in draft.get("outcomes", {}).items() if v != SKIPPED
    )
    decisions = {int(k): str(v) for k, v in draft.get("decisions", {}).items() if v}
    record = MeetingRecord(
        draft["commune_id"],
        dt.date.fromisoformat(draft["held_on"]),
        tuple(draft.get("coops", [])),
        draft.get("notes", ""),
        outcomes,
        decisions,
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
