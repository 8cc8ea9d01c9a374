"""``coopbot`` as a separate process against the fakes: its environment, one-shot CLI commands,
and ``coopbot run`` with its output kept in log files.

The processes get their settings from the environment only (cwd is the test's directory, so no
``.env`` is read), and write their logs to files there (a pipe nobody reads could fill up and
block them).
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path
from typing import BinaryIO

from tests.conftest import database_url
from tests.fakes import FakeTelegram
from tests.telegram.conftest import TOKEN

WAIT = 15.0  # seconds; generous for a loaded CI machine, far below a hang


def environment(tmp_path: Path, fake: FakeTelegram, **extra: str) -> dict[str, str]:
    """Return the environment of a coopbot process: ours, without any other coopbot setting."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("COOPBOT_", "TELEGRAM_", "ZALO_"))
    }
    env.update(
        COOPBOT_DATABASE_URL=database_url(tmp_path),
        TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_API_BASE_URL=fake.base_url,
        PTB_TIMEDELTA="1",
        **extra,
    )
    return env


async def coopbot(tmp_path: Path, env: dict[str, str], *args: str) -> str:
    """Run one CLI command to completion and return its output, failing on a non-zero exit."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        *args,
        env=env,
        cwd=tmp_path,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await asyncio.wait_for(process.communicate(), 60)
    text = output.decode()
    assert process.returncode == 0, f"coopbot {' '.join(args)} failed:\n{text}"
    return text


class BotProcess:
    """One ``coopbot run`` process at a time, its output kept in numbered log files."""

    def __init__(self, tmp_path: Path, env: dict[str, str], *args: str) -> None:
        self.tmp_path, self.env, self.args = tmp_path, env, args
        self.process: asyncio.subprocess.Process | None = None
        self.logs: list[Path] = []

    def _new_log(self) -> BinaryIO:
        path = self.tmp_path / f"coopbot-run-{len(self.logs) + 1}.log"
        self.logs.append(path)
        return path.open("wb")

    async def start(self) -> None:
        """Start ``coopbot run`` with the arguments given at creation."""
        with self._new_log() as log:
            self.process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "bot",
                "run",
                *self.args,
                env=self.env,
                cwd=self.tmp_path,
                stdout=log,
                stderr=log,
            )

    async def kill(self) -> None:
        """Kill the process at once (SIGKILL), as a crash or an OOM killer would."""
        if self.process is not None and self.process.returncode is None:
            self.process.kill()
            await self.process.wait()

    async def stop(self) -> int | None:
        """Ask the process to stop (SIGTERM) and return its exit code, killing it if it hangs."""
        if self.process is None or self.process.returncode is not None:
            return None if self.process is None else self.process.returncode
        self.process.send_signal(signal.SIGTERM)
        try:
            return await asyncio.wait_for(self.process.wait(), WAIT)
        except TimeoutError:
            await self.kill()
            return None

    def output(self) -> str:
        """Return everything the processes wrote so far."""
        return "\n".join(f"--- {p.name}\n{p.read_text(errors='replace')}" for p in self.logs)
