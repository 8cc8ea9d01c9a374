"""The Zalo Official Account channel: webhook events in through the router, replies out.

``POST /zalo/webhook`` (served by ``bot/webhook.py`` beside Telegram's) reads at most
``COOPBOT_MAX_JSON_BYTES`` (413 beyond), checks the event's signature (401), its shape (400)
and its age (403), answers 200 at once and handles the event afterwards on the event loop,
so Zalo never waits for a conversation. The router deduplicates events by ``msg_id``. Zalo
cannot carry per-message state, so a "More…" button (``more:<n>``) is answered here from the
buttons stored for the person, without bothering the conversations.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from collections.abc import AsyncIterator, Callable, Coroutine
from dataclasses import dataclass, field, replace
from typing import Any

import httpx
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from bot.channels.base import DeliveryError
from bot.channels.common import apology, reader_translator
from bot.channels.zalo.client import ZaloClient, ZaloOAuth
from bot.channels.zalo.convert import (
    CHANNEL,
    QUIET_EVENTS,
    SIGNATURE_HEADER,
    event_user,
    is_fresh,
    looks_like_event,
    signature_matches,
    to_incoming,
)
from bot.channels.zalo.media import ZaloFiles
from bot.channels.zalo.send import ZaloMessenger
from bot.channels.zalo.sender import ZaloSender
from bot.channels.zalo.templates import ZaloTemplates
from bot.channels.zalo.tokens import ZaloTokens
from bot.files import FileStore
from bot.http_limits import DEFAULT_MAX_JSON_BYTES, json_object, read_body
from bot.settings import Settings, SettingsError
from handlers.codec import BadPayload, decode
from handlers.payloads import MoreButtons
from handlers.router import Router
from handlers.types import Incoming, IncomingKind
from storage.credentials import Tokens
from storage.db import Database
from storage.models import utcnow
from storage.processed_updates import mark_processed
from storage.reachability import mark_identity_reachable, mark_identity_unreachable
from storage.reply_window import ReplyWindow

logger = logging.getLogger(__name__)

WEBHOOK_PATH = "/zalo/webhook"
UNFOLLOW_REASON = "stopped following the Zalo OA"


class ZaloChannel:
    """Connects the Zalo webhook to the router; lives as long as the web app."""

    def __init__(
        self,
        router: Router,
        database: Database,
        messenger: ZaloMessenger,
        *,
        app_id: str,
        oa_secret: str,
        default_locale: str = "vi",
        clock: Callable[[], dt.datetime] = utcnow,
        files: ZaloFiles | None = None,
        max_body_bytes: int = DEFAULT_MAX_JSON_BYTES,
    ) -> None:
        self.router = router
        self.max_body_bytes = max_body_bytes
        self.database = database
        self.messenger = messenger
        self.files = files
        self.app_id = app_id
        self.oa_secret = oa_secret
        self.default_locale = default_locale
        self.clock = clock
        # Tasks are only weakly referenced by the loop: keep them until they are done.
        self._tasks: set[asyncio.Task[None]] = set()
        self._turns: dict[str, _Turnstile] = {}

    async def webhook(self, request: Request) -> Response:
        """Check the size, signature, shape and age of an event, start handling it, answer."""
        body = await read_body(request, self.max_body_bytes)  # 413 beyond it
        event = json_object(body)
        # Zalo signs the body with the timestamp it holds; a body that is no JSON object has
        # none, so it is checked with an empty one: only the OA's secret can sign it either way.
        timestamp = str(event.get("timestamp", "")) if event is not None else ""
        if not signature_matches(
            request.headers.get(SIGNATURE_HEADER),
            app_id=self.app_id,
            body=body,
            timestamp=timestamp,
            oa_secret=self.oa_secret,
        ):
            logger.warning("Zalo webhook call refused: bad or missing signature")
            return PlainTextResponse("unauthorized", status_code=401)
        if event is None or not looks_like_event(event):
            logger.warning("Zalo webhook call refused: the body is not an event")
            return PlainTextResponse("bad request", status_code=400)
        if not is_fresh(event, self.clock()):
            logger.warning("Zalo webhook call refused: the event is too old or too new")
            return PlainTextResponse("stale event", status_code=403)
        self._spawn(self.process(event))
        return Response(status_code=200)

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(work, name="zalo-event")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def drain(self, patience: float = 10.0) -> None:
        """Wait up to ``patience`` seconds for the events being handled (shutdown, tests)."""
        if not self._tasks:
            return
        _done, pending = await asyncio.wait(set(self._tasks), timeout=patience)
        if pending:
            logger.warning("%s Zalo event(s) still running after %s s", len(pending), patience)

    async def process(self, event: dict[str, Any]) -> None:
        """Handle one verified event after the person's earlier ones; never raise."""
        # One person's events are handled one at a time, in the order they arrived (as
        # python-telegram-bot does for updates), so two quick taps cannot interleave their
        # conversation steps. The turnstile is taken before the first await: tasks start in
        # the order they were created.
        async with self._turn(event_user(event) or ""):
            await self._process(event)

    @contextlib.asynccontextmanager
    async def _turn(self, user: str) -> AsyncIterator[None]:
        turnstile = self._turns.setdefault(user, _Turnstile())
        turnstile.waiting += 1
        try:
            async with turnstile.lock:
                yield
        finally:
            turnstile.waiting -= 1
            if turnstile.waiting == 0:
                del self._turns[user]

    async def _process(self, event: dict[str, Any]) -> None:
        """Handle one verified event; failures are logged (and apologised for), never raised."""
        name = str(event.get("event_name", ""))
        reply_to = _message_id(event)
        incoming: Incoming | None = None
        try:
            incoming = await self._prepare(name, event)
            if incoming is None:
                return
            more = _more_buttons(incoming)
            if more is not None:
                if await self._more(incoming, more.start, reply_to):
                    return
                incoming = replace(incoming, update_id=None)  # already recorded as processed
            if self.files is not None:
                incoming = await self.files.download_media(incoming)
            replies = await self.router.handle(incoming)
            await self.messenger.send(incoming.chat_id, replies, reply_to=reply_to)
        except DeliveryError as error:
            logger.warning("could not answer a Zalo %s event: %s", name, error)
        except Exception as error:
            # The router contains its own failures; this is what failed around it.
            await self.router.report_failure(error, CHANNEL)
            if incoming is not None:
                await self._apologise(incoming.chat_id, reply_to)

    async def _prepare(self, name: str, event: dict[str, Any]) -> Incoming | None:
        """Apply follow and unfollow; return what the conversations should answer, if anything."""
        user = event_user(event)
        if name == "unfollow" and user is not None:
            async with self.database.transaction() as session:
                await mark_identity_unreachable(
                    session, CHANNEL, user, UNFOLLOW_REASON, now=self.clock()
                )
            logger.info("a Zalo user stopped following the OA")
            return None
        if name == "follow" and user is not None:
            async with self.database.transaction() as session:
                await mark_identity_reachable(session, CHANNEL, user)
        if name.startswith("oa_") or name in QUIET_EVENTS:
            return None  # our own messages echoed back, receipts
        incoming = to_incoming(event)
        if incoming is None:
            logger.info("Zalo event %r ignored", name[:40])
        return incoming

    async def _more(self, incoming: Incoming, start: int, reply_to: str | None) -> bool:
        """Show the next stored buttons; False when there are none (the router answers)."""
        if incoming.update_id is not None:
            async with self.database.transaction() as session:
                if not await mark_processed(session, CHANNEL, incoming.update_id):
                    return True
        return await self.messenger.send_more(incoming.chat_id, start, reply_to=reply_to)

    async def _apologise(self, user_id: str, reply_to: str | None) -> None:
        """Tell the person something went wrong, in their language; never raise."""
        try:
            translator = await reader_translator(
                self.database, CHANNEL, user_id, default_locale=self.default_locale
            )
            await self.messenger.send(user_id, [apology(translator)], reply_to=reply_to)
        except Exception:
            logger.exception("could not apologise to a Zalo user")


@dataclass
class _Turnstile:
    """One person's events waiting to be handled, in order."""

    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    waiting: int = 0


@dataclass
class ZaloService:
    """The Zalo channel, its outbox sender and the HTTP client they share."""

    channel: ZaloChannel
    sender: ZaloSender
    http: httpx.AsyncClient

    async def aclose(self) -> None:
        """Finish the events in progress and close the HTTP client."""
        await self.channel.drain()
        await self.http.aclose()


def build_zalo(
    settings: Settings, database: Database, router: Router, store: FileStore | None = None
) -> ZaloService:
    """Build the Zalo channel from settings (``settings.zalo_enabled`` must be true).

    Files people send are kept in ``store`` (by default the one of ``COOPBOT_FILES_DIR``).

    Raises:
        SettingsError: when a required Zalo setting is missing, ``COOPBOT_SECRET_KEY`` among
        them (the stored tokens are sealed with it).
    """
    missing = settings.zalo_missing()
    if missing or settings.zalo_app_id is None:
        raise SettingsError(f"Zalo needs {', '.join(missing)}")
    app_secret = settings.zalo_app_secret
    oa_secret = settings.zalo_oa_secret
    if app_secret is None or oa_secret is None:  # pragma: no cover - zalo_missing says so
        raise SettingsError("Zalo needs ZALO_APP_SECRET and ZALO_OA_SECRET")
    box = settings.secret_box()  # before the HTTP client, which a refusal would leave open
    http = httpx.AsyncClient()
    oauth = ZaloOAuth(
        http,
        base_url=settings.zalo_oauth_base_url,
        app_id=settings.zalo_app_id,
        app_secret=app_secret.get_secret_value(),
    )
    seed = None
    if settings.zalo_access_token is not None and settings.zalo_refresh_token is not None:
        seed = Tokens(
            settings.zalo_access_token.get_secret_value(),
            settings.zalo_refresh_token.get_secret_value(),
        )
    tokens = ZaloTokens(database, oauth.refresh, box, seed=seed)
    client = ZaloClient(http, base_url=settings.zalo_api_base_url, tokens=tokens)
    store = store or FileStore(settings.files_dir)
    messenger = ZaloMessenger(
        client,
        database,
        default_locale=settings.default_locale,
        store=store,
        share_image_url=settings.zalo_share_image_url,
    )
    channel = ZaloChannel(
        router,
        database,
        messenger,
        app_id=settings.zalo_app_id,
        oa_secret=oa_secret.get_secret_value(),
        default_locale=settings.default_locale,
        files=ZaloFiles(http, store),
        max_body_bytes=settings.max_json_bytes,
    )
    templates = ZaloTemplates(client, base_url=settings.zalo_template_api_base_url)
    window = ReplyWindow(settings.zalo_reply_window_hours, settings.zalo_free_replies)
    sender = ZaloSender(messenger, templates, window)
    return ZaloService(channel=channel, sender=sender, http=http)


def _message_id(event: dict[str, Any]) -> str | None:
    """Return the id of the message an event carries (what a reply is addressed to)."""
    message = event.get("message")
    msg_id = message.get("msg_id") if isinstance(message, dict) else None
    return str(msg_id)[:64] if msg_id else None


def _more_buttons(incoming: Incoming) -> MoreButtons | None:
    """Return the "More…" press an event is, if it is one."""
    if incoming.kind != IncomingKind.BUTTON:
        return None
    try:
        press = decode(incoming.payload)
    except BadPayload:
        return None
    return press if isinstance(press, MoreButtons) else None
