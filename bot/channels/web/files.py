"""Files of the demo channels: uploads from the page and files the bot sends, kept on disk.

Each file is ``<id>`` beside ``<id>.json`` (its name and type) in one folder of the demo's data
directory. Ids are random hex, so a file can only be fetched by someone who was shown its
link, and no name a person typed ever becomes part of a path. The methods block on disk I/O:
async callers run them with ``asyncio.to_thread``.
"""

from __future__ import annotations

import json
import logging
import re
import secrets
from dataclasses import dataclass
from pathlib import Path

logger = logging.getLogger(__name__)

_ID = re.compile(r"[0-9a-f]{32}")
# The name shown for a download; control characters and path separators would only confuse.
_UNSAFE_NAME = re.compile(r"[\x00-\x1f\x7f/\\]+")


@dataclass(frozen=True)
class StoredFile:
    """A file kept by the store."""

    file_id: str
    name: str
    mime_type: str
    size_bytes: int
    path: Path

    @property
    def file_ref(self) -> str:
        """Return the reference attachments store for it (``web:<id>``)."""
        return f"web:{self.file_id}"


def clean_name(name: str, fallback: str = "file") -> str:
    """Return a file name fit to show and to offer as a download name."""
    cleaned = _UNSAFE_NAME.sub("_", name).strip(" .")[:120]
    return cleaned or fallback


class FileStore:
    """Files in one folder, addressed by random ids."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def save(self, data: bytes, name: str, mime_type: str) -> StoredFile:
        """Keep ``data`` under a new id and return it."""
        self.folder.mkdir(parents=True, exist_ok=True)
        file_id = secrets.token_hex(16)
        path = self.folder / file_id
        path.write_bytes(data)
        meta = {"name": clean_name(name), "mime_type": mime_type or "application/octet-stream"}
        (self.folder / f"{file_id}.json").write_text(json.dumps(meta), encoding="utf-8")
        return StoredFile(file_id, meta["name"], meta["mime_type"], len(data), path)

    def find(self, file_id: str) -> StoredFile | None:
        """Return the file with this id, or None for an unknown or malformed id."""
        if not _ID.fullmatch(file_id):
            return None
        path = self.folder / file_id
        try:
            meta = json.loads((self.folder / f"{file_id}.json").read_text(encoding="utf-8"))
            size = path.stat().st_size
        except (OSError, ValueError):
            return None
        return StoredFile(file_id, str(meta["name"]), str(meta["mime_type"]), size, path)
