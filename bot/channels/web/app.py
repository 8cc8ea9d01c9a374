"""The local web chat (``coopbot demo``): a real channel of the same router, storage and outbox.

A small page (``static/``) talks to this Starlette app: it sends text, commands, button
presses and files as a chosen demo persona, and receives every bubble through server-sent
events. Persona switching and the demo clock exist only here, in demo mode; the app has no
authentication and is served on 127.0.0.1 unless the operator explicitly says otherwise.

``guard`` lets only the demo's own page drive it (its address, its origin, a token written
into the page); ``input`` checks what the page sends (type, size, shape) before it reaches
the router or the disk.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import (
    FileResponse,
    HTMLResponse,
    JSONResponse,
    Response,
    StreamingResponse,
)
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from bot.channels.web import strings as words
from bot.channels.web.guard import TOKEN_PLACEHOLDER, PageGuard, PageTokens, ServedAddress
from bot.channels.web.hub import WebHub, event_stream
from bot.channels.web.input import PageError, parse_message, read_json, read_upload
from bot.clock import DemoClock, next_quarter_start, two_weeks_before_quarter_end
from bot.files import FileStore, clean_name
from bot.http_limits import DEFAULT_MAX_JSON_BYTES
from handlers.i18n import (
    SUPPORTED_LOCALES,
    Translator,
    choose_locale,
    format_datetime,
    get_translator,
)
from handlers.router import Router
from handlers.turn import HandlerConfig
from handlers.types import Incoming, IncomingKind, Media, MediaKind
from storage.db import Database
from storage.demo_personas import PERSONAS, DemoPersona, find_persona, persona_locale
from storage.dialogs import find_identity, set_person_locale

logger = logging.getLogger(__name__)

CHANNEL = "web"
STATIC_DIR = Path(__file__).parent / "static"
INLINE_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})


@dataclass(frozen=True)
class WebChatContext:
    """What the web chat needs; everything lives as long as the demo process."""

    database: Database
    router: Router
    hub: WebHub
    files: FileStore
    clock: DemoClock
    config: HandlerConfig
    address: ServedAddress  # the only Host the app answers (see ``guard``)
    max_upload_bytes: int = 10 * 1024 * 1024
    max_json_bytes: int = DEFAULT_MAX_JSON_BYTES


class WebChat:
    """The endpoints of the page, bound to one context."""

    def __init__(self, context: WebChatContext, tokens: PageTokens) -> None:
        self.context = context
        self.tokens = tokens
        self.page_html = (STATIC_DIR / "index.html").read_text(encoding="utf-8")

    async def _locale(self, persona: DemoPersona | None) -> str:
        stored = None
        if persona is not None:
            async with self.context.database.session() as session:
                stored = await persona_locale(session, CHANNEL, persona)
        return choose_locale(stored, None, self.context.config.default_locale)

    def _persona(self, request: Request) -> DemoPersona:
        persona = find_persona(str(request.path_params.get("persona", "")))
        if persona is None:
            raise PageError(404, words.UNKNOWN_PERSONA)
        return persona

    def _clock(self, translator: Translator) -> dict[str, str]:
        now = self.context.clock.now()
        return {
            "iso": now.isoformat(),
            "label": format_datetime(now, translator.locale, self.context.config.timezone),
        }

    async def index(self, _request: Request) -> Response:
        """Serve the page, holding a token of its own that its requests must carry."""
        html = self.page_html.replace(TOKEN_PLACEHOLDER, self.tokens.issue())
        return HTMLResponse(html, headers={"Cache-Control": "no-store"})

    async def page(self, request: Request) -> Response:
        """Return the page's labels, the personas and the clock, in the persona's language."""
        persona = find_persona(request.query_params.get("persona", PERSONAS[0].key))
        if persona is None:
            raise PageError(404, words.UNKNOWN_PERSONA)
        return JSONResponse(await self._page_state(persona))

    async def _page_state(self, persona: DemoPersona) -> dict[str, Any]:
        locale = await self._locale(persona)
        translator = get_translator(locale)
        return {
            "locale": locale,
            "persona": persona.key,
            "strings": words.page_strings(translator),
            "personas": [
                {
                    "key": p.key,
                    "label": words.persona_label(p, translator),
                    "name": p.display_name,
                }
                for p in PERSONAS
            ],
            "clock": self._clock(translator),
        }

    async def set_locale(self, request: Request) -> Response:
        """Store the persona's language, as /language would, and return the page in it."""
        persona = self._persona(request)
        locale = str((await read_json(request, self.context.max_json_bytes)).get("locale", ""))
        if locale not in SUPPORTED_LOCALES:
            raise PageError(400, words.BAD_REQUEST)
        async with self.context.database.transaction() as session:
            identity = await find_identity(session, CHANNEL, persona.external_id)
            if identity is None or identity.person_id is None:
                raise PageError(404, words.UNKNOWN_PERSONA)
            await set_person_locale(session, identity.person_id, locale)
        return JSONResponse(await self._page_state(persona))

    async def history(self, request: Request) -> Response:
        """Return the persona's conversation so far."""
        return JSONResponse(self.context.hub.history(self._persona(request).key))

    async def events(self, request: Request) -> Response:
        """Stream every persona's conversation as server-sent events: history, then live."""
        # A reconnecting browser says which message it saw last; only newer ones are resent.
        last_seen = request.headers.get("last-event-id", "")
        after = int(last_seen) if last_seen.isdigit() else 0
        headers = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
        return StreamingResponse(
            event_stream(self.context.hub, after), media_type="text/event-stream", headers=headers
        )

    async def clock(self, request: Request) -> Response:
        """Return the demo time, formatted for the persona being shown."""
        persona = find_persona(request.query_params.get("persona", ""))
        return JSONResponse(self._clock(get_translator(await self._locale(persona))))

    async def message(self, request: Request) -> Response:
        """Take text, a command or a button press from the page and answer it."""
        persona = self._persona(request)
        typed = parse_message(await read_json(request, self.context.max_json_bytes))
        if typed is None:
            # An empty message is ignored, as messengers ignore an empty send.
            return JSONResponse({"ok": True, "ignored": True})
        echo = self.context.hub.user_message(typed.echo)
        await self._turn(persona, typed.fields, echo, typed.update_id)
        return JSONResponse({"ok": True, "locale": await self._locale(persona)})

    async def upload(self, request: Request) -> Response:
        """Take a photo or file (the raw body; its name in ``?name=``) as a media message."""
        persona = self._persona(request)
        data = await read_upload(request, self.context.max_upload_bytes)
        if not data:
            return JSONResponse({"ok": True, "ignored": True})
        name = clean_name(request.query_params.get("name", ""))
        mime = request.headers.get("content-type", "").split(";")[0].strip()[:100]
        stored = await asyncio.to_thread(self.context.files.save, data, name, mime)
        logger.info("%s sent a file of %s bytes", persona.key, stored.size_bytes)
        kind = MediaKind.PHOTO if stored.mime_type.startswith("image/") else MediaKind.DOCUMENT
        media = Media(
            kind, stored.file_ref, stored.name, stored.mime_type, stored.size_bytes, stored.key
        )
        attachment = {"url": f"/files/{stored.key}", "name": stored.name, "mime": mime}
        echo = self.context.hub.user_message("", attachment)
        await self._turn(persona, {"kind": IncomingKind.MEDIA, "media": (media,)}, echo, None)
        return JSONResponse({"ok": True})

    async def _turn(
        self,
        persona: DemoPersona,
        fields: dict[str, Any],
        echo: dict[str, Any],
        update_id: str | None,
    ) -> None:
        incoming = Incoming(
            channel=CHANNEL,
            external_id=persona.external_id,
            chat_id=persona.external_id,
            display_name=persona.display_name,
            update_id=update_id,
            received_at=self.context.clock.now(),
            **fields,
        )
        hub = self.context.hub
        async with hub.lock(persona.key):
            replies = await self.context.router.handle(incoming)
            hub.publish(persona.key, [echo, *await hub.bot_messages(replies)])

    async def file(self, request: Request) -> Response:
        """Serve an uploaded or sent file by its id."""
        stored = await asyncio.to_thread(
            self.context.files.find, str(request.path_params["file_id"])
        )
        if stored is None:
            return Response(status_code=404)
        # Files are whatever a visitor uploaded: only plain pictures are shown in the page, and
        # nothing served here may run a script (an SVG or HTML file could).
        inline = stored.mime_type in INLINE_TYPES
        return FileResponse(
            stored.path,
            media_type=stored.mime_type,
            filename=stored.name,
            content_disposition_type="inline" if inline else "attachment",
            headers={
                "X-Content-Type-Options": "nosniff",
                "Content-Security-Policy": "default-src 'none'; sandbox",
            },
        )

    async def jump(self, request: Request) -> Response:
        """Move the demo clock forward to the next quarter's start or two weeks before its end."""
        body = await read_json(request, self.context.max_json_bytes)
        clock, tz = self.context.clock, self.context.config.tz
        targets = {"next_quarter": next_quarter_start, "quarter_end": two_weeks_before_quarter_end}
        target = targets.get(str(body.get("to", "")))
        if target is None:
            raise PageError(400, words.BAD_REQUEST)
        await clock.jump_to(target(clock.now(), tz))
        persona = find_persona(str(body.get("persona", "")))
        translator = get_translator(await self._locale(persona))
        state = self._clock(translator)
        status = words.JUMPED_AND_PLANNED if clock.on_jump else words.JUMPED
        return JSONResponse(
            {"clock": state, "status": translator.gettext(status).format(time=state["label"])}
        )

    async def refusal(self, request: Request, error: Exception) -> Response:
        """Turn a refusal into JSON with a translated message for the status line."""
        assert isinstance(error, HTTPException)  # noqa: S101  (registered for HTTPException)
        message, params = words.BAD_REQUEST, {}
        if isinstance(error, PageError):
            message, params = error.message, error.params
        elif error.status_code == 404:
            message = words.NOT_FOUND
        persona = find_persona(str(request.path_params.get("persona", "")))
        translator = get_translator(await self._locale(persona))
        text = translator.gettext(message).format(**params)
        return JSONResponse({"error": text}, status_code=error.status_code)

    async def failure(self, _request: Request, _error: Exception) -> Response:
        """Tell the page that something failed, in the default language."""
        # No logging here: Starlette re-raises the error after this answer and the server
        # logs it with its traceback.
        text = get_translator(self.context.config.default_locale).gettext(words.FAILED)
        return JSONResponse({"error": text}, status_code=500)


def create_web_app(context: WebChatContext) -> Starlette:
    """Build the demo's web chat application, answering only its own page."""
    tokens = PageTokens()
    chat = WebChat(context, tokens)
    base = "/api/personas/{persona}"
    routes = [
        Route("/", chat.index),
        Route("/api/page", chat.page),
        Route("/api/events", chat.events),
        Route("/api/clock", chat.clock),
        Route("/api/clock/jump", chat.jump, methods=["POST"]),
        Route(f"{base}/locale", chat.set_locale, methods=["POST"]),
        Route(f"{base}/history", chat.history),
        Route(f"{base}/messages", chat.message, methods=["POST"]),
        Route(f"{base}/files", chat.upload, methods=["POST"]),
        Route("/files/{file_id}", chat.file),
        Mount("/static", StaticFiles(directory=STATIC_DIR), name="static"),
    ]
    refusal = get_translator(context.config.default_locale).gettext(words.BAD_REQUEST)
    guard = Middleware(PageGuard, address=context.address, tokens=tokens, refusal=refusal)
    return Starlette(
        routes=routes,
        middleware=[guard],
        exception_handlers={HTTPException: chat.refusal, Exception: chat.failure},
    )
