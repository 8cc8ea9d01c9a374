"""Zalo OA webhook events as Zalo posts them, and their signature.

Building an event stands for the person acting in Zalo, so Zalo knows of it before any
webhook call: every running ``FakeZalo`` hears of each event built (``listen``) and keeps the
person's reply window, also for events a test posts by hand or to a ``coopbot run`` process.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import time
from collections.abc import Callable
from typing import Any

APP_ID = "4242"
OA_ID = "579745863508352884"
OA_SECRET = "oa-secret-42"

_msg_ids = itertools.count(1)
_listeners: list[Callable[[dict[str, Any]], None]] = []


def listen(listener: Callable[[dict[str, Any]], None]) -> None:
    """Call ``listener`` with every event built from now on."""
    _listeners.append(listener)


def stop_listening(listener: Callable[[dict[str, Any]], None]) -> None:
    """Stop calling ``listener``."""
    if listener in _listeners:
        _listeners.remove(listener)


def now_ms(offset_seconds: float = 0.0) -> str:
    """Return the time ``offset_seconds`` from now as Zalo writes it: milliseconds, as text."""
    return str(int((time.time() + offset_seconds) * 1000))


def event(
    name: str,
    user: str,
    *,
    message: dict[str, Any] | None = None,
    timestamp: str | None = None,
) -> dict[str, Any]:
    """Return an event of ``name`` sent by ``user`` to the OA."""
    raw: dict[str, Any] = {
        "app_id": APP_ID,
        "user_id_by_app": f"app-{user}",
        "event_name": name,
        "timestamp": timestamp or now_ms(),
    }
    if name in ("follow", "unfollow"):
        raw.update(oa_id=OA_ID, follower={"id": user}, source="oa_profile")
    else:
        raw.update(sender={"id": user}, recipient={"id": OA_ID})
    if message is not None:
        raw["message"] = {"msg_id": f"msg-{next(_msg_ids)}", **message}
    for listener in list(_listeners):
        listener(raw)
    return raw


def submit_info(user: str, phone: str | None, **options: Any) -> dict[str, Any]:
    """Return a ``user_submit_info`` event: what the person shared in the form the OA sent
    (``request_user_info``); ``phone`` None stands for a form sent back without a number."""
    raw = event("user_submit_info", user, **options)
    info = {"name": "Nguyễn Văn Nam", "address": "Ấp 3", "city": "Cần Thơ"}
    raw["info"] = info if phone is None else {**info, "phone": phone}
    return raw


def text(user: str, content: str, **options: Any) -> dict[str, Any]:
    """Return a ``user_send_text`` event (also what a button tap looks like)."""
    return event("user_send_text", user, message={"text": content}, **options)


def image(user: str, url: str, caption: str = "") -> dict[str, Any]:
    """Return a ``user_send_image`` event with one picture."""
    attachment = {"type": "image", "payload": {"url": url, "thumbnail": url}}
    return event("user_send_image", user, message={"text": caption, "attachments": [attachment]})


def file(user: str, url: str, name: str, size: int) -> dict[str, Any]:
    """Return a ``user_send_file`` event."""
    payload = {"url": url, "name": name, "size": str(size), "type": name.rsplit(".", 1)[-1]}
    return event(
        "user_send_file", user, message={"attachments": [{"type": "file", "payload": payload}]}
    )


def attachment(user: str, name: str, kind: str, payload: dict[str, Any]) -> dict[str, Any]:
    """Return an event carrying one attachment of ``kind`` (sticker, location, …)."""
    return event(name, user, message={"attachments": [{"type": kind, "payload": payload}]})


def sign(body: bytes, *, app_id: str = APP_ID, oa_secret: str = OA_SECRET) -> str:
    """Return the ``X-ZEvent-Signature`` header value Zalo sends with ``body``."""
    timestamp = str(json.loads(body).get("timestamp", ""))
    digest = hashlib.sha256(
        app_id.encode() + body + timestamp.encode() + oa_secret.encode()
    ).hexdigest()
    return f"mac={digest}"


def signed(raw: dict[str, Any], **options: str) -> tuple[bytes, dict[str, str]]:
    """Return the body and headers of a webhook call carrying ``raw``."""
    body = json.dumps(raw, ensure_ascii=False).encode("utf-8")
    headers = {"X-ZEvent-Signature": sign(body, **options), "content-type": "application/json"}
    return body, headers
