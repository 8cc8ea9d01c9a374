"""Render ``Reply`` objects as Bot API messages: HTML parse mode, split, with inline keyboards.

Handlers write plain text; here every piece of it is escaped, so a director's ``<b>`` or ``&``
is shown as typed. Telegram's limits apply to the text as shown (after the markup is parsed),
counted in UTF-16 code units, so long texts are split on the plain text first and each part is
escaped afterwards. ``render`` is pure (easy to test); ``send_replies`` makes the calls.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, LinkPreviewOptions
from telegram.constants import ParseMode

from bot.channels.attachments import Attachments, AttachmentSource
from bot.channels.telegram.media import send_attachment
from bot.channels.text_split import fitting_prefix, utf16_length
from bot.channels.text_split import split_text as _split
from handlers.types import Button, FileOut, Reply, StoredFile

logger = logging.getLogger(__name__)

MESSAGE_LIMIT = 4096
CAPTION_LIMIT = 1024
CALLBACK_DATA_LIMIT = 64  # bytes of UTF-8, not characters

_NO_PREVIEW = LinkPreviewOptions(is_disabled=True)


@dataclass(frozen=True)
class Outgoing:
    """One Bot API call: a text message, or a photo, document or stored file with an optional
    caption."""

    html: str = ""
    photo: FileOut | None = None
    document: FileOut | None = None
    markup: InlineKeyboardMarkup | None = None
    attachment: StoredFile | None = None


def shown_length(text: str) -> int:
    """Return the length Telegram counts: UTF-16 code units of the text as shown."""
    return utf16_length(text)


def split_text(text: str, limit: int = MESSAGE_LIMIT, first_limit: int | None = None) -> list[str]:
    """Split plain text into parts of at most ``limit`` (the first: ``first_limit``) units.

    Cuts at the last line break that fits, else at the last space, else in the middle of a
    word; the line break or space cut at is dropped. Parts with nothing visible are dropped.
    """
    return _split(text, limit, first_limit, measure=utf16_length)


def keyboard(rows: Sequence[Sequence[Button]]) -> InlineKeyboardMarkup | None:
    """Return the inline keyboard of ``rows``, leaving out (and logging) invalid buttons.

    A payload over 64 bytes is a programming error, but one bad button must not cost the
    person the whole message.
    """
    kept: list[list[InlineKeyboardButton]] = []
    for row in rows:
        buttons = []
        for button in row:
            size = len(button.payload.encode("utf-8"))
            if not 1 <= size <= CALLBACK_DATA_LIMIT:
                logger.error(
                    "button %r dropped: its payload is %s bytes (1 to %s allowed)",
                    button.label,
                    size,
                    CALLBACK_DATA_LIMIT,
                )
                continue
            if not button.label.strip():
                logger.error("button with payload %r dropped: its label is empty", button.payload)
                continue
            buttons.append(InlineKeyboardButton(button.label, callback_data=button.payload))
        if buttons:
            kept.append(buttons)
    return InlineKeyboardMarkup(kept) if kept else None


def _markup(title: str, text: str) -> str:
    """Return escaped text, with the escaped title in bold on a line of its own before it."""
    body = html.escape(text, quote=False)
    if not title:
        return body
    heading = f"<b>{html.escape(title, quote=False)}</b>"
    return f"{heading}\n{body}" if text else heading


def _text_parts(title: str, text: str) -> list[str]:
    """Return the HTML of each message a long titled text needs."""
    title = fitting_prefix(title, MESSAGE_LIMIT // 2, utf16_length)
    first_limit = MESSAGE_LIMIT - shown_length(title) - 1 if title else MESSAGE_LIMIT
    parts = split_text(text, MESSAGE_LIMIT, first_limit)
    if not title:
        return [_markup("", part) for part in parts]
    if not parts:
        return [_markup(title, "")]
    return [_markup(title, parts[0]), *(_markup("", part) for part in parts[1:])]


def render(reply: Reply) -> list[Outgoing]:
    """Return the calls that show ``reply``; its buttons go under the last one.

    A file takes the text as its caption when it fits; otherwise the text follows the file
    in messages of its own.
    """
    markup = keyboard(reply.buttons)
    visible = f"{reply.bold_prefix}\n{reply.text}" if reply.bold_prefix else reply.text
    has_text = bool(visible.strip())
    calls = [Outgoing(photo=reply.image)] if reply.image is not None else []
    if reply.document is not None:
        calls.append(Outgoing(document=reply.document))
    if reply.attachment is not None:
        calls.append(Outgoing(attachment=reply.attachment))
    if calls and (not has_text or shown_length(visible) <= CAPTION_LIMIT):
        caption = _markup(reply.bold_prefix, reply.text) if has_text else ""
        return [*calls[:-1], replace(calls[-1], html=caption, markup=markup)]
    if has_text:
        calls.extend(Outgoing(html=part) for part in _text_parts(reply.bold_prefix, reply.text))
    if not calls:
        if markup is not None:
            logger.error("a reply with buttons but no text was not sent")
        return []
    calls[-1] = replace(calls[-1], markup=markup)
    return calls


async def send_replies(
    bot: Bot,
    chat_id: int | str,
    replies: Sequence[Reply],
    attachments: Attachments | None = None,
) -> None:
    """Send ``replies`` in order to ``chat_id``; Telegram errors propagate to the caller.

    ``attachments`` gives stored files that did not come from Telegram (their local copies, or
    the line standing for them in the reader's language).
    """
    files = attachments or AttachmentSource(None, None, "telegram").reader(str(chat_id))
    for reply in replies:
        for outgoing in render(reply):
            await _send(bot, chat_id, outgoing, files)


async def _send(
    bot: Bot, chat_id: int | str, outgoing: Outgoing, attachments: Attachments
) -> None:
    caption = outgoing.html or None
    if outgoing.attachment is not None:
        await send_attachment(
            bot,
            chat_id,
            outgoing.attachment,
            attachments,
            caption=outgoing.html,
            markup=outgoing.markup,
        )
    elif outgoing.photo is not None:
        await bot.send_photo(
            chat_id,
            outgoing.photo.data,
            filename=outgoing.photo.name,
            caption=caption,
            parse_mode=ParseMode.HTML if caption else None,
            reply_markup=outgoing.markup,
        )
    elif outgoing.document is not None:
        await bot.send_document(
            chat_id,
            outgoing.document.data,
            filename=outgoing.document.name,
            caption=caption,
            parse_mode=ParseMode.HTML if caption else None,
            reply_markup=outgoing.markup,
        )
    else:
        await bot.send_message(
            chat_id,
            outgoing.html,
            parse_mode=ParseMode.HTML,
            reply_markup=outgoing.markup,
            link_preview_options=_NO_PREVIEW,
        )
