"""Per-person rate limits: a token bucket per identity (channel, external id).

A person may send ``burst`` events at once and ``rate_per_second`` on average after that. The
first event refused since their last allowed one is answered with one polite "please wait";
the ones after it get no answer at all and store nothing, so a script flooding the bot costs a
dictionary look-up per event instead of a database transaction, and everybody else's
messages are answered as usual.

The buckets live in this process's memory: nothing is written, nothing waits. With several
workers each keeps its own buckets, so a person whose events are spread over ``n`` workers may
send up to ``n`` times as much. The limiter is used from one event loop and never awaits
between reading and updating a bucket, so it needs no lock.

Memory stays bounded: a bucket untouched for ``burst / rate_per_second`` seconds is full again,
which is what a person nobody remembers gets, so it is forgotten; and at most ``max_identities``
buckets are kept (the least recently active are forgotten first).
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from enum import StrEnum

from handlers.i18n import choose_locale, get_translator
from handlers.types import Handled, Incoming, Reply
from storage.errors import N_

# Shown once per run of refused events; whatever was refused must be sent again.
PLEASE_WAIT = N_(
    "You are sending messages too quickly, so the last ones were not received. "
    "Please wait a few seconds, then send them again."
)

# Distinct people active within one refill window; beyond this the least recently active are
# forgotten (they get a full bucket back, which is at worst one more burst).
DEFAULT_MAX_IDENTITIES = 50_000


class Verdict(StrEnum):
    """What to do with one event."""

    ALLOW = "allow"  # handle it as usual
    WARN = "warn"  # the first refusal since the last allowed event: say "please wait" once
    DROP = "drop"  # a further refusal: answer nothing, store nothing


@dataclass(slots=True)
class _Bucket:
    tokens: float  # as of ``stamp``
    stamp: float  # when the bucket was last touched
    warned: bool = False  # the current run of refusals was already told to wait


class RateLimiter:
    """Token buckets per identity, in memory, with a bounded number of identities."""

    def __init__(
        self,
        rate_per_second: float,
        burst: int,
        clock: Callable[[], float] = time.monotonic,
        *,
        max_identities: int = DEFAULT_MAX_IDENTITIES,
    ) -> None:
        if rate_per_second <= 0:
            raise ValueError("rate_per_second must be greater than 0")
        if burst < 1:
            raise ValueError("burst must be at least 1")
        if max_identities < 1:
            raise ValueError("max_identities must be at least 1")
        self.rate = rate_per_second
        self.burst = burst
        self.max_identities = max_identities
        self._clock = clock
        # Least recently touched first: the idle sweep and the cap both pop from the front.
        self._buckets: OrderedDict[Hashable, _Bucket] = OrderedDict()
        self._refill_seconds = burst / rate_per_second

    def __len__(self) -> int:
        """Return how many identities are remembered."""
        return len(self._buckets)

    def check(self, key: Hashable) -> Verdict:
        """Spend one token of ``key``'s bucket, and say what to do with the event."""
        now = self._clock()
        self._forget_full(now)
        bucket = self._buckets.get(key)
        if bucket is None:
            if len(self._buckets) >= self.max_identities:
                self._buckets.popitem(last=False)
            bucket = self._buckets[key] = _Bucket(tokens=float(self.burst), stamp=now)
        else:
            elapsed = max(now - bucket.stamp, 0.0)
            bucket.tokens = min(float(self.burst), bucket.tokens + elapsed * self.rate)
            bucket.stamp = now
            self._buckets.move_to_end(key)
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            bucket.warned = False
            return Verdict.ALLOW
        if bucket.warned:
            return Verdict.DROP
        bucket.warned = True
        return Verdict.WARN

    def _forget_full(self, now: float) -> None:
        """Forget the buckets untouched for a whole refill: they are full, like a new one.

        The dict is ordered by last touch, so this stops at the first recent one: amortised,
        one pop per bucket ever created.
        """
        horizon = now - self._refill_seconds
        buckets = self._buckets
        while buckets:
            oldest = next(iter(buckets.values()))
            if oldest.stamp > horizon:
                return
            buckets.popitem(last=False)


def limited_reply(
    limiter: RateLimiter | None, incoming: Incoming, default_locale: str
) -> Handled | None:
    """Return None when ``incoming`` may be handled; otherwise what to answer instead.

    A warning is the one translated "please wait"; a drop is no reply at all. The person's
    chosen language is in the database, which a refused event must not touch, so the language
    is the platform's or the default (as for the "busy" answer).

    Synchronous on purpose: no I/O, and no await between reading and updating the bucket.
    """
    if limiter is None:
        return None
    verdict = limiter.check((incoming.channel, incoming.external_id))
    if verdict is Verdict.ALLOW:
        return None
    if verdict is Verdict.DROP:
        return Handled(replies=[])
    locale = choose_locale(None, incoming.platform_locale, default_locale)
    return Handled(replies=[Reply(text=get_translator(locale).gettext(PLEASE_WAIT))])
