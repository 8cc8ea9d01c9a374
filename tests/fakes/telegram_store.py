"""What a fake Telegram server knows: its bot, chats, users, messages, pending updates and files.

Everything is guarded by one re-entrant lock, so the HTTP server thread and the test thread can
both use it.
"""

from __future__ import annotations

import itertools
import mimetypes
import threading
from typing import Any

from tests.fakes import telegram_updates as tg
from tests.fakes.telegram_records import ApiError, CallLog, StoredFile, UploadedFile
from tests.fakes.telegram_spec import load_spec, visible_text

MEDIA_KINDS = (
    "photo",
    "document",
    "audio",
    "video",
    "animation",
    "voice",
    "video_note",
    "sticker",
)


class ChatStore(CallLog):
    """The data behind one fake bot, and the calls it received."""

    def __init__(
        self, *, bot_username: str = "coopbot_test_bot", token: str | None = None
    ) -> None:
        super().__init__()
        self.spec = load_spec()
        self.token = token
        self.bot = tg.bot_user(bot_username)
        self._lock = threading.RLock()
        self._chats: dict[int, dict[str, Any]] = {}
        self._users: dict[int, dict[str, Any]] = {}
        self._messages: dict[tuple[int, int], dict[str, Any]] = {}
        self._last_message_id: dict[int, int] = {}
        self._updates: list[dict[str, Any]] = []
        self._next_update_id = 100_001
        self._allowed_updates: list[str] = []
        self._callback_ids: set[str] = set()
        self._files: dict[str, StoredFile] = {}
        self._commands: dict[str, list[Any]] = {}
        self._webhook_url = ""
        self._failures: dict[str, list[dict[str, Any]]] = {}
        self._stalls: dict[str, list[float]] = {}
        self.stalls_begun = 0  # scripted stalls a request has run into so far
        self._ids = itertools.count(1)

    def _resolve_chat(self, chat_id: int | str) -> int | None:
        if isinstance(chat_id, int):
            return chat_id if chat_id in self._chats else None
        username = chat_id.removeprefix("@")
        return next((key for key, c in self._chats.items() if c.get("username") == username), None)

    def _new_message(
        self, chat_id: int, sender: dict[str, Any], content: dict[str, Any]
    ) -> dict[str, Any]:
        message_id = self._last_message_id.get(chat_id, 0) + 1
        self._last_message_id[chat_id] = message_id
        message = tg.message(message_id, self._chats[chat_id], sender, **content)
        self._messages[(chat_id, message_id)] = message
        return message

    def messages(self, chat_id: int) -> list[dict[str, Any]]:
        """Return the messages of a chat as they stand now (after edits), oldest first."""
        with self._lock:
            found = [m for (chat, _), m in self._messages.items() if chat == chat_id]
        return sorted(found, key=lambda m: m["message_id"])

    def sent_texts(self, chat_id: int | str) -> list[str]:
        """Return the texts (as sent, with markup) of the messages the bot sent to a chat."""
        return [
            call.params["text"]
            for call in self.calls("sendMessage")
            if call.ok and call.result["chat"]["id"] == self._resolve_chat(chat_id)
        ]

    # Messages the bot sends.

    def _send(self, params: dict[str, Any], files: dict[str, UploadedFile]) -> dict[str, Any]:
        """Store and return the message a send* call creates."""
        chat_id = self._resolve_chat(params["chat_id"])
        assert chat_id is not None
        content: dict[str, Any] = {}
        for field in ("text", "caption"):
            if isinstance(params.get(field), str):
                content[field] = visible_text(params[field], params.get("parse_mode"))[0]
        for kind in MEDIA_KINDS:
            if kind in params or kind in files:
                content.update(self._media(kind, params.get(kind), files))
        if isinstance(params.get("latitude"), float | int) and "longitude" in params:
            content.update(tg.location(params["latitude"], params["longitude"]))
        if "phone_number" in params and "first_name" in params:
            content.update(tg.contact(params["phone_number"], params["first_name"]))
        markup = params.get("reply_markup")
        if isinstance(markup, dict) and "inline_keyboard" in markup:
            content["reply_markup"] = markup
        return self._new_message(chat_id, self.bot, content)

    def _copy(self, params: dict[str, Any], *, forward: bool) -> dict[str, Any]:
        """Store and return the copy (or forward) of an earlier message."""
        source_chat = self._resolve_chat(params["from_chat_id"]) or 0
        source = self._messages.get((source_chat, params["message_id"]))
        if source is None:
            raise ApiError("Bad Request: message to copy not found", violation=True)
        skip = {"message_id", "date", "chat", "from", "edit_date", "reply_to_message"}
        content = {k: v for k, v in source.items() if k not in skip}
        if forward:
            sender = source.get("from") or self.bot
            content.update(tg.forward_origin(sender, source["date"]))
        else:
            content.pop("forward_origin", None)
            if isinstance(params.get("caption"), str):
                content["caption"] = visible_text(params["caption"], params.get("parse_mode"))[0]
            markup = params.get("reply_markup")
            if isinstance(markup, dict) and "inline_keyboard" in markup:
                content["reply_markup"] = markup
        chat_id = self._resolve_chat(params["chat_id"])
        assert chat_id is not None
        return self._new_message(chat_id, self.bot, content)

    def _media(self, kind: str, value: Any, files: dict[str, UploadedFile]) -> dict[str, Any]:
        """Return the Message fields for a file sent as an upload, a file_id or a URL."""
        upload = files.get(kind)
        if isinstance(value, str) and value.startswith("attach://"):
            upload = files.get(value.removeprefix("attach://"))
        if upload is not None:
            file_id = self.add_file(upload.content, upload.filename, upload.content_type)
        elif isinstance(value, str) and value in self._files:
            file_id = value
        elif isinstance(value, str) and value.startswith(("http://", "https://")):
            file_id = self.add_file(b"", value.rsplit("/", 1)[-1] or kind)
        else:
            raise ApiError("Bad Request: wrong file identifier/HTTP URL specified", violation=True)
        stored = self._files[file_id]
        return tg.media(
            kind,
            file_id,
            stored.unique_id,
            len(stored.content),
            file_name=stored.filename,
            mime_type=stored.mime_type,
        )

    # Files.

    def add_file(self, content: bytes, filename: str, mime_type: str | None = None) -> str:
        """Store a file the bot can fetch with getFile and download; return its file_id."""
        with self._lock:
            number = next(self._ids)
            suffix = "." + filename.rsplit(".", 1)[-1] if "." in filename else ""
            mime_type = mime_type or mimetypes.guess_type(filename)[0]
            stored = StoredFile(
                f"FAKEFILE{number:06d}",
                f"U{number:06d}",
                f"files/file_{number}{suffix}",
                filename,
                mime_type,
                content,
            )
            self._files[stored.file_id] = stored
            return stored.file_id

    def file_by_path(self, path: str) -> StoredFile | None:
        """Return the stored file served at a download path."""
        with self._lock:
            return next((f for f in self._files.values() if f.path == path), None)

    def _notify(self) -> None:
        """Tell waiting long polls that something changed (the server overrides this)."""
