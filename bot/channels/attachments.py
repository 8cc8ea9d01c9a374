"""Stored files as any channel sends them: the local copy's bytes, or a line saying why not.

A ``Reply.attachment`` names a file received earlier on some channel. The channel it came from
sends it again by the platform's own id; any other channel needs the bytes of its local copy
(``bot.files``), within that platform's upload limit. When neither is possible the reader gets
one line in their language naming the file, so a card never silently loses a file.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from bot.channels.common import reader_translator
from bot.files import FileStore
from handlers.i18n import Translator, get_translator
from handlers.types import FileOut, MediaKind, StoredFile
from storage.db import Database
from storage.errors import N_

logger = logging.getLogger(__name__)

CANNOT_SHOW = N_("📎 {file}: this file cannot be shown here.")
KIND_NAMES = {
    MediaKind.PHOTO: N_("photo"),
    MediaKind.DOCUMENT: N_("file"),
    MediaKind.VOICE: N_("voice message"),
    MediaKind.VIDEO: N_("video"),
}


def kind_name(translator: Translator, kind: MediaKind) -> str:
    """Return what a kind of file is called, in the reader's language."""
    return translator.gettext(KIND_NAMES[kind])


def file_title(translator: Translator, file: StoredFile) -> str:
    """Return how a file is named to people: ``name (kind)``, or its kind when it has no name."""
    kind = kind_name(translator, file.kind)
    return f"{file.file_name} ({kind})" if file.file_name else kind


def cannot_show(translator: Translator, file: StoredFile) -> str:
    """Return the line that stands for a file this channel cannot send."""
    return translator.gettext(CANNOT_SHOW).format(file=file_title(translator, file))


class Attachments:
    """Stored files as one reader's channel sends them."""

    def __init__(
        self, store: FileStore | None, translator: Callable[[], Awaitable[Translator]]
    ) -> None:
        self.store = store
        self._translator = translator

    async def content(self, file: StoredFile, limit: int | None = None) -> FileOut | None:
        """Return the bytes of the file's local copy; None when there is none, it is gone, or
        it is over ``limit`` bytes."""
        if self.store is None or file.stored_key is None:
            return None
        found = await asyncio.to_thread(self.store.find, file.stored_key)
        if found is None:
            logger.warning("the local copy %s of a %s is missing", file.stored_key, file.kind)
            return None
        if limit is not None and found.size_bytes > limit:
            return None
        loaded = await self.store.load(file.stored_key)
        if loaded is None:
            return None
        local, data = loaded
        return FileOut(file.file_name or local.name, data, file.mime_type or local.mime_type)

    async def unshown(self, file: StoredFile) -> str:
        """Return the line standing for the file, in the reader's language."""
        return cannot_show(await self._translator(), file)


class AttachmentSource:
    """Makes the ``Attachments`` of each reader of one channel."""

    def __init__(
        self,
        store: FileStore | None,
        database: Database | None,
        channel: str,
        *,
        default_locale: str = "vi",
    ) -> None:
        self.store = store
        self.database = database
        self.channel = channel
        self.default_locale = default_locale

    def reader(self, external_id: str, platform_locale: str | None = None) -> Attachments:
        """Return the attachments of the person ``external_id`` (their language found lazily)."""

        async def translator() -> Translator:
            if self.database is None:
                return get_translator(platform_locale or self.default_locale)
            return await reader_translator(
                self.database,
                self.channel,
                external_id,
                default_locale=self.default_locale,
                platform_locale=platform_locale,
            )

        return Attachments(self.store, translator)
