"""One account per person: the one they used last.

A person may have joined on Telegram and on Zalo. What the system sends on its own goes to
one of them — the one the person wrote from most recently (``last_seen_at``), the oldest
account when none was ever used — so nobody gets every reminder twice; when that account
cannot carry a message, the delivery plan (``storage.delivery_plan``) tries the others.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Hashable, Iterable
from typing import TypeVar

from storage.models import ChannelIdentity

T = TypeVar("T")
_NEVER = dt.datetime.min.replace(tzinfo=dt.UTC)


def recency(identity: ChannelIdentity) -> tuple[dt.datetime, int]:
    """Return a sort key: the most recently used account last; the oldest first among equals."""
    return (identity.last_seen_at or _NEVER, -(identity.id or 0))


def preferred(
    rows: Iterable[T],
    identity_of: Callable[[T], ChannelIdentity],
    group_of: Callable[[T], Hashable] = lambda _row: None,
) -> list[T]:
    """Keep, per person (and ``group_of``), the row of the account they used last, in the
    rows' order; accounts without a person are kept as they are."""
    rows = list(rows)
    best: dict[Hashable, T] = {}
    for row in rows:
        identity = identity_of(row)
        key = (group_of(row), identity.person_id) if identity.person_id else ("id", identity.id)
        kept = best.get(key)
        if kept is None or recency(identity) > recency(identity_of(kept)):
            best[key] = row
    chosen = {id(row) for row in best.values()}
    return [row for row in rows if id(row) in chosen]


def preferred_accounts(identities: Iterable[ChannelIdentity]) -> list[ChannelIdentity]:
    """Keep the account each person used last."""
    return preferred(identities, lambda identity: identity)
