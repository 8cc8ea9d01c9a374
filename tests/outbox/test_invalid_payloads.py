"""An outbox row the sender cannot read ends *failed* with its reason, never *sent*."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import insert
from typer.testing import CliRunner

from bot.channels.base import Unasked
from bot.cli import app
from bot.outbox import OutboxWorker
from handlers.types import Reply
from storage.db import Database
from storage.migrate import upgrade
from storage.models import OutboxMessage, OutboxStatus
from storage.outbox_payloads import InvalidPayload, QuarterKickoff, read_payload
from tests.conftest import database_url, reset_schema

NOW = dt.datetime(2026, 4, 6, 1, 0, tzinfo=dt.UTC)


class Recorder:
    """A channel sender that keeps what it was asked to send."""

    name = "telegram"

    def __init__(self) -> None:
        self.sent: list[tuple[str, list[Reply]]] = []

    async def send(
        self,
        recipient: str,
        replies: list[Reply],
        unasked: Unasked | None = None,  # noqa: ARG002 - the replies say all this channel sends
    ) -> None:
        """Record the replies instead of sending them."""
        self.sent.append((recipient, replies))


async def insert_by_hand(database: Database, payload: dict[str, Any]) -> int:
    """Insert an outbox row directly, as an operator or an older version might have."""
    async with database.transaction() as session:
        result = await session.execute(
            insert(OutboxMessage)
            .values(
                dedupe_key=f"by-hand:{payload.get('kind')}",
                channel="telegram",
                recipient="42",
                payload=payload,
                status=OutboxStatus.PENDING,
                attempts=0,
                next_attempt_at=NOW,
                created_at=NOW,
            )
            .returning(OutboxMessage.id)  # type: ignore[arg-type]
        )
        return int(result.scalar_one())


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        ({"kind": "birthday_wishes", "person_id": 1}, "birthday_wishes"),
        ({"kind": "quarter_kickoff", "quarter": "2026Q9", "commune_id": 3}, "quarter"),
        ({"kind": "item_event", "item_id": "seven"}, "item_id"),
        ({"item_id": 1}, "kind"),
    ],
)
async def test_an_unreadable_payload_fails_with_its_reason_and_sends_nothing(
    db: Database, payload: dict[str, Any], reason: str
) -> None:
    """Unknown kinds and payloads that do not fit their kind are failed, not marked sent."""
    message_id = await insert_by_hand(db, payload)
    sender = Recorder()
    worker = OutboxWorker(db, {"telegram": sender}, clock=lambda: NOW)

    assert await worker.run_once() == 1

    async with db.session() as session:
        row = await session.get(OutboxMessage, message_id)
    assert row is not None
    assert row.status == OutboxStatus.FAILED
    assert row.last_error is not None
    assert "invalid payload" in row.last_error
    assert reason in row.last_error
    assert sender.sent == []
    assert await worker.run_once() == 0  # not retried


def test_payloads_are_validated_when_read() -> None:
    """A stored payload is read back as its kind, and a wrong one raises InvalidPayload."""
    assert read_payload({"kind": "quarter_kickoff", "quarter": "2026Q2", "commune_id": 5}) == (
        QuarterKickoff(quarter="2026Q2", commune_id=5)
    )
    for bad in (None, [], "quarter_kickoff", {"kind": "quarter_kickoff", "commune_id": 0}):
        with pytest.raises(InvalidPayload):
            read_payload(bad)


def test_a_payload_is_validated_when_written() -> None:
    """A planner cannot even build an invalid payload."""
    with pytest.raises(ValueError, match="quarter"):
        QuarterKickoff(quarter="Q2", commune_id=5)


def test_outbox_status_shows_why_a_hand_written_message_failed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`coopbot outbox status` lists the failed row with the reason an admin can read."""
    url = database_url(tmp_path)
    monkeypatch.setenv("COOPBOT_DATABASE_URL", url)
    monkeypatch.chdir(tmp_path)

    async def fail_one() -> None:
        database = Database(url)
        try:
            await reset_schema(database)
            await upgrade(database.engine)
            await insert_by_hand(database, {"kind": "birthday_wishes"})
            await OutboxWorker(database, {"telegram": Recorder()}, clock=lambda: NOW).run_once()
        finally:
            await database.close()

    asyncio.run(fail_one())
    result = CliRunner().invoke(app, ["outbox", "status"])

    assert result.exit_code == 0, result.output
    assert "failed       1" in result.output
    assert "birthday_wishes" in result.output
