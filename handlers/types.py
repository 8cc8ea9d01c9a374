"""What a channel hands to the handlers, and what the handlers hand back.

Both are plain data: no platform object crosses this line, so the same conversation serves
Telegram, Zalo, the web chat and the console.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
from dataclasses import dataclass, field
from enum import StrEnum


class IncomingKind(StrEnum):
    """What arrived."""

    TEXT = "text"
    COMMAND = "command"
    BUTTON = "button"
    MEDIA = "media"
    UNSUPPORTED = "unsupported"
    SHARED_PHONE = "shared_phone"  # the phone number of the person's own account, in ``text``


class MediaKind(StrEnum):
    """Attachments a report may carry."""

    PHOTO = "photo"
    DOCUMENT = "document"
    VOICE = "voice"
    VIDEO = "video"


@dataclass(frozen=True)
class Media:
    """A file the person sent: the platform's id for it, and the key of the local copy the
    channel made of it (None when it could not download it)."""

    kind: MediaKind
    file_ref: str
    file_name: str | None = None
    mime_type: str | None = None
    size_bytes: int | None = None
    stored_key: str | None = None


@dataclass(frozen=True)
class StoredFile:
    """A file received earlier, to send again: each channel sends it in its own form — by the
    platform's id on the channel it came from, else from its local copy."""

    kind: MediaKind
    channel: str
    file_ref: str
    stored_key: str | None = None
    file_name: str | None = None
    mime_type: str | None = None


@dataclass(frozen=True)
class Incoming:
    """One event from a person.

    Attributes:
        channel: ``telegram``, ``zalo``, ``web`` or ``console``.
        external_id: the person's id on that channel.
        chat_id: where to answer (equal to ``external_id`` in private chats).
        kind: what arrived; ``UNSUPPORTED`` carries its platform name in ``unsupported``.
        text: message text, caption, or the command's arguments.
        command: the command without slash or bot name (``start``), for ``COMMAND``.
        payload: a button's payload, for ``BUTTON``; forgeable, so always re-checked.
        media: attachments.
        private: False in groups and channels, where the bot does not hold conversations.
        edited / forwarded: the message was edited or forwarded.
        message_ref: the platform's id of the message, where a later message can be
            addressed as a reply to it (Zalo's reply form); None elsewhere.
    """

    channel: str
    external_id: str
    chat_id: str
    kind: IncomingKind
    text: str = ""
    command: str = ""
    payload: str = ""
    media: tuple[Media, ...] = ()
    unsupported: str = ""
    display_name: str = ""
    platform_locale: str | None = None
    private: bool = True
    edited: bool = False
    forwarded: bool = False
    update_id: str | None = None
    received_at: dt.datetime | None = None
    message_ref: str | None = None


@dataclass(frozen=True)
class Button:
    """A button under a message; ``payload`` is short ASCII (≤ 64 bytes on Telegram)."""

    label: str
    payload: str


@dataclass(frozen=True)
class FileOut:
    """A file or image to send."""

    name: str
    data: bytes
    mime_type: str = "application/octet-stream"


@dataclass(frozen=True)
class ShareRequest:
    """A request that the person share the phone number of their account on the platform.

    Channels whose platform has such a form (Zalo's "request user info") show it after the
    reply's text, which always asks for the number to be typed as well; the others leave it
    out. What the person shares comes back as ``IncomingKind.SHARED_PHONE``.
    """

    title: str
    subtitle: str


@dataclass(frozen=True)
class Reply:
    """One message to send back. Text is plain: channels escape it for their markup.

    ``bold_prefix`` is shown emphasised before ``text`` (titles of cards and receipts), which
    keeps handlers free of any platform's markup.
    """

    text: str = ""
    buttons: tuple[tuple[Button, ...], ...] = ()
    image: FileOut | None = None
    document: FileOut | None = None
    attachment: StoredFile | None = None
    bold_prefix: str = ""
    extras: dict[str, str] = field(default_factory=dict)
    share_request: ShareRequest | None = None


@dataclass(frozen=True)
class CommandMenu:
    """A translated command menu: (command, description) pairs; empty means the public one."""

    commands: tuple[tuple[str, str], ...] = ()

    @functools.cached_property
    def key(self) -> str | None:
        """A short fingerprint to store, so a chat's menu is published again only on change.

        None stands for the public menu, which needs nothing published for a chat.
        """
        if not self.commands:
            return None
        text = "\n".join(f"{name} {about}" for name, about in self.commands)
        return hashlib.sha256(text.encode()).hexdigest()[:32]


@dataclass(frozen=True)
class Handled:
    """What handling one event gave: the replies, and the chat's command menu if it changed.

    ``menu`` is set only when the person's commands differ from what was last published for
    their chat (they registered, lost access, or changed language); an empty menu means the
    public one. Channels without a command menu ignore it.
    """

    replies: list[Reply]
    menu: CommandMenu | None = None
