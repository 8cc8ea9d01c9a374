"""The real ``coopbot run`` process against the fake Bot API: a director's report survives
``kill -9`` halfway, and webhook mode takes updates posted with the secret.

The processes get their settings from the environment only (cwd is the test's directory, so no
``.env`` is read), and write their logs to files there (a pipe nobody reads could fill up and
block them); the logs are shown when an assertion fails.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import time
import zoneinfo
from pathlib import Path
from typing import Any

import httpx
import pytest

from storage.db import Database
from storage.invites import normalize_code
from tests.fakes import Call, FakeTelegram
from tests.support.buttons import press
from tests.support.ports import free_port
from tests.support.processes import WAIT, BotProcess, coopbot, environment
from tests.telegram.conftest import TOKEN

pytestmark = pytest.mark.slow

DIRECTOR = 5001


async def wait_for_call(fake: FakeTelegram, bot: BotProcess, predicate: Any, since: int) -> Call:
    """Wait for a matching Bot API call, showing the bot's logs when none comes."""
    try:
        return await fake.wait_for(predicate, timeout=WAIT, since=since)
    except AssertionError as error:
        raise AssertionError(f"{error}\n{bot.output()}") from None


def message_to(chat: int, *, text: str = "", button: str = "") -> Any:
    """Match a sent message to ``chat`` containing ``text`` and a button starting ``button``."""

    def matches(call: Call) -> bool:
        if call.method != "sendMessage" or not call.ok or call.params.get("chat_id") != chat:
            return False
        rows = call.params.get("reply_markup", {}).get("inline_keyboard", [])
        payloads = [b.get("callback_data", "") for row in rows for b in row]
        return text in call.params["text"] and any(p.startswith(button) for p in payloads or [""])

    return matches


@pytest.fixture
async def prepared(empty_db: Database, tmp_path: Path) -> Path:
    """Give a test directory whose database (emptied first) the tests migrate themselves."""
    return tmp_path


async def test_a_director_reports_through_a_crash_of_the_bot(
    fake_telegram: FakeTelegram, prepared: Path
) -> None:
    """/start CODE → agree → /report → kind → topic, kill -9, restart, then text → Done →
    Send works."""
    env = environment(prepared, fake_telegram)
    await coopbot(prepared, env, "db", "upgrade")
    await coopbot(prepared, env, "demo-data", "load")
    invite = await coopbot(
        prepared, env, "invite", "--role", "director", "--cooperative", "HTX Trinh Phú", "--json"
    )
    code = json.loads(invite)["code"]
    fake_telegram.add_user(DIRECTOR, "Tư", language_code="vi")
    bot = BotProcess(prepared, env)
    started = time.monotonic()
    try:
        await bot.start()
        mark = len(fake_telegram.calls())
        fake_telegram.push_command(DIRECTOR, "start", code)
        await wait_for_call(fake_telegram, bot, message_to(DIRECTOR, button="pv:ok:"), mark)
        press(fake_telegram, DIRECTOR, f"pv:ok:{normalize_code(code)}")
        await wait_for_call(fake_telegram, bot, message_to(DIRECTOR, text="Chào mừng"), mark)
        menus = fake_telegram.calls("setMyCommands")
        assert {c.params.get("language_code") for c in menus} == {None, "vi", "en"}

        mark = len(fake_telegram.calls())
        fake_telegram.push_command(DIRECTOR, "report")
        await wait_for_call(fake_telegram, bot, message_to(DIRECTOR, button="rp:kind:"), mark)
        press(fake_telegram, DIRECTOR, "rp:kind:difficulty")
        await wait_for_call(fake_telegram, bot, message_to(DIRECTOR, button="rp:cat:"), mark)
        press(fake_telegram, DIRECTOR, "rp:cat:credit")
        await wait_for_call(fake_telegram, bot, message_to(DIRECTOR, text="4.000"), mark)

        await bot.kill()
        mark = len(fake_telegram.calls())
        await bot.start()
        await wait_for_call(fake_telegram, bot, "getUpdates", mark)

        text = "Thiếu vốn lưu động để mua phân bón cho vụ Hè Thu; lãi suất vay còn cao."
        fake_telegram.push_message(DIRECTOR, text)
        await wait_for_call(fake_telegram, bot, message_to(DIRECTOR, button="rp:done"), mark)
        press(fake_telegram, DIRECTOR, "rp:done")
        await wait_for_call(fake_telegram, bot, message_to(DIRECTOR, text=text), mark)
        press(fake_telegram, DIRECTOR, "rp:send")
        year = dt.datetime.now(zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")).year
        receipt = await wait_for_call(
            fake_telegram, bot, message_to(DIRECTOR, text=f"PA-{year}-"), mark
        )
        elapsed = time.monotonic() - started

        assert f"PA-{year}-000001" in receipt.params["text"]
        assert fake_telegram.violations == [], bot.output()
        assert await bot.stop() == 0, bot.output()
        assert "Traceback" not in bot.output(), bot.output()
        assert TOKEN not in bot.output()
        assert elapsed < 30, f"the conversation took {elapsed:.1f}s"
    finally:
        await bot.kill()


async def test_webhook_mode_registers_itself_and_answers_posted_updates(
    fake_telegram: FakeTelegram, prepared: Path
) -> None:
    """`coopbot run --webhook` sets the webhook with its secret, answers a post, stops cleanly."""
    secret = "webhook-secret-42-end-to-end-0123456789"
    url = "https://bot.example.org/telegram/webhook"
    env = environment(
        prepared, fake_telegram, TELEGRAM_WEBHOOK_URL=url, TELEGRAM_WEBHOOK_SECRET=secret
    )
    await coopbot(prepared, env, "db", "upgrade")
    port = free_port()
    bot = BotProcess(prepared, env, "--webhook", "--port", str(port))
    try:
        await bot.start()
        registered = await wait_for_call(fake_telegram, bot, "setWebhook", 0)
        assert (registered.params["url"], registered.params["secret_token"]) == (url, secret)
        base = f"http://127.0.0.1:{port}"
        async with httpx.AsyncClient(base_url=base, timeout=5) as http:
            deadline = time.monotonic() + WAIT
            while True:
                try:
                    health = await http.get("/healthz")
                    break
                except httpx.TransportError:
                    assert time.monotonic() < deadline, bot.output()
                    await asyncio.sleep(0.1)
            assert health.text == "ok"
            update = fake_telegram.push_command(DIRECTOR, "start")
            refused = await http.post("/telegram/webhook", json=update)
            mark = len(fake_telegram.calls())
            accepted = await http.post(
                "/telegram/webhook",
                json=update,
                headers={"X-Telegram-Bot-Api-Secret-Token": secret},
            )
        assert (refused.status_code, accepted.status_code) == (401, 200)
        await wait_for_call(fake_telegram, bot, message_to(DIRECTOR, text="/start"), mark)
        assert await bot.stop() == 0, bot.output()
        assert "Traceback" not in bot.output(), bot.output()
    finally:
        await bot.kill()
