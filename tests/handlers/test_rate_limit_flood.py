"""One person floods the bot; everyone else is answered as if nothing happened.

The events go through the Router with a limiter, which checks it before opening the event's
transaction.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from handlers.i18n import get_translator
from handlers.rate_limit import PLEASE_WAIT, RateLimiter
from handlers.router import Router
from handlers.turn import HandlerConfig
from handlers.types import IncomingKind, Reply
from storage.db import Database
from storage.models import ProcessedUpdate
from tests.handlers.chat import Chat
from tests.handlers.test_onboarding_and_report import invite_code
from tests.handlers.test_rate_limit import FakeClock

FLOOD = 1_000
# The flooder sends 100 events a second; someone else writes every two seconds meanwhile.
FLOOD_STEP_SECONDS = 0.01
OTHER_EVERY = 200


class LimitedChat(Chat):
    """A chat whose router checks the shared limiter first."""

    def __init__(self, database: Database, limiter: RateLimiter, user: str) -> None:
        super().__init__(database, user=user)
        self.router = Router(database, HandlerConfig(), clock=lambda: self.now, limiter=limiter)


@dataclass
class Script:
    """A director's few ordinary steps: help, their items, a report begun and cancelled."""

    chat: Chat
    step: int = 0

    async def next(self) -> list[tuple[str, list[tuple[str, str]]]]:
        """Take the next step; return each reply's text and buttons."""
        say = ("/help", "/my", "/report", None, "/cancel")[self.step]
        if say is None:
            await self.chat.press("rp:kind:difficulty")
        else:
            await self.chat.say(say)
        self.step += 1
        return [
            (Chat.text([reply]), [(b.label, b.payload) for row in reply.buttons for b in row])
            for reply in self.chat.last
        ]


async def joined(chat: Chat, session: AsyncSession) -> Chat:
    """Have ``chat``'s person join as a director of HTX Trinh Phú."""
    await chat.join(await invite_code(session))
    return chat


async def test_a_flood_from_one_person_changes_nothing_for_another(
    db: Database, demo_session: AsyncSession
) -> None:
    """While one director sends 1,000 events, another's five steps get the very replies they get
    without the flood; the flooder gets one "please wait" per run of refusals, and nothing of a
    refused event is stored."""
    clock = FakeClock()
    limiter = RateLimiter(rate_per_second=1.0, burst=20, clock=clock)
    alone = Script(await joined(LimitedChat(db, limiter, "3001"), demo_session))
    expected = [await alone.next() for _ in range(5)]
    other = Script(await joined(LimitedChat(db, limiter, "3002"), demo_session))
    flooder = await joined(LimitedChat(db, limiter, "3003"), demo_session)
    clock.advance(60)  # the joins' tokens are back

    seen = []
    answers: list[tuple[str, list[Reply]]] = []
    for n in range(FLOOD):
        if n % OTHER_EVERY == OTHER_EVERY // 2:
            seen.append(await other.next())
        event = flooder._base(IncomingKind.TEXT, text=f"Tin nhắn tự động số {n}")
        answers.append((event.update_id or "", await flooder.send(event)))
        clock.advance(FLOOD_STEP_SECONDS)

    please_wait = [Reply(text=get_translator("vi").gettext(PLEASE_WAIT))]
    assert seen == expected
    assert all(text != please_wait[0].text for step in expected for text, _ in step)
    refused = [replies == please_wait or replies == [] for _, replies in answers]
    assert refused[:20] == [False] * 20  # the burst
    assert refused[20]
    runs = [n for n in range(1, FLOOD) if refused[n] and not refused[n - 1]]
    warned = [n for n, (_, replies) in enumerate(answers) if replies == please_wait]
    assert warned == runs  # one "please wait", at the start of each run of refusals
    allowed = [update for (update, _), no in zip(answers, refused, strict=True) if not no]
    assert 20 < len(allowed) <= 20 + FLOOD * FLOOD_STEP_SECONDS + 1  # burst + 1 a second
    stored = await demo_session.scalars(
        select(col(ProcessedUpdate.update_id)).where(
            col(ProcessedUpdate.update_id).in_([update for update, _ in answers])
        )
    )
    assert sorted(stored.all()) == sorted(allowed)  # refused events left no trace


async def test_the_router_counts_refused_events_as_limited_and_opens_no_transaction(
    db: Database,
) -> None:
    """A refused event is reported to ``observe`` as "limited" and leaves no processed record."""
    outcomes: list[tuple[str, str]] = []
    limiter = RateLimiter(rate_per_second=1.0, burst=1, clock=FakeClock())
    router = Router(
        db, HandlerConfig(), observe=lambda *outcome: outcomes.append(outcome), limiter=limiter
    )
    chat = Chat(db, user="4001")
    events = [chat._base(IncomingKind.TEXT, text="xin chào") for _ in range(3)]

    answers = [await router.handle(event) for event in events]

    assert answers[0]  # a stranger is told how to join
    assert answers[1] == [Reply(text=get_translator("vi").gettext(PLEASE_WAIT))]
    assert answers[2] == []
    assert outcomes == [("telegram", "handled"), ("telegram", "limited"), ("telegram", "limited")]
    async with db.session() as session:
        stored = await session.scalars(select(col(ProcessedUpdate.update_id)))
        assert stored.all() == [events[0].update_id]
