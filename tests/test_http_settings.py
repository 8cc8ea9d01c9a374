"""The HTTP settings: body limits, and a webhook secret Telegram takes and nobody guesses."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app as cli_app
from bot.settings import SettingsError, load_settings

STRONG = "Ab0_-" * 7  # 35 characters of Telegram's alphabet


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Run each test without the developer's variables or .env file."""
    for name in (
        "COOPBOT_MAX_JSON_BYTES",
        "COOPBOT_MAX_UPLOAD_BYTES",
        "TELEGRAM_BOT_TOKEN",
        "TELEGRAM_WEBHOOK_URL",
        "TELEGRAM_WEBHOOK_SECRET",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)


def test_the_body_limits_default_to_one_mib_of_json_and_ten_mib_of_file() -> None:
    """Without configuration JSON bodies stop at 1 MiB and the web chat's files at 10 MiB."""
    settings = load_settings()
    assert settings.max_json_bytes == 1_048_576
    assert settings.max_upload_bytes == 10 * 1_048_576


def test_the_body_limits_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """COOPBOT_MAX_JSON_BYTES and COOPBOT_MAX_UPLOAD_BYTES are read; nonsense names them."""
    monkeypatch.setenv("COOPBOT_MAX_JSON_BYTES", "65536")
    monkeypatch.setenv("COOPBOT_MAX_UPLOAD_BYTES", "2048")
    settings = load_settings()
    assert (settings.max_json_bytes, settings.max_upload_bytes) == (65536, 2048)
    monkeypatch.setenv("COOPBOT_MAX_UPLOAD_BYTES", str(100 * 1_048_576))  # over the file store's
    with pytest.raises(SettingsError, match=r"^COOPBOT_MAX_UPLOAD_BYTES: "):
        load_settings()
    monkeypatch.setenv("COOPBOT_MAX_JSON_BYTES", "0")
    with pytest.raises(SettingsError, match=r"^COOPBOT_MAX_JSON_BYTES: "):
        load_settings()


@pytest.mark.parametrize(
    "secret",
    [
        "s3cret-Token_42",  # Telegram would take it, but it is short
        "x" * 31,
        "x" * 257,  # Telegram takes at most 256
        "ä" * 40,  # outside Telegram's alphabet
        "a b" * 20,
        "secret/with+slashes=and=padding==",  # base64 that is not URL-safe
    ],
)
def test_a_weak_or_unusable_webhook_secret_is_one_line_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, secret: str
) -> None:
    """The secret must be 32 to 256 characters of A-Z a-z 0-9 _ -; the error never shows it."""
    monkeypatch.setenv("TELEGRAM_WEBHOOK_SECRET", secret)
    with pytest.raises(SettingsError) as caught:
        load_settings()
    message = str(caught.value)
    assert message.startswith("TELEGRAM_WEBHOOK_SECRET: use 32 to 256 characters")
    assert "\n" not in message
    assert secret not in message


@pytest.mark.parametrize("secret", [STRONG, "a" * 32, "Z" * 256])
def test_a_strong_webhook_secret_is_taken(monkeypatch: pytest.MonkeyPatch, secret: str) -> None:
    """32 to 256 characters of Telegram's alphabet are accepted as they are."""
    monkeypatch.setenv("TELEGRAM_WEBHOOK_SECRET", secret)
    settings = load_settings()
    assert settings.telegram_webhook_secret is not None
    assert settings.telegram_webhook_secret.get_secret_value() == secret


def test_coopbot_run_refuses_a_short_secret_in_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    """`coopbot run --webhook` stops before anything starts, naming the variable (exit 2)."""
    env = {"TELEGRAM_BOT_TOKEN": "123:TEST", "TELEGRAM_WEBHOOK_SECRET": "too-short"}
    result = CliRunner().invoke(cli_app, ["run", "--webhook"], env=env)
    assert result.exit_code == 2
    assert "TELEGRAM_WEBHOOK_SECRET: use 32 to 256 characters" in result.output
    assert "too-short" not in result.output
    assert len(result.output.strip().splitlines()) == 1
