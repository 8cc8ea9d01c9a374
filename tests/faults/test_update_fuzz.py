"""Random Telegram updates through the real application: nothing breaks, everyone is answered.

Hypothesis draws short conversations of people with every role (and strangers): random
Unicode of any length up to 10,000 characters, random entities, commands (also for other
bots), button presses with random or forged payloads (every declared kind, with arguments in
and out of bounds), files of every kind, edits, forwards, group chats and update types
the bot never asked for. Each update goes through ``Application.process_update`` against the
fake Bot API, which checks every call against the spec. Afterwards the database must still
hold its invariants.

Hypothesis runs in a worker thread and hands each example to the test's event loop, where the
application lives. The seed is fresh each run and printed in pytest's header; a failure is
kept in the example database and replayed first next time (tests/hostile/fuzzing.py). The
router contains its own failures (one apology), so a failure is seen in its outcomes, not in
the application's error handler.
"""

from __future__ import annotations

import asyncio
import re
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Update
from telegram.ext import ContextTypes

from bot.app import TelegramApplication, build_application, services
from storage.db import Database
from storage.demo_data import load_demo_data
from storage.models import (
    ChannelIdentity,
    FeedbackItem,
)
from tests import factories as f
from tests.fakes import FakeTelegram
from tests.fakes import telegram_updates as tg
from tests.hostile.fuzzing import fuzz_settings, run_seeded
from tests.hostile.strategies import payloads as hostile_payloads
from tests.support.invariants import check_stored_whole
from tests.telegram.conftest import telegram_settings

pytestmark = pytest.mark.slow

DIRECTOR, OFFICIAL, LEADER, ADMIN, STRANGER, NEWCOMER = 8101, 8102, 8103, 8104, 8105, 8106
PEOPLE = (DIRECTOR, OFFICIAL, LEADER, ADMIN, STRANGER, NEWCOMER)
GROUP = -100_888
EXAMPLES = 150

COMMANDS = (
    "start", "help", "report", "my", "language", "cancel", "meeting", "digest", "inbox",
    "summary", "targets", "chart", "export", "invite", "people", "nonsense",
)  # fmt: skip
ENTITY_TYPES = (
    "bold", "italic", "underline", "strikethrough", "spoiler", "code", "mention", "hashtag",
    "cashtag", "bot_command", "url", "email", "phone_number",
)  # fmt: skip
FILE_KINDS = ("photo", "document", "voice", "video", "audio", "sticker", "animation", "video_note")
REFERENCE = re.compile(r"PA-\d{4}-\d{6}")


def fits_callback(data: str) -> bool:
    """Tell whether ``data`` fits Telegram's callback_data: 1 to 64 bytes."""
    return 0 < len(data.encode("utf-8")) <= 64


def repeated(unit: str, length: int) -> str:
    """Return ``unit`` repeated to exactly ``length`` characters."""
    return (unit * (length // len(unit) + 1))[:length]


texts = st.one_of(
    st.text(max_size=60),
    st.builds(repeated, st.text(min_size=1, max_size=12), st.integers(0, 10_000)),
    st.sampled_from(["xin chào", "PA-2026-000001", "/", "@coopbot_test_bot", " ", "\u200b"]),
)
commands = st.builds(
    lambda name, addressee, args: f"/{name}{addressee}{(' ' + args) if args else ''}",
    st.sampled_from(COMMANDS),
    st.sampled_from(["", "", "@coopbot_test_bot", "@other_bot"]),
    st.one_of(st.just(""), st.text(max_size=30)),
)
payloads = st.one_of(
    hostile_payloads().filter(fits_callback),
    st.text(min_size=1, max_size=64).filter(fits_callback),
    st.binary(min_size=1, max_size=64).map(lambda raw: raw.decode("utf-8", "ignore")),
    st.none(),
)


@st.composite
def entities(draw: st.DrawFn, text: str) -> list[dict[str, Any]]:
    """Draw entities that lie within ``text`` (offsets in UTF-16 code units)."""
    length = tg.utf16_length(text)
    if length == 0:
        return []
    found = []
    for _ in range(draw(st.integers(0, 3))):
        offset = draw(st.integers(0, length - 1))
        found.append(
            {
                "type": draw(st.sampled_from(ENTITY_TYPES)),
                "offset": offset,
                "length": draw(st.integers(1, length - offset)),
            }
        )
    return found


@st.composite
def steps(draw: st.DrawFn) -> dict[str, Any]:
    """Draw one thing a person does: what it is and its details."""
    kind = draw(
        st.sampled_from(
            ["text", "text", "command", "command", "press", "press", "file", "content",
             "edit", "forward", "group", "other_update"]
        )
    )  # fmt: skip
    step: dict[str, Any] = {"kind": kind, "user": draw(st.sampled_from(PEOPLE))}
    if kind in ("text", "forward", "group", "edit"):
        step["text"] = draw(texts)
        step["entities"] = draw(entities(step["text"]))
    elif kind == "command":
        step["text"] = draw(commands)
    elif kind == "press":
        step["data"] = draw(payloads)
    elif kind == "file":
        step["file"] = draw(st.sampled_from(FILE_KINDS))
        step["caption"] = draw(st.one_of(st.none(), st.text(max_size=50)))
    elif kind == "content":
        step["content"] = draw(st.sampled_from(["location", "contact", "poll", "dice", "venue"]))
    else:
        step["other"] = draw(
            st.sampled_from(["inline_query", "poll_answer", "channel_post", "future", "empty"])
        )
    return step


@st.composite
def reports(draw: st.DrawFn) -> list[dict[str, Any]]:
    """Draw a director's whole report, with a random text, as its steps in order."""
    text = draw(texts)
    press = [{"kind": "press", "user": DIRECTOR, "data": data} for data in
             ("rp:kind:difficulty", "rp:cat:credit", "rp:done", "rp:send")]  # fmt: skip
    return [
        {"kind": "command", "user": DIRECTOR, "text": "/report"},
        *press[:2],
        {"kind": "text", "user": DIRECTOR, "text": text, "entities": draw(entities(text))},
        *press[2:],
    ]


conversations = st.lists(
    st.one_of(steps().map(lambda step: [step]), reports()), min_size=1, max_size=4
).map(lambda parts: [step for part in parts for step in part])


def build_update(fake: FakeTelegram, step: dict[str, Any]) -> dict[str, Any]:
    """Queue the update a step stands for on the fake server and return it."""
    user, kind = step["user"], step["kind"]
    if kind == "text":
        return fake.push_message(user, step["text"], entities=step["entities"])
    if kind == "command":
        return fake.push_message(user, step["text"])
    if kind == "forward":
        return fake.push_message(user, step["text"], forward_from=OFFICIAL)
    if kind == "group":
        return fake.push_message(user, step["text"], chat_id=GROUP, entities=step["entities"])
    if kind == "edit":
        original = fake.push_message(user, "bản nháp")["message"]["message_id"]
        return fake.push_edit(user, original, step["text"] or ".")
    if kind == "press":
        mine = [m for m in fake.messages(user) if m.get("from", {}).get("id") == fake.bot["id"]]
        message_id = mine[-1]["message_id"] if mine else 999_999
        return fake.push_callback(user, step["data"], message_id)
    if kind == "file":
        name = f"{step['file']}.bin"
        return fake.push_file(
            user, step["file"], b"\x00fuzz", file_name=name, caption=step["caption"]
        )
    if kind == "content":
        content = {
            "location": tg.location(10.03, 105.78),
            "contact": tg.contact("+84 90 000 0000", "Ba", user_id=OFFICIAL),
            "poll": tg.poll("Họp khi nào?", ["Thứ Hai", "Thứ Ba"]),
            "dice": {"dice": {"emoji": "🎲", "value": 4}},
            "venue": {
                "venue": {
                    **tg.location(10.03, 105.78),
                    "title": "Nhà văn hóa",
                    "address": "Ấp 1",
                }
            },
        }[step["content"]]
        return fake.push_message(user, **content)
    sender = tg.user(user)
    other = {
        "inline_query": {"inline_query": {"id": "77", "from": sender, "query": "x", "offset": ""}},
        "poll_answer": {
            "poll_answer": {
                "poll_id": "5",
                "option_ids": [0],
                "option_persistent_ids": ["1"],
                "user": sender,
            }
        },
        "channel_post": {
            "channel_post": tg.message(
                1, {"id": -100_999, "type": "channel", "title": "Kênh"}, None, text="tin"
            )
        },
        "future": {"some_future_update": {"id": 1, "anything": ["goes"]}},
        "empty": {},
    }[step["other"]]
    return fake.push_update(other)


def answered(fake: FakeTelegram, step: dict[str, Any], raw: dict[str, Any], mark: int) -> bool:
    """Tell whether the bot answered what a person sent in a private chat, when it must."""
    new = fake.calls()[mark:]
    if "callback_query" in raw:
        query_id = raw["callback_query"]["id"]
        return any(c.params.get("callback_query_id") == query_id for c in new)
    must_answer = step["kind"] in ("text", "command", "file", "content", "edit", "forward")
    if not must_answer or str(step.get("text", "")).split(" ")[0].endswith("@other_bot"):
        return True
    return any(c.params.get("chat_id") == step["user"] and c.ok for c in new)


async def people_with_every_role(session: AsyncSession) -> None:
    """Give the fuzzed users a director, an official, a commune leader and an admin."""
    await load_demo_data(session)
    cooperative = await f.cooperative(session, "HTX Trinh Phú")
    province = await f.unit(session, "Thành phố Cần Thơ")
    actors = {
        DIRECTOR: await f.director_of(session, "HTX Trinh Phú"),
        OFFICIAL: await f.actor(session, "official", unit_id=province.id),
        LEADER: await f.actor(session, "commune_leader", unit_id=cooperative.commune_id),
        ADMIN: await f.actor(session, "admin"),
    }
    for user, actor in actors.items():
        session.add(
            ChannelIdentity(channel="telegram", external_id=str(user), person_id=actor.person_id)
        )
    await session.commit()


async def test_random_updates_never_break_the_bot_and_every_private_message_is_answered(
    fake_telegram: FakeTelegram, db: Database, session: AsyncSession, tmp_path
) -> None:
    """150 random conversations: no error handler, no spec violation, answers, invariants."""
    await people_with_every_role(session)
    fake_telegram.add_group(GROUP)
    for user in PEOPLE:
        fake_telegram.add_user(user, f"Người {user}", language_code="vi" if user % 2 else "en")
    application: TelegramApplication = build_application(
        # People here type faster than anyone can: the per-person rate limit (tested on its
        # own) would rightly leave their messages unanswered.
        telegram_settings(tmp_path, fake_telegram, rate_per_second=1000, rate_burst=10_000),
        database=db,
    )
    errors: list[BaseException | None] = []

    async def record_error(_update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        errors.append(context.error)

    application.add_error_handler(record_error)
    outcomes: list[str] = []
    services(application).router.observe = lambda _channel, outcome: outcomes.append(outcome)
    loop = asyncio.get_running_loop()

    async def run(conversation: list[dict[str, Any]]) -> None:
        # Each example starts clean, so a failure is pinned on the example that caused it
        # and replays the same way.
        errors.clear()
        outcomes.clear()
        for step in conversation:
            raw = build_update(fake_telegram, step)
            mark = len(fake_telegram.calls())
            await application.process_update(Update.de_json(raw, application.bot))
            assert errors == [], f"the error handler was hit by {step}: {errors}"
            assert "error" not in outcomes, f"the router contained a failure of {step}"
            assert fake_telegram.violations == [], f"{step}: {fake_telegram.violations}"
            assert answered(fake_telegram, step, raw, mark), f"no answer to {step}"

    @fuzz_settings(EXAMPLES)
    @given(conversations)
    def fuzz(conversation: list[dict[str, Any]]) -> None:
        asyncio.run_coroutine_threadsafe(run(conversation), loop).result(timeout=120)

    async with application:
        await asyncio.to_thread(run_seeded, fuzz)
    async with db.session() as check:
        await check_stored_whole(check)
        assert await check.scalar(select(func.count()).select_from(FeedbackItem)) > 0
