"""What a fake Telegram server knows: its bot, chats, users, messages and files.

Users get a private chat with the bot whose id is the user's id; groups must be added with
``add_group`` before users write in them. Every method takes the lock the store is given (the
fake server's), so the HTTP server thread and the test thread can both use it.
"""

from __future__ import annotations

import itertools
import mimetypes
import threading
from typing import Any

from tests.fakes import telegram_updates as tg
from tests.fakes.bodies import UploadedFile
from tests.fakes.telegram_records import ApiError, StoredFile
from tests.fakes.telegram_spec import visible_text

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


class ChatStore:
    """The bot of one fake server, and the chats, users, messages and files it knows."""

    def __init__(self, lock: threading.RLock, *, bot_username: str = "coopbot_test_bot") -> None:
        self.bot = tg.bot_user(bot_username)
        self._lock = lock
        self._chats: dict[int, dict[str, Any]] = {}
        self._users: dict[int, dict[str, Any]] = {}
        self._messages: dict[tuple[int, int], dict[str, Any]] = {}
        self._last_message_id: dict[int, int] = {}
        self._files: dict[str, StoredFile] = {}
        self._ids = itertools.count(1)

    def next_number(self) -> int:
        """Return a number no file or callback query of this store has used yet."""
        with self._lock:
            return next(self._ids)

    # Chats and users.

    def add_user(
        self,
        user_id: int,
        first_name: str | None = None,
        *,
        username: str | None = None,
        language_code: str | None = "vi",
    ) -> dict[str, Any]:
        """Register a user and the private chat with them; return the User."""
        found = tg.user(user_id, first_name, username=username, language_code=language_code)
        with self._lock:
            self._users[user_id] = found
            self._chats[user_id] = tg.private_chat(found)
        return found

    def add_group(
        self, chat_id: int, title: str = "Test group", chat_type: str = "supergroup"
    ) -> dict[str, Any]:
        """Register a group or supergroup chat (negative id) the bot is a member of."""
        return self.add_chat(tg.group_chat(chat_id, title, chat_type))

    def add_chat(self, chat: dict[str, Any]) -> dict[str, Any]:
        """Register any Chat object so the bot may write to it."""
        with self._lock:
            self._chats[chat["id"]] = chat
        return chat

    def user(self, user_id: int) -> dict[str, Any]:
        """Return a known user, registering one with default names if there is none."""
        with self._lock:
            return self._users.get(user_id) or self.add_user(user_id)

    def chat(self, chat_id: int) -> dict[str, Any]:
        """Return a registered chat."""
        with self._lock:
            return self._chats[chat_id]

    def resolve_chat(self, chat_id: int | str) -> int | None:
        """Return the id of a registered chat given by id or @username, or None."""
        with self._lock:
            if isinstance(chat_id, int):
                return chat_id if chat_id in self._chats else None
            username = chat_id.removeprefix("@")
            chats = self._chats.items()
            return next((key for key, c in chats if c.get("username") == username), None)

    def remember(self, item: dict[str, Any]) -> None:
        """Register the chat, sender and message found in one part of an update."""
        with self._lock:
            sender = item.get("from")
            if isinstance(sender, dict) and not sender.get("is_bot"):
                self._users.setdefault(sender["id"], sender)
                self._chats.setdefault(sender["id"], tg.private_chat(sender))
            chat = item.get("chat")
            if isinstance(chat, dict) and "message_id" in item:
                self._chats.setdefault(chat["id"], chat)
                self._messages[(chat["id"], item["message_id"])] = item
                last = self._last_message_id.get(chat["id"], 0)
                self._last_message_id[chat["id"]] = max(last, item["message_id"])
                self._remember_files(item)

    def _remember_files(self, message: dict[str, Any]) -> None:
        """Know the files of a pushed message, as Telegram knows every file id it hands out;
        a file a test wrote by hand (not with ``add_file``) is served empty."""
        for kind in MEDIA_KINDS:
            found = message.get(kind)
            for item in found if isinstance(found, list) else [found]:
                if not isinstance(item, dict) or not isinstance(item.get("file_id"), str):
                    continue
                if item["file_id"] in self._files:
                    continue
                number = self.next_number()
                self._files[item["file_id"]] = StoredFile(
                    item["file_id"],
                    str(item.get("file_unique_id") or f"U{number:06d}"),
                    f"files/file_{number}",
                    str(item.get("file_name") or kind),
                    item.get("mime_type"),
                    b"",
                )

    # Messages.

    def new_message(
        self, chat_id: int, sender: dict[str, Any], content: dict[str, Any]
    ) -> dict[str, Any]:
        """Store and return the next message of a chat, from ``sender``."""
        with self._lock:
            message_id = self._last_message_id.get(chat_id, 0) + 1
            self._last_message_id[chat_id] = message_id
            message = tg.message(message_id, self._chats[chat_id], sender, **content)
            self._messages[(chat_id, message_id)] = message
            return message

    def user_message(
        self, user_id: int, chat_id: int | None, content: dict[str, Any]
    ) -> dict[str, Any]:
        """Store and return a message a user sends in their private chat or in a group."""
        with self._lock:
            sender = self.user(user_id)
            chat_id = user_id if chat_id is None else chat_id
            assert chat_id in self._chats, f"chat {chat_id} is unknown; call add_group first"
            return self.new_message(chat_id, sender, content)

    def message(self, chat_id: int, message_id: int) -> dict[str, Any] | None:
        """Return a message as it stands now, or None."""
        with self._lock:
            return self._messages.get((chat_id, message_id))

    def replace_message(self, chat_id: int, message_id: int, message: dict[str, Any]) -> None:
        """Store the edited version of a message."""
        with self._lock:
            self._messages[(chat_id, message_id)] = message

    def delete_message(self, chat_id: int, message_id: int) -> bool:
        """Delete a message; return whether there was one."""
        with self._lock:
            return self._messages.pop((chat_id, message_id), None) is not None

    def messages(self, chat_id: int) -> list[dict[str, Any]]:
        """Return the messages of a chat as they stand now (after edits), oldest first."""
        with self._lock:
            found = [m for (chat, _), m in self._messages.items() if chat == chat_id]
        return sorted(found, key=lambda m: m["message_id"])

    def bot_messages(self, chat_id: int) -> list[dict[str, Any]]:
        """Return the messages the bot sent to a chat, oldest first."""
        return [m for m in self.messages(chat_id) if m.get("from", {}).get("id") == self.bot["id"]]

    # Messages the bot sends.

    def send(self, params: dict[str, Any], files: dict[str, UploadedFile]) -> dict[str, Any]:
        """Store and return the message a send* call creates."""
        chat_id = self.resolve_chat(params["chat_id"])
        assert chat_id is not None
        content: dict[str, Any] = {}
        for field in ("text", "caption"):
            if isinstance(params.get(field), str):
                content[field] = visible_text(params[field], params.get("parse_mode"))[0]
        for kind in MEDIA_KINDS:
            if kind in params or kind in files:
                content.update(self.media(kind, params.get(kind), files))
        if isinstance(params.get("latitude"), float | int) and "longitude" in params:
            content.update(tg.location(params["latitude"], params["longitude"]))
        if "phone_number" in params and "first_name" in params:
            content.update(tg.contact(params["phone_number"], params["first_name"]))
        markup = params.get("reply_markup")
        if isinstance(markup, dict) and "inline_keyboard" in markup:
            content["reply_markup"] = markup
        return self.new_message(chat_id, self.bot, content)

    def copy(self, params: dict[str, Any], *, forward: bool) -> dict[str, Any]:
        """Store and return the copy (or forward) of an earlier message."""
        source = self.message(self.resolve_chat(params["from_chat_id"]) or 0, params["message_id"])
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
        chat_id = self.resolve_chat(params["chat_id"])
        assert chat_id is not None
        return self.new_message(chat_id, self.bot, content)

    def media(self, kind: str, value: Any, files: dict[str, UploadedFile]) -> dict[str, Any]:
        """Return the Message fields for a file sent as an upload, a file_id or a URL."""
        upload = files.get(kind)
        if isinstance(value, str) and value.startswith("attach://"):
            upload = files.get(value.removeprefix("attach://"))
        if upload is not None:
            file_id = self.add_file(upload.content, upload.filename, upload.content_type)
        elif isinstance(value, str) and self.file(value) is not None:
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
            number = self.next_number()
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

    def file(self, file_id: str) -> StoredFile | None:
        """Return the stored file with a file_id, or None."""
        with self._lock:
            return self._files.get(file_id)

    def file_by_path(self, path: str) -> StoredFile | None:
        """Return the stored file served at a download path."""
        with self._lock:
            return next((f for f in self._files.values() if f.path == path), None)
