"""Files on Zalo: what people send is copied into the file store before the router sees it.

A Zalo event carries each picture, file, voice note or video as a URL on Zalo's servers. Each
is downloaded (http or https only, a short timeout, stopping as soon as it passes the store's
limit) and kept in the store, so ``Media.stored_key`` names the copy. A failed or refused
download is logged and leaves ``stored_key`` None: the event goes through all the same, with
its URL as the reference.

Sending stored files back (uploads, then an attachment message) is ``send.py``'s part.
"""

from __future__ import annotations

import asyncio
import logging
import mimetypes
from dataclasses import replace
from urllib.parse import unquote, urlsplit

import httpx

from bot.files import FileStore, FileTooLarge
from handlers.types import Incoming, Media, MediaKind

logger = logging.getLogger(__name__)

DOWNLOAD_TIMEOUT = httpx.Timeout(15.0, connect=5.0)
DOWNLOAD_DEADLINE = 30.0  # seconds for a whole download, however slowly the bytes trickle
DEFAULT_NAMES = {
    MediaKind.PHOTO: "photo.jpg",
    MediaKind.DOCUMENT: "file",
    MediaKind.VOICE: "voice.m4a",
    MediaKind.VIDEO: "video.mp4",
}


class DownloadFailed(Exception):
    """A file could not be fetched (the reason is the message)."""


class ZaloFiles:
    """Fetches the files of Zalo events into the store."""

    def __init__(self, http: httpx.AsyncClient, store: FileStore | None) -> None:
        self.http = http
        self.store = store

    async def download_media(self, incoming: Incoming) -> Incoming:
        """Return ``incoming`` with each of its files kept in the store where that was possible."""
        if self.store is None or not incoming.media:
            return incoming
        kept = [await self._download(self.store, media) for media in incoming.media]
        return replace(incoming, media=tuple(kept))

    async def _download(self, store: FileStore, media: Media) -> Media:
        if media.size_bytes is not None and media.size_bytes > store.max_bytes:
            logger.info("a %s of %s bytes is kept by reference only", media.kind, media.size_bytes)
            return media
        try:
            async with asyncio.timeout(DOWNLOAD_DEADLINE):
                data, content_type = await self.fetch(media.file_ref, store.max_bytes)
            name = media.file_name or _name(media)
            mime = media.mime_type or content_type or _guess(name)
            local = await store.keep(data, name, mime)
        except TimeoutError:
            logger.warning("a %s could not be downloaded from Zalo in time", media.kind)
            return media
        except (DownloadFailed, FileTooLarge, OSError) as error:
            logger.warning("a %s could not be downloaded from Zalo: %s", media.kind, error)
            return media
        return replace(media, stored_key=local.key, mime_type=mime)

    async def fetch(self, url: str, limit: int) -> tuple[bytes, str | None]:
        """Return the bytes at ``url`` and their type, reading no more than ``limit`` bytes.

        Raises:
            DownloadFailed: not an http(s) URL, an error status, a network error, a timeout.
            FileTooLarge: the file is over ``limit`` bytes.
        """
        if urlsplit(url).scheme not in ("http", "https"):
            raise DownloadFailed("not an http(s) URL")
        try:
            async with self.http.stream(
                "GET", url, timeout=DOWNLOAD_TIMEOUT, follow_redirects=True
            ) as response:
                if response.status_code != 200:
                    raise DownloadFailed(f"HTTP {response.status_code}")
                declared = response.headers.get("content-length", "")
                if declared.isdigit() and int(declared) > limit:
                    raise FileTooLarge(f"{declared} bytes")
                chunks, size = [], 0
                async for chunk in response.aiter_bytes():
                    size += len(chunk)
                    if size > limit:
                        raise FileTooLarge(f"more than {limit} bytes")
                    chunks.append(chunk)
                content_type = response.headers.get("content-type", "").split(";")[0].strip()
        except httpx.HTTPError as error:
            raise DownloadFailed(type(error).__name__) from error
        typed = (
            content_type if content_type and content_type != "application/octet-stream" else None
        )
        return b"".join(chunks), typed


def _name(media: Media) -> str:
    """Return the name the URL ends with when it looks like a file name, else one by kind."""
    last = unquote(urlsplit(media.file_ref).path.rsplit("/", 1)[-1])
    if "." in last.strip("."):
        return last
    return DEFAULT_NAMES[media.kind]


def _guess(name: str) -> str:
    return mimetypes.guess_type(name)[0] or "application/octet-stream"
