"""When an item is due, and how its due date waits while the cooperative is asked something.

The due date is set when the item is filed (the category's number of days). While the item
waits for the cooperative's reply to a question, the clock stops: when it leaves that state
the due date moves forward by the time it waited, so a handler is never overdue for time
the cooperative took.
"""

from __future__ import annotations

import datetime as dt

from storage.models import Category, FeedbackItem


def initial_due(category: Category, filed_at: dt.datetime) -> dt.datetime:
    """Return the due date of an item of ``category`` filed at ``filed_at``."""
    return filed_at + dt.timedelta(days=category.due_days)


def pause(item: FeedbackItem, now: dt.datetime) -> None:
    """Stop the item's clock: it waits for the cooperative from ``now``."""
    if item.waiting_since is None:
        item.waiting_since = now


def resume(item: FeedbackItem, now: dt.datetime) -> None:
    """Start the item's clock again, moving its due date by the time it waited."""
    if item.waiting_since is not None:
        item.due_at += max(now - item.waiting_since, dt.timedelta(0))
        item.waiting_since = None
