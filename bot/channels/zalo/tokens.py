"""Zalo's access token: kept in the database, refreshed by one task at a time.

Zalo's refresh token is single-use and rotates: each refresh returns a new access token and a
new refresh token, and the old refresh token is spent. Spending it twice (two tasks, two
workers) would leave one of them with a dead pair, and a crash between receiving the new pair
and storing it would lose the channel. So:

- both tokens are stored together in the ``channel_credential`` row (seeded once from
  ``ZALO_ACCESS_TOKEN``/``ZALO_REFRESH_TOKEN``), sealed with ``COOPBOT_SECRET_KEY``'s box;
- within a process, an ``asyncio.Lock`` lets one task refresh while the others wait and then
  use its result;
- across processes, the refreshing transaction first claims (locks) the row and checks it
  still holds the stale access token (``storage.credentials.claim_refresh``), makes the refresh
  call, and saves the new pair in place of the spent one; a second process waiting on the
  claim finds the row changed and uses the new access token instead.

A key that does not open the stored tokens fails every send with a ``PermanentFailure`` that
says so (the outbox shows it), rather than an exception of another kind.
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
from storage.secret_box import SecretBox, WrongSecretKey

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
        box: SecretBox,
        *,
        seed: Tokens | None = None,
        clock: Callable[[], dt.datetime] = utcnow,
    ) -> None:
        self.database = database
        self.refresher = refresher
        self.box = box
        self.seed = seed
        self.clock = clock
        self._lock = asyncio.Lock()
        self._cached: Tokens | None = None

    async def current(self) -> str:
        """Return the access token to use, refreshing it first when it is about to expire.

        Raises:
            PermanentFailure: no tokens are stored and none are configured, or
            ``COOPBOT_SECRET_KEY`` does not open them.
        """
        cached = self._cached or await self._load()
        if cached.expires_at is not None and self.clock() >= cached.expires_at - EARLY_REFRESH:
            return await self.refresh(cached.access_token)
        return cached.access_token

    async def refresh(self, stale: str) -> str:
        """Return an access token newer than ``stale``, refreshing only if nobody else has.

        Raises:
            PermanentFailure: Zalo refused the refresh token, or ``COOPBOT_SECRET_KEY`` does
            not open the stored tokens; TransientFailure, RetryLater: Zalo could not be asked
            (the stored tokens are then unchanged).
        """
        try:
            return await self._refresh(stale)
        except WrongSecretKey as error:
            raise PermanentFailure(f"Zalo: {error}") from None

    async def _refresh(self, stale: str) -> str:
        async with self._lock:
            if self._cached is not None and self._cached.access_token != stale:
                return self._cached.access_token  # another task refreshed while we waited
            now = self.clock()
            async with self.database.transaction() as session:
                claimed = await claim_refresh(session, CHANNEL, stale, self.box, now=now)
                if claimed is not None:
                    fresh = await self.refresher(claimed.refresh_token)
                    if not await save_rotated(
                        session,
                        CHANNEL,
                        self.box,
                        spent_refresh_token=claimed.refresh_token,
                        tokens=fresh,
                        now=now,
                    ):  # pragma: no cover - the claim holds the row until commit
                        raise PermanentFailure("Zalo tokens changed during a refresh")
                    logger.info(
                        "Zalo tokens refreshed; the access token expires at %s", fresh.expires_at
                    )
                else:
                    stored = await load_tokens(session, CHANNEL, self.box)
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
                session, CHANNEL, self.seed, self.box, now=self.clock()
            ):
                logger.info("Zalo tokens stored from ZALO_ACCESS_TOKEN and ZALO_REFRESH_TOKEN")
            try:
                stored = await load_tokens(session, CHANNEL, self.box)
            except WrongSecretKey as error:
                raise PermanentFailure(f"Zalo: {error}") from None
        if stored is None:
            raise PermanentFailure(_NO_TOKENS)
        self._cached = stored
        return stored


_NO_TOKENS = "Zalo: no tokens; set ZALO_ACCESS_TOKEN and ZALO_REFRESH_TOKEN"
