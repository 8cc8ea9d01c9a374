"""The names people read for stored codes: statuses, events, kinds, outcomes and roles.

Every flow, notice, chart and workbook shows a code through these tables, so a status is called
the same everywhere and no raw code reaches a message.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from storage.errors import N_
from storage.meetings import Outcome
from storage.models import Category, EventKind, FeedbackKind, Role, Status

if TYPE_CHECKING:
    from handlers.turn import Turn

STATUS_NAMES = {
    Status.NEW: N_("new"),
    Status.ACKNOWLEDGED: N_("acknowledged"),
    Status.IN_PROGRESS: N_("in progress"),
    Status.RESOLVED: N_("resolved"),
    Status.DECLINED: N_("declined"),
    Status.REFERRED: N_("referred"),
    Status.CLOSED: N_("closed"),
    Status.REOPENED: N_("reopened"),
    Status.WAITING: N_("waiting for the cooperative"),
}
EVENT_NAMES = {
    EventKind.CREATED: N_("sent"),
    EventKind.COMMENT: N_("comment"),
    EventKind.INFO_ADDED: N_("information added"),
    EventKind.ASSIGNED: N_("assigned"),
    EventKind.NOTE: N_("internal note"),
    EventKind.QUESTION: N_("question to the cooperative"),
    EventKind.REPLY: N_("the cooperative's reply"),
    EventKind.RATED: N_("rated"),
}
KIND_LABELS = {
    FeedbackKind.DIFFICULTY: N_("Difficulty"),
    FeedbackKind.PROPOSAL: N_("Proposal"),
    FeedbackKind.QUESTION: N_("Question"),
}
OUTCOME_LABELS = {
    Outcome.DISCUSSED: N_("💬 Discussed"),
    Outcome.RESOLVED: N_("✅ Resolved at commune level"),
    Outcome.FORWARDED: N_("⬆️ Forwarded to the province"),
    Outcome.NEEDS_INFO: N_("❓ Needs more information"),
}
# Three faces, one tap: the scores (1–5) they stand for when a director rates an answer.
RATING_FACES = ((N_("😞 Not satisfied"), 1), (N_("😐 So-so"), 3), (N_("😊 Satisfied"), 5))
ROLE_NAMES = {
    Role.DIRECTOR: N_("director of a cooperative"),
    Role.COMMUNE_LEADER: N_("commune leader"),
    Role.OFFICIAL: N_("official"),
    Role.ADMIN: N_("administrator"),
}


def status_name(turn: Turn, status: str) -> str:
    """Return a status in the person's language."""
    return turn._(STATUS_NAMES.get(Status(status), status))


def category_name(category: Category | None, locale: str) -> str:
    """Return a topic's name in ``locale`` (Vietnamese, or English for any other)."""
    if category is None:
        return ""
    return category.name_vi if locale == "vi" else category.name_en
