"""The updates a test pushes for the bot to receive, and what it asks about chats afterwards.

Users get a private chat with the bot whose id is the user's id; groups must be added with
``add_group`` before users write in them. Pushing registers the chats it mentions, so the bot may
answer there (a call to any other chat gets "chat not found").
"""

from __future__ import annotations

from typing import Any

from tests.fakes import telegram_updates as tg
from tests.fakes.telegram_state import TelegramState


class UpdateQueue(TelegramState):
    """Pushes updates into the fake server's queue for getUpdates to hand out."""

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

    def push_update(self, raw: dict[str, Any]) -> dict[str, Any]:
        """Queue a raw Update (``update_id`` is filled in when missing); return it."""
        with self._lock:
            update = dict(raw)
            update.setdefault("update_id", self._next_update_id)
            self._next_update_id = max(self._next_update_id, update["update_id"]) + 1
            for value in update.values():
                if isinstance(value, dict):
                    self._remember(value)
            self._updates.append(update)
        self._notify()
        return update

    def _remember(self, item: dict[str, Any]) -> None:
        """Register the chat, sender and message found in one part of an update."""
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

    def _user_message(
        self, user_id: int, chat_id: int | None, content: dict[str, Any]
    ) -> dict[str, Any]:
        """Build and store a message a user sends in their private chat or in a group."""
        with self._lock:
            sender = self._users.get(user_id) or self.add_user(user_id)
            chat_id = user_id if chat_id is None else chat_id
            assert chat_id in self._chats, f"chat {chat_id} is unknown; call add_group first"
            return self._new_message(chat_id, sender, content)

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
            original = self._users.get(forward_from) or self.add_user(forward_from)
            fields.update(tg.forward_origin(original))
        if reply_to is not None:
            chat = user_id if chat_id is None else chat_id
            fields["reply_to_message"] = self._messages[(chat, reply_to)]
        return self.push_update({"message": self._user_message(user_id, chat_id, fields)})

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
        file_id = self.add_file(content, file_name or f"{kind}.bin", mime_type)
        stored = self._files[file_id]
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
        key = (user_id if chat_id is None else chat_id, message_id)
        with self._lock:
            original = self._messages[key]
            edited = {k: v for k, v in original.items() if k != "entities"}
            edited.update(tg.text_content(text), edit_date=tg.now())
            self._messages[key] = edited
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
            sender = self._users.get(user_id) or self.add_user(user_id)
            if message_id is None:
                mine = [
                    m for m in self.messages(chat) if m.get("from", {}).get("id") == self.bot["id"]
                ]
                assert mine, f"the bot has sent no message to chat {chat} to press a button on"
                message_id = mine[-1]["message_id"]
            message = self._messages.get((chat, message_id))
            if message is None:
                message = tg.message(message_id, self._chats[chat], self.bot, text="...")
                self._remember(message)
            query_id = str(9_000_000 + next(self._ids))
            self._callback_ids.add(query_id)
        query = {
            "id": query_id,
            "from": sender,
            "chat_instance": f"instance{chat}",
            "message": message,
            "data": data,
        }
        return self.push_update({"callback_query": query})

    def pending_updates(self) -> list[dict[str, Any]]:
        """Return the updates not yet confirmed by a getUpdates offset."""
        with self._lock:
            return list(self._updates)
