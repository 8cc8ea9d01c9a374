"""Read Zalo OA webhook events: check their signature and age, turn them into ``Incoming``.

Zalo has no callback queries: a tapped ``oa.query.hide`` button comes back as a text message
holding the button's payload. So a text shaped like one of our payloads (``rp:cat:credit``,
``more:3``) is taken as a button press, and ``/command args`` as a command; the handlers
re-check every payload anyway, so a person typing one gains nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import logging
import re
from dataclasses import replace
from typing import Any

from handlers.types import Incoming, IncomingKind, Media, MediaKind

logger = logging.getLogger(__name__)

CHANNEL = "zalo"
SIGNATURE_HEADER = "X-ZEvent-Signature"
MAX_EVENT_AGE = dt.timedelta(minutes=10)
PAYLOAD_SHAPE = re.compile(r"[a-z]{2,5}:[A-Za-z0-9_:\-]*")
COMMAND_SHAPE = re.compile(r"/([A-Za-z][A-Za-z0-9_]{0,31})(?:\s+(.*))?", re.DOTALL)
MAX_FILE_REF = 300  # the length of attachment.file_ref; longer URLs cannot be kept
MAX_SHARED_PHONE = 40  # more than any way of writing a number needs; the flow reads it

_OBJECT_FIELDS = ("sender", "recipient", "follower", "message", "info")
# Events a person causes that carry nothing for the conversations, and our own echoes.
QUIET_EVENTS = frozenset({"user_received_message", "user_seen_message", "user_reacted_message"})
_MEDIA_EVENTS = {
    "user_send_image": MediaKind.PHOTO,
    "user_send_file": MediaKind.DOCUMENT,
    "user_send_audio": MediaKind.VOICE,
    "user_send_video": MediaKind.VIDEO,
}
# Named like the Telegram fields the handlers already know how to decline.
_UNSUPPORTED_EVENTS = {
    "user_send_sticker": "sticker",
    "user_send_location": "location",
    "user_send_business_card": "contact",
    "user_send_gif": "animation",
}


def signature_matches(
    header: str | None, *, app_id: str, body: bytes, timestamp: str, oa_secret: str
) -> bool:
    """Tell whether ``header`` is Zalo's ``mac=<sha256 hex>`` for this body, in constant time.

    The digest is SHA-256 (not an HMAC) of app id + raw body + the body's timestamp + the
    OA secret key. The ``mac=`` prefix is optional, and hex digits may be in either case.
    """
    if not header:
        return False
    given = header.strip()
    if given[:4].lower() == "mac=":
        given = given[4:].strip()
    expected = hashlib.sha256(
        app_id.encode("utf-8") + body + timestamp.encode("utf-8") + oa_secret.encode("utf-8")
    ).hexdigest()
    return hmac.compare_digest(given.lower().encode("utf-8"), expected.encode("ascii"))


def event_time(event: dict[str, Any]) -> dt.datetime | None:
    """Return when Zalo says the event happened (``timestamp`` is in milliseconds)."""
    try:
        millis = int(str(event.get("timestamp", "")))
    except ValueError:
        return None
    try:
        return dt.datetime.fromtimestamp(millis / 1000, tz=dt.UTC)
    except (OverflowError, OSError, ValueError):
        return None


def is_fresh(event: dict[str, Any], now: dt.datetime) -> bool:
    """Tell whether the event happened within ``MAX_EVENT_AGE`` of ``now`` (either side)."""
    happened = event_time(event)
    return happened is not None and abs(now - happened) <= MAX_EVENT_AGE


def looks_like_event(event: dict[str, Any]) -> bool:
    """Tell whether a signed body has an event's shape: a name, and objects where Zalo puts them.

    The OA's secret signs the body, not its shape: a body of the wrong shape is refused here
    (400) rather than failing later, after Zalo was told it arrived.
    """
    if not isinstance(event.get("event_name"), str):
        return False
    return all(isinstance(event[key], dict) for key in _OBJECT_FIELDS if key in event)


def event_user(event: dict[str, Any]) -> str | None:
    """Return the Zalo user id of the person behind an event (follower or sender)."""
    for key in ("follower", "sender"):
        party = event.get(key)
        if isinstance(party, dict) and party.get("id"):
            return str(party["id"])[:64]
    return None


def to_incoming(event: dict[str, Any]) -> Incoming | None:
    """Return what the person sent, or None for events that are not a person's message.

    ``follow`` becomes ``/start`` (the greeting and how to join), ``user_submit_info`` the phone
    number the person shared (``SHARED_PHONE``); ``unfollow`` and the rest
    are the caller's business.
    """
    name = str(event.get("event_name", ""))
    user = event_user(event)
    if user is None or name.startswith("user_send_group_"):
        return None  # the bot holds conversations with one person at a time only
    raw_message = event.get("message")
    message: dict[str, Any] = raw_message if isinstance(raw_message, dict) else {}
    msg_id = message.get("msg_id")
    base = Incoming(
        channel=CHANNEL,
        external_id=user,
        chat_id=user,
        kind=IncomingKind.TEXT,
        update_id=str(msg_id)[:64] if msg_id else None,
        message_ref=str(msg_id)[:64] if msg_id else None,
        received_at=event_time(event),
    )
    if name == "follow":
        update_id = f"follow:{user}:{event.get('timestamp', '')}"[:64]
        return replace(base, kind=IncomingKind.COMMAND, command="start", update_id=update_id)
    if name == "user_submit_info":
        return _shared_phone(base, event)
    text = str(message.get("text") or "")
    if name in ("user_send_text", "user_send_link") and text.strip():
        return classify_text(base, text)
    if name in _MEDIA_EVENTS:
        media = _media(_MEDIA_EVENTS[name], message)
        if media is not None:
            return replace(base, kind=IncomingKind.MEDIA, media=media, text=text)
        return replace(base, kind=IncomingKind.UNSUPPORTED, unsupported="other")
    if name in _UNSUPPORTED_EVENTS:
        return replace(base, kind=IncomingKind.UNSUPPORTED, unsupported=_UNSUPPORTED_EVENTS[name])
    if name.startswith("user_send_"):
        return replace(base, kind=IncomingKind.UNSUPPORTED, unsupported="other")
    return None


def _shared_phone(base: Incoming, event: dict[str, Any]) -> Incoming | None:
    """Return the phone number a person shared through Zalo's form (``request_user_info``),
    or None when the form came back without one: nothing else it holds is kept."""
    info = event.get("info")
    phone = info.get("phone") if isinstance(info, dict) else None
    if not isinstance(phone, str | int) or not str(phone).strip():
        return None
    update_id = f"info:{base.external_id}:{event.get('timestamp', '')}"[:64]
    text = str(phone).strip()[:MAX_SHARED_PHONE]
    return replace(base, kind=IncomingKind.SHARED_PHONE, text=text, update_id=update_id)


def classify_text(base: Incoming, text: str) -> Incoming:
    """Return a text as a command, a button press (a payload), or plain text."""
    stripped = text.strip()
    command = COMMAND_SHAPE.fullmatch(stripped)
    if command is not None:
        arguments = (command.group(2) or "").strip()
        return replace(
            base, kind=IncomingKind.COMMAND, command=command.group(1).lower(), text=arguments
        )
    if PAYLOAD_SHAPE.fullmatch(stripped):
        return replace(base, kind=IncomingKind.BUTTON, payload=stripped)
    return replace(base, text=text)


def _media(kind: MediaKind, message: dict[str, Any]) -> tuple[Media, ...] | None:
    """Return the attachments of a media message, or None when none can be kept."""
    found: list[Media] = []
    attachments = message.get("attachments")
    for attachment in attachments if isinstance(attachments, list) else []:
        payload = attachment.get("payload") if isinstance(attachment, dict) else None
        if not isinstance(payload, dict):
            continue
        url = str(payload.get("url") or "")
        if not url:
            continue
        if len(url) > MAX_FILE_REF:
            logger.warning("a Zalo attachment was left out: its URL has %s characters", len(url))
            continue
        name = payload.get("name")
        found.append(
            Media(
                kind,
                url,
                file_name=str(name)[:255] if name else None,
                size_bytes=_size(payload.get("size")),
            )
        )
    return tuple(found) or None


def _size(value: object) -> int | None:
    try:
        return int(str(value))
    except ValueError:
        return None
