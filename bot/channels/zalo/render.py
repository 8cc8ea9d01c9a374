"""Render ``Reply`` objects as Zalo OA messages: plain text, split, with at most four buttons.

Zalo shows no markup, so a title (``bold_prefix``) is simply a line of its own. A text over
2000 characters is split at line or word boundaries. Buttons are ``oa.query.hide`` buttons
(a tap sends their payload back as a text message) under the last message of a reply, at most
four: when a reply has more, the first three are shown with a "More…" button whose payload
``more:<n>`` asks for the list again from button ``n``; the whole list is kept per person by
the caller. Images and files go first, each as a message of its own, then the text, then a
request to share one's phone number (Zalo's ``request_user_info`` form) when the reply asks
for one. ``render`` and ``message_body`` are pure.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from bot.channels.text_split import split_text
from handlers.payloads import MoreButtons
from handlers.types import Button, FileOut, Reply, ShareRequest, StoredFile

logger = logging.getLogger(__name__)

TEXT_LIMIT = 2000
BUTTON_LIMIT = 4
# Zalo's limits for the request_user_info form's element.
SHARE_TITLE_LIMIT = 100
SHARE_SUBTITLE_LIMIT = 500


@dataclass(frozen=True)
class ZaloOutgoing:
    """One message: a text with optional buttons, or an image, or a file, or a stored file
    (sent as an image or a file once uploaded), or a request to share one's phone number."""

    text: str = ""
    buttons: tuple[Button, ...] = ()
    image: FileOut | None = None
    document: FileOut | None = None
    attachment: StoredFile | None = None
    share: ShareRequest | None = None


@dataclass(frozen=True)
class Rendered:
    """The messages of one reply, and all its buttons when they did not fit under it."""

    messages: list[ZaloOutgoing]
    overflow: tuple[Button, ...] = ()


def flat_buttons(rows: Sequence[Sequence[Button]]) -> tuple[Button, ...]:
    """Return the buttons of ``rows`` in reading order (Zalo stacks them), valid ones only."""
    kept = []
    for row in rows:
        for button in row:
            if not button.label.strip() or not button.payload:
                logger.error("button %r with payload %r dropped", button.label, button.payload)
                continue
            kept.append(button)
    return tuple(kept)


def button_page(buttons: Sequence[Button], start: int, more_label: str) -> tuple[Button, ...]:
    """Return the buttons to show from ``start``: all if they fit, else three and "More…"."""
    remaining = tuple(buttons[start:])
    if len(remaining) <= BUTTON_LIMIT:
        return remaining
    shown = BUTTON_LIMIT - 1
    return (*remaining[:shown], Button(more_label, MoreButtons(start + shown).encode()))


def render(reply: Reply, more_label: str) -> Rendered:
    """Return the messages that show ``reply``; its buttons go under the last text."""
    messages: list[ZaloOutgoing] = []
    if reply.image is not None:
        messages.append(ZaloOutgoing(image=reply.image))
    if reply.document is not None:
        messages.append(ZaloOutgoing(document=reply.document))
    if reply.attachment is not None:
        messages.append(ZaloOutgoing(attachment=reply.attachment))
    if reply.bold_prefix and reply.text:
        visible = f"{reply.bold_prefix}\n{reply.text}"
    else:
        visible = reply.bold_prefix or reply.text
    texts = [ZaloOutgoing(text=part) for part in split_text(visible, TEXT_LIMIT)]
    messages.extend(texts)
    share = [ZaloOutgoing(share=reply.share_request)] if reply.share_request else []
    buttons = flat_buttons(reply.buttons)
    if not buttons:
        return Rendered(messages + share)
    if not texts:
        # Zalo shows buttons only under a text; handlers always write one, so this is a bug.
        logger.error("the buttons of a reply without text were not sent")
        return Rendered(messages + share)
    messages[-1] = replace(messages[-1], buttons=button_page(buttons, 0, more_label))
    return Rendered(messages + share, buttons if len(buttons) > BUTTON_LIMIT else ())


def more_page(
    buttons: Sequence[Button], start: int, *, text: str, more_label: str
) -> ZaloOutgoing | None:
    """Return the message showing ``buttons`` from ``start``, or None when nothing is there."""
    if not 0 < start < len(buttons):
        return None
    return ZaloOutgoing(text=text, buttons=button_page(buttons, start, more_label))


def share_body(share: ShareRequest, image_url: str | None) -> dict[str, Any]:
    """Return Zalo's form asking the person to share their account's phone number."""
    element = {
        "title": share.title[:SHARE_TITLE_LIMIT],
        "subtitle": share.subtitle[:SHARE_SUBTITLE_LIMIT],
    }
    if image_url:
        element["image_url"] = image_url
    payload = {"template_type": "request_user_info", "elements": [element]}
    return {"attachment": {"type": "template", "payload": payload}}


def message_body(
    outgoing: ZaloOutgoing,
    *,
    attachment_id: str | None = None,
    file_token: str | None = None,
    share_image_url: str | None = None,
) -> dict[str, Any]:
    """Return the ``message`` object of a send call (uploads already made)."""
    if outgoing.share is not None:
        return share_body(outgoing.share, share_image_url)
    if outgoing.image is not None:
        element = {"media_type": "image", "attachment_id": attachment_id}
        payload = {"template_type": "media", "elements": [element]}
        return {"attachment": {"type": "template", "payload": payload}}
    if outgoing.document is not None:
        return {"attachment": {"type": "file", "payload": {"token": file_token}}}
    body: dict[str, Any] = {"text": outgoing.text}
    if outgoing.buttons:
        body["attachment"] = {
            "type": "template",
            "payload": {
                "buttons": [
                    {"title": button.label, "type": "oa.query.hide", "payload": button.payload}
                    for button in outgoing.buttons
                ]
            },
        }
    return body
