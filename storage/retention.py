"""Retention: runtime rows kept only as long as their purpose needs (Law 91/2025/QH15).

Items, their events and files and the meetings are public records and are never purged here;
what goes is what the runtime keeps for itself: records of handled updates, conversation
states, wrong invite codes, finished outbox messages and Zalo's "More…" button lists.

A row goes once its time is *past* the limit: a row exactly as old as the limit stays, so a
purge run twice at the same ``now`` deletes the same set.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, delete, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import SQLModel, col

from storage.dialogs import DIALOG_TTL
from storage.invites import ATTEMPT_WINDOW
from storage.models import (
    ButtonOverflow,
    DialogState,
    InviteAttempt,
    OutboxMessage,
    OutboxStatus,
    ProcessedUpdate,
)

# The lower bounds of the settings, each with the reason it cannot be shorter.
# Telegram keeps an unconfirmed update for 24 hours; a record must outlive any redelivery.
MIN_PROCESSED_UPDATES_DAYS = 2
# A conversation expires after DIALOG_TTL idle; purging sooner would cut live ones short.
MIN_DIALOGS_DAYS = DIALOG_TTL.days
# Any retention of whole days is longer than the attempt limit's window (10 minutes).
MIN_INVITE_ATTEMPTS_DAYS = 1
# The reminder planner re-plans anything due in the current quarter (at most 92 days) under
# the same dedupe key; a finished message deleted sooner could be planned, and sent, twice.
MIN_OUTBOX_DAYS = 100
MAX_DAYS = 3650

# Outbox messages that will never be sent again by themselves. A retried failure goes back to
# pending first, so it is safe from the moment the operator retries it.
FINISHED = (
    OutboxStatus.SENT,
    OutboxStatus.FAILED,
    OutboxStatus.UNREACHABLE,
    OutboxStatus.REROUTED,
)

# The keys of the counts, in the order they are reported.
PROCESSED_UPDATES = "processed_update"
DIALOGS = "dialog_state"
INVITE_ATTEMPTS = "invite_attempt"
OUTBOX = "outbox"
BUTTON_OVERFLOW = "button_overflow"

_WORDS = {
    PROCESSED_UPDATES: ("processed update", "processed updates"),
    DIALOGS: ("conversation state", "conversation states"),
    INVITE_ATTEMPTS: ("invite attempt", "invite attempts"),
    OUTBOX: ("outbox message", "outbox messages"),
    BUTTON_OVERFLOW: ("button list", "button lists"),
}


@dataclass(frozen=True)
class RetentionPolicy:
    """How long each kind of runtime row is kept.

    Zalo's "More…" button lists follow the conversations: they belong to a message the person
    was reading, and are as stale as a conversation when not touched for as long.

    Raises:
        ValueError: a period is shorter than what the runtime still needs the rows for.
    """

    processed_updates: dt.timedelta = dt.timedelta(days=30)
    dialogs: dt.timedelta = dt.timedelta(days=30)
    invite_attempts: dt.timedelta = dt.timedelta(days=90)
    outbox: dt.timedelta = dt.timedelta(days=180)

    def __post_init__(self) -> None:
        # Settings bound these too; this guards callers that build a policy themselves.
        if self.processed_updates < dt.timedelta(days=MIN_PROCESSED_UPDATES_DAYS):
            raise ValueError("processed updates must be kept for 2 days at least")
        if self.dialogs < DIALOG_TTL:
            raise ValueError("conversation states must be kept until they expire")
        if self.invite_attempts <= ATTEMPT_WINDOW:
            raise ValueError("invite attempts must be kept longer than the attempt window")
        if self.outbox < dt.timedelta(days=MIN_OUTBOX_DAYS):
            raise ValueError(f"outbox messages must be kept for {MIN_OUTBOX_DAYS} days at least")

    @classmethod
    def of_days(
        cls, *, processed_updates: int, dialogs: int, invite_attempts: int, outbox: int
    ) -> RetentionPolicy:
        """Return the policy with each period given in days."""
        return cls(
            processed_updates=dt.timedelta(days=processed_updates),
            dialogs=dt.timedelta(days=dialogs),
            invite_attempts=dt.timedelta(days=invite_attempts),
            outbox=dt.timedelta(days=outbox),
        )


@dataclass(frozen=True)
class _Expired:
    """A table's rows past their time, and how to delete them."""

    model: type[SQLModel]
    past: ColumnElement[bool]
    # The integer id of a table that grows with traffic, and may therefore hold a great many
    # expired rows (the first purge of a database running for years): deleted a batch at a
    # time. None for tables of one row per account at most.
    id_column: Any = None


def expired(policy: RetentionPolicy, now: dt.datetime) -> dict[str, _Expired]:
    """Return, per table, its rows past their retention at ``now``."""
    dialog_cutoff = now - policy.dialogs
    outbox_cutoff = now - policy.outbox
    # A finished message's last activity is its latest timestamp: planned (created_at), last
    # due for an attempt (next_attempt_at; a failure has no time of its own) or sent (sent_at).
    # All of them must be past, so a message retried last week is not purged for its age.
    outbox_past = and_(
        col(OutboxMessage.status).in_(FINISHED),
        col(OutboxMessage.next_attempt_at) < outbox_cutoff,
        col(OutboxMessage.created_at) < outbox_cutoff,
        or_(col(OutboxMessage.sent_at).is_(None), col(OutboxMessage.sent_at) < outbox_cutoff),
    )
    return {
        PROCESSED_UPDATES: _Expired(
            ProcessedUpdate,
            col(ProcessedUpdate.processed_at) < now - policy.processed_updates,
            col(ProcessedUpdate.id),
        ),
        DIALOGS: _Expired(DialogState, col(DialogState.updated_at) < dialog_cutoff),
        INVITE_ATTEMPTS: _Expired(
            InviteAttempt,
            col(InviteAttempt.at) < now - policy.invite_attempts,
            col(InviteAttempt.id),
        ),
        OUTBOX: _Expired(OutboxMessage, outbox_past, col(OutboxMessage.id)),
        BUTTON_OVERFLOW: _Expired(ButtonOverflow, col(ButtonOverflow.updated_at) < dialog_cutoff),
    }


async def purge_expired(
    session: AsyncSession,
    policy: RetentionPolicy,
    now: dt.datetime,
    *,
    batch: int | None = None,
) -> dict[str, int]:
    """Delete every row past its retention at ``now``; return the count deleted per table.

    With ``batch``, each table that grows with traffic loses at most ``batch`` rows, so the
    caller can commit between batches and never hold the write lock long (SQLite has one
    writer: the bot would wait); it calls again until every count is below ``batch``.
    Conversation states and button lists (one row per account at most) always go in one
    statement. Pending and sending outbox messages are never deleted. The caller commits.
    """
    counts: dict[str, int] = {}
    for table, rows in expired(policy, now).items():
        statement = delete(rows.model).where(rows.past)
        if batch is not None and rows.id_column is not None:
            # The condition stays on the outer DELETE: a row changed between the sub-select
            # and the delete (a failed message retried meanwhile) is checked again.
            chosen = select(rows.id_column).where(rows.past).limit(batch)
            statement = statement.where(rows.id_column.in_(chosen))
        result = await session.execute(statement.execution_options(synchronize_session=False))
        counts[table] = int(result.rowcount)  # type: ignore[attr-defined]
    return counts


def describe(counts: dict[str, int]) -> str:
    """Return the counts in words: "deleted 12 processed updates, 3 conversation states, …"."""
    parts = []
    for table, (one, many) in _WORDS.items():
        number = counts.get(table, 0)
        parts.append(f"{number} {one if number == 1 else many}")
    return "deleted " + ", ".join(parts)
