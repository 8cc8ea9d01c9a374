"""The Zalo Official Account API over httpx: messages, uploads and the token refresh.

Every answer is JSON with an ``error`` code, 0 on success. Codes are turned into the
channel-neutral ``DeliveryError`` family here, once: an expired access token is refreshed and
the call retried once; a person who stopped following is unreachable; rate limits wait; the
48-hour reply window and the proactive quota give a refusal that says why in words an admin
understands (it is stored on the outbox row and shown by ``coopbot outbox status``).

Tokens never appear in logs or error messages: they travel in headers and form bodies only.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from typing import Any, Protocol

import httpx

from bot.channels.base import (
    DeliveryError,
    MessagingWindowClosed,
    PermanentFailure,
    RecipientUnreachable,
    RetryLater,
    TransientFailure,
)
from handlers.types import FileOut
from storage.credentials import Tokens
from storage.models import utcnow

logger = logging.getLogger(__name__)

TOKEN_INVALID = -216  # access token invalid or expired
UNREACHABLE = frozenset({-213, -201})  # not a follower (any more), or no such user
RATE_LIMITED = -32
OUTSIDE_WINDOW = -230
QUOTA_EXCEEDED = frozenset({-232, -233})

OUTSIDE_WINDOW_REASON = (
    "Zalo: outside the 48-hour reply window (the person has not written to the OA lately) "
    "and Zalo allowed no proactive message"
)
QUOTA_REASON = "Zalo: outside the 48-hour reply window and no proactive quota left"
RATE_LIMIT_WAIT = 60.0

# Zalo answers quickly or not at all; the refresh is short because the refreshing transaction
# holds the credential row (and, on SQLite, the database's write lock) while it waits.
API_TIMEOUT = httpx.Timeout(20.0, connect=5.0)
REFRESH_TIMEOUT = httpx.Timeout(4.0, connect=2.0)


class ZaloApiError(Exception):
    """Zalo answered with a non-zero ``error`` code."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(f"Zalo error {code}: {message}")
        self.code = code
        self.message = message


def delivery_error(error: ZaloApiError) -> DeliveryError:
    """Return what the outbox should do about a Zalo error code."""
    if error.code in UNREACHABLE:
        return RecipientUnreachable(f"Zalo: the person does not follow the OA ({error.code})")
    if error.code == RATE_LIMITED:
        return RetryLater(RATE_LIMIT_WAIT, f"Zalo: rate limited ({error.code})")
    if error.code == OUTSIDE_WINDOW:
        return MessagingWindowClosed(OUTSIDE_WINDOW_REASON)
    if error.code in QUOTA_EXCEEDED:
        return MessagingWindowClosed(QUOTA_REASON)
    if error.code == TOKEN_INVALID:
        return TransientFailure("Zalo refused the access token even after a refresh")
    return PermanentFailure(str(error)[:300])


class TokenSource(Protocol):
    """Where the client gets its access token, and a new one when Zalo refuses it."""

    async def current(self) -> str:
        """Return the access token to use now."""
        ...

    async def refresh(self, stale: str) -> str:
        """Return a fresh access token in place of ``stale``."""
        ...


def _answer(response: httpx.Response) -> dict[str, Any]:
    """Return the JSON object of an answer, or raise what its HTTP status means."""
    if response.status_code == 429:
        retry_after = response.headers.get("retry-after", "")
        wait = float(retry_after) if retry_after.isdigit() else RATE_LIMIT_WAIT
        raise RetryLater(wait, "Zalo: too many requests (HTTP 429)")
    if response.status_code >= 500:
        raise TransientFailure(f"Zalo: server error (HTTP {response.status_code})")
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise TransientFailure(f"Zalo: an answer that is not JSON (HTTP {response.status_code})")
    return body


async def _post(http: httpx.AsyncClient, url: str, **kwargs: Any) -> dict[str, Any]:
    try:
        response = await http.post(url, **kwargs)
    except httpx.TimeoutException as error:
        raise TransientFailure(f"Zalo did not answer in time ({type(error).__name__})") from error
    except httpx.HTTPError as error:
        raise TransientFailure(f"Zalo could not be reached ({type(error).__name__})") from error
    return _answer(response)


class ZaloOAuth:
    """Exchanges a (single-use) refresh token for a new pair of tokens."""

    def __init__(
        self, http: httpx.AsyncClient, *, base_url: str, app_id: str, app_secret: str
    ) -> None:
        self.http = http
        self.url = base_url.rstrip("/") + "/v4/oa/access_token"
        self.app_id = app_id
        self.app_secret = app_secret

    async def refresh(self, refresh_token: str) -> Tokens:
        """Return the new tokens; the given refresh token is spent whatever happens next.

        Raises:
            PermanentFailure: Zalo refused the refresh token (spent, expired or revoked).
            TransientFailure, RetryLater: Zalo could not be asked.
        """
        body = await _post(
            self.http,
            self.url,
            headers={"secret_key": self.app_secret},
            data={
                "refresh_token": refresh_token,
                "app_id": self.app_id,
                "grant_type": "refresh_token",
            },
            timeout=REFRESH_TIMEOUT,
        )
        access, refresh = body.get("access_token"), body.get("refresh_token")
        if not (isinstance(access, str) and access and isinstance(refresh, str) and refresh):
            described = body.get("error_name") or body.get("error_description") or "no tokens"
            logger.error(
                "Zalo refused to refresh the tokens: %s (%s)", described, body.get("error")
            )
            raise PermanentFailure(
                f"Zalo refused the refresh token ({described}): set new tokens with "
                "`coopbot zalo set-tokens`"
            )
        return Tokens(access, refresh, _expiry(body.get("expires_in")))


def _expiry(expires_in: object, now: dt.datetime | None = None) -> dt.datetime | None:
    """Return when a token given ``expires_in`` seconds ago (a number or a numeric text) ends."""
    try:
        seconds = float(str(expires_in))
    except ValueError:
        return None
    return (now or utcnow()) + dt.timedelta(seconds=seconds)


class ZaloClient:
    """Calls the OA API with the current access token; one per process."""

    def __init__(self, http: httpx.AsyncClient, *, base_url: str, tokens: TokenSource) -> None:
        self.http = http
        self.base_url = base_url.rstrip("/")
        self.tokens = tokens

    async def send_message(
        self, user_id: str, message: dict[str, Any], *, reply_to: str | None = None
    ) -> None:
        """Send a consultation message (text, buttons, an image or a file) to a person.

        With ``reply_to`` (the id of the message the person sent) it goes in Zalo's reply form,
        which Zalo counts as a reply; without it, by ``user_id``, which Zalo counts as a
        proactive message even inside the reply window.
        """
        recipient = {"message_id": reply_to} if reply_to else {"user_id": user_id}
        await self._call("/v3.0/oa/message/cs", json={"recipient": recipient, "message": message})

    async def upload_image(self, image: FileOut) -> str:
        """Upload an image and return the attachment id to send it with."""
        data = await self._call("/v2.0/oa/upload/image", files=_file_part(image))
        return _field(data, "attachment_id")

    async def upload_file(self, document: FileOut) -> str:
        """Upload a file and return the token to send it with."""
        data = await self._call("/v2.0/oa/upload/file", files=_file_part(document))
        return _field(data, "token")

    async def call(
        self,
        url: str,
        classify: Callable[[ZaloApiError], DeliveryError],
        refresh_on: int,
        **kwargs: Any,
    ) -> dict[str, Any]:
        """Post to ``url`` (a full URL) with the access token, refreshing it once when Zalo
        answers ``refresh_on``; other errors become what ``classify`` says."""
        token = await self.tokens.current()
        try:
            return await self._post_url(url, token, **kwargs)
        except ZaloApiError as error:
            if error.code != refresh_on:
                raise classify(error) from error
        logger.info("Zalo refused the access token: refreshing it")
        token = await self.tokens.refresh(token)
        try:
            return await self._post_url(url, token, **kwargs)
        except ZaloApiError as error:
            raise classify(error) from error

    async def _call(self, path: str, **kwargs: Any) -> dict[str, Any]:
        """Make an OA API call, refreshing the access token once if Zalo says it expired.

        Raises:
            DeliveryError: what the outbox should do about the failure.
        """
        return await self.call(self.base_url + path, delivery_error, TOKEN_INVALID, **kwargs)

    async def _post_url(self, url: str, token: str, **kwargs: Any) -> dict[str, Any]:
        body = await _post(
            self.http,
            url,
            headers={"access_token": token},
            timeout=API_TIMEOUT,
            **kwargs,
        )
        code = body.get("error", 0)
        if code not in (0, "0", None):
            raise ZaloApiError(_code(code), str(body.get("message", ""))[:200])
        data = body.get("data")
        return data if isinstance(data, dict) else {}


def _code(value: object) -> int:
    try:
        return int(str(value))
    except ValueError:
        return -1


def _file_part(file: FileOut) -> dict[str, tuple[str, bytes, str]]:
    return {"file": (file.name, file.data, file.mime_type)}


def _field(data: dict[str, Any], name: str) -> str:
    value = data.get(name)
    if not isinstance(value, str) or not value:
        raise PermanentFailure(f"Zalo: the upload answer has no {name}")
    return value
