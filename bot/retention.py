"""The purge of the runtime's expired rows: the daily job and ``coopbot retention run``.

Each batch is its own transaction. On SQLite the purge holds the one write lock while it
deletes, and a person's message waits for it; a batch keeps that wait to milliseconds even on
the first purge of a database that has run for years.
"""

from __future__ import annotations

import datetime as dt
import logging

from storage.db import Database
from storage.retention import RetentionPolicy, describe, purge_expired

logger = logging.getLogger(__name__)

# Rows of one table deleted per transaction.
BATCH = 5000


async def purge(database: Database, policy: RetentionPolicy, now: dt.datetime) -> dict[str, int]:
    """Delete every row past its retention at ``now``, a batch at a time; return the counts."""
    total: dict[str, int] = {}
    while True:
        async with database.transaction() as session:
            counts = await purge_expired(session, policy, now, batch=BATCH)
        for table, count in counts.items():
            total[table] = total.get(table, 0) + count
        # A full batch may have left more behind; anything less emptied its table.
        if all(count < BATCH for count in counts.values()):
            return total


async def purge_and_log(
    database: Database, policy: RetentionPolicy, now: dt.datetime
) -> dict[str, int]:
    """Purge, then log the counts in one INFO line (even when nothing was due: proof it ran)."""
    counts = await purge(database, policy, now)
    logger.info("retention: %s", describe(counts))
    return counts
