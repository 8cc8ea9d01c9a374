"""The per-person token bucket and the answer it gives, on a fake clock (nothing waits)."""

from __future__ import annotations

import pytest

from handlers.i18n import get_translator
from handlers.rate_limit import PLEASE_WAIT, RateLimiter, Verdict, limited_reply
from handlers.types import Handled, Incoming, IncomingKind, Reply

ALICE = ("telegram", "1001")
BOB = ("telegram", "1002")


class FakeClock:
    """Seconds that move only when the test says so."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def verdicts(limiter: RateLimiter, key: tuple[str, str], count: int) -> list[Verdict]:
    """Return the verdicts of ``count`` events of ``key`` at the same instant."""
    return [limiter.check(key) for _ in range(count)]


def incoming(external_id: str = "1001", locale: str | None = "vi") -> Incoming:
    return Incoming(
        channel="telegram",
        external_id=external_id,
        chat_id=external_id,
        kind=IncomingKind.TEXT,
        text="xin chào",
        platform_locale=locale,
    )


def test_a_burst_is_allowed_then_one_warning_then_silence() -> None:
    """Burst events pass, the next one is warned, every later one is dropped."""
    limiter = RateLimiter(rate_per_second=1.0, burst=8, clock=FakeClock())

    assert (
        verdicts(limiter, ALICE, 12) == [Verdict.ALLOW] * 8 + [Verdict.WARN] + [Verdict.DROP] * 3
    )


def test_tokens_come_back_at_the_rate_and_a_new_refusal_run_is_warned_again() -> None:
    """After 1/rate seconds one event passes; the refusal after it is a new run: one warning."""
    clock = FakeClock()
    limiter = RateLimiter(rate_per_second=2.0, burst=3, clock=clock)
    verdicts(limiter, ALICE, 5)  # 3 allowed, warned, dropped

    clock.advance(0.4)  # 0.8 token: still refused, and the run goes on silently
    assert limiter.check(ALICE) is Verdict.DROP
    clock.advance(0.1)  # 0.8 + 0.2 = 1 token
    assert verdicts(limiter, ALICE, 3) == [Verdict.ALLOW, Verdict.WARN, Verdict.DROP]
    clock.advance(10)  # full again, never more than the burst
    assert verdicts(limiter, ALICE, 4) == [Verdict.ALLOW] * 3 + [Verdict.WARN]


def test_one_persons_flood_leaves_another_persons_bucket_alone() -> None:
    """Each identity (channel, external id) has its own bucket; the same id elsewhere too."""
    limiter = RateLimiter(rate_per_second=1.0, burst=2, clock=FakeClock())
    verdicts(limiter, ALICE, 100)

    assert verdicts(limiter, BOB, 2) == [Verdict.ALLOW, Verdict.ALLOW]
    assert limiter.check(("zalo", "1001")) is Verdict.ALLOW


def test_a_person_idle_for_a_whole_refill_is_forgotten_and_gets_a_full_burst() -> None:
    """A bucket untouched for burst/rate seconds is full, so it is dropped from memory."""
    clock = FakeClock()
    limiter = RateLimiter(rate_per_second=0.5, burst=4, clock=clock)
    verdicts(limiter, ALICE, 10)
    clock.advance(7.9)  # 3.95 tokens: still remembered
    limiter.check(BOB)
    assert len(limiter) == 2

    clock.advance(8.1)  # Alice's refill is long over, Bob's too
    assert verdicts(limiter, ALICE, 5) == [Verdict.ALLOW] * 4 + [Verdict.WARN]
    assert len(limiter) == 1


def test_memory_stays_bounded_with_100_000_people_spread_over_time() -> None:
    """100,000 people, 1,000 a second: only those of the last refill window are remembered."""
    clock = FakeClock()
    limiter = RateLimiter(rate_per_second=1.0, burst=8, clock=clock)
    largest = 0
    for n in range(100_000):
        limiter.check(("telegram", str(n)))
        clock.advance(0.001)
        largest = max(largest, len(limiter))

    assert largest <= 8 * 1000 + 1  # 8 seconds' worth of people
    assert limiter.check(("telegram", "99999")) is Verdict.ALLOW  # the recent ones still count


def test_memory_stays_bounded_with_100_000_people_at_the_same_instant() -> None:
    """When everyone arrives at once, the cap forgets the least recently active first."""
    limiter = RateLimiter(rate_per_second=1.0, burst=2, clock=FakeClock(), max_identities=1000)
    verdicts(limiter, ALICE, 3)  # Alice floods: warned
    for n in range(100_000):
        limiter.check(("telegram", str(n)))
        if n % 500 == 0:
            assert limiter.check(ALICE) is Verdict.DROP  # still remembered while she floods

    assert len(limiter) == 1000


@pytest.mark.parametrize(
    ("rate", "burst", "cap"), [(0.0, 1, 10), (-1.0, 1, 10), (1.0, 0, 10), (1.0, 1, 0)]
)
def test_nonsense_limits_are_refused(rate: float, burst: int, cap: int) -> None:
    """A rate of zero or less, a burst or a cap under one are programming errors."""
    with pytest.raises(ValueError, match="must be"):
        RateLimiter(rate_per_second=rate, burst=burst, max_identities=cap)


def test_without_a_limiter_every_event_is_handled() -> None:
    """No limiter configured: limited_reply never stands in the way."""
    assert limited_reply(None, incoming(), "vi") is None


@pytest.mark.parametrize(("locale", "expected"), [("vi", "vi"), ("en", "en"), (None, "en")])
def test_the_warning_is_one_translated_reply_and_a_drop_is_none(
    locale: str | None, expected: str
) -> None:
    """Allowed: None; the first refusal: "please wait" in the platform's language (else the
    default); later refusals: an empty answer."""
    limiter = RateLimiter(rate_per_second=1.0, burst=1, clock=FakeClock())
    event = incoming(locale=locale)

    assert limited_reply(limiter, event, "en") is None
    warning = limited_reply(limiter, event, "en")
    assert warning == Handled(replies=[Reply(text=get_translator(expected).gettext(PLEASE_WAIT))])
    assert limited_reply(limiter, event, "en") == Handled(replies=[])


def test_the_english_warning_says_what_was_lost_and_what_to_do() -> None:
    """The person learns that the refused messages were not received and must be sent again."""
    limiter = RateLimiter(rate_per_second=1.0, burst=1, clock=FakeClock())
    limited_reply(limiter, incoming(locale="en"), "vi")

    warning = limited_reply(limiter, incoming(locale="en"), "vi")

    assert warning is not None
    assert "not received" in warning.replies[0].text
    assert "send them again" in warning.replies[0].text
