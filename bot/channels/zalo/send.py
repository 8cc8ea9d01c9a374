"""Send replies to a Zalo user: uploads, messages, and the button list behind "More…".

Used for the answers to webhook events — in Zalo's reply form, addressed to the message they
answer, so Zalo counts them as replies — and, through ``ZaloSender``, for what the outbox
planned (reminders, notifications), by user id. Every message sent is counted on the account
(``storage.reply_window``), since Zalo's free replies are counted from the person's last
message. When a reply has more buttons than Zalo shows, the whole
list is stored for the person before the message goes out, so the "More…" button works from
any worker and after a restart.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Sequence
from typing import Any

from bot.channels.attachments import Attachments
from bot.channels.base import PermanentFailure
from bot.channels.common import reader_translator
from bot.channels.zalo.client import ZaloClient
from bot.channels.zalo.convert import CHANNEL
from bot.channels.zalo.render import (
    BUTTON_LIMIT,
    ZaloOutgoing,
    flat_buttons,
    message_body,
    more_page,
    render,
)
from bot.files import FileStore
from handlers.i18n import Translator
from handlers.types import Button, MediaKind, Reply, StoredFile
from storage.button_overflow import load_buttons, save_buttons
from storage.db import Database
from storage.errors import N_
from storage.models import utcnow
from storage.reply_window import count_sent

logger = logging.getLogger(__name__)

MORE_LABEL = N_("More…")
MORE_TEXT = N_("More choices:")
# What the OA upload API takes (its images: JPEG or PNG).
IMAGE_LIMIT = 1024 * 1024
FILE_LIMIT = 5 * 1024 * 1024
IMAGE_TYPES = frozenset({"image/jpeg", "image/png"})


class ZaloMessenger:
    """Delivers replies to Zalo users; one per process."""

    def __init__(
        self,
        client: ZaloClient,
        database: Database,
        *,
        default_locale: str = "vi",
        clock: Callable[[], dt.datetime] = utcnow,
        store: FileStore | None = None,
        share_image_url: str | None = None,
    ) -> None:
        self.client = client
        self.database = database
        self.default_locale = default_locale
        self.clock = clock
        self.store = store
        self.share_image_url = share_image_url

    async def send(
        self, user_id: str, replies: Sequence[Reply], *, reply_to: str | None = None
    ) -> None:
        """Send ``replies`` in order, as replies to the person's message ``reply_to`` when
        given; the first failure stops the rest.

        Raises:
            DeliveryError: what the outbox should do about the failure.
        """
        more_label = ""
        for reply in replies:
            if not more_label and len(flat_buttons(reply.buttons)) > BUTTON_LIMIT:
                more_label = (await self._translator(user_id)).gettext(MORE_LABEL)
            rendered = render(reply, more_label)
            if rendered.overflow:
                await self._keep(user_id, rendered.overflow)
            for outgoing in rendered.messages:
                await self.send_one(user_id, outgoing, reply_to=reply_to)

    async def send_more(self, user_id: str, start: int, *, reply_to: str | None = None) -> bool:
        """Show the person's stored buttons from ``start``; False when there is no such page."""
        async with self.database.session() as session:
            stored = await load_buttons(session, CHANNEL, user_id)
        if not stored:
            return False
        translator = await self._translator(user_id)
        page = more_page(
            [Button(label, payload) for label, payload in stored],
            start,
            text=translator.gettext(MORE_TEXT),
            more_label=translator.gettext(MORE_LABEL),
        )
        if page is None:
            return False
        await self.send_one(user_id, page, reply_to=reply_to)
        return True

    async def send_one(
        self, user_id: str, outgoing: ZaloOutgoing, *, reply_to: str | None = None
    ) -> None:
        """Upload what needs uploading, then send one message and count it."""
        if outgoing.share is not None:
            await self._ask_to_share(user_id, outgoing, reply_to)
            return
        if outgoing.attachment is not None:
            body = await self._attachment_body(user_id, outgoing.attachment)
        elif outgoing.image is not None:
            attachment_id = await self.client.upload_image(outgoing.image)
            body = message_body(outgoing, attachment_id=attachment_id)
        elif outgoing.document is not None:
            token = await self.client.upload_file(outgoing.document)
            body = message_body(outgoing, file_token=token)
        else:
            body = message_body(outgoing)
        await self.client.send_message(user_id, body, reply_to=reply_to)
        async with self.database.transaction() as session:
            await count_sent(session, CHANNEL, user_id, 1)

    async def _ask_to_share(
        self, user_id: str, outgoing: ZaloOutgoing, reply_to: str | None
    ) -> None:
        """Send Zalo's form for sharing one's phone number. A refusal is only logged: the text
        before it already asked for the number to be typed, which works as well."""
        body = message_body(outgoing, share_image_url=self.share_image_url)
        try:
            await self.client.send_message(user_id, body, reply_to=reply_to)
        except PermanentFailure as error:
            logger.warning("Zalo refused the form for sharing a phone number: %s", error)
            return
        async with self.database.transaction() as session:
            await count_sent(session, CHANNEL, user_id, 1)

    async def _attachment_body(self, user_id: str, file: StoredFile) -> dict[str, Any]:
        """Upload a stored file's local copy and return the message showing it: an image, or a
        file; when there is no copy, it is too large for Zalo, or Zalo refuses the upload, a
        line saying the file cannot be shown here."""
        attachments = Attachments(self.store, lambda: self._translator(user_id))
        content = await attachments.content(file, FILE_LIMIT)
        if content is not None:
            as_image = (
                file.kind == MediaKind.PHOTO
                and content.mime_type in IMAGE_TYPES
                and len(content.data) <= IMAGE_LIMIT
            )
            try:
                if as_image:
                    attachment_id = await self.client.upload_image(content)
                    return message_body(ZaloOutgoing(image=content), attachment_id=attachment_id)
                token = await self.client.upload_file(content)
                return message_body(ZaloOutgoing(document=content), file_token=token)
            except PermanentFailure as error:
                logger.warning("Zalo refused the upload of a %s: %s", file.kind, error)
        return message_body(ZaloOutgoing(text=await attachments.unshown(file)))

    async def _keep(self, user_id: str, buttons: Sequence[Button]) -> None:
        async with self.database.transaction() as session:
            await save_buttons(
                session,
                CHANNEL,
                user_id,
                [(button.label, button.payload) for button in buttons],
                now=self.clock(),
            )

    async def _translator(self, user_id: str) -> Translator:
        """Return the person's language for the words this channel adds itself."""
        return await reader_translator(
            self.database, CHANNEL, user_id, default_locale=self.default_locale
        )
