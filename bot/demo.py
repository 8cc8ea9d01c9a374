"""The demo runtime behind ``coopbot demo`` and ``coopbot shell``: one SQLite file, ready to try.

A demo lives in a SQLite file (``./coopbot-demo.db`` by default) and a folder beside it
(``./coopbot-demo-files/``) holding uploaded and sent files and the demo clock's offset.
Preparing it migrates the schema, loads the Kế Sách data and admits the demo personas; every
step is idempotent, so a second start reuses what is there. The demo never reads
``COOPBOT_DATABASE_URL``: trying the demo must not write personas into a real database.

``serve_demo`` runs the web chat (uvicorn) and the outbox worker on one event loop until
interrupted.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import shutil
import socket
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

import uvicorn

from bot.channels.web.app import CHANNEL, WebChatContext, create_web_app
from bot.channels.web.guard import ServedAddress
from bot.channels.web.hub import WebHub, WebSender
from bot.clock import DemoClock
from bot.files import FileStore
from bot.outbox import OutboxWorker
from bot.render import DefaultRenderers
from bot.scheduler import ReminderClock
from bot.settings import Settings
from handlers.router import Router
from handlers.turn import HandlerConfig
from storage import migrate
from storage.db import Database
from storage.demo_data import load_demo_data
from storage.demo_personas import PERSONAS, DemoPersona, ensure_persona

logger = logging.getLogger(__name__)

DEFAULT_DATABASE = Path("coopbot-demo.db")
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


@dataclass(frozen=True)
class DemoPaths:
    """Where one demo keeps its data."""

    database: Path

    @property
    def url(self) -> str:
        """Return the demo database's URL."""
        return f"sqlite:///{self.database}"

    @property
    def data_dir(self) -> Path:
        """Return the folder of the demo's files (``coopbot-demo.db`` → ``coopbot-demo-files``)."""
        return self.database.with_name(f"{self.database.stem}-files")

    @property
    def files_dir(self) -> Path:
        """Return where uploaded and sent files are kept."""
        return self.data_dir / "files"

    @property
    def clock_file(self) -> Path:
        """Return where the demo clock's offset is kept."""
        return self.data_dir / "clock.json"

    def reset(self) -> None:
        """Delete the demo database and its files, to start over."""
        for suffix in ("", "-wal", "-shm", "-journal"):
            self.database.with_name(self.database.name + suffix).unlink(missing_ok=True)
        shutil.rmtree(self.data_dir, ignore_errors=True)


async def prepare_demo(
    database: Database,
    channel: str,
    clock: DemoClock,
    *,
    locale: str,
    personas: tuple[DemoPersona, ...] = PERSONAS,
) -> None:
    """Migrate the demo database, load the demo data and admit ``personas`` on ``channel``."""
    await migrate.upgrade(database.engine)
    async with database.transaction() as session:
        report = await load_demo_data(session)
        for persona in personas:
            await ensure_persona(session, persona, channel, locale=locale, now=clock.now())
    if report.cooperatives_added:
        logger.info("demo data loaded: %s cooperatives", report.cooperatives_added)


def is_local(host: str) -> bool:
    """Tell whether ``host`` only accepts connections from this machine."""
    return host in LOCAL_HOSTS


def bind_socket(host: str, port: int) -> socket.socket:
    """Bind and return the server socket, so a busy port is reported before anything starts.

    Raises:
        OSError: the address cannot be bound (in use, not this machine's, no permission).
    """
    family, kind, proto, _, address = socket.getaddrinfo(
        host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
    )[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
    except OSError:
        sock.close()
        raise
    return sock


def address_of(sock: socket.socket, host: str = "") -> ServedAddress:
    """Return the address a bound socket serves, also under the --host name it was given."""
    ip, port = sock.getsockname()[:2]
    return ServedAddress.bound_to(port, ip, host)


def url_of(sock: socket.socket) -> str:
    """Return the http URL a bound socket serves."""
    host, port = sock.getsockname()[:2]
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}"


class _Server(uvicorn.Server):
    """Uvicorn, saying when it listens and ending the event streams when shutdown begins."""

    def __init__(self, config: uvicorn.Config, hub: WebHub, on_ready: Callable[[], None]) -> None:
        super().__init__(config)
        self.hub = hub
        self.on_ready = on_ready

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        if self.started:
            self.on_ready()

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        # Event streams never end by themselves; uvicorn would wait for them until its
        # graceful-shutdown timeout.
        self.hub.close()
        super().handle_exit(sig, frame)


async def serve_demo(
    settings: Settings,
    paths: DemoPaths,
    sock: socket.socket,
    *,
    host: str = "",
    on_ready: Callable[[str], None] = lambda _url: None,
) -> None:
    """Prepare the demo, then serve the web chat and drain the outbox until interrupted.

    The web chat answers only requests naming the socket's address or ``host`` (the name the
    operator gave to --host).
    """
    database = Database(paths.url)
    try:
        clock = DemoClock(paths.clock_file)
        await prepare_demo(database, CHANNEL, clock, locale=settings.default_locale)
        config = demo_handler_config(settings)
        files = FileStore(paths.files_dir)
        hub = WebHub(files, clock.now)
        context = WebChatContext(
            database=database,
            router=Router(database, config, clock=clock.now, limiter=settings.rate_limiter()),
            hub=hub,
            files=files,
            clock=clock,
            config=config,
            address=address_of(sock, host),
            max_upload_bytes=settings.max_upload_bytes,
            max_json_bytes=settings.max_json_bytes,
        )
        worker = OutboxWorker(
            database,
            {CHANNEL: WebSender(hub)},
            default_locale=settings.default_locale,
            clock=clock.now,
        )
        server = _Server(
            uvicorn.Config(
                create_web_app(context),
                log_config=None,  # the CLI configured logging once
                access_log=False,
                timeout_graceful_shutdown=2,
            ),
            hub,
            lambda: on_ready(url_of(sock)),
        )
        # The real reminder clock, reading the demo time: a jump plans what became due at once,
        # and the minute ticks keep planning as demo time passes.
        reminders = ReminderClock(database, settings.reminder_schedule(), clock=clock.now)

        async def plan_after_jump(_moment: dt.datetime) -> None:
            await reminders.tick()

        clock.on_jump.append(plan_after_jump)
        stop = asyncio.Event()
        outbox = asyncio.create_task(worker.run_forever(stop))
        reminders.start()
        try:
            await server.serve(sockets=[sock])
        finally:
            await reminders.stop()
            stop.set()
            await outbox
    finally:
        await database.close()


def demo_handler_config(settings: Settings) -> HandlerConfig:
    """Return what the handlers of the demo's channels (web chat, console) need to know."""
    return HandlerConfig(
        default_locale=settings.default_locale,
        timezone=settings.timezone,
        renderers=DefaultRenderers(),
        controller_name=settings.controller_name,
        controller_contact=settings.controller_contact,
    )
