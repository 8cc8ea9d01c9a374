"""The director's report: cooperative → kind → category → text → attachments → preview → send.

Buttons are the ``Report…`` kinds of ``handlers.payloads``. Every press is checked against the
step the stored conversation is at (``ACCEPTS``), and every id in it against the person's
scope, because payloads can be forged or come from an old message.
"""

from __future__ import annotations

import contextlib
from enum import StrEnum
from typing import Any

from handlers.codec import Payload
from handlers.commands import is_command
from handlers.labels import KIND_LABELS
from handlers.media import media_from_draft, media_to_draft, new_attachments
from handlers.payloads import (
    Cancel,
    MenuEntry,
    OpenMenuEntry,
    ReportAttachmentsDone,
    ReportBack,
    ReportCategory,
    ReportChangeCategory,
    ReportCooperative,
    ReportEditText,
    ReportKind,
    ReportOfferedText,
    ReportSend,
)
from handlers.steps import StepButtons
from handlers.turn import Turn
from handlers.types import Button, IncomingKind
from storage.categories import list_categories
from storage.desk import parse_reference
from storage.dialogs import clear_dialog, ensure_identity, save_dialog
from storage.errors import InvalidInput
from storage.feedback import NewItem, create_item, validate_text
from storage.models import AdminUnit, Cooperative, FeedbackKind
from storage.referrals import commune_of_today

FLOW = "report"
MAX_MEDIA = 10


class Step(StrEnum):
    """Where the report stands; stored, so never renumber or reuse a value."""

    COOPERATIVE = "cooperative"
    KIND = "kind"
    CATEGORY = "category"
    TEXT = "text"
    MEDIA = "media"
    PREVIEW = "preview"


# The buttons each step takes ("back" at every step; "cancel" anywhere, see commands).
BUTTONS = StepButtons(
    FLOW,
    Step,
    {
        Step.COOPERATIVE: (ReportCooperative,),
        Step.KIND: (ReportOfferedText, ReportKind),
        Step.CATEGORY: (ReportCategory,),
        Step.TEXT: (),
        Step.MEDIA: (ReportAttachmentsDone,),
        Step.PREVIEW: (ReportSend, ReportEditText, ReportChangeCategory),
    },
    anywhere=(ReportBack,),
)
# The step a "back" button returns to.
PREVIOUS = {
    Step.KIND: Step.COOPERATIVE,
    Step.CATEGORY: Step.KIND,
    Step.TEXT: Step.CATEGORY,
    Step.MEDIA: Step.TEXT,
    Step.PREVIEW: Step.MEDIA,
}


def _cancel_row(turn: Turn, back: bool = True) -> list[Button]:
    row = [Button(turn._("⬅️ Back"), ReportBack().encode())] if back else []
    return [*row, Button(turn._("✖️ Cancel"), Cancel().encode())]


async def route(turn: Turn) -> bool:
    """Start, continue or steer a report."""
    incoming = turn.incoming
    if turn.actor is None:
        return False
    if is_command(turn, "report") or turn.pressed == OpenMenuEntry(MenuEntry.REPORT):
        await start(turn, {})
        return True
    if isinstance(press := turn.pressed, BUTTONS.kinds):
        await _press(turn, press)
        return True
    if (
        turn.dialog is not None
        and turn.dialog.flow == FLOW
        and incoming.kind
        in (
            IncomingKind.TEXT,
            IncomingKind.MEDIA,
        )
    ):
        await _typed(turn, Step(turn.dialog.step), dict(turn.dialog.draft))
        return True
    return False


def set_aside(turn: Turn) -> dict[str, Any] | None:
    """Return the report in progress, to keep while another conversation takes its place."""
    dialog = turn.dialog
    if dialog is None or dialog.flow != FLOW or not dialog.draft:
        return None
    return {"step": dialog.step, "draft": dict(dialog.draft)}


async def resume(turn: Turn, kept: dict[str, Any]) -> None:
    """Take up a report that was set aside, at the step it had reached."""
    turn.say(turn._("Let's go back to the report you were writing."))
    await _save(turn, Step(str(kept["step"])), dict(kept["draft"]))


async def offer_for_free_text(turn: Turn) -> bool:
    """Offer a director who writes outside any flow to start a report with that text."""
    if turn.actor is None or not turn.actor.cooperative_ids():
        return False
    if turn.incoming.kind != IncomingKind.TEXT or turn.dialog is not None:
        return False
    await _save(turn, Step.KIND, {"offered_text": turn.incoming.text[:5000]}, prompt=False)
    turn.say(
        turn._("Would you like to send this as a report to the authorities?"),
        [Button(turn._("📝 Yes, make it a report"), ReportOfferedText().encode())],
        [Button(turn._("✖️ No"), Cancel().encode())],
    )
    return True


async def start(turn: Turn, draft: dict[str, Any]) -> None:
    """Begin a report: pick the cooperative first when the person directs several."""
    assert turn.actor is not None  # noqa: S101  (routes only call this for admitted people)
    cooperatives = turn.actor.cooperative_ids()
    if not cooperatives:
        turn.say(turn._("Only directors of a cooperative can send reports."))
        return
    if len(cooperatives) == 1:
        draft["cooperative_id"] = cooperatives[0]
        await _save(turn, Step.KIND, draft)
    else:
        await _save(turn, Step.COOPERATIVE, draft)


async def _save(turn: Turn, step: Step, draft: dict[str, Any], *, prompt: bool = True) -> None:
    identity = turn.identity or await ensure_identity(
        turn.session, turn.incoming.channel, turn.incoming.external_id, now=turn.now
    )
    turn.dialog = await save_dialog(
        turn.session, identity.id or 0, FLOW, step, draft, now=turn.now
    )
    if prompt:
        await _prompt(turn, step, draft)


async def _prompt(turn: Turn, step: Step, draft: dict[str, Any]) -> None:
    if step == Step.COOPERATIVE:
        rows = []
        assert turn.actor is not None  # noqa: S101
        for cooperative_id in turn.actor.cooperative_ids():
            cooperative = await turn.session.get(Cooperative, cooperative_id)
            if cooperative is not None:
                rows.append([Button(cooperative.name, ReportCooperative(cooperative_id).encode())])
        turn.say(turn._("Which cooperative is this report for?"), *rows, _cancel_row(turn, False))
    elif step == Step.KIND:
        turn.say(
            turn._("What would you like to send?")
            + "\n"
            + turn._(
                "Complaints (khiếu nại) and denunciations (tố cáo) follow other procedures: "
                "please send them to the People's Committee's citizen reception office."
            ),
            [
                Button(turn._(label), ReportKind(kind).encode())
                for kind, label in KIND_LABELS.items()
            ],
            _cancel_row(turn, back=len(turn.actor.cooperative_ids()) > 1 if turn.actor else False),
        )
    elif step == Step.CATEGORY:
        categories = await list_categories(turn.session)
        name = "name_vi" if turn.locale == "vi" else "name_en"
        buttons = [Button(getattr(c, name), ReportCategory(c.key).encode()) for c in categories]
        rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
        turn.say(turn._("Which topic is it about?"), *rows, _cancel_row(turn))
    elif step == Step.TEXT:
        turn.say(
            turn._("Describe it in your own words (10 to 4000 characters)."), _cancel_row(turn)
        )
    elif step == Step.MEDIA:
        turn.say(
            turn._(
                "You can add up to {maximum} photos, documents, voice messages or videos.",
                maximum=MAX_MEDIA,
            ),
            [Button(turn._("⏭ Skip"), ReportAttachmentsDone().encode())],
            _cancel_row(turn),
        )
    else:
        await _preview(turn, draft)


def _stale(turn: Turn) -> None:
    turn.say(turn._("That button belongs to an earlier step. Let's continue where we are."))


async def _press(turn: Turn, press: Payload) -> None:
    """Apply a report button, if it fits the step the conversation is at."""
    step = BUTTONS.current(turn)
    if step is None or turn.dialog is None:
        turn.say(turn._("That button is not valid any more. Send /report to start a report."))
        return
    draft = dict(turn.dialog.draft)
    if isinstance(press, ReportBack):
        await _back(turn, step, draft)
    elif not BUTTONS.takes(step, press):
        _stale(turn)
        await _prompt(turn, step, draft)
    else:
        await _apply(turn, press, draft)


async def _back(turn: Turn, step: Step, draft: dict[str, Any]) -> None:
    """Return to the previous step (a single cooperative has no step to choose it)."""
    previous = PREVIOUS.get(step)
    if previous == Step.COOPERATIVE and turn.actor and len(turn.actor.cooperative_ids()) == 1:
        previous = None
    if previous is None:
        await _prompt(turn, step, draft)
    else:
        await _save(turn, previous, {**draft, "editing": False})


async def _apply(turn: Turn, press: Payload, draft: dict[str, Any]) -> None:
    """Apply a button the current step accepts."""
    match press:
        case ReportOfferedText():
            offered = draft.pop("offered_text", "")
            with contextlib.suppress(InvalidInput):
                draft["text"] = validate_text(offered)
            await start(turn, draft)
        case ReportCooperative(cooperative=cooperative_id):
            if cooperative_id not in (turn.actor.cooperative_ids() if turn.actor else []):
                turn.say(turn._("You are not allowed to do that."))
                return
            await _save(turn, Step.KIND, {**draft, "cooperative_id": cooperative_id})
        case ReportKind(kind=kind):
            await _save(turn, Step.CATEGORY, {**draft, "kind": kind.value})
        case ReportCategory(category=key):
            if key not in {c.key for c in await list_categories(turn.session)}:
                turn.say(turn._("That button is not valid any more."))
                return
            draft["category"] = key
            following = (
                Step.PREVIEW
                if draft.get("editing")
                else (Step.MEDIA if "text" in draft else Step.TEXT)
            )
            await _save(turn, following, {**draft, "editing": False})
        case ReportAttachmentsDone():
            await _save(turn, Step.PREVIEW, draft)
        case ReportEditText():
            await _save(turn, Step.TEXT, {**draft, "editing": True})
        case ReportChangeCategory():
            await _save(turn, Step.CATEGORY, {**draft, "editing": True})
        case ReportSend():
            await _send(turn, draft)


async def _typed(turn: Turn, step: Step, draft: dict[str, Any]) -> None:
    """Take text or media sent at a step; text sent where a button was expected is kept."""
    incoming = turn.incoming
    if incoming.kind == IncomingKind.MEDIA:
        await _take_media(turn, step, draft)
    elif step == Step.TEXT and parse_reference(incoming.text):
        turn.say(
            turn._(
                "That is a reference number. To open it, finish this report or send /cancel "
                "first; to go on, describe the difficulty in words."
            ),
            _cancel_row(turn),
        )
    elif step == Step.TEXT:
        try:
            text = validate_text(incoming.text)
        except InvalidInput as error:
            turn.say(turn.error_text(error), _cancel_row(turn))
            return
        following = Step.PREVIEW if draft.get("editing") else Step.MEDIA
        await _save(turn, following, {**draft, "text": text, "editing": False})
    else:
        await _keep_text(turn, step, draft)


async def _keep_text(turn: Turn, step: Step, draft: dict[str, Any]) -> None:
    """Keep words typed at a step that asks for a button: they describe the report."""
    typed = turn.incoming.text.strip()
    joined = f"{draft['text']}\n{typed}" if draft.get("text") else typed
    try:
        text = validate_text(joined)
    except InvalidInput:
        turn.say(turn._("Please use the buttons, or /cancel to stop."))
        await _prompt(turn, step, draft)
        return
    await _save(turn, step, {**draft, "text": text}, prompt=False)
    turn.say(turn._("I have kept what you wrote as the description of the report."))
    await _prompt(turn, step, {**draft, "text": text})


async def _take_media(turn: Turn, step: Step, draft: dict[str, Any]) -> None:
    """Keep photos and files (at most ten); at the steps before, they wait for their turn."""
    media = list(draft.get("media", []))
    room = MAX_MEDIA - len(media)
    media += media_to_draft(turn.incoming.media[: max(room, 0)])
    await _save(turn, step, {**draft, "media": media}, prompt=False)
    if room <= 0 or len(turn.incoming.media) > room:
        turn.say(turn._("That is the maximum of {maximum} attachments.", maximum=MAX_MEDIA))
    if step != Step.MEDIA:
        turn.say(turn._("I have kept the file; it will be sent with the report."))
        await _prompt(turn, step, {**draft, "media": media})
        return
    turn.say(
        turn._(
            "Received {count} of at most {maximum} attachments.",
            count=len(media),
            maximum=MAX_MEDIA,
        ),
        [Button(turn._("✅ Done"), ReportAttachmentsDone().encode())],
        _cancel_row(turn),
    )


async def _preview(turn: Turn, draft: dict[str, Any]) -> None:
    cooperative = await turn.session.get(Cooperative, draft.get("cooperative_id", 0))
    categories = {c.key: c for c in await list_categories(turn.session)}
    category = categories.get(draft.get("category", ""))
    category_name = ""
    if category is not None:
        category_name = category.name_vi if turn.locale == "vi" else category.name_en
    lines = [
        turn._("Cooperative: {name}", name=cooperative.name if cooperative else "?"),
        turn._(
            "Kind: {kind}",
            kind=turn._(KIND_LABELS.get(FeedbackKind(draft.get("kind", "question")), "")),
        ),
        turn._("Topic: {topic}", topic=category_name),
        turn._("Attachments: {count}", count=len(draft.get("media", []))),
        "",
        draft.get("text", ""),
    ]
    turn.say(
        "\n".join(lines),
        [Button(turn._("📨 Send"), ReportSend().encode())],
        [
            Button(turn._("✏️ Edit text"), ReportEditText().encode()),
            Button(turn._("🏷 Change topic"), ReportChangeCategory().encode()),
        ],
        [Button(turn._("✖️ Cancel"), Cancel().encode())],
        title=turn._("Please check your report:"),
    )


async def _send(turn: Turn, draft: dict[str, Any]) -> None:
    assert turn.actor is not None  # noqa: S101
    files = new_attachments(turn.incoming.channel, media_from_draft(draft.get("media", [])))
    item = await create_item(
        turn.session,
        turn.actor,
        NewItem(
            cooperative_id=int(draft.get("cooperative_id", 0)),
            kind=str(draft.get("kind", "")),
            category_key=str(draft.get("category", "")),
            text=str(draft.get("text", "")),
            files=files,
        ),
        now=turn.now,
        tz=turn.config.tz,
    )
    if turn.identity is not None:
        await clear_dialog(turn.session, turn.identity.id or 0)
    commune = await turn.session.get(AdminUnit, await commune_of_today(turn.session, item))
    due = turn.date(item.due_at.astimezone(turn.config.tz).date())
    turn.say(
        turn._(
            "Your report has been received. Its reference number is {reference}.",
            reference=item.reference,
        )
        + "\n"
        + turn._(
            "It will be handled by the People's Committee of {commune} and the officials above "
            "it, who have been told; an answer is expected by {date}.",
            commune=commune.name if commune else "?",
            date=due,
        )
        + "\n"
        + turn._("You will be told here whenever its status changes; /my shows it at any time."),
        title=turn._("✅ Sent"),
    )
