"""A fake Zalo OA API for tests: messages, uploads, templates (ZNS) and the token endpoint.

It runs uvicorn on 127.0.0.1 in a background thread (so the bot's in-process client and a
``coopbot run`` subprocess can both reach it), records every call, checks the ``access_token``
header of API calls and the shape of messages (text ≤ 2000 characters, at most four
``oa.query.hide`` buttons), and plays Zalo's token rules: only the newest access token works,
and a refresh token is single-use (a reused one is refused)::

    with FakeZalo() as fake:
        fake.fail_next(-232)          # the next message: quota exceeded
        fake.expire_access_token()    # the next API call: -216
        ...
        assert fake.messages("user-1")[0]["text"] == "..."

The reply window: a consultation message goes to ``recipient.user_id`` or, as a reply, to
``recipient.message_id`` (a message the person sent, which the test registers with
``user_wrote``; an unknown one is a violation and -201). For ``window_hours`` (48) after the
person last wrote, the OA may answer; with ``enforce_window`` (the default) a message outside
the window, or to someone never seen writing, is refused with -230. Each delivered message is
``counted_as`` "reply" (free: sent by message_id, one of the first ``free_replies`` (8) since
the person last wrote) or "proactive" (paid: a ninth one, one after the window, or one sent by
user_id alone). Writing again reopens the window and resets the count. A running fake hears of
every event ``zalo_events`` builds (building one stands for the person acting in Zalo), and
``note_event`` tells it of any other: a message or a follow counts as writing, at the event's
timestamp. The ``fake_zalo`` fixture turns ``enforce_window`` off, as many tests send to people
who never wrote; the counting holds either way.

Templates (ZNS) go to ``TEMPLATE_PATH`` with a phone number ("84" and nine digits), an approved
``template_id`` (``approve_template``), ``template_data`` with exactly the template's
parameters (each a non-empty text of at most 100 characters) and a ``tracking_id`` (1 to 48
characters). Errors use ZNS's own codes: -124 for a bad token, -108 for the phone, -109 for an
unknown template, -112 for the data, -118 for a number without Zalo (``phone_without_zalo``),
-115 when the daily quota is spent; ``fail_next(code, path=TEMPLATE_PATH)`` plays any other
(-117, -133 at night: the fake keeps no clock of its own). Parameters that differ from the
template's, and a bad tracking id, are also violations: the bot built them wrongly.

Uploads (multipart, part ``file``) give an ``attachment_id`` (images) or a ``token`` (files);
an attachment message must name one the fake issued, and ``attachments`` returns the files
each user was sent. ``add_download`` serves bytes at a URL, as Zalo's servers serve the
pictures and files people send the OA (an unknown URL answers 404).
"""

from __future__ import annotations

import asyncio
import itertools
import re
import threading
import time
from collections import defaultdict, deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Self
from urllib.parse import quote

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.fakes import zalo_events
from tests.fakes.bodies import read_body
from tests.fakes.server import ThreadedServer

MESSAGE_PATH = "/v3.0/oa/message/cs"
IMAGE_PATH = "/v2.0/oa/upload/image"
FILE_PATH = "/v2.0/oa/upload/file"
TOKEN_PATH = "/v4/oa/access_token"
TEMPLATE_PATH = "/message/template"
DOWNLOAD_PATH = "/download"
APP_SECRET = "app-secret-42"
FIRST_ACCESS_TOKEN = "access-0"
FIRST_REFRESH_TOKEN = "refresh-0"
ERROR_TEXTS = {
    -216: "Access token is invalid",
    -213: "User has not followed the OA",
    -201: "Parameter is invalid",
    -32: "Exceeded rate limit",
    -230: "User has not interacted with the OA in the past 48 hours",
    -232: "Quota exceeded",
    -233: "Quota exceeded",
    # The template (ZNS) API has codes of its own.
    -124: "Access token invalid",
    -108: "Phone number invalid",
    -109: "Template ID invalid",
    -112: "Template data invalid",
    -115: "Out of quota",
    -117: "OA or App does not have permission to access this template",
    -118: "Zalo account not existed",
    -133: "ZNS cannot be sent at night (22h-6h)",
}
REPLY = "reply"
PROACTIVE = "proactive"
ZNS_PHONE = re.compile(r"84[0-9]{9}")
TEMPLATE_VALUE_LIMIT = 100
TRACKING_ID_LIMIT = 48


@dataclass
class ZaloCall:
    """One request the fake answered.

    A consultation message also records whom it reached (``recipient``, resolved from a
    ``message_id``), the message it replied to (``reply_to``) and, once delivered, how Zalo
    counts it (``counted_as``: ``reply`` or ``proactive``).
    """

    path: str
    access_token: str | None
    body: dict[str, Any]
    files: dict[str, tuple[str, bytes]] = field(default_factory=dict)
    error: int = 0
    at: float = field(default_factory=time.monotonic)
    recipient: str | None = None
    reply_to: str | None = None
    counted_as: str | None = None

    @property
    def ok(self) -> bool:
        """Tell whether the call succeeded."""
        return self.error == 0


@dataclass(frozen=True)
class SentFile:
    """A file the OA sent a user: ``kind`` is ``image`` or ``file``, with the uploaded bytes."""

    kind: str
    filename: str
    content: bytes = field(repr=False)


class FakeZalo(ThreadedServer):
    """A scriptable Zalo OA API, template (ZNS) API and OAuth server."""

    def __init__(
        self,
        *,
        app_id: str = "4242",
        app_secret: str = APP_SECRET,
        access_token: str = FIRST_ACCESS_TOKEN,
        refresh_token: str = FIRST_REFRESH_TOKEN,
        refresh_delay: float = 0.0,
        window_hours: float = 48,
        free_replies: int = 8,
        enforce_window: bool = True,
        daily_template_quota: int = 500,
    ) -> None:
        app = Starlette(
            routes=[
                Route(MESSAGE_PATH, self._message, methods=["POST"]),
                Route(IMAGE_PATH, self._upload, methods=["POST"]),
                Route(FILE_PATH, self._upload, methods=["POST"]),
                Route(TOKEN_PATH, self._token, methods=["POST"]),
                Route(TEMPLATE_PATH, self._template, methods=["POST"]),
                Route(DOWNLOAD_PATH + "/{number}/{name}", self._download, methods=["GET"]),
            ]
        )
        super().__init__(app, name="fake-zalo")
        self.app_id = app_id
        self.app_secret = app_secret
        self.refresh_delay = refresh_delay
        self.window_hours = window_hours
        self.free_replies = free_replies
        self.enforce_window = enforce_window
        self.daily_template_quota = daily_template_quota
        self.violations: list[str] = []
        self._lock = threading.Lock()
        self._calls: list[ZaloCall] = []
        self._access = access_token
        self._refresh: str | None = refresh_token
        self._spent: set[str] = set()
        self._issued = 0
        self._errors: dict[str, deque[int]] = defaultdict(deque)
        self.unfollowed: set[str] = set()
        self._uploads: dict[str, ZaloCall] = {}  # by attachment_id or token
        self._downloads: dict[str, tuple[bytes, str]] = {}
        self._download_numbers = itertools.count(1)
        self._senders: dict[str, str] = {}  # user_id by the message_id of what they wrote
        self._last_wrote: dict[str, float] = {}  # unix time, by user_id
        self._replies: dict[str, int] = {}  # free replies used since the user last wrote
        self._user_message_numbers = itertools.count(1)
        self._templates: dict[str, frozenset[str]] = {}  # parameter names, by template_id
        self._phones_without_zalo: set[str] = set()
        self._templates_sent_today = 0

    def start(self, timeout: float = 10.0) -> Self:
        """Start serving; from now on every event ``zalo_events`` builds counts as written."""
        started = super().start(timeout)
        zalo_events.listen(self.note_event)
        return started

    def stop(self) -> None:
        """Stop serving and hearing of events."""
        zalo_events.stop_listening(self.note_event)
        super().stop()

    # Scripting.

    def fail_next(self, code: int, *, path: str = MESSAGE_PATH, times: int = 1) -> None:
        """Answer the next ``times`` calls of ``path`` with the error ``code``."""
        with self._lock:
            self._errors[path].extend([code] * times)

    def expire_access_token(self) -> None:
        """Make the current access token invalid, as when it expires."""
        with self._lock:
            self._access = "expired"

    @property
    def access_token(self) -> str:
        """Return the only access token accepted now."""
        return self._access

    @property
    def refresh_token(self) -> str | None:
        """Return the refresh token that may be spent now."""
        return self._refresh

    def add_download(
        self, content: bytes, name: str, content_type: str = "application/octet-stream"
    ) -> str:
        """Serve ``content`` and return its URL, as Zalo gives the files people send."""
        number = str(next(self._download_numbers))
        with self._lock:
            self._downloads[number] = (content, content_type)
        return f"{self.url}{DOWNLOAD_PATH}/{number}/{quote(name)}"

    def missing_download(self, name: str) -> str:
        """Return a URL of this server that answers 404 (an expired or broken file link)."""
        return f"{self.url}{DOWNLOAD_PATH}/0/{quote(name)}"

    def user_wrote(
        self, user_id: str, message_id: str | None = None, at: float | None = None
    ) -> str:
        """Record that ``user_id`` wrote to the OA at ``at`` (unix time; now by default).

        This opens the person's reply window and resets their free replies; the message may be
        replied to by the returned ``message_id`` (a fresh one unless given).
        """
        with self._lock:
            if message_id is None:
                message_id = f"user-message-{next(self._user_message_numbers)}"
            self._senders[message_id] = user_id
            self._last_wrote[user_id] = time.time() if at is None else at
            self._replies[user_id] = 0
        return message_id

    def set_last_wrote(self, user_id: str, at: float) -> None:
        """Move the time ``user_id`` last wrote to ``at`` (unix time), keeping the reply count."""
        with self._lock:
            self._last_wrote[user_id] = at
            self._replies.setdefault(user_id, 0)

    def note_event(self, raw: dict[str, Any]) -> None:
        """Tell the fake that the person acted in Zalo as the webhook event ``raw`` says.

        A message the person sent (it has a ``msg_id``) and a follow are what open the reply
        window, at the event's timestamp; a follow gives no message to reply to. A message
        already noted changes nothing: the events ``zalo_events`` builds reach the fake both
        when built and when a test posts them.
        """
        at = event_time(raw)
        message, sender = raw.get("message"), raw.get("sender")
        if isinstance(message, dict) and message.get("msg_id") and isinstance(sender, dict):
            message_id = str(message["msg_id"])
            with self._lock:
                known = message_id in self._senders
            if not known:
                self.user_wrote(str(sender.get("id", "")), message_id, at=at)
        elif raw.get("event_name") == "follow" and isinstance(raw.get("follower"), dict):
            self.user_wrote(str(raw["follower"].get("id", "")), at=at)

    def approve_template(self, template_id: str, params: Iterable[str]) -> None:
        """Make ``template_id`` an approved template whose parameters are ``params``."""
        with self._lock:
            self._templates[template_id] = frozenset(params)

    def phone_without_zalo(self, phone: str) -> None:
        """Make ``phone`` a number with no Zalo account: templates to it get -118."""
        with self._lock:
            self._phones_without_zalo.add(phone)

    # Reading what happened.

    def calls(self, path: str | None = None) -> list[ZaloCall]:
        """Return the calls answered so far (of ``path`` only, if given)."""
        with self._lock:
            return [call for call in self._calls if path is None or call.path == path]

    def messages(self, user_id: str | None = None) -> list[dict[str, Any]]:
        """Return the ``message`` objects delivered (to ``user_id`` only, if given), whether
        sent by ``user_id`` or as a reply by ``message_id``."""
        return [
            call.body["message"]
            for call in self.calls(MESSAGE_PATH)
            if call.ok and (user_id is None or call.recipient == user_id)
        ]

    def templates_sent(self, phone: str | None = None) -> list[dict[str, Any]]:
        """Return the bodies of the templates (ZNS) delivered (to ``phone`` only, if given)."""
        return [
            call.body
            for call in self.calls(TEMPLATE_PATH)
            if call.ok and (phone is None or call.body["phone"] == phone)
        ]

    def attachments(self, user_id: str | None = None) -> list[SentFile]:
        """Return the images and files sent (to ``user_id`` only, if given), with their bytes."""
        sent = []
        for message in self.messages(user_id):
            reference, kind = attachment_reference(message)
            with self._lock:
                upload = self._uploads.get(reference or "")
            if upload is not None and kind is not None:
                filename, content = upload.files["file"]
                sent.append(SentFile(kind, filename, content))
        return sent

    async def wait_for_messages(
        self,
        count: int,
        user_id: str | None = None,
        timeout: float = 10.0,  # noqa: ASYNC109 - a plain deadline argument reads best in tests
    ) -> list[dict[str, Any]]:
        """Wait until ``count`` messages were delivered (to ``user_id``) and return them."""
        deadline = time.monotonic() + timeout
        while len(found := self.messages(user_id)) < count:
            assert time.monotonic() < deadline, f"{len(found)} of {count} messages: {found}"
            await asyncio.sleep(0.02)
        return found

    # Serving.

    def _record(self, call: ZaloCall) -> JSONResponse:
        with self._lock:
            self._calls.append(call)
            data = None if call.error else self._data(call)
        if call.error:
            return JSONResponse({"error": call.error, "message": ERROR_TEXTS.get(call.error, "")})
        return JSONResponse({"error": 0, "message": "Success", "data": data})

    def _data(self, call: ZaloCall) -> dict[str, Any]:
        """Book what a successful call changes and return the data Zalo answers (under the
        lock)."""
        number = len(self._calls)
        if call.path == IMAGE_PATH:
            self._uploads[f"attachment-{number}"] = call
            return {"attachment_id": f"attachment-{number}"}
        if call.path == FILE_PATH:
            self._uploads[f"file-token-{number}"] = call
            return {"token": f"file-token-{number}"}
        if call.path == TEMPLATE_PATH:
            self._templates_sent_today += 1
            remaining = self.daily_template_quota - self._templates_sent_today
            return {
                "msg_id": f"zns-{number}",
                "sent_time": str(int(time.time() * 1000)),
                "quota": {
                    "dailyQuota": str(self.daily_template_quota),
                    "remainingQuota": str(remaining),
                },
            }
        call.counted_as = self._count(call)
        return {"message_id": f"message-{number}", "user_id": call.recipient}

    def _count(self, call: ZaloCall) -> str:
        """Return how Zalo counts a delivered message, spending a free reply if it is one
        (under the lock)."""
        user = call.recipient or ""
        used = self._replies.get(user, 0)
        if call.reply_to is None or not self._in_window(user) or used >= self.free_replies:
            return PROACTIVE
        self._replies[user] = used + 1
        return REPLY

    def _in_window(self, user_id: str) -> bool:
        """Tell whether ``user_id`` wrote within the window (under the lock)."""
        last = self._last_wrote.get(user_id)
        return last is not None and time.time() - last <= self.window_hours * 3600

    def _scripted(self, path: str) -> int:
        with self._lock:
            queue = self._errors[path]
            return queue.popleft() if queue else 0

    async def _message(self, request: Request) -> Response:
        token = request.headers.get("access_token")
        body = await request.json()
        call = ZaloCall(MESSAGE_PATH, token, body, reply_to=replied_message_id(body))
        call.error = self._authorised(token) or self._scripted(MESSAGE_PATH)
        if not call.error:
            call.recipient, problems = self._addressee(body)
            if problems:
                self.violations.extend(problems)
                call.error = -201
        if not call.error and self.enforce_window:
            with self._lock:
                call.error = 0 if self._in_window(call.recipient or "") else -230
        if not call.error and call.recipient in self.unfollowed:
            call.error = -213
        if not call.error:
            problems = check_message(body) + self._check_attachment(body.get("message"))
            if problems:
                self.violations.extend(problems)
                call.error = -201
        return self._record(call)

    def _addressee(self, body: dict[str, Any]) -> tuple[str | None, list[str]]:
        """Return the user a consultation message goes to, or what is wrong with its recipient
        (a reply must name a message the person sent)."""
        problems = check_recipient(body)
        if problems:
            return None, problems
        recipient = body["recipient"]
        if "user_id" in recipient:
            return str(recipient["user_id"]), []
        message_id = str(recipient["message_id"])
        with self._lock:
            user = self._senders.get(message_id)
        if user is None:
            return None, [f"recipient.message_id {message_id} is no message a user sent"]
        return user, []

    async def _template(self, request: Request) -> Response:
        token = request.headers.get("access_token")
        body = await request.json()
        call = ZaloCall(TEMPLATE_PATH, token, body)
        # ZNS answers a bad token with a code of its own, not the OA API's -216.
        call.error = (
            (-124 if self._authorised(token) else 0)
            or self._scripted(TEMPLATE_PATH)
            or self._check_template(body)
        )
        return self._record(call)

    def _check_template(self, body: dict[str, Any]) -> int:
        """Return the error ZNS answers a template call with (0 if it may be sent), recording
        the violations that are the bot's bugs."""
        phone = body.get("phone")
        if not isinstance(phone, str) or not ZNS_PHONE.fullmatch(phone):
            return -108
        template_id = body.get("template_id")
        with self._lock:
            params = self._templates.get(template_id) if isinstance(template_id, str) else None
            without_zalo = phone in self._phones_without_zalo
            out_of_quota = self._templates_sent_today >= self.daily_template_quota
        if params is None:
            return -109
        data = body.get("template_data")
        if not isinstance(data, dict) or frozenset(data) != params:
            self.violations.append(
                f"template {template_id} takes {sorted(params)}, was given {data!r}"
            )
            return -112
        if not all(
            isinstance(value, str) and 0 < len(value) <= TEMPLATE_VALUE_LIMIT
            for value in data.values()
        ):
            return -112
        if without_zalo:
            return -118
        tracking_id = body.get("tracking_id")
        if not isinstance(tracking_id, str) or not 0 < len(tracking_id) <= TRACKING_ID_LIMIT:
            self.violations.append(
                f"tracking_id {tracking_id!r}: 1 to {TRACKING_ID_LIMIT} characters"
            )
            return -112
        return -115 if out_of_quota else 0

    async def _upload(self, request: Request) -> Response:
        token = request.headers.get("access_token")
        _fields, uploads = await read_body(request)
        upload = uploads.get("file")
        files = {}
        if upload is None:
            self.violations.append(f"{request.url.path}: no multipart field 'file'")
        else:
            files["file"] = (upload.filename, upload.content)
        path = request.url.path
        error = self._authorised(token) or self._scripted(path) or (0 if files else -201)
        return self._record(ZaloCall(path, token, {}, files, error=error))

    def _check_attachment(self, message: Any) -> list[str]:
        """Return what is wrong with the upload an image or file message names."""
        reference, kind = attachment_reference(message)
        if kind is None:
            return []
        with self._lock:
            upload = self._uploads.get(reference or "")
        expected = IMAGE_PATH if kind == "image" else FILE_PATH
        if upload is None or upload.path != expected:
            return [f"a {kind} message names no {expected} upload: {message}"]
        return []

    async def _download(self, request: Request) -> Response:
        with self._lock:
            found = self._downloads.get(request.path_params["number"])
        if found is None:
            return Response("Not Found", status_code=404)
        content, content_type = found
        return Response(content, media_type=content_type)

    def _authorised(self, token: str | None) -> int:
        with self._lock:
            return 0 if token == self._access else -216

    async def _token(self, request: Request) -> Response:
        form, _files = await read_body(request)
        if self.refresh_delay:
            await asyncio.sleep(self.refresh_delay)
        with self._lock:
            given = str(form.get("refresh_token", ""))
            accepted = (
                request.headers.get("secret_key") == self.app_secret
                and form.get("app_id") == self.app_id
                and form.get("grant_type") == "refresh_token"
                and given == self._refresh
            )
            call = ZaloCall(TOKEN_PATH, None, {k: str(v) for k, v in form.items()})
            self._calls.append(call)
            if given in self._spent:
                self.violations.append(f"refresh token {given} was spent twice")
            if not accepted:
                call.error = -14014
                return JSONResponse(
                    {"error": -14014, "error_name": "Invalid refresh token", "error_reason": ""}
                )
            self._spent.add(given)
            self._issued += 1
            self._access = f"access-{self._issued}"
            self._refresh = f"refresh-{self._issued}"
            return JSONResponse(
                {
                    "access_token": self._access,
                    "refresh_token": self._refresh,
                    "expires_in": "90000",
                }
            )


def attachment_reference(message: Any) -> tuple[str | None, str | None]:
    """Return the (attachment_id or token, ``image`` or ``file``) an attachment message names;
    (None, None) for any other message."""
    attachment = message.get("attachment") if isinstance(message, dict) else None
    if not isinstance(attachment, dict):
        return None, None
    payload = attachment.get("payload") or {}
    if attachment.get("type") == "file":
        return payload.get("token"), "file"
    if payload.get("template_type") == "media":
        elements = payload.get("elements") or [{}]
        if elements[0].get("media_type") == "image":
            return elements[0].get("attachment_id"), "image"
    return None, None


def check_recipient(body: dict[str, Any]) -> list[str]:
    """Return what is wrong with a send call's recipient: it names exactly one of ``user_id``
    (anyone following the OA) and ``message_id`` (a reply to that message)."""
    recipient = body.get("recipient")
    if not isinstance(recipient, dict):
        return [f"recipient is no object: {recipient!r}"]
    named = [key for key in ("user_id", "message_id") if str(recipient.get(key) or "")]
    if len(named) != 1 or set(recipient) != set(named):
        return [f"recipient needs exactly one of user_id and message_id: {recipient}"]
    return []


def replied_message_id(body: dict[str, Any]) -> str | None:
    """Return the message a send call replies to (its ``recipient.message_id``), if any."""
    recipient = body.get("recipient")
    message_id = recipient.get("message_id") if isinstance(recipient, dict) else None
    return str(message_id) if message_id else None


def event_time(raw: dict[str, Any]) -> float | None:
    """Return when a webhook event happened (unix time), or None if it carries no timestamp."""
    try:
        return int(str(raw.get("timestamp", ""))) / 1000
    except ValueError:
        return None


def check_message(body: dict[str, Any]) -> list[str]:
    """Return what is wrong with a send call's body, by the OA API's rules."""
    problems = check_recipient(body)
    message = body.get("message")
    if not isinstance(message, dict) or not (message.get("text") or message.get("attachment")):
        return [*problems, f"the message has neither text nor attachment: {message}"]
    text = message.get("text", "")
    if len(text) > 2000:
        problems.append(f"text of {len(text)} characters (2000 at most)")
    attachment = message.get("attachment") or {}
    payload = attachment.get("payload") or {}
    buttons = payload.get("buttons") or []
    if buttons and not text:
        problems.append("buttons without a text")
    if len(buttons) > 4:
        problems.append(f"{len(buttons)} buttons (4 at most)")
    for button in buttons:
        if button.get("type") != "oa.query.hide" or not button.get("payload"):
            problems.append(f"bad button {button}")
        if not str(button.get("title", "")).strip():
            problems.append(f"button without a title {button}")
    if payload.get("template_type") == "request_user_info":
        problems.extend(check_share_request(payload))
    return problems


def check_share_request(payload: dict[str, Any]) -> list[str]:
    """Return what is wrong with a ``request_user_info`` form: one element whose title (100
    characters at most) and subtitle (500) are given, and an image, if any, by https URL."""
    elements = payload.get("elements")
    if not isinstance(elements, list) or len(elements) != 1 or not isinstance(elements[0], dict):
        return [f"request_user_info needs exactly one element: {elements!r}"]
    element = elements[0]
    problems = []
    for key, limit in (("title", 100), ("subtitle", 500)):
        value = str(element.get(key) or "")
        if not value.strip() or len(value) > limit:
            problems.append(f"request_user_info {key} of {len(value)} characters (1-{limit})")
    image = element.get("image_url")
    if image is not None and not str(image).startswith("https://"):
        problems.append(f"request_user_info image_url is no https URL: {image!r}")
    return problems
