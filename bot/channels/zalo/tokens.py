"""Zalo's access token: kept in the database, refreshed by one task at a time.

Zalo's refresh token is single-use and rotates: each refresh returns a new access token and a
new refresh token, and the old refresh token is spent. Spending it twice (two tasks, two
workers) would leave one of them with a dead pair, and a crash between receiving the new pair
and storing it would lose the channel. So:

- both tokens are stored together in the ``channel_credential`` row (seeded once from
  ``ZALO_ACCESS_TOKEN``/``ZALO_REFRESH_TOKEN``);
- within a process, an ``asyncio.Lock`` lets one task refresh while the others wait and then
  use its result;
- across processes, the refreshing transaction first claims the row while it still holds the
  stale access token (``storage.credentials.claim_refresh``), makes the refresh call, and saves
  the new pair with ``UPDATE … WHERE refresh_token = <spent one>``; a second process waiting on
  the claim finds the row changed and uses the new access token instead.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Awaitable, Callable

from bot.channels.base import PermanentFailure
from storage.credentials import Tokens, claim_refresh, load_tokens, save_rotated, seed_tokens
from storage.db import Database
from storage.models import utcnow

logger = logging.getLogger(__name__)

CHANNEL = "zalo"
# Refresh this long before the stored expiry rather than wait for Zalo to refuse the token.
EARLY_REFRESH = dt.timedelta(minutes=5)

Refresher = Callable[[str], Awaitable[Tokens]]


class ZaloTokens:
    """Hands out the current access token and refreshes it; one per process."""

    def __init__(
        self,
        database: Database,
        refresher: Refresher,
        *,
        seed: Tokens | None = None,
        clock: Callable[[], dt.datetime] = utcnow,
    ) -> None:
        self.database = database
        self.refresher = refresher
        self.seed = seed
        self.clock = clock
        self._lock = asyncio.Lock()
        self._cached: Tokens | None = None

    async def current(self) -> str:
        """Return the access token to use, refreshing it first when it is about to expire.

        Raises:
            PermanentFailure: no tokens are stored and none are configured.
        """
        cached = self._cached or await self._load()
        if cached.expires_at is not None and self.clock() >= cached.expires_at - EARLY_REFRESH:
            return await self.refresh(cached.access_token)
        return cached.access_token

    async def refresh(self, stale: str) -> str:
        """Return an access token newer than ``stale``, refreshing only if nobody else has.

        Raises:
            PermanentFailure: Zalo refused the refresh token; TransientFailure, RetryLater:
            Zalo could not be asked (the stored tokens are then unchanged).
        """
        async with self._lock:
            if self._cached is not None and self._cached.access_token != stale:
                return self._cached.access_token  # another task refreshed while we waited
            now = self.clock()
            async with self.database.transaction() as session:
                claimed = await claim_refresh(session, CHANNEL, stale, now=now)
                if claimed is not None:
                    fresh = await self.refresher(claimed.refresh_token)
                    if not await save_rotated(
                        session,
                        CHANNEL,
                        spent_refresh_token=claimed.refresh_token,
                        tokens=fresh,
                        now=now,
                    ):  # pragma: no cover - the claim holds the row until commit
                        raise PermanentFailure("Zalo tokens changed during a refresh")
                    logger.info(
                        "Zalo tokens refreshed; the access token expires at %s", fresh.expires_at
                    )
                else:
                    stored = await load_tokens(session, CHANNEL)
                    if stored is None:
                        raise PermanentFailure(_NO_TOKENS)
                    logger.info("Zalo tokens were already refreshed elsewhere")
                    fresh = stored
            self._cached = fresh
            return fresh.access_token

    async def _load(self) -> Tokens:
        """Read the stored tokens, storing the configured ones first when there are none."""
        async with self.database.transaction() as session:
            if self.seed is not None and await seed_tokens(
                session, CHANNEL, self.seed, now=self.clock()
            ):
                logger.info("Zalo tokens stored from ZALO_ACCESS_TOKEN and ZALO_REFRESH_TOKEN")
            stored = await load_tokens(session, CHANNEL)
        if stored is None:
            raise PermanentFailure(_NO_TOKENS)
        self._cached = stored
        return stored


_NO_TOKENS = "Zalo: no tokens; set ZALO_ACCESS_TOKEN and ZALO_REFRESH_TOKEN"
