"""Files on Telegram: what people send is copied into the file store; stored files go back out.

Receiving: each photo, document, voice note or video of a message is fetched (``getFile``, then
the download, both through the configured Bot API URLs) and kept in the store before the
router sees the message, so ``Media.stored_key`` names the copy. A file the store does not
keep (over 20 MB, the most a bot may download) or a failed download is logged and leaves
``stored_key`` None: the message goes through all the same.

Sending: a file that came from Telegram is sent again by its ``file_id``; any other is
uploaded from its local copy; one with neither becomes a line saying it cannot be shown.
Each kind goes by its own method (photo, document, voice, video).
"""

from __future__ import annotations

import html
import logging
import mimetypes
from dataclasses import replace

from telegram import Bot, InlineKeyboardMarkup
from telegram.constants import ParseMode
from telegram.error import TelegramError

from bot.channels.attachments import Attachments
from bot.files import FileStore
from handlers.types import Incoming, Media, MediaKind, StoredFile

logger = logging.getLogger(__name__)

CHANNEL = "telegram"
UPLOAD_LIMIT = 50 * 1024 * 1024  # what a bot may upload
PHOTO_TYPES = frozenset({"image/jpeg", "image/png", "image/webp"})
# What a file without a name of its own is called in the store.
DEFAULT_NAMES = {
    MediaKind.PHOTO: "photo.jpg",
    MediaKind.DOCUMENT: "file",
    MediaKind.VOICE: "voice.ogg",
    MediaKind.VIDEO: "video.mp4",
}


async def download_media(bot: Bot, store: FileStore | None, incoming: Incoming) -> Incoming:
    """Return ``incoming`` with each of its files kept in ``store`` where that was possible."""
    if store is None or not incoming.media:
        return incoming
    kept = [await _download(bot, store, media) for media in incoming.media]
    return replace(incoming, media=tuple(kept))


async def _download(bot: Bot, store: FileStore, media: Media) -> Media:
    if media.size_bytes is not None and media.size_bytes > store.max_bytes:
        logger.info("a %s of %s bytes is kept by reference only", media.kind, media.size_bytes)
        return media
    try:
        found = await bot.get_file(media.file_ref)
        if found.file_size is not None and found.file_size > store.max_bytes:
            logger.info("a %s of %s bytes is kept by reference only", media.kind, found.file_size)
            return media
        data = bytes(await found.download_as_bytearray())
        name = media.file_name or _name(media, found.file_path)
        local = await store.keep(data, name, media.mime_type or _mime(name))
    except (TelegramError, OSError, ValueError, RuntimeError) as error:
        logger.warning("a %s could not be downloaded from Telegram: %s", media.kind, error)
        return media
    return replace(media, stored_key=local.key)


def _name(media: Media, file_path: str | None) -> str:
    """Return a name for a file that has none: its kind, with the extension Telegram gave."""
    default = DEFAULT_NAMES[media.kind]
    if file_path and "." in file_path.rsplit("/", 1)[-1]:
        return default.split(".")[0] + "." + file_path.rsplit(".", 1)[-1][:8]
    return default


def _mime(name: str) -> str:
    return mimetypes.guess_type(name)[0] or "application/octet-stream"


async def send_attachment(
    bot: Bot,
    chat_id: int | str,
    file: StoredFile,
    attachments: Attachments,
    *,
    caption: str = "",
    markup: InlineKeyboardMarkup | None = None,
) -> None:
    """Send a stored file in its own form: by file_id, as an upload, or as a line of text.

    ``caption`` is HTML. Telegram errors propagate to the caller.
    """
    media: str | bytes
    filename = None
    kind = file.kind
    if file.channel == CHANNEL:
        media = file.file_ref
    else:
        content = await attachments.content(file, UPLOAD_LIMIT)
        if content is None:
            line = html.escape(await attachments.unshown(file), quote=False)
            message = f"{line}\n{caption}" if caption else line
            await bot.send_message(
                chat_id, message, parse_mode=ParseMode.HTML, reply_markup=markup
            )
            return
        media, filename = content.data, content.name
        if kind == MediaKind.PHOTO and content.mime_type not in PHOTO_TYPES:
            kind = MediaKind.DOCUMENT  # a GIF, an SVG ...: Telegram takes it as a file
    text, mode = caption or None, ParseMode.HTML if caption else None
    if kind == MediaKind.PHOTO:
        await bot.send_photo(
            chat_id, media, caption=text, parse_mode=mode, reply_markup=markup, filename=filename
        )
    elif kind == MediaKind.VOICE:
        await bot.send_voice(
            chat_id, media, caption=text, parse_mode=mode, reply_markup=markup, filename=filename
        )
    elif kind == MediaKind.VIDEO:
        await bot.send_video(
            chat_id, media, caption=text, parse_mode=mode, reply_markup=markup, filename=filename
        )
    else:
        await bot.send_document(
            chat_id, media, caption=text, parse_mode=mode, reply_markup=markup, filename=filename
        )
