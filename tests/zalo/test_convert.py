"""Zalo events become the channel-neutral ``Incoming``; signatures and ages are checked."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest

from bot.channels.zalo.convert import (
    event_time,
    is_fresh,
    looks_like_event,
    signature_matches,
    to_incoming,
)
from handlers.types import IncomingKind, MediaKind
from tests.fakes import zalo_events as events

USER = "3000000000000000001"


def digest(body: bytes, timestamp: str, secret: str = events.OA_SECRET) -> str:
    """Return Zalo's signature digest of a body."""
    raw = events.APP_ID.encode() + body + timestamp.encode() + secret.encode()
    return hashlib.sha256(raw).hexdigest()


@pytest.mark.parametrize("prefix", ["mac=", "", "MAC= "])
def test_the_signature_is_accepted_with_or_without_its_mac_prefix(prefix: str) -> None:
    """``mac=<hex>``, a bare hex digest and upper-case hex all verify."""
    body, timestamp = b'{"timestamp": "1700000000000"}', "1700000000000"
    hex_digest = digest(body, timestamp)
    value = prefix + (hex_digest.upper() if prefix.startswith("MAC") else hex_digest)

    assert signature_matches(
        value, app_id=events.APP_ID, body=body, timestamp=timestamp, oa_secret=events.OA_SECRET
    )


@pytest.mark.parametrize(
    "header",
    [None, "", "mac=", "mac=" + "0" * 64, "mac=" + digest(b"{}", "1", secret="other")],
)
def test_a_missing_empty_or_wrong_signature_is_rejected(header: str | None) -> None:
    """Anything but the SHA-256 of app id, body, timestamp and OA secret is refused."""
    assert not signature_matches(
        header, app_id=events.APP_ID, body=b"{}", timestamp="1", oa_secret=events.OA_SECRET
    )


def test_an_event_is_fresh_for_ten_minutes_either_side_of_now() -> None:
    """Timestamps are milliseconds; nine minutes old is fine, eleven is a replay."""
    now = dt.datetime(2026, 11, 26, 4, 0, tzinfo=dt.UTC)
    millis = int(now.timestamp() * 1000)
    assert event_time({"timestamp": str(millis)}) == now
    assert is_fresh({"timestamp": str(millis - 9 * 60_000)}, now)
    assert not is_fresh({"timestamp": str(millis - 11 * 60_000)}, now)
    assert not is_fresh({"timestamp": str(millis + 11 * 60_000)}, now)
    assert not is_fresh({"timestamp": "yesterday"}, now)
    assert not is_fresh({}, now)


@pytest.mark.parametrize(
    ("text", "kind", "command", "payload", "arguments"),
    [
        ("/start K7QM-3XPA-HT", IncomingKind.COMMAND, "start", "", "K7QM-3XPA-HT"),
        ("/Report", IncomingKind.COMMAND, "report", "", ""),
        ("rp:cat:credit", IncomingKind.BUTTON, "", "rp:cat:credit", ""),
        ("more:3", IncomingKind.BUTTON, "", "more:3", ""),
        ("mt:d:2026-04-06", IncomingKind.BUTTON, "", "mt:d:2026-04-06", ""),
        ("Lưu ý: thiếu vốn", IncomingKind.TEXT, "", "", "Lưu ý: thiếu vốn"),
        ("https://zalo.me/abc", IncomingKind.TEXT, "", "", "https://zalo.me/abc"),
        ("/ no command", IncomingKind.TEXT, "", "", "/ no command"),
    ],
)
def test_texts_become_commands_button_presses_or_plain_text(
    text: str, kind: IncomingKind, command: str, payload: str, arguments: str
) -> None:
    """A tapped button's payload comes back as text and is recognised by its shape."""
    incoming = to_incoming(events.text(USER, text))

    assert incoming is not None
    assert (incoming.kind, incoming.command, incoming.payload) == (kind, command, payload)
    assert incoming.text == arguments
    assert (incoming.channel, incoming.external_id, incoming.chat_id) == ("zalo", USER, USER)
    assert incoming.update_id is not None
    assert incoming.update_id.startswith("msg-")


def test_a_picture_and_a_file_become_media_referred_to_by_url() -> None:
    """user_send_image and user_send_file carry the attachment URL, name and size."""
    picture = to_incoming(events.image(USER, "https://zdn.vn/p.jpg", caption="ruộng lúa"))
    document = to_incoming(events.file(USER, "https://zdn.vn/f.pdf", "bien-ban.pdf", 2048))

    assert picture is not None
    assert document is not None
    assert picture.kind == IncomingKind.MEDIA
    assert picture.text == "ruộng lúa"
    assert (picture.media[0].kind, picture.media[0].file_ref) == (
        MediaKind.PHOTO,
        "https://zdn.vn/p.jpg",
    )
    (attached,) = document.media
    assert (attached.kind, attached.file_name, attached.size_bytes) == (
        MediaKind.DOCUMENT,
        "bien-ban.pdf",
        2048,
    )


def test_an_attachment_url_too_long_to_keep_is_declined() -> None:
    """A URL over 300 characters cannot be stored, so the message is declined, not cut."""
    incoming = to_incoming(events.image(USER, "https://zdn.vn/" + "x" * 300))

    assert incoming is not None
    assert (incoming.kind, incoming.unsupported) == (IncomingKind.UNSUPPORTED, "other")


@pytest.mark.parametrize(
    ("name", "unsupported"),
    [
        ("user_send_sticker", "sticker"),
        ("user_send_location", "location"),
        ("user_send_business_card", "contact"),
        ("user_send_something_new", "other"),
    ],
)
def test_stickers_locations_and_the_like_are_unsupported(name: str, unsupported: str) -> None:
    """Content the conversations cannot use is named for their polite refusal."""
    incoming = to_incoming(events.attachment(USER, name, "x", {"id": "1"}))

    assert incoming is not None
    assert (incoming.kind, incoming.unsupported) == (IncomingKind.UNSUPPORTED, unsupported)


def test_follow_becomes_start_and_other_events_become_nothing() -> None:
    """Following is /start from the follower; unfollow and the OA's own echoes are not input."""
    follow = to_incoming(events.event("follow", USER))

    assert follow is not None
    assert (follow.kind, follow.command, follow.external_id) == (
        IncomingKind.COMMAND,
        "start",
        USER,
    )
    assert follow.update_id is not None
    assert to_incoming(events.event("unfollow", USER)) is None
    assert to_incoming(events.event("oa_send_text", USER, message={"text": "hi"})) is None
    assert to_incoming({"event_name": "user_send_text", "message": {"text": "x"}}) is None


@pytest.mark.parametrize(
    ("phone", "text"),
    [
        ("84912345678", "84912345678"),
        (84912345678, "84912345678"),
        (" 0912 345 678 ", "0912 345 678"),
    ],
)
def test_a_shared_phone_number_becomes_its_own_kind(phone: object, text: str) -> None:
    """``user_submit_info`` gives only the number; name and address are not carried on."""
    raw = events.event("user_submit_info", USER)
    raw["info"] = {"name": "Nguyễn Văn Nam", "address": "Ấp 3", "phone": phone}
    incoming = to_incoming(raw)
    assert incoming is not None
    assert (incoming.kind, incoming.text, incoming.external_id) == (
        IncomingKind.SHARED_PHONE,
        text,
        USER,
    )
    assert incoming.update_id == f"info:{USER}:{raw['timestamp']}"


@pytest.mark.parametrize("info", [{}, {"phone": ""}, {"phone": None}, {"phone": ["0912"]}, None])
def test_a_shared_form_without_a_usable_number_is_nothing(info: object) -> None:
    raw = events.event("user_submit_info", USER)
    if info is not None:
        raw["info"] = info
    assert to_incoming(raw) is None


def test_a_shared_form_whose_info_is_no_object_is_refused_as_malformed() -> None:
    raw = events.event("user_submit_info", USER)
    raw["info"] = "84912345678"
    assert not looks_like_event(raw)
