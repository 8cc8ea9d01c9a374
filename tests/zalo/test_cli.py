"""``coopbot zalo status|set-tokens|seal-tokens``: the stored tokens, managed without ever
printing them, and stored sealed with COOPBOT_SECRET_KEY."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from bot.cli import app
from storage.credentials import Tokens, load_tokens
from storage.db import Database
from storage.models import ChannelCredential
from storage.secret_box import SecretBox
from tests.conftest import database_url
from tests.zalo.conftest import SECRET_KEY

TOKENS = {"ZALO_ACCESS_TOKEN": "access-secret-1", "ZALO_REFRESH_TOKEN": "refresh-secret-1"}
KEY = {"COOPBOT_SECRET_KEY": SECRET_KEY}
OTHER_KEY = "RvGIvAMeokE_roRdyvIKOrtBkofz8KW2xvQueiS_5_k="
MISSING_KEY = "COOPBOT_SECRET_KEY is not set: Zalo's tokens are stored encrypted"


@pytest.fixture
def cli(empty_db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Return a function running the CLI against the test database, without Zalo settings."""
    monkeypatch.setenv("COOPBOT_DATABASE_URL", database_url(tmp_path))
    for name in ("ZALO_APP_ID", "ZALO_APP_SECRET", "ZALO_OA_SECRET", *TOKENS, *KEY):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # no stray .env is read
    runner = CliRunner()

    def invoke(*args: str, env: dict[str, str] | None = None):
        return runner.invoke(app, list(args), env=env)

    assert invoke("db", "upgrade").exit_code == 0
    return invoke


def in_database(tmp_path: Path, body):
    """Run ``body(session)`` on the test database in a session of its own; return its result."""

    async def main():
        database = Database(database_url(tmp_path))
        try:
            async with database.transaction() as session:
                return await body(session)
        finally:
            await database.close()

    return asyncio.run(main())


def raw_columns(tmp_path: Path) -> tuple[str, str] | None:
    """Return the stored token columns exactly as the database holds them."""

    async def read(session):
        statement = select(ChannelCredential.access_token, ChannelCredential.refresh_token)
        row = (await session.execute(statement)).one_or_none()
        return None if row is None else (row[0], row[1])

    return in_database(tmp_path, read)


def store_plain_tokens(tmp_path: Path) -> None:
    """Store a pair as coopbot did before sealing existed: plain text."""

    async def store(session):
        session.add(
            ChannelCredential(
                channel="zalo", access_token="access-plain", refresh_token="refresh-plain"
            )
        )

    in_database(tmp_path, store)


def stored_tokens(tmp_path: Path, key: str) -> Tokens | None:
    """Return the stored tokens opened with ``key``."""
    return in_database(tmp_path, lambda session: load_tokens(session, "zalo", SecretBox([key])))


def test_set_tokens_stores_the_environments_pair_and_status_never_shows_it(cli) -> None:
    """Status says none are stored, set-tokens stores them, and no command prints a token."""
    before = cli("zalo", "status")
    assert before.exit_code == 0, before.output
    assert "none stored yet" in before.output
    assert "ZALO_APP_ID" in before.output

    stored = cli("zalo", "set-tokens", env=TOKENS | KEY)
    after = cli("zalo", "status", env=KEY)

    assert stored.exit_code == 0, stored.output
    assert "tokens       stored" in after.output
    assert "sealed       yes, with COOPBOT_SECRET_KEY" in after.output
    for output in (stored.output, after.output):
        assert "access-secret-1" not in output
        assert "refresh-secret-1" not in output
        assert SECRET_KEY not in output


def test_set_tokens_stores_them_sealed_and_only_the_key_opens_them(cli, tmp_path: Path) -> None:
    """The columns hold no token text; the key gives the pair back, another key does not."""
    assert cli("zalo", "set-tokens", env=TOKENS | KEY).exit_code == 0

    columns = raw_columns(tmp_path)
    assert columns is not None
    for column in columns:
        assert column.startswith("fernet:")
        assert "secret" not in column
    assert stored_tokens(tmp_path, SECRET_KEY) == Tokens("access-secret-1", "refresh-secret-1")
    status = cli("zalo", "status", env={"COOPBOT_SECRET_KEY": OTHER_KEY})
    assert "COOPBOT_SECRET_KEY does not open them" in status.output


def test_set_tokens_without_both_tokens_exits_with_one_clear_line(cli) -> None:
    """Missing ZALO_REFRESH_TOKEN is named, and nothing is stored."""
    result = cli("zalo", "set-tokens", env={"ZALO_ACCESS_TOKEN": "a"} | KEY)

    assert result.exit_code == 2
    assert "ZALO_ACCESS_TOKEN and ZALO_REFRESH_TOKEN" in result.output
    assert "none stored yet" in cli("zalo", "status").output


@pytest.mark.parametrize("command", ["set-tokens", "seal-tokens"])
def test_commands_that_need_the_key_say_so_in_one_line(cli, tmp_path: Path, command: str) -> None:
    """Without COOPBOT_SECRET_KEY: exit 2, one line saying why the key is needed, no change."""
    result = cli("zalo", command, env=TOKENS)

    assert result.exit_code == 2
    assert MISSING_KEY in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert raw_columns(tmp_path) is None


def test_a_key_of_the_wrong_form_is_named_without_being_shown(cli) -> None:
    """A value that is not a Fernet key stops every command with the variable named."""
    result = cli("zalo", "status", env={"COOPBOT_SECRET_KEY": "not-a-real-key-123"})

    assert result.exit_code == 2
    assert "COOPBOT_SECRET_KEY: use a Fernet key" in result.output
    assert "not-a-real-key-123" not in result.output


def test_seal_tokens_seals_the_plain_tokens_of_before(cli, tmp_path: Path) -> None:
    """Plain tokens are shown as such by status and sealed in place by seal-tokens."""
    store_plain_tokens(tmp_path)
    assert "no: stored as plain text" in cli("zalo", "status").output

    sealed = cli("zalo", "seal-tokens", env=KEY)

    assert sealed.exit_code == 0, sealed.output
    assert "2 of 2 were stored as plain text" in sealed.output
    columns = raw_columns(tmp_path)
    assert columns is not None
    assert all(column.startswith("fernet:") for column in columns)
    assert stored_tokens(tmp_path, SECRET_KEY) == Tokens("access-plain", "refresh-plain")
    assert "yes, with COOPBOT_SECRET_KEY" in cli("zalo", "status", env=KEY).output
    assert "access-plain" not in sealed.output


def test_seal_tokens_moves_the_tokens_to_a_new_key(cli, tmp_path: Path) -> None:
    """Rotation: with "new,old" seal-tokens re-seals with the new key; the old one is then
    useless, and seal-tokens with only the old one fails with exit 2 and changes nothing."""
    assert cli("zalo", "set-tokens", env=TOKENS | KEY).exit_code == 0

    rotated = cli("zalo", "seal-tokens", env={"COOPBOT_SECRET_KEY": f"{OTHER_KEY},{SECRET_KEY}"})

    assert rotated.exit_code == 0, rotated.output
    assert "sealed again" in rotated.output
    assert stored_tokens(tmp_path, OTHER_KEY) == Tokens("access-secret-1", "refresh-secret-1")
    before = raw_columns(tmp_path)
    refused = cli("zalo", "seal-tokens", env=KEY)
    assert refused.exit_code == 2
    assert "sealed with another key than COOPBOT_SECRET_KEY" in refused.output
    assert len(refused.output.strip().splitlines()) == 1
    assert raw_columns(tmp_path) == before


def test_seal_tokens_with_nothing_stored_says_so(cli) -> None:
    """No tokens yet: nothing to seal, and that is not an error."""
    result = cli("zalo", "seal-tokens", env=KEY)

    assert result.exit_code == 0, result.output
    assert "nothing to seal" in result.output
