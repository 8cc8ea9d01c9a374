"""The web chat's delivery side: each persona's conversation history and live streams.

Everything shown in a persona's pane — what the visitor sent and what the bot answered or
sent on its own through the outbox — is published here: appended to the persona's history
(so a reloaded page shows the conversation) and pushed to every open event stream of that
persona. Lives as long as the demo process; the history is not kept across restarts.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
from collections import defaultdict, deque
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

from bot.channels.base import RecipientUnreachable, Unasked
from bot.files import FileStore
from handlers.types import FileOut, Reply, StoredFile
from storage.demo_personas import PERSONAS

HISTORY_LIMIT = 500

Message = dict[str, Any]


class WebHub:
    """Per-persona history and turn lock, and the page's open event streams."""

    def __init__(self, files: FileStore, clock: Callable[[], dt.datetime]) -> None:
        self.files = files
        self.clock = clock
        self._next_id = 1
        self._history: dict[str, deque[Message]] = defaultdict(lambda: deque(maxlen=HISTORY_LIMIT))
        # One stream per open page, carrying every persona's messages: browsers allow only six
        # connections per site, so a stream per persona would starve a second tab.
        self._subscribers: set[asyncio.Queue[Message | None]] = set()
        self._locks: dict[str, asyncio.Lock] = defaultdict(asyncio.Lock)

    def lock(self, persona: str) -> asyncio.Lock:
        """Return the lock that keeps one persona's turns (and their bubbles) in order."""
        return self._locks[persona]

    def history(self, persona: str) -> list[Message]:
        """Return the persona's messages, oldest first."""
        return list(self._history[persona])

    def all_history(self) -> list[Message]:
        """Return every persona's messages, in the order they were published."""
        return sorted(
            (message for messages in self._history.values() for message in messages),
            key=lambda message: int(message["id"]),
        )

    def publish(self, persona: str, messages: list[Message]) -> None:
        """Number, store and push the persona's messages to every open stream."""
        for message in messages:
            message["id"] = self._next_id
            message["persona"] = persona
            self._next_id += 1
            self._history[persona].append(message)
            for queue in self._subscribers:
                queue.put_nowait(message)

    @contextlib.contextmanager
    def subscribe(self) -> Iterator[asyncio.Queue[Message | None]]:
        """Yield a queue receiving every new message (None when the hub closes)."""
        queue: asyncio.Queue[Message | None] = asyncio.Queue()
        self._subscribers.add(queue)
        try:
            yield queue
        finally:
            self._subscribers.discard(queue)

    def close(self) -> None:
        """End every open stream (the server is shutting down)."""
        for queue in self._subscribers:
            queue.put_nowait(None)

    def user_message(self, text: str, attachment: Message | None = None) -> Message:
        """Return the bubble of something the visitor sent."""
        return {
            "from": "user",
            "text": text,
            "attachment": attachment,
            "at": self.clock().isoformat(),
        }

    async def bot_messages(self, replies: list[Reply]) -> list[Message]:
        """Return the bubbles of the bot's replies, keeping their files in the store."""
        return [await self._bot_message(reply) for reply in replies]

    async def _bot_message(self, reply: Reply) -> Message:
        return {
            "from": "bot",
            "title": reply.bold_prefix,
            "text": reply.text,
            "buttons": [
                [{"label": button.label, "payload": button.payload} for button in row]
                for row in reply.buttons
            ],
            "image": await self._file(reply.image),
            "document": await self._file(reply.document),
            "attachment": await self._attachment(reply.attachment),
            "at": self.clock().isoformat(),
        }

    async def _file(self, file: FileOut | None) -> Message | None:
        if file is None:
            return None
        stored = await asyncio.to_thread(self.files.save, file.data, file.name, file.mime_type)
        return {"url": f"/files/{stored.key}", "name": stored.name, "mime": stored.mime_type}

    async def _attachment(self, file: StoredFile | None) -> Message | None:
        """Return how the page shows a stored file: from its local copy, or a line saying it
        cannot be shown here (the page words it, in the persona's language)."""
        if file is None:
            return None
        key = file.stored_key
        if key is None and file.channel == "web":  # uploads from before keys were recorded
            key = file.file_ref.removeprefix("web:")
        local = await asyncio.to_thread(self.files.find, key) if key else None
        if local is None:
            return {"kind": file.kind.value, "name": file.file_name, "unavailable": True}
        return {
            "kind": file.kind.value,
            "url": f"/files/{local.key}",
            "name": file.file_name or local.name,
            "mime": local.mime_type,
        }


async def event_stream(hub: WebHub, after: int = 0) -> AsyncIterator[str]:
    """Yield server-sent events: the history after message ``after``, ``ready``, then live.

    The ``ready`` event tells the page that what follows is new (worth an unread badge); a
    comment every 15 s of silence keeps proxies and the browser from closing the stream.
    """
    with hub.subscribe() as queue:
        last = after
        for message in hub.all_history():
            if message["id"] > last:
                last = message["id"]
                yield _event(message)
        yield "event: ready\ndata: {}\n\n"
        while True:
            try:
                new = await asyncio.wait_for(queue.get(), timeout=15)
            except TimeoutError:
                yield ": keep-alive\n\n"
                continue
            if new is None:
                return
            # A message published between subscribing and reading the history comes twice.
            if new["id"] > last:
                last = new["id"]
                yield _event(new)


def _event(message: Message) -> str:
    return f"id: {message['id']}\ndata: {json.dumps(message, ensure_ascii=False)}\n\n"


class WebSender:
    """The outbox's way into the web chat: messages land in the persona's pane."""

    name = "web"

    def __init__(self, hub: WebHub) -> None:
        self.hub = hub
        self._personas = {persona.external_id: persona.key for persona in PERSONAS}

    async def send(
        self,
        recipient: str,
        replies: list[Reply],
        unasked: Unasked | None = None,  # noqa: ARG002 - the replies say all this channel sends
    ) -> None:
        """Publish ``replies`` to the persona whose account id is ``recipient``."""
        persona = self._personas.get(recipient)
        if persona is None:
            raise RecipientUnreachable(f"no web chat persona {recipient!r}")
        messages = await self.hub.bot_messages(replies)
        async with self.hub.lock(persona):
            self.hub.publish(persona, messages)
