"""Two planner processes started at the same moment plan each reminder once."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.db import Database
from storage.models import ChannelIdentity, OutboxMessage
from tests import factories as f
from tests.conftest import database_url


async def test_two_cli_planners_at_once_plan_one_message_per_recipient(
    db: Database, demo_session: AsyncSession, tmp_path: Path
) -> None:
    """`coopbot reminders run --at` twice in parallel: every dedupe key exists exactly once."""
    for n, commune in enumerate(["Xã An Lạc Thôn", "Xã Kế Sách", "Xã Đại Hải"]):
        leader = await f.actor(
            demo_session, "commune_leader", unit_id=(await f.unit(demo_session, commune)).id
        )
        demo_session.add(
            ChannelIdentity(channel="telegram", external_id=f"70{n}", person_id=leader.person_id)
        )
    await demo_session.commit()
    env = {**os.environ, "COOPBOT_DATABASE_URL": database_url(tmp_path)}
    command = [sys.executable, "-m", "bot", "reminders", "run", "--at", "2026-04-06T08:00+07:00"]

    async def planner() -> int:
        process = await asyncio.create_subprocess_exec(
            *command,
            env=env,
            cwd=tmp_path,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        _out, err = await process.communicate()
        assert process.returncode == 0, err.decode()
        return process.returncode

    await asyncio.gather(planner(), planner())
    async with db.session() as session:
        keys = list((await session.execute(select(OutboxMessage.dedupe_key))).scalars())
    kickoffs = [k for k in keys if ":kickoff:" in k]
    assert len(kickoffs) == 3
    assert len(keys) == len(set(keys))
