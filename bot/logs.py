"""Logging for the long-running processes: one line per record, configured secrets blanked.

Failures are logged with their text and traceback at DEBUG (``handlers.failures``); a database
error's text quotes its statement's parameters, and an HTTP error may quote a URL with the
bot's token in it. The formatter replaces every configured secret (tokens, app secrets, the
database password) with ``***`` in whatever it writes, tracebacks included.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from urllib.parse import urlsplit

from pydantic import SecretStr

from bot.settings import Settings

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
_SHORTEST_SECRET = 6  # shorter values would blank ordinary words


class RedactingFormatter(logging.Formatter):
    """A formatter that blanks the given secrets in everything it formats."""

    def __init__(self, secrets: Iterable[str], fmt: str = FORMAT) -> None:
        super().__init__(fmt)
        # Longest first, so a secret containing another is blanked whole.
        self.secrets = sorted(
            {s for s in secrets if len(s) >= _SHORTEST_SECRET}, key=len, reverse=True
        )

    def format(self, record: logging.LogRecord) -> str:
        """Format the record, then blank the secrets."""
        text = super().format(record)
        for secret in self.secrets:
            text = text.replace(secret, "***")
        return text


def configured_secrets(settings: Settings) -> list[str]:
    """Return every secret value in ``settings``: the ``SecretStr`` fields and the database
    password."""
    secrets = [
        value.get_secret_value()
        for name in Settings.model_fields
        if isinstance(value := getattr(settings, name), SecretStr)
    ]
    password = urlsplit(settings.database_url).password
    if password:
        secrets.append(password)
    # During a rotation COOPBOT_SECRET_KEY holds several keys; each is blanked on its own too.
    secrets.extend(settings.secret_keys())
    return secrets


def configure_logging(settings: Settings) -> None:
    """Configure the root logger once, in the entry point."""
    handler = logging.StreamHandler()
    handler.setFormatter(RedactingFormatter(configured_secrets(settings)))
    logging.basicConfig(level=settings.log_level, handlers=[handler])
    # httpx logs every request URL at INFO, and Bot API URLs contain the bot's token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    # aiosqlite logs every statement with its parameters at DEBUG, stored Zalo tokens included.
    logging.getLogger("aiosqlite").setLevel(logging.INFO)
