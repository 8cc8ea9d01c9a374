"""Typed settings read from the environment (and an optional ``.env`` file).

The variable names are stable: deployment scripts and outside tools rely on them.
"""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.files import MAX_STORED_BYTES
from bot.http_limits import DEFAULT_MAX_JSON_BYTES
from handlers.rate_limit import RateLimiter
from storage.calendar import ReminderSchedule
from storage.db import normalize_database_url
from storage.retention import (
    MAX_DAYS,
    MIN_DIALOGS_DAYS,
    MIN_INVITE_ATTEMPTS_DAYS,
    MIN_OUTBOX_DAYS,
    MIN_PROCESSED_UPDATES_DAYS,
    RetentionPolicy,
)
from storage.secret_box import SecretBox, parse_keys

# Telegram takes 1-256 characters of A-Z a-z 0-9 _ - as a webhook's secret_token; under 32 a
# secret is guessable enough to be worth trying, so coopbot asks for 32 at least.
WEBHOOK_SECRET_SHAPE = re.compile(r"[A-Za-z0-9_-]{32,256}")
WEBHOOK_RULE = (
    "use 32 to 256 characters of A-Z, a-z, 0-9, _ and - "
    "(python3 -c 'import secrets; print(secrets.token_urlsafe(32))' makes one)"
)


UNSET_KEY_MESSAGE = (
    "COOPBOT_SECRET_KEY is not set: Zalo's tokens are stored encrypted with it "
    "(python3 -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'"
    " makes one; see docs/zalo.md)"
)


class SettingsError(Exception):
    """A setting has a wrong value; the message names the variable in one line."""


class Settings(BaseSettings):
    """Everything the runtime needs to know, from the environment first."""

    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        env_ignore_empty=True,
        extra="ignore",
        populate_by_name=True,
    )

    database_url: str = Field(
        default="sqlite:///./coopbot.db",
        validation_alias=AliasChoices("COOPBOT_DATABASE_URL"),
    )
    timezone: str = Field(
        default="Asia/Ho_Chi_Minh", validation_alias=AliasChoices("COOPBOT_TIMEZONE")
    )
    default_locale: Literal["vi", "en"] = Field(
        default="vi", validation_alias=AliasChoices("COOPBOT_DEFAULT_LOCALE")
    )
    invite_ttl_days: int = Field(
        default=14, ge=1, le=365, validation_alias=AliasChoices("COOPBOT_INVITE_TTL_DAYS")
    )
    background_services: bool = Field(
        default=True,
        validation_alias=AliasChoices("COOPBOT_BACKGROUND_SERVICES"),
        description="Run the outbox sender and the reminder clock in this process.",
    )
    kickoff_time: dt.time = Field(
        default=dt.time(8, 0), validation_alias=AliasChoices("COOPBOT_KICKOFF_TIME")
    )
    reminder_time: dt.time = Field(
        default=dt.time(8, 0), validation_alias=AliasChoices("COOPBOT_REMINDER_TIME")
    )
    follow_up_days: int = Field(
        default=14, ge=1, le=60, validation_alias=AliasChoices("COOPBOT_FOLLOW_UP_DAYS")
    )
    escalation_days: int = Field(
        default=7, ge=1, le=60, validation_alias=AliasChoices("COOPBOT_ESCALATION_DAYS")
    )
    digest_weekday: int = Field(
        default=0, ge=0, le=6, validation_alias=AliasChoices("COOPBOT_DIGEST_WEEKDAY")
    )
    digest_time: dt.time = Field(
        default=dt.time(7, 30), validation_alias=AliasChoices("COOPBOT_DIGEST_TIME")
    )
    alerts_digest_time: dt.time = Field(
        default=dt.time(16, 30),
        validation_alias=AliasChoices("COOPBOT_ALERTS_DIGEST_TIME"),
        description="When the daily alert digest goes to those who chose /alerts daily.",
    )
    log_level: str = Field(default="INFO", validation_alias=AliasChoices("COOPBOT_LOG_LEVEL"))
    # Named in the notice on personal data every person sees before admission.
    controller_name: str = Field(
        default="",
        max_length=200,
        validation_alias=AliasChoices("COOPBOT_CONTROLLER_NAME"),
        description="The body responsible for the personal data (the data controller).",
    )
    controller_contact: str = Field(
        default="",
        max_length=200,
        validation_alias=AliasChoices("COOPBOT_CONTROLLER_CONTACT"),
        description="How people reach the controller about their data (phone, e-mail, address).",
    )
    files_dir: Path = Field(
        default=Path("coopbot-files"),
        validation_alias=AliasChoices("COOPBOT_FILES_DIR"),
        description="Where local copies of the files people send are kept.",
    )
    outbox_lease_seconds: int = Field(
        default=120,
        ge=1,
        le=3600,
        validation_alias=AliasChoices("COOPBOT_OUTBOX_LEASE_SECONDS"),
        description="How long a message being sent stays claimed; after that a crashed "
        "worker's message is sent again (and may arrive twice).",
    )
    max_json_bytes: int = Field(
        default=DEFAULT_MAX_JSON_BYTES,
        ge=1024,
        le=64 * 1024 * 1024,
        validation_alias=AliasChoices("COOPBOT_MAX_JSON_BYTES"),
        description="The largest JSON body an endpoint reads (webhooks, the web chat); "
        "larger ones are refused with 413.",
    )
    max_upload_bytes: int = Field(
        default=10 * 1024 * 1024,
        ge=1024,
        le=MAX_STORED_BYTES,  # the file store keeps nothing larger
        validation_alias=AliasChoices("COOPBOT_MAX_UPLOAD_BYTES"),
        description="The largest file the web chat takes from its page.",
    )

    # Per person (channel account), per worker. The burst must take a Telegram album (up to
    # 10 photos arrive as 10 messages at once) plus the quick taps around it; one a second on
    # average is more than anyone who reads the replies sends. A script sending 5 a second is
    # refused after 5 seconds and then gets through at one a second (docs/operations.md, Limits).
    rate_per_second: float = Field(
        default=1.0,
        gt=0,
        le=1000,
        validation_alias=AliasChoices("COOPBOT_RATE_PER_SECOND"),
        description="Messages per second a person may send on average.",
    )
    rate_burst: int = Field(
        default=20,
        ge=1,
        le=10_000,
        validation_alias=AliasChoices("COOPBOT_RATE_BURST"),
        description="Messages a person may send at once before the average applies.",
    )

    # Retention, in days (docs/operations.md, Retention): the daily purge deletes the rows past
    # their time. The lower bounds are what the runtime still needs the rows for.
    retain_processed_updates_days: int = Field(
        default=30,
        ge=MIN_PROCESSED_UPDATES_DAYS,
        le=MAX_DAYS,
        validation_alias=AliasChoices("COOPBOT_RETAIN_PROCESSED_UPDATES_DAYS"),
        description="Days the record of a handled update is kept (against redeliveries).",
    )
    retain_dialogs_days: int = Field(
        default=30,
        ge=MIN_DIALOGS_DAYS,
        le=MAX_DAYS,
        validation_alias=AliasChoices("COOPBOT_RETAIN_DIALOGS_DAYS"),
        description="Days a conversation state (and a Zalo button list) is kept untouched.",
    )
    retain_invite_attempts_days: int = Field(
        default=90,
        ge=MIN_INVITE_ATTEMPTS_DAYS,
        le=MAX_DAYS,
        validation_alias=AliasChoices("COOPBOT_RETAIN_INVITE_ATTEMPTS_DAYS"),
        description="Days a wrong invite code's attempt is kept.",
    )
    retain_outbox_days: int = Field(
        default=180,
        ge=MIN_OUTBOX_DAYS,
        le=MAX_DAYS,
        validation_alias=AliasChoices("COOPBOT_RETAIN_OUTBOX_DAYS"),
        description="Days a sent, failed or unreachable message is kept.",
    )

    telegram_bot_token: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("TELEGRAM_BOT_TOKEN")
    )
    telegram_bot_username: str | None = Field(
        default=None, validation_alias=AliasChoices("TELEGRAM_BOT_USERNAME")
    )
    telegram_api_base_url: str | None = Field(
        default=None, validation_alias=AliasChoices("TELEGRAM_API_BASE_URL")
    )
    telegram_webhook_url: str | None = Field(
        default=None, validation_alias=AliasChoices("TELEGRAM_WEBHOOK_URL")
    )
    telegram_webhook_secret: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("TELEGRAM_WEBHOOK_SECRET")
    )

    zalo_app_id: str | None = Field(default=None, validation_alias=AliasChoices("ZALO_APP_ID"))
    zalo_app_secret: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("ZALO_APP_SECRET")
    )
    zalo_oa_secret: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("ZALO_OA_SECRET")
    )
    zalo_access_token: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("ZALO_ACCESS_TOKEN")
    )
    zalo_refresh_token: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("ZALO_REFRESH_TOKEN")
    )
    zalo_api_base_url: str = Field(
        default="https://openapi.zalo.me", validation_alias=AliasChoices("ZALO_API_BASE_URL")
    )
    zalo_oauth_base_url: str = Field(
        default="https://oauth.zaloapp.com", validation_alias=AliasChoices("ZALO_OAUTH_BASE_URL")
    )
    zalo_template_api_base_url: str = Field(
        default="https://business.openapi.zalo.me",
        validation_alias=AliasChoices("ZALO_TEMPLATE_API_BASE_URL"),
        description="Zalo's template message (ZNS) API; tests point it at a fake.",
    )
    # Zalo's help centre: 8 free replies within 48 hours after the person last wrote
    # (docs/zalo.md names the source); a change of Zalo's rules is a change of settings.
    zalo_reply_window_hours: float = Field(
        default=48.0, gt=0, le=24 * 30, validation_alias=AliasChoices("ZALO_REPLY_WINDOW_HOURS")
    )
    zalo_free_replies: int = Field(
        default=8, ge=0, le=1000, validation_alias=AliasChoices("ZALO_FREE_REPLIES")
    )
    zalo_share_image_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("ZALO_SHARE_IMAGE_URL"),
        description="An image (https) shown on Zalo's form for sharing one's phone number.",
    )
    # Needed only where Zalo's tokens are read or written: Telegram alone and the demo run
    # without it (see secret_box()).
    secret_key: SecretStr | None = Field(
        default=None,
        validation_alias=AliasChoices("COOPBOT_SECRET_KEY"),
        description="The Fernet key that seals Zalo's tokens in the database; while rotating, "
        "the new key, a comma, then the old ones.",
    )

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, value: str) -> str:
        return normalize_database_url(value)

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            zoneinfo.ZoneInfo(value)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @field_validator("telegram_webhook_secret")
    @classmethod
    def _strong_webhook_secret(cls, value: SecretStr | None) -> SecretStr | None:
        # The message never repeats the value: it is a secret, and errors reach logs.
        if value is not None and not WEBHOOK_SECRET_SHAPE.fullmatch(value.get_secret_value()):
            raise ValueError(WEBHOOK_RULE)
        return value

    @field_validator("secret_key")
    @classmethod
    def _fernet_keys(cls, value: SecretStr | None) -> SecretStr | None:
        # parse_keys' message never repeats the value: it is a secret, and errors reach logs.
        if value is not None:
            parse_keys(value.get_secret_value())
        return value

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        upper = value.upper()
        if upper not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
            raise ValueError("use DEBUG, INFO, WARNING, ERROR or CRITICAL")
        return upper

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        """Return the display and scheduling time zone."""
        return zoneinfo.ZoneInfo(self.timezone)

    def reminder_schedule(self) -> ReminderSchedule:
        """Return the reminder schedule these settings describe."""
        return ReminderSchedule(
            kickoff_time=self.kickoff_time,
            follow_up_days_before_end=self.follow_up_days,
            escalation_days_before_end=self.escalation_days,
            reminder_time=self.reminder_time,
            overdue_time=self.reminder_time,
            digest_weekday=self.digest_weekday,
            digest_time=self.digest_time,
            alerts_digest_time=self.alerts_digest_time,
            tz=self.tz,
        )

    def retention_policy(self) -> RetentionPolicy:
        """Return how long the runtime's own rows are kept, as these settings say."""
        return RetentionPolicy.of_days(
            processed_updates=self.retain_processed_updates_days,
            dialogs=self.retain_dialogs_days,
            invite_attempts=self.retain_invite_attempts_days,
            outbox=self.retain_outbox_days,
        )

    def rate_limiter(self) -> RateLimiter:
        """Return a new per-person rate limit with these limits (one per process)."""
        return RateLimiter(self.rate_per_second, self.rate_burst)

    @property
    def telegram_enabled(self) -> bool:
        """Tell whether a Telegram token is configured."""
        return self.telegram_bot_token is not None

    @property
    def zalo_configured(self) -> bool:
        """Tell whether any Zalo credential is set (complete or not)."""
        return any(
            value is not None
            for value in (
                self.zalo_app_id,
                self.zalo_app_secret,
                self.zalo_oa_secret,
                self.zalo_access_token,
                self.zalo_refresh_token,
            )
        )

    def zalo_missing(self) -> list[str]:
        """Return the names of the Zalo settings the channel cannot run without."""
        required = {
            "ZALO_APP_ID": self.zalo_app_id,
            "ZALO_APP_SECRET": self.zalo_app_secret,
            "ZALO_OA_SECRET": self.zalo_oa_secret,
        }
        return [name for name, value in required.items() if value is None]

    @property
    def zalo_enabled(self) -> bool:
        """Tell whether the Zalo channel is fully configured (the tokens may be stored)."""
        return self.zalo_configured and not self.zalo_missing()

    def secret_keys(self) -> tuple[str, ...]:
        """Return the keys of ``COOPBOT_SECRET_KEY`` (none when it is not set)."""
        if self.secret_key is None:
            return ()
        return parse_keys(self.secret_key.get_secret_value())

    def secret_box(self) -> SecretBox:
        """Return the box that seals and opens Zalo's stored tokens.

        Raises:
            SettingsError: ``COOPBOT_SECRET_KEY`` is not set.
        """
        keys = self.secret_keys()
        if not keys:
            raise SettingsError(UNSET_KEY_MESSAGE)
        return SecretBox(keys)


def _variable_name(field_name: str) -> str:
    field = Settings.model_fields.get(field_name)
    alias = field.validation_alias if field else None
    if isinstance(alias, AliasChoices) and alias.choices:
        return str(alias.choices[0])
    return field_name.upper()


def load_settings(**overrides: object) -> Settings:
    """Load settings from the environment, turning validation errors into one clear line.

    Raises:
        SettingsError: naming the first wrong variable and why it is wrong.
    """
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        first = exc.errors()[0]
        location = str(first["loc"][0]) if first["loc"] else "?"
        message = str(first["msg"]).removeprefix("Value error, ")
        raise SettingsError(f"{_variable_name(location)}: {message}") from None
