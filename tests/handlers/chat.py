"""A transcript driver: send lines and presses as a person, read the bot's replies."""

from __future__ import annotations

import datetime as dt
import itertools

from handlers.router import Router
from handlers.turn import HandlerConfig
from handlers.types import Incoming, IncomingKind, Media, MediaKind, Reply
from storage.db import Database

_update_ids = itertools.count(1)


class Chat:
    """One person talking to the router on one channel."""

    def __init__(
        self,
        database: Database,
        user: str = "1001",
        *,
        channel: str = "telegram",
        locale: str | None = "vi",
        now: dt.datetime | None = None,
    ) -> None:
        self.now = now or dt.datetime(2026, 3, 2, 2, 0, tzinfo=dt.UTC)
        self.router = Router(database, HandlerConfig(), clock=lambda: self.now)
        self.user = user
        self.channel = channel
        self.locale = locale
        self.last: list[Reply] = []

    async def send(self, incoming: Incoming) -> list[Reply]:
        """Deliver one event and remember the replies."""
        self.last = await self.router.handle(incoming)
        return self.last

    def _base(self, kind: IncomingKind, **fields: object) -> Incoming:
        return Incoming(
            channel=self.channel,
            external_id=self.user,
            chat_id=fields.pop("chat_id", self.user),  # type: ignore[arg-type]
            kind=kind,
            display_name="Nguyễn Văn Tư",
            platform_locale=self.locale,
            update_id=str(next(_update_ids)),
            **fields,  # type: ignore[arg-type]
        )

    async def say(self, text: str) -> str:
        """Send text (a /command when it starts with a slash); return the replies' text."""
        if text.startswith("/"):
            command, _, rest = text[1:].partition(" ")
            incoming = self._base(IncomingKind.COMMAND, command=command, text=rest)
        else:
            incoming = self._base(IncomingKind.TEXT, text=text)
        return self.text(await self.send(incoming))

    async def press(self, payload: str) -> str:
        """Press a button by payload (forged or not); return the replies' text."""
        return self.text(await self.send(self._base(IncomingKind.BUTTON, payload=payload)))

    async def join(self, code: str) -> str:
        """Send ``/start CODE`` and agree to the notice on personal data it shows; return the
        answer to agreeing (the greeting), or the refusal of the code."""
        answer = await self.say(f"/start {code}")
        agree = [payload for _, payload in self.buttons() if payload.startswith("pv:ok:")]
        return await self.press(agree[0]) if agree else answer

    async def press_label(self, label_part: str) -> str:
        """Press the button of the last replies whose label contains ``label_part``."""
        for button in self.buttons():
            if label_part in button[0]:
                return await self.press(button[1])
        raise AssertionError(f"no button with {label_part!r} in {self.buttons()}")

    async def photo(self, ref: str = "photo-1") -> str:
        """Send a photo."""
        media = (Media(MediaKind.PHOTO, ref),)
        return self.text(await self.send(self._base(IncomingKind.MEDIA, media=media)))

    def buttons(self) -> list[tuple[str, str]]:
        """Return (label, payload) of every button under the last replies."""
        return [(b.label, b.payload) for r in self.last for row in r.buttons for b in row]

    @staticmethod
    def text(replies: list[Reply]) -> str:
        """Return all reply texts joined, titles included."""
        return "\n".join(f"{r.bold_prefix}\n{r.text}".strip() for r in replies)
