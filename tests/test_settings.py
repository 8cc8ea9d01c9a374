"""Settings come from the environment with stable names; wrong values name the variable."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.logs import configured_secrets
from bot.settings import SettingsError, load_settings
from storage.db import normalize_database_url


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    """Run each test without the developer's variables or .env file."""
    for name in (
        "COOPBOT_DATABASE_URL",
        "COOPBOT_TIMEZONE",
        "COOPBOT_DEFAULT_LOCALE",
        "TELEGRAM_BOT_TOKEN",
        "TELEGRAM_API_BASE_URL",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)


def test_defaults_are_sqlite_vietnamese_and_ho_chi_minh_time() -> None:
    """Without configuration the bot uses a local SQLite file, vi and Asia/Ho_Chi_Minh."""
    settings = load_settings()
    assert settings.database_url == "sqlite+aiosqlite:///./coopbot.db"
    assert settings.default_locale == "vi"
    assert settings.timezone == "Asia/Ho_Chi_Minh"
    assert not settings.telegram_enabled


@pytest.mark.parametrize(
    ("plain", "normalized"),
    [
        ("postgresql://u:p@h/db", "postgresql+asyncpg://u:p@h/db"),
        ("postgres://u@h/db", "postgresql+asyncpg://u@h/db"),
        ("postgresql+psycopg://u@h/db", "postgresql+asyncpg://u@h/db"),
        ("sqlite:///x.db", "sqlite+aiosqlite:///x.db"),
    ],
)
def test_plain_database_urls_get_the_projects_drivers(plain: str, normalized: str) -> None:
    """Operators write ordinary URLs; the async drivers are chosen for them."""
    assert normalize_database_url(plain) == normalized


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("COOPBOT_DATABASE_URL", "mysql://x/y"),
        ("COOPBOT_DATABASE_URL", "not a url"),
        ("COOPBOT_TIMEZONE", "Mars/Olympus"),
        ("COOPBOT_DEFAULT_LOCALE", "fr"),
        ("COOPBOT_RATE_PER_SECOND", "0"),
        ("COOPBOT_RATE_PER_SECOND", "fast"),
        ("COOPBOT_RATE_BURST", "0"),
        ("COOPBOT_SECRET_KEY", "not-a-fernet-key"),
        ("COOPBOT_SECRET_KEY", "e7515OCGCqRrlbppLuXrnqLnuBpqRIPzY_mAo3EHmx4=,x"),
    ],
)
def test_a_wrong_value_is_one_line_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str
) -> None:
    """The error names the environment variable, not the Python field."""
    monkeypatch.setenv(variable, value)
    with pytest.raises(SettingsError) as caught:
        load_settings()
    message = str(caught.value)
    assert message.startswith(f"{variable}: ")
    assert "\n" not in message
    if variable == "COOPBOT_SECRET_KEY":
        assert value not in message  # a secret is never repeated


def test_the_secret_key_is_needed_only_when_asked_for(monkeypatch: pytest.MonkeyPatch) -> None:
    """Unset, settings load (Telegram and the demo need no key) and asking for the box says
    why it is needed; set, the box opens what it seals and the key shows nowhere."""
    monkeypatch.delenv("COOPBOT_SECRET_KEY", raising=False)
    with pytest.raises(SettingsError, match=r"^COOPBOT_SECRET_KEY is not set: Zalo's tokens"):
        load_settings().secret_box()

    key = "e7515OCGCqRrlbppLuXrnqLnuBpqRIPzY_mAo3EHmx4="
    monkeypatch.setenv("COOPBOT_SECRET_KEY", key)
    settings = load_settings()
    box = settings.secret_box()
    assert box.open_sealed(box.seal("t")) == "t"
    assert key not in repr(settings)


def test_secrets_never_show_in_the_settings_repr(monkeypatch: pytest.MonkeyPatch) -> None:
    """The bot token is a SecretStr: printing settings does not print it."""
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123456:very-secret-token")
    settings = load_settings()
    assert settings.telegram_enabled
    assert "very-secret-token" not in repr(settings)
    assert settings.telegram_bot_token is not None
    assert settings.telegram_bot_token.get_secret_value() == "123456:very-secret-token"


def test_a_dotenv_file_is_read(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A .env file in the working directory supplies settings the environment does not."""
    (tmp_path / ".env").write_text("COOPBOT_DEFAULT_LOCALE=en\n", encoding="utf-8")
    assert load_settings().default_locale == "en"


def test_the_committed_example_file_is_valid_and_leaves_channels_off(
    tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Copying .env.example to .env gives a working configuration with empty secrets unset."""
    example = Path(__file__).resolve().parents[1] / ".env.example"
    (tmp_path / ".env").write_text(example.read_text(encoding="utf-8"), encoding="utf-8")
    settings = load_settings()
    assert settings.telegram_bot_token is None
    assert not settings.telegram_enabled
    assert settings.zalo_api_base_url == "https://openapi.zalo.me"


def test_the_reminder_schedule_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """COOPBOT_KICKOFF_TIME and the day counts shape the schedule; bad times name the variable."""
    import datetime as dt

    from storage.calendar import Quarter, WorkingCalendar

    monkeypatch.setenv("COOPBOT_KICKOFF_TIME", "07:15")
    monkeypatch.setenv("COOPBOT_FOLLOW_UP_DAYS", "10")
    schedule = load_settings().reminder_schedule()
    kickoff = schedule.kickoff(Quarter(2026, 2), WorkingCalendar()).astimezone(schedule.tz)
    assert (kickoff.hour, kickoff.minute) == (7, 15)
    follow_up = schedule.follow_up(Quarter(2026, 2), WorkingCalendar()).astimezone(schedule.tz)
    assert follow_up.date() == dt.date(2026, 6, 19)  # 21/06 is a Sunday: the Friday before
    monkeypatch.setenv("COOPBOT_KICKOFF_TIME", "25:00")
    with pytest.raises(SettingsError, match=r"^COOPBOT_KICKOFF_TIME: "):
        load_settings()


def test_the_rate_limit_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """By default a person may send 20 messages at once and one a second after that."""
    monkeypatch.delenv("COOPBOT_RATE_PER_SECOND", raising=False)
    monkeypatch.delenv("COOPBOT_RATE_BURST", raising=False)
    limiter = load_settings().rate_limiter()
    assert (limiter.rate, limiter.burst) == (1.0, 20)
    monkeypatch.setenv("COOPBOT_RATE_PER_SECOND", "0.5")
    monkeypatch.setenv("COOPBOT_RATE_BURST", "12")
    limiter = load_settings().rate_limiter()
    assert (limiter.rate, limiter.burst) == (0.5, 12)


def test_each_secret_key_is_blanked_in_logs_even_during_a_rotation(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """With "new,old" in COOPBOT_SECRET_KEY, either key alone is blanked from log lines."""
    new, old = (
        "e7515OCGCqRrlbppLuXrnqLnuBpqRIPzY_mAo3EHmx4=",
        "RvGIvAMeokE_roRdyvIKOrtBkofz8KW2xvQueiS_5_k=",
    )
    monkeypatch.setenv("COOPBOT_SECRET_KEY", f"{new},{old}")

    secrets = configured_secrets(load_settings())

    assert new in secrets
    assert old in secrets
