"""``coopbot zalo templates set|list|remove``: each kind of unasked message mapped to an
approved Zalo template, with clear refusals of unknown kinds and malformed ids."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app
from storage.db import Database
from storage.zalo_templates import TEMPLATE_PARAMS, TemplateKind, list_templates
from tests.conftest import database_url


@pytest.fixture
def cli(empty_db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Return a function running the CLI against the test database."""
    monkeypatch.setenv("COOPBOT_DATABASE_URL", database_url(tmp_path))
    monkeypatch.chdir(tmp_path)  # no stray .env is read
    runner = CliRunner()

    def invoke(*args: str):
        return runner.invoke(app, list(args))

    assert invoke("db", "upgrade").exit_code == 0
    return invoke


def flat(output: str) -> str:
    return " ".join(output.split())


async def stored(db: Database) -> dict[TemplateKind, str]:
    async with db.session() as session:
        return await list_templates(session)


async def test_a_kind_is_set_listed_changed_and_removed(cli, empty_db: Database) -> None:
    """Set (the kind written as people write it), list with parameters, change, remove."""
    done = await asyncio.to_thread(cli, "zalo", "templates", "set", "Kick-off", "7895417a7d3f")
    assert done.exit_code == 0, done.output
    assert "kickoff goes as template 7895417a7d3f" in flat(done.output)
    await asyncio.to_thread(cli, "zalo", "templates", "set", "follow_up", "111")
    await asyncio.to_thread(cli, "zalo", "templates", "set", "kickoff", "222")
    assert await stored(empty_db) == {TemplateKind.KICKOFF: "222", TemplateKind.FOLLOW_UP: "111"}

    listed = flat((await asyncio.to_thread(cli, "zalo", "templates", "list")).output)
    assert "kickoff 222 commune, quarter, open_items, last_day" in listed
    assert f"escalation - {', '.join(TEMPLATE_PARAMS[TemplateKind.ESCALATION])}" in listed
    assert f"2 of {len(TemplateKind)} kinds have a template" in listed

    removed = await asyncio.to_thread(cli, "zalo", "templates", "remove", "kickoff")
    again = await asyncio.to_thread(cli, "zalo", "templates", "remove", "kickoff")
    assert "kickoff goes as no template any more" in flat(removed.output)
    assert "kickoff had no template; nothing changed" in flat(again.output)
    assert await stored(empty_db) == {TemplateKind.FOLLOW_UP: "111"}


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (("set", "kickof", "1"), "Unknown kind kickof; the kinds are: kickoff, follow_up"),
        (("remove", "everything"), "Unknown kind everything"),
        (("set", "kickoff", "two words"), "one word of at most 64 characters"),
        (("set", "kickoff", "x" * 65), "one word of at most 64 characters"),
        (("set", "kickoff", "  "), "one word of at most 64 characters"),
    ],
)
async def test_unknown_kinds_and_malformed_ids_are_refused_and_nothing_is_stored(
    cli, empty_db: Database, args: tuple[str, ...], said: str
) -> None:
    """Each bad input gets one clear line and a non-zero exit; no template is stored."""
    result = await asyncio.to_thread(cli, "zalo", "templates", *args)
    assert result.exit_code != 0
    assert said in flat(result.output)
    assert await stored(empty_db) == {}
