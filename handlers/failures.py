"""When answering someone fails anyway: one apology, a quiet log, and a throttled alert.

A failure is described by its *kind* — the exception's type and the innermost function of
ours it came from — never by its text: a database error's text quotes the statement and its
parameters, which can hold what a director wrote. The text and traceback go to the log at
DEBUG only (the log formatter redacts the configured secrets, see ``bot.logs``).

``FailureTally`` keeps the alerts to admins at one per kind per hour in this process, with the
number of failures since the last alert; the outbox's dedupe key keeps it to one per hour
across processes too.
"""

from __future__ import annotations

import datetime as dt
import logging
import traceback
from dataclasses import dataclass

from storage.errors import N_

logger = logging.getLogger(__name__)

APOLOGY = N_(
    "Sorry, something went wrong on our side and your message could not be handled. The "
    "administrators have been told. Nothing of it was saved; you may send it again later."
)
ALERT_WINDOW = dt.timedelta(hours=1)
_OUR_PACKAGES = ("handlers", "storage", "bot")
_MAX_KINDS = 256  # distinct kinds remembered; more are forgotten oldest first


def failure_kind(error: BaseException) -> str:
    """Return ``"IntegrityError at storage.referrals.assign_office"``: the type and the
    innermost of our functions on the traceback (the type alone when none is ours)."""
    where = ""
    for frame in traceback.extract_tb(error.__traceback__):
        module = _module_of(frame.filename)
        if module is not None:
            where = f"{module}.{frame.name}"
    name = type(error).__name__
    return f"{name} at {where}" if where else name


def _module_of(filename: str) -> str | None:
    parts = filename.replace("\\", "/").removesuffix(".py").split("/")
    for index in range(len(parts) - 1, -1, -1):
        if parts[index] in _OUR_PACKAGES and "site-packages" not in parts[:index]:
            return ".".join(parts[index:])
    return None


@dataclass
class _Count:
    since: dt.datetime  # the first failure not yet reported
    count: int
    alerted_at: dt.datetime | None = None


class FailureTally:
    """Counts failures by kind and says when an alert is due: the first of a kind, then at
    most once per ``window``, carrying how many happened since the last alert."""

    def __init__(self, window: dt.timedelta = ALERT_WINDOW) -> None:
        self.window = window
        self._counts: dict[str, _Count] = {}

    def note(self, kind: str, now: dt.datetime) -> tuple[int, dt.datetime] | None:
        """Record one failure of ``kind``; return (count, since) when an alert is due."""
        entry = self._counts.pop(kind, None) or _Count(since=now, count=0)
        self._counts[kind] = entry  # most recent last, so the oldest is forgotten first
        if len(self._counts) > _MAX_KINDS:
            del self._counts[next(iter(self._counts))]
        entry.count += 1
        if entry.alerted_at is not None and now - entry.alerted_at < self.window:
            return None
        due = (entry.count, entry.since)
        entry.alerted_at, entry.count, entry.since = now, 0, now
        return due


def log_failure(
    error: BaseException, kind: str, channel: str, update_id: int | str | None
) -> None:
    """Log a failure: its kind at ERROR, its text and traceback at DEBUG only."""
    logger.error("answering update %s on %s failed: %s", update_id, channel, kind)
    logger.debug("details of the failure of update %s", update_id, exc_info=error)
