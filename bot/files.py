"""The file store: local copies of the files people send, and of the files the bot sends.

Every channel keeps what it could download here (``Media.stored_key`` is the key), so any
channel can send a file back in its own form, wherever it came from; the web chat also serves
its uploads and the bot's files from here. ``COOPBOT_FILES_DIR`` says where (the demo keeps its
own folder beside its database).

Each file is ``<key>`` beside ``<key>.json`` (its name and type) in one folder. Keys are random
hex, so a file can only be fetched by someone who was shown its link, and no name a person
typed ever becomes part of a path. Files over ``MAX_STORED_BYTES`` (Telegram's download limit
for bots) are not copied: the platform's reference alone is kept. The plain methods block on
disk I/O; async callers use ``keep`` and ``load``.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import secrets
from dataclasses import dataclass
from pathlib import Path

logger = logging.getLogger(__name__)

MAX_STORED_BYTES = 20 * 1024 * 1024
_KEY = re.compile(r"[0-9a-f]{32}")
# The name shown for a download; control characters and path separators would only confuse.
_UNSAFE_NAME = re.compile(r"[\x00-\x1f\x7f/\\]+")


class FileTooLarge(ValueError):
    """A file is larger than the store keeps."""


@dataclass(frozen=True)
class LocalFile:
    """A file kept by the store."""

    key: str
    name: str
    mime_type: str
    size_bytes: int
    path: Path

    @property
    def file_ref(self) -> str:
        """Return the reference the web chat gives its uploads (``web:<key>``)."""
        return f"web:{self.key}"


def clean_name(name: str, fallback: str = "file") -> str:
    """Return a file name fit to show and to offer as a download name."""
    cleaned = _UNSAFE_NAME.sub("_", name).strip(" .")[:120]
    return cleaned or fallback


class FileStore:
    """Files in one folder, addressed by random keys."""

    def __init__(self, folder: Path, max_bytes: int = MAX_STORED_BYTES) -> None:
        self.folder = folder
        self.max_bytes = max_bytes

    def save(self, data: bytes, name: str, mime_type: str) -> LocalFile:
        """Keep ``data`` under a new key and return it.

        Raises:
            FileTooLarge: ``data`` is over ``max_bytes``.
        """
        if len(data) > self.max_bytes:
            raise FileTooLarge(f"{len(data)} bytes, at most {self.max_bytes} are kept")
        self.folder.mkdir(parents=True, exist_ok=True)
        key = secrets.token_hex(16)
        path = self.folder / key
        path.write_bytes(data)
        meta = {"name": clean_name(name), "mime_type": mime_type or "application/octet-stream"}
        (self.folder / f"{key}.json").write_text(json.dumps(meta), encoding="utf-8")
        return LocalFile(key, meta["name"], meta["mime_type"], len(data), path)

    def find(self, key: str) -> LocalFile | None:
        """Return the file with this key, or None for an unknown or malformed key."""
        if not _KEY.fullmatch(key):
            return None
        path = self.folder / key
        try:
            meta = json.loads((self.folder / f"{key}.json").read_text(encoding="utf-8"))
            size = path.stat().st_size
        except (OSError, ValueError):
            return None
        return LocalFile(key, str(meta["name"]), str(meta["mime_type"]), size, path)

    def read(self, key: str) -> tuple[LocalFile, bytes] | None:
        """Return the file with this key and its bytes, or None when it is not here."""
        found = self.find(key)
        if found is None:
            return None
        try:
            return found, found.path.read_bytes()
        except OSError:
            return None

    async def keep(self, data: bytes, name: str, mime_type: str) -> LocalFile:
        """Keep ``data`` without blocking the event loop (see ``save``)."""
        return await asyncio.to_thread(self.save, data, name, mime_type)

    async def load(self, key: str) -> tuple[LocalFile, bytes] | None:
        """Return a file and its bytes without blocking the event loop (see ``read``)."""
        return await asyncio.to_thread(self.read, key)
