"""Fakes of outside services for tests: a Telegram Bot API server checked against the spec."""

from tests.fakes.bodies import UploadedFile
from tests.fakes.telegram_api import FakeTelegram
from tests.fakes.telegram_records import Call

__all__ = ["Call", "FakeTelegram", "UploadedFile"]
