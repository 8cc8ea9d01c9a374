"""Factories for the Bot API objects a fake Telegram server hands to the bot.

Each returns a plain dict shaped like the spec's type of the same name, small but complete enough
for python-telegram-bot to parse. Content factories (``location``, ``contact``, ``poll``, ...)
return the fields to merge into a Message, e.g. ``{"location": {...}}``.
"""

from __future__ import annotations

import time
from typing import Any

BOT_ID = 7_000_000_001


def now() -> int:
    """Return the current Unix time, as Telegram stamps messages."""
    return int(time.time())


def user(
    user_id: int,
    first_name: str | None = None,
    *,
    username: str | None = None,
    language_code: str | None = "vi",
    is_bot: bool = False,
) -> dict[str, Any]:
    """Return a User."""
    found: dict[str, Any] = {
        "id": user_id,
        "is_bot": is_bot,
        "first_name": first_name or f"User {user_id}",
    }
    if username:
        found["username"] = username
    if language_code:
        found["language_code"] = language_code
    return found


def bot_user(username: str, bot_id: int = BOT_ID, first_name: str = "Coopbot") -> dict[str, Any]:
    """Return the User that getMe answers for the bot itself."""
    found = user(bot_id, first_name, username=username, language_code=None, is_bot=True)
    found.update(can_join_groups=True, can_read_all_group_messages=False)
    found.update(supports_inline_queries=False)
    return found


def private_chat(of_user: dict[str, Any]) -> dict[str, Any]:
    """Return the private Chat between the bot and a user (its id is the user's id)."""
    chat = {"id": of_user["id"], "type": "private", "first_name": of_user["first_name"]}
    if "username" in of_user:
        chat["username"] = of_user["username"]
    return chat


def group_chat(chat_id: int, title: str, chat_type: str = "supergroup") -> dict[str, Any]:
    """Return a group or supergroup Chat (use a negative id, as Telegram does)."""
    return {"id": chat_id, "type": chat_type, "title": title}


def utf16_length(text: str) -> int:
    """Return a text's length in UTF-16 code units, the unit of entity offsets and lengths."""
    return len(text.encode("utf-16-le")) // 2


def command_entities(text: str) -> list[dict[str, Any]]:
    """Return the bot_command entity Telegram adds to a text that starts with ``/command``."""
    if not text.startswith("/") or len(text) < 2:
        return []
    command = text.split(maxsplit=1)[0]
    return [{"type": "bot_command", "offset": 0, "length": utf16_length(command)}]


def text_content(text: str) -> dict[str, Any]:
    """Return the fields of a text message, with an entity for a leading command."""
    content: dict[str, Any] = {"text": text}
    entities = command_entities(text)
    if entities:
        content["entities"] = entities
    return content


def media(
    kind: str,
    file_id: str,
    unique_id: str,
    size: int,
    *,
    file_name: str | None = None,
    mime_type: str | None = None,
) -> dict[str, Any]:
    """Return the Message fields for a file of one kind (photo, document, voice, video, ...)."""
    item: dict[str, Any] = {"file_id": file_id, "file_unique_id": unique_id, "file_size": size}
    if kind == "photo":
        return {"photo": [{**item, "width": 320, "height": 240}]}
    if kind == "sticker":
        item.update(type="regular", width=512, height=512, is_animated=False, is_video=False)
        item["emoji"] = "👍"
        return {"sticker": item}
    if kind in ("video", "animation"):
        item.update(width=640, height=360, duration=3)
    elif kind in ("voice", "audio"):
        item["duration"] = 3
    elif kind == "video_note":
        item.update(length=240, duration=3)
    if file_name and kind in ("document", "video", "animation", "audio"):
        item["file_name"] = file_name
    if mime_type and kind != "video_note":
        item["mime_type"] = mime_type
    return {kind: item}


def location(latitude: float, longitude: float) -> dict[str, Any]:
    """Return the fields of a shared location."""
    return {"location": {"latitude": latitude, "longitude": longitude}}


def contact(phone_number: str, first_name: str, user_id: int | None = None) -> dict[str, Any]:
    """Return the fields of a shared contact (with user_id when it is a Telegram user)."""
    found: dict[str, Any] = {"phone_number": phone_number, "first_name": first_name}
    if user_id is not None:
        found["user_id"] = user_id
    return {"contact": found}


def poll(question: str, options: list[str], poll_id: str = "5000000001") -> dict[str, Any]:
    """Return the fields of a regular, open, anonymous poll."""
    return {
        "poll": {
            "id": poll_id,
            "question": question,
            "options": [
                {"persistent_id": str(number), "text": option, "voter_count": 0}
                for number, option in enumerate(options, start=1)
            ],
            "total_voter_count": 0,
            "is_closed": False,
            "is_anonymous": True,
            "type": "regular",
            "allows_multiple_answers": False,
            "allows_revoting": False,
            "members_only": False,
        }
    }


def forward_origin(sender: dict[str, Any], date: int | None = None) -> dict[str, Any]:
    """Return the fields that mark a message as forwarded from a user."""
    return {"forward_origin": {"type": "user", "sender_user": sender, "date": date or now()}}


def message(
    message_id: int, chat: dict[str, Any], sender: dict[str, Any] | None, **content: Any
) -> dict[str, Any]:
    """Return a Message in a chat from a sender, with content fields merged in."""
    found: dict[str, Any] = {"message_id": message_id, "date": now(), "chat": chat}
    if sender is not None:
        found["from"] = sender
    found.update(content)
    return found
