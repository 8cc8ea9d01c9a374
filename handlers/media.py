"""Photos and files people send, as storage records them."""

from __future__ import annotations

from collections.abc import Sequence

from handlers.types import Media, MediaKind
from storage.attachments import NewAttachment


def new_attachments(channel: str, media: Sequence[Media]) -> tuple[NewAttachment, ...]:
    """Return the files of an event as attachments to record."""
    return tuple(
        NewAttachment(
            channel=channel,
            media_kind=item.kind.value,
            file_ref=item.file_ref,
            file_name=item.file_name,
            mime_type=item.mime_type,
            size_bytes=item.size_bytes,
            stored_key=item.stored_key,
        )
        for item in media
    )


def media_from_draft(entries: Sequence[dict[str, object]]) -> list[Media]:
    """Return the files a conversation kept in its draft (as ``media_to_draft`` wrote them)."""
    files = []
    for entry in entries:
        files.append(
            Media(
                kind=MediaKind(str(entry["kind"])),
                file_ref=str(entry["ref"]),
                file_name=_text(entry.get("name")),
                mime_type=_text(entry.get("mime")),
                size_bytes=int(str(entry["size"])) if entry.get("size") is not None else None,
                stored_key=_text(entry.get("key")),
            )
        )
    return files


def media_to_draft(media: Sequence[Media]) -> list[dict[str, object]]:
    """Return files as a conversation's draft keeps them (JSON)."""
    return [
        {
            "kind": item.kind.value,
            "ref": item.file_ref,
            "name": item.file_name,
            "mime": item.mime_type,
            "size": item.size_bytes,
            "key": item.stored_key,
        }
        for item in media
    ]


def _text(value: object) -> str | None:
    return None if value is None else str(value)
