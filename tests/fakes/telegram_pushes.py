"""The updates a test pushes for the bot to receive, queued until getUpdates confirms them.

Pushing registers the chats it mentions in the store, so the bot may answer there (a call to any
other chat gets "chat not found").
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from tests.fakes import telegram_updates as tg
from tests.fakes.telegram_store import ChatStore


class UpdateQueue:
    """The pending updates of one fake bot, and the pushes that build them from the store.

    ``notify`` is called after every push, to wake long polls waiting for an update.
    """

    def __init__(
        self, store: ChatStore, lock: threading.RLock, notify: Callable[[], None]
    ) -> None:
        self.store = store
        self._lock = lock
        self._notify = notify
        self._updates: list[dict[str, Any]] = []
        self._next_update_id = 100_001
        self._allowed_updates: list[str] = []
        self._callback_ids: set[str] = set()

    # Pushing updates.

    def push_update(self, raw: dict[str, Any]) -> dict[str, Any]:
        """Queue a raw Update (``update_id`` is filled in when missing); return it."""
        with self._lock:
            update = dict(raw)
            update.setdefault("update_id", self._next_update_id)
            self._next_update_id = max(self._next_update_id, update["update_id"]) + 1
            for value in update.values():
                if isinstance(value, dict):
                    self.store.remember(value)
            self._updates.append(update)
        self._notify()
        return update

    def push_message(
        self,
        user_id: int,
        text: str | None = None,
        *,
        chat_id: int | None = None,
        reply_to: int | None = None,
        forward_from: int | None = None,
        **content: Any,
    ) -> dict[str, Any]:
        """Queue a message from a user: text (a leading /command gets its entity) or content.

        ``content`` takes Message fields, e.g. ``**location(10.0, 105.7)``; ``reply_to`` is the
        id of a message in the same chat; ``forward_from`` the id of the original sender.
        """
        fields = tg.text_content(text) if text is not None else {}
        fields.update(content)
        if forward_from is not None:
            fields.update(tg.forward_origin(self.store.user(forward_from)))
        if reply_to is not None:
            chat = user_id if chat_id is None else chat_id
            replied = self.store.message(chat, reply_to)
            if replied is None:
                raise KeyError((chat, reply_to))
            fields["reply_to_message"] = replied
        return self.push_update({"message": self.store.user_message(user_id, chat_id, fields)})

    def push_command(
        self, user_id: int, command: str, *args: str, chat_id: int | None = None
    ) -> dict[str, Any]:
        """Queue ``/command arg ...`` with its bot_command entity, e.g. ``/start CODE``."""
        text = " ".join([f"/{command.removeprefix('/')}", *args])
        return self.push_message(user_id, text, chat_id=chat_id)

    def push_file(
        self,
        user_id: int,
        kind: str,
        content: bytes = b"fake file content",
        *,
        file_name: str | None = None,
        mime_type: str | None = None,
        caption: str | None = None,
        chat_id: int | None = None,
    ) -> dict[str, Any]:
        """Queue a photo, document, voice, video, audio, sticker ... whose bytes getFile serves."""
        file_id = self.store.add_file(content, file_name or f"{kind}.bin", mime_type)
        stored = self.store.file(file_id)
        assert stored is not None
        fields = tg.media(
            kind,
            file_id,
            stored.unique_id,
            len(content),
            file_name=file_name,
            mime_type=stored.mime_type,
        )
        if caption is not None:
            fields["caption"] = caption
        return self.push_message(user_id, chat_id=chat_id, **fields)

    def push_edit(
        self, user_id: int, message_id: int, text: str, *, chat_id: int | None = None
    ) -> dict[str, Any]:
        """Queue an edited_message: the user changed the text of an earlier message."""
        chat = user_id if chat_id is None else chat_id
        with self._lock:
            original = self.store.message(chat, message_id)
            if original is None:
                raise KeyError((chat, message_id))
            edited = {k: v for k, v in original.items() if k != "entities"}
            edited.update(tg.text_content(text), edit_date=tg.now())
            self.store.replace_message(chat, message_id, edited)
        return self.push_update({"edited_message": edited})

    def push_callback(
        self,
        user_id: int,
        data: str,
        message_id: int | None = None,
        *,
        chat_id: int | None = None,
    ) -> dict[str, Any]:
        """Queue a press on an inline button of a bot message (default: its latest one)."""
        chat = user_id if chat_id is None else chat_id
        with self._lock:
            sender = self.store.user(user_id)
            if message_id is None:
                mine = self.store.bot_messages(chat)
                assert mine, f"the bot has sent no message to chat {chat} to press a button on"
                message_id = mine[-1]["message_id"]
            message = self.store.message(chat, message_id)
            if message is None:
                message = tg.message(message_id, self.store.chat(chat), self.store.bot, text="...")
                self.store.remember(message)
            query_id = str(9_000_000 + self.store.next_number())
            self._callback_ids.add(query_id)
        query = {
            "id": query_id,
            "from": sender,
            "chat_instance": f"instance{chat}",
            "message": message,
            "data": data,
        }
        return self.push_update({"callback_query": query})

    # Handing updates out.

    def pending_updates(self) -> list[dict[str, Any]]:
        """Return the updates not yet confirmed by a getUpdates offset."""
        with self._lock:
            return list(self._updates)

    def confirm(self, offset: int) -> None:
        """Drop the updates below ``offset``, as a getUpdates with that offset confirms them."""
        with self._lock:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]

    def drop_pending(self) -> None:
        """Drop every pending update (deleteWebhook with drop_pending_updates)."""
        with self._lock:
            self._updates.clear()

    def allow(self, kinds: list[str]) -> None:
        """Hand out only updates of these kinds from now on (all of them if empty)."""
        with self._lock:
            self._allowed_updates = list(kinds)

    def deliverable(self) -> list[dict[str, Any]]:
        """Return the pending updates of the kinds the bot asked for, oldest first."""
        with self._lock:
            if not self._allowed_updates:
                return list(self._updates)
            allowed = set(self._allowed_updates)
            return [u for u in self._updates if allowed & set(u)]

    def has_deliverable(self, offset: int) -> bool:
        """Return whether an update from ``offset`` on is ready to hand out."""
        return any(u["update_id"] >= offset for u in self.deliverable())

    def knows_callback(self, query_id: Any) -> bool:
        """Return whether a callback query id came from a pushed update."""
        with self._lock:
            return query_id in self._callback_ids
