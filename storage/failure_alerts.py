"""Alerts to admins when answering people fails: one per kind of error per hour, with a count.

The dedupe key holds the hour, so however many workers see the same failure, each admin gets
at most one alert of that kind in that hour; the count is what the reporting process saw.
"""

from __future__ import annotations

import datetime as dt
import hashlib

from sqlalchemy.ext.asyncio import AsyncSession

from storage.outbox import plan_for_admins
from storage.outbox_payloads import FailureAlert


async def alert_admins_of_failure(
    session: AsyncSession, error_kind: str, *, count: int, since: dt.datetime, now: dt.datetime
) -> int:
    """Plan an alert about ``count`` failures of ``error_kind`` to every admin; return how many
    were new (0 when this hour's alert of that kind was already planned)."""
    # The kind can be long; the key needs only to tell kinds apart.
    digest = hashlib.sha256(error_kind.encode()).hexdigest()[:16]
    hour = now.astimezone(dt.UTC).strftime("%Y%m%d%H")
    alert = FailureAlert(error_kind=error_kind[:160], count=count, since=since)
    return await plan_for_admins(session, alert, f"failure:{digest}:{hour}", now=now)
