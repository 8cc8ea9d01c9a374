"""Fakes of outside services for tests: a Telegram Bot API server checked against the spec."""

from tests.fakes.telegram_api import FakeTelegram
from tests.fakes.telegram_records import Call, UploadedFile

__all__ = ["Call", "FakeTelegram", "UploadedFile"]
