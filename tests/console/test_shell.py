"""``coopbot shell``: the demo's conversations in a terminal, buttons as numbered choices."""

from __future__ import annotations

import asyncio
import io
import os
import re
import sys
from pathlib import Path

import pexpect
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from bot.channels.base import RetryLater
from bot.channels.console.shell import ConsoleChat, ConsoleSender
from bot.cli.shell_commands import PersonaChoice
from bot.files import FileStore
from handlers.router import Router
from handlers.turn import HandlerConfig
from handlers.types import Button, FileOut, Reply
from storage.db import Database
from storage.demo_personas import PERSONA_KEYS, ensure_persona, find_persona
from tests import factories as f


@pytest.fixture
async def chat(db: Database, demo_session: AsyncSession, tmp_path: Path) -> ConsoleChat:
    """Give the director's console chat on the demo data, printing into a buffer."""
    director = find_persona("director")
    assert director is not None
    await ensure_persona(demo_session, director, "console", locale="vi", now=f.T0)
    await demo_session.commit()
    router = Router(db, HandlerConfig(), clock=lambda: f.T0)
    return ConsoleChat(db, router, director, FileStore(tmp_path / "files"), io.StringIO())


def printed(chat: ConsoleChat) -> str:
    """Return and forget what the chat printed so far."""
    assert isinstance(chat.out, io.StringIO)
    text = chat.out.getvalue()
    chat.out.seek(0)
    chat.out.truncate()
    return text


async def test_buttons_are_numbered_and_a_number_presses_one(chat: ConsoleChat) -> None:
    """/report numbers the kinds; typing 1 picks the first one and the topics are numbered anew."""
    assert await chat.handle("/report")
    shown = printed(chat)
    assert "[1] Khó khăn" in shown
    assert "[4] ✖️ Hủy" in shown
    await chat.handle("1")
    assert "[1] Vốn, tín dụng" in printed(chat)
    await chat.handle("99")
    assert "Không có nút số 99" in printed(chat)


async def test_a_long_number_or_other_digits_are_text_not_a_button(chat: ConsoleChat) -> None:
    """A phone number typed where a number is asked is the number, not "no button
    912345678"; digits of other scripts are text too, and nothing breaks."""
    await chat.handle("/phone")
    await chat.handle("1")  # ➕ give a number
    assert "nhập số điện thoại" in printed(chat)

    await chat.handle("0912345678")
    assert "0912 345 678, có đúng không?" in printed(chat)
    await chat.handle("²")
    shown = printed(chat)
    assert "Không có nút" not in shown
    assert "0912 345 678, có đúng không?" in shown  # not a number: the question again


async def test_quit_ends_the_shell_and_blank_lines_are_ignored(chat: ConsoleChat) -> None:
    """/quit returns False; an empty line prints nothing."""
    assert await chat.handle("   ")
    assert printed(chat) == ""
    assert not await chat.handle("/quit")


async def test_files_from_the_bot_are_saved_and_their_path_printed(chat: ConsoleChat) -> None:
    """An image reply is written to the demo's files folder and named on screen."""
    await chat.render([Reply(text="Biểu đồ", image=FileOut("chart.png", b"png", "image/png"))])
    shown = printed(chat)
    path = Path(re.search(r"chart\.png: (\S+)", shown).group(1))  # type: ignore[union-attr]
    assert await asyncio.to_thread(path.read_bytes) == b"png"


async def test_outbox_messages_print_for_this_persona_and_wait_for_others(
    chat: ConsoleChat,
) -> None:
    """The console sender prints the director's message; another persona's is retried later."""
    sender = ConsoleSender(chat)
    reply = Reply(
        text="Phản ánh PA-2026-000001 đã được tiếp nhận.", buttons=((Button("📄", "x"),),)
    )
    await sender.send("demo-director", [reply])
    shown = printed(chat)
    assert "Tin nhắn mới:" in shown
    assert "[1] 📄" in shown
    with pytest.raises(RetryLater):
        await sender.send("demo-official", [reply])


def test_the_as_choices_are_the_demo_personas() -> None:
    """`--as` accepts exactly the personas the demo admits."""
    assert tuple(choice.value for choice in PersonaChoice) == PERSONA_KEYS


def test_a_director_files_a_report_in_a_real_terminal(tmp_path: Path) -> None:
    """Through a pseudo-terminal: /report, numbers, text, skip, send, then the receipt."""
    env = {
        **os.environ,
        "COOPBOT_LOG_LEVEL": "WARNING",
        "COOPBOT_DEFAULT_LOCALE": "vi",
        "PYTHONIOENCODING": "utf-8",
    }
    env.pop("COOPBOT_DATABASE_URL", None)
    shell = pexpect.spawn(
        sys.executable,
        ["-m", "bot", "shell", "--as", "director", "--db", str(tmp_path / "demo.db")],
        cwd=str(tmp_path),
        env=env,
        encoding="utf-8",
        timeout=30,
        dimensions=(50, 200),
    )
    try:
        shell.expect("Ông/Bà đang đóng vai: Giám đốc — HTX Trinh Phú")
        shell.expect("> ")
        shell.sendline("/report")
        shell.expect(r"\[(\d+)\] Khó khăn")
        shell.sendline(shell.match.group(1))
        shell.expect(r"\[(\d+)\] Vốn, tín dụng")
        shell.sendline(shell.match.group(1))
        shell.expect("10")
        shell.sendline("Thiếu vốn lưu động để mua phân bón cho vụ Đông Xuân.")
        shell.expect(r"\[(\d+)\] ⏭ Bỏ qua")
        shell.sendline(shell.match.group(1))
        shell.expect(r"\[(\d+)\] 📨 Gửi")
        shell.sendline(shell.match.group(1))
        shell.expect(r"PA-\d{4}-000001")
        shell.expect("> ")
        shell.sendeof()
        shell.expect("Tạm biệt.")
        shell.expect(pexpect.EOF)
    finally:
        shell.close(force=True)
    assert shell.exitstatus == 0
