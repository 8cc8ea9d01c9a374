"""Turn a python-telegram-bot ``Update`` into the channel-neutral ``Incoming``.

Only what a person sends the bot becomes an ``Incoming``: messages, edits and button presses.
Everything else (channel posts, membership changes, polls' answers, ...) gives ``None`` and is
ignored, and so is a command addressed to another bot in a group (``/help@other_bot``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from telegram import CallbackQuery, Message, MessageEntity, Update
from telegram.constants import ChatType

from handlers.types import Incoming, IncomingKind, Media, MediaKind

CHANNEL = "telegram"

# Message fields that carry content the conversations cannot use, checked in this order and
# named to the handlers by the field name. A venue also carries a location, and an animation
# also carries a document, so both come before what they contain.
_UNSUPPORTED_FIELDS = (
    "sticker",
    "venue",
    "location",
    "contact",
    "poll",
    "dice",
    "animation",
    "audio",
    "video_note",
    "game",
    "story",
)


def to_incoming(update: Update, *, bot_username: str | None = None) -> Incoming | None:
    """Return what the person sent, or None when the update is nothing a person sent us.

    Args:
        update: the update as python-telegram-bot parsed it.
        bot_username: this bot's username, to ignore commands addressed to other bots.
    """
    if update.callback_query is not None:
        return _from_callback(update, update.callback_query)
    message = update.message or update.edited_message
    if message is None or message.from_user is None:
        return None
    user = message.from_user
    edited = update.edited_message is not None
    base = Incoming(
        channel=CHANNEL,
        external_id=str(user.id),
        chat_id=str(message.chat.id),
        kind=IncomingKind.TEXT,
        display_name=user.full_name,
        platform_locale=user.language_code,
        private=message.chat.type == ChatType.PRIVATE,
        edited=edited,
        forwarded=message.forward_origin is not None,
        update_id=str(update.update_id),
        received_at=(message.edit_date or message.date) if edited else message.date,
    )
    command = _command(message, bot_username)
    if command is not None:
        name, arguments = command
        if name is None:  # a command for another bot
            return None
        return replace(base, kind=IncomingKind.COMMAND, command=name, text=arguments)
    unsupported = next((name for name in _UNSUPPORTED_FIELDS if getattr(message, name)), None)
    if unsupported is not None:
        return replace(base, kind=IncomingKind.UNSUPPORTED, unsupported=unsupported)
    media = _media(message)
    if media is not None:
        return replace(base, kind=IncomingKind.MEDIA, media=(media,), text=message.caption or "")
    if message.text is not None:
        return replace(base, text=message.text)
    return replace(base, kind=IncomingKind.UNSUPPORTED, unsupported="other")


def _from_callback(update: Update, query: CallbackQuery) -> Incoming | None:
    """Return a button press; presses on inline-mode messages (no chat) are ignored."""
    if query.message is None:
        return None
    chat = query.message.chat
    user = query.from_user
    return Incoming(
        channel=CHANNEL,
        external_id=str(user.id),
        chat_id=str(chat.id),
        kind=IncomingKind.BUTTON,
        payload=query.data or "",
        display_name=user.full_name,
        platform_locale=user.language_code,
        private=chat.type == ChatType.PRIVATE,
        update_id=str(update.update_id),
        # A press carries no timestamp of its own.
        received_at=dt.datetime.now(dt.UTC),
    )


def _command(message: Message, bot_username: str | None) -> tuple[str | None, str] | None:
    """Return (command, arguments) for a text starting with a bot command, else None.

    The command is None when it is addressed to another bot (``/start@other_bot``).
    """
    text = message.text
    if not text:
        return None
    entity = next(
        (e for e in message.entities if e.type == MessageEntity.BOT_COMMAND and e.offset == 0),
        None,
    )
    if entity is None:
        return None
    try:
        written = message.parse_entity(entity)
    except UnicodeDecodeError:
        return None  # a forged entity ending inside a character: the text is read as written
    if not written.startswith("/") or len(written) < 2:
        return None  # a forged entity over other text: the text is read as written
    name, _, addressee = written[1:].partition("@")
    if addressee and bot_username and addressee.lower() != bot_username.lower():
        return None, ""
    return name.lower(), text[len(written) :].strip()


def _media(message: Message) -> Media | None:
    """Return the attachment a report can keep: a photo, a document, a voice note, a video."""
    if message.photo:
        largest = max(
            message.photo, key=lambda size: (size.width * size.height, size.file_size or 0)
        )
        # Telegram re-encodes every photo it stores as JPEG.
        return Media(MediaKind.PHOTO, largest.file_id, None, "image/jpeg", largest.file_size)
    if message.document is not None:
        document = message.document
        return Media(
            MediaKind.DOCUMENT,
            document.file_id,
            document.file_name,
            document.mime_type,
            document.file_size,
        )
    if message.voice is not None:
        voice = message.voice
        return Media(MediaKind.VOICE, voice.file_id, None, voice.mime_type, voice.file_size)
    if message.video is not None:
        video = message.video
        return Media(
            MediaKind.VIDEO, video.file_id, video.file_name, video.mime_type, video.file_size
        )
    return None
