"""``coopbot zalo status|set-tokens``: the stored tokens, managed without ever printing them."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app
from storage.db import Database
from tests.conftest import database_url

TOKENS = {"ZALO_ACCESS_TOKEN": "access-secret-1", "ZALO_REFRESH_TOKEN": "refresh-secret-1"}


@pytest.fixture
def cli(empty_db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Return a function running the CLI against the test database, without Zalo settings."""
    monkeypatch.setenv("COOPBOT_DATABASE_URL", database_url(tmp_path))
    for name in ("ZALO_APP_ID", "ZALO_APP_SECRET", "ZALO_OA_SECRET", *TOKENS):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # no stray .env is read
    runner = CliRunner()

    def invoke(*args: str, env: dict[str, str] | None = None):
        return runner.invoke(app, list(args), env=env)

    assert invoke("db", "upgrade").exit_code == 0
    return invoke


def test_set_tokens_stores_the_environments_pair_and_status_never_shows_it(cli) -> None:
    """Status says none are stored, set-tokens stores them, and no command prints a token."""
    before = cli("zalo", "status")
    assert before.exit_code == 0, before.output
    assert "none stored yet" in before.output
    assert "ZALO_APP_ID" in before.output

    stored = cli("zalo", "set-tokens", env=TOKENS)
    after = cli("zalo", "status")

    assert stored.exit_code == 0, stored.output
    assert "tokens       stored" in after.output
    for output in (stored.output, after.output):
        assert "access-secret-1" not in output
        assert "refresh-secret-1" not in output


def test_set_tokens_without_both_tokens_exits_with_one_clear_line(cli) -> None:
    """Missing ZALO_REFRESH_TOKEN is named, and nothing is stored."""
    result = cli("zalo", "set-tokens", env={"ZALO_ACCESS_TOKEN": "a"})

    assert result.exit_code == 2
    assert "ZALO_ACCESS_TOKEN and ZALO_REFRESH_TOKEN" in result.output
    assert "none stored yet" in cli("zalo", "status").output
