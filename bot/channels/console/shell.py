"""The console channel (``coopbot shell``): the demo's conversations in a terminal.

One persona talks to the same router on the same demo database as the web chat. Buttons are
shown as numbered choices, and typing a number presses one; ``/quit`` or end of input ends.
The persona reaches us on its own ``console`` account, bound to the same person as its web
account: the outbox sends each account its own copy, so the shell and the web chat can run
side by side, each showing what was sent to it, and a report begun in one does not leak
half-finished into the other.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import AsyncIterator
from typing import Any, TextIO

from bot.channels.attachments import file_title
from bot.channels.base import RetryLater, Unasked
from bot.channels.web.input import typed_fields
from bot.channels.web.strings import persona_label
from bot.clock import DemoClock
from bot.demo import DemoPaths, demo_handler_config, prepare_demo
from bot.files import FileStore
from bot.outbox import OutboxWorker
from bot.settings import Settings
from handlers.i18n import Translator, choose_locale, get_translator
from handlers.router import Router
from handlers.types import Button, Incoming, IncomingKind, Reply, StoredFile
from storage.db import Database
from storage.demo_personas import DemoPersona, persona_locale
from storage.errors import N_

logger = logging.getLogger(__name__)

CHANNEL = "console"
QUIT_COMMANDS = frozenset({"/quit", "/exit"})
# A persona whose shell is not running gets its messages when it next starts one.
NOT_RUNNING_RETRY = 300.0

HEADER = N_("coopbot shell — you are: {persona} ({name}).")
HINT = N_(
    "Type a message or a command such as /report. Type a button's number to press it; /quit ends."
)
NO_BUTTON = N_("There is no button {number}: choose a number from 1 to {count}.")
# A button is chosen by its number, one or two digits; longer numbers (a phone number, a year,
# an id) are text, and so are digits of other scripts ("²"), which int() cannot read.
BUTTON_NUMBER_DIGITS = 2


def is_button_number(text: str) -> bool:
    """Tell whether a typed line is the number of a button rather than text."""
    return 0 < len(text) <= BUTTON_NUMBER_DIGITS and text.isascii() and text.isdigit()


NEW_MESSAGE = N_("New message:")
IMAGE = N_("Image {name}: {path}")
DOCUMENT = N_("File {name}: {path}")
GOODBYE = N_("Goodbye.")


class ConsoleChat:
    """One persona's conversation in a terminal."""

    def __init__(
        self,
        database: Database,
        router: Router,
        persona: DemoPersona,
        files: FileStore,
        out: TextIO,
        default_locale: str = "vi",
    ) -> None:
        self.database = database
        self.router = router
        self.persona = persona
        self.files = files
        self.out = out
        self.default_locale = default_locale
        self.buttons: list[Button] = []

    async def translator(self) -> Translator:
        """Return the persona's language now (it may change it with /language)."""
        async with self.database.session() as session:
            stored = await persona_locale(session, CHANNEL, self.persona)
        return get_translator(choose_locale(stored, None, self.default_locale))

    def write(self, text: str = "") -> None:
        """Print a line to the terminal."""
        self.out.write(text + "\n")
        self.out.flush()

    def prompt(self) -> None:
        """Show the input prompt."""
        self.out.write("> ")
        self.out.flush()

    async def greet(self) -> None:
        """Say who the visitor is acting as and how the shell works."""
        translator = await self.translator()
        label = persona_label(self.persona, translator)
        self.write(
            translator.gettext(HEADER).format(persona=label, name=self.persona.display_name)
        )
        self.write(translator.gettext(HINT))

    async def render(self, replies: list[Reply], *, notice: bool = False) -> None:
        """Print replies; their buttons become the numbered choices."""
        if not replies:
            return
        translator = await self.translator()
        lines: list[str] = [translator.gettext(NEW_MESSAGE)] if notice else []
        buttons: list[Button] = []
        for reply in replies:
            if lines:
                lines.append("")
            if reply.bold_prefix:
                lines.append(reply.bold_prefix)
            if reply.text:
                lines.append(reply.text)
            for file, label in ((reply.image, IMAGE), (reply.document, DOCUMENT)):
                if file is not None:
                    stored = await asyncio.to_thread(
                        self.files.save, file.data, file.name, file.mime_type
                    )
                    lines.append(
                        translator.gettext(label).format(name=file.name, path=stored.path)
                    )
            if reply.attachment is not None:
                lines.append(await self.attachment_line(translator, reply.attachment))
            for row in reply.buttons:
                choices = []
                for button in row:
                    buttons.append(button)
                    choices.append(f"[{len(buttons)}] {button.label}")
                lines.append("  " + "   ".join(choices))
        if buttons:
            self.buttons = buttons
        self.write("\n".join(lines))

    async def attachment_line(self, translator: Translator, file: StoredFile) -> str:
        """Return the line naming a stored file, and the path of its local copy if it has one."""
        line = f"📎 {file_title(translator, file)}"
        key = file.stored_key
        local = await asyncio.to_thread(self.files.find, key) if key else None
        return f"{line}: {local.path}" if local is not None else line

    async def handle(self, line: str) -> bool:
        """Answer one typed line; return False when the visitor ends the shell."""
        text = line.strip()
        if text.lower() in QUIT_COMMANDS:
            return False
        if not text:
            return True
        if self.buttons and is_button_number(text):
            number = int(text)
            if not 1 <= number <= len(self.buttons):
                translator = await self.translator()
                self.write(
                    translator.gettext(NO_BUTTON).format(number=number, count=len(self.buttons))
                )
                return True
            fields: dict[str, Any] = {
                "kind": IncomingKind.BUTTON,
                "payload": self.buttons[number - 1].payload,
            }
        else:
            fields = typed_fields(text)
        incoming = Incoming(
            channel=CHANNEL,
            external_id=self.persona.external_id,
            chat_id=self.persona.external_id,
            display_name=self.persona.display_name,
            **fields,
        )
        await self.render(await self.router.handle(incoming))
        return True


class ConsoleSender:
    """The outbox's way into the terminal: messages for this shell's persona are printed."""

    name = CHANNEL

    def __init__(self, chat: ConsoleChat) -> None:
        self.chat = chat

    async def send(
        self,
        recipient: str,
        replies: list[Reply],
        unasked: Unasked | None = None,  # noqa: ARG002 - the replies say all this channel sends
    ) -> None:
        """Print ``replies`` when they are for this shell's persona; others wait for theirs."""
        if recipient != self.chat.persona.external_id:
            raise RetryLater(NOT_RUNNING_RETRY, f"no shell is running as {recipient}")
        await self.chat.render(replies, notice=True)
        self.chat.prompt()


async def read_lines(stream: TextIO) -> AsyncIterator[str]:
    """Yield the lines typed on ``stream`` until end of input, without blocking the loop."""
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[str | None] = asyncio.Queue()

    def pump() -> None:
        # A daemon thread, so a shell stopped by Ctrl+C never waits for one more line.
        for line in iter(stream.readline, ""):
            loop.call_soon_threadsafe(queue.put_nowait, line)
        loop.call_soon_threadsafe(queue.put_nowait, None)

    threading.Thread(target=pump, name="console-input", daemon=True).start()
    while (line := await queue.get()) is not None:
        yield line


async def run_shell(
    settings: Settings, paths: DemoPaths, persona: DemoPersona, stdin: TextIO, out: TextIO
) -> None:
    """Prepare the demo database, then hold the persona's conversation until /quit or EOF."""
    database = Database(paths.url)
    try:
        clock = DemoClock(paths.clock_file)
        await prepare_demo(
            database, CHANNEL, clock, locale=settings.default_locale, personas=(persona,)
        )
        router = Router(database, demo_handler_config(settings), clock=clock.now)
        files = FileStore(paths.files_dir)
        chat = ConsoleChat(database, router, persona, files, out, settings.default_locale)
        worker = OutboxWorker(
            database,
            {CHANNEL: ConsoleSender(chat)},
            default_locale=settings.default_locale,
            clock=clock.now,
        )
        stop = asyncio.Event()
        outbox = asyncio.create_task(worker.run_forever(stop))
        try:
            await chat.greet()
            chat.prompt()
            async for line in read_lines(stdin):
                if not await chat.handle(line):
                    break
                chat.prompt()
            else:
                chat.write()  # end of input leaves the cursor after the prompt
            chat.write((await chat.translator()).gettext(GOODBYE))
        finally:
            stop.set()
            await outbox
    finally:
        await database.close()
