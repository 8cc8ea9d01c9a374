"""Copies the channels make of the files people send: limits and failures never lose a message."""

from __future__ import annotations

from pathlib import Path

import httpx
from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Update

from bot.app import TelegramApplication
from bot.channels.telegram.convert import to_incoming
from bot.channels.telegram.media import download_media
from bot.channels.zalo.media import ZaloFiles
from bot.files import FileStore
from handlers.types import Incoming, IncomingKind, Media, MediaKind
from tests.attachments.conftest import (
    JPEG,
    TELEGRAM_DIRECTOR,
    TELEGRAM_OFFICIAL,
    telegram_report,
    the_attachment,
)
from tests.fakes import FakeTelegram
from tests.fakes.zalo_api import FakeZalo
from tests.telegram.conftest import deliver


def zalo_photo(url: str) -> Incoming:
    """Return a Zalo photo message whose picture is at ``url``."""
    media = (Media(MediaKind.PHOTO, url),)
    return Incoming("zalo", "84001", "84001", IncomingKind.MEDIA, media=media)


async def test_a_telegram_file_over_the_stores_limit_is_kept_by_reference_only(
    telegram: TelegramApplication, fake_telegram: FakeTelegram, tmp_path: Path
) -> None:
    """Telegram says the size first: nothing is fetched, and the file_id stays the reference."""
    raw = fake_telegram.push_file(TELEGRAM_DIRECTOR, "document", b"x" * 200, file_name="big.pdf")
    incoming = to_incoming(Update.de_json(raw, telegram.bot))
    assert incoming is not None

    kept = await download_media(telegram.bot, FileStore(tmp_path / "small", 100), incoming)

    assert kept.media[0].stored_key is None
    assert kept.media[0].file_ref == raw["message"]["document"]["file_id"]
    assert fake_telegram.calls("getFile") == []


async def test_a_failed_telegram_download_still_files_the_report_and_the_photo_still_shows(
    telegram: TelegramApplication, fake_telegram: FakeTelegram, demo_session: AsyncSession
) -> None:
    """getFile failing leaves no copy; the item is filed and Telegram resends the file_id."""
    fake_telegram.fail_next("getFile", 500)
    photo = fake_telegram.push_file(TELEGRAM_DIRECTOR, "photo", JPEG)
    reference = await telegram_report(telegram, fake_telegram, [photo])

    attachment = await the_attachment(demo_session)
    assert attachment.stored_key is None
    mark = len(fake_telegram.calls())
    await deliver(telegram, fake_telegram.push_message(TELEGRAM_OFFICIAL, reference))
    (sent,) = [call for call in fake_telegram.calls()[mark:] if call.method == "sendPhoto"]
    assert sent.params["photo"] == attachment.file_ref


async def test_a_zalo_file_larger_than_the_store_keeps_is_not_downloaded_whole(
    fake_zalo: FakeZalo, tmp_path: Path
) -> None:
    """The download stops at the limit; the URL stays the reference."""
    url = fake_zalo.add_download(b"x" * 5000, "big.jpg", "image/jpeg")
    async with httpx.AsyncClient() as http:
        kept = await ZaloFiles(http, FileStore(tmp_path / "small", 1000)).download_media(
            zalo_photo(url)
        )
    assert (kept.media[0].file_ref, kept.media[0].stored_key) == (url, None)
    assert not (tmp_path / "small").exists()


async def test_a_zalo_file_is_kept_with_the_type_its_server_gave(
    fake_zalo: FakeZalo, store: FileStore
) -> None:
    """A picture's copy holds its bytes, and its type comes from the download."""
    url = fake_zalo.add_download(JPEG, "ruong lua.jpg", "image/jpeg")
    async with httpx.AsyncClient() as http:
        kept = await ZaloFiles(http, store).download_media(zalo_photo(url))

    media = kept.media[0]
    assert media.mime_type == "image/jpeg"
    assert media.stored_key is not None
    found = store.read(media.stored_key)
    assert found is not None
    assert (found[0].name, found[1]) == ("ruong lua.jpg", JPEG)


async def test_only_http_links_are_fetched_from_zalo_events(store: FileStore) -> None:
    """A file: or ftp: reference is left as it is, without any request."""
    async with httpx.AsyncClient() as http:
        kept = await ZaloFiles(http, store).download_media(zalo_photo("file:///etc/passwd"))
    assert kept.media[0].stored_key is None
