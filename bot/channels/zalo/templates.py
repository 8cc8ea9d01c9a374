"""Zalo template messages (ZNS): an approved template, sent to a phone number.

What coopbot sends unasked reaches a person on Zalo outside the reply window only this way.
Zalo's error codes (zalo.cloud, "Cách xử lý mã lỗi", named in docs/zalo.md) are turned into
the channel-neutral delivery errors once, here: an exhausted quota or the night-time ban is
retried later; a number without Zalo marks the person's number unusable for templates; a
template Zalo refuses (not approved, wrong parameters) sends the message on the person's other
channels, with the reason kept for the admins.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from zoneinfo import ZoneInfo

from bot.channels.base import DeliveryError, NoWayHere, RetryLater, TransientFailure
from bot.channels.zalo.client import ZaloApiError, ZaloClient
from storage.delivery_plan import Cause

TEMPLATE_PATH = "/message/template"
TOKEN_INVALID = -124
PHONE_UNUSABLE = frozenset({-108, -118, -119})  # invalid, no Zalo account, cannot receive
TEMPLATE_REFUSED = frozenset({-109, -111, -112, -117})  # id, data empty/invalid, no access
OUT_OF_QUOTA = frozenset({-115, -144})
NIGHT = -133  # ZNS is not delivered between 22:00 and 06:00
UNKNOWN = -100
QUOTA_WAIT = 3600.0
TRACKING_LIMIT = 48
VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")


class PhoneUnusable(NoWayHere):
    """Zalo cannot deliver templates to the person's number (invalid, or no Zalo account)."""

    def __init__(self, message: str) -> None:
        super().__init__(message, [Cause.PHONE_NOT_ON_ZALO])


def seconds_until_morning(now: dt.datetime) -> float:
    """Return the seconds from ``now`` until 06:05 in Vietnam, when ZNS is delivered again."""
    local = now.astimezone(VIETNAM)
    morning = local.replace(hour=6, minute=5, second=0, microsecond=0)
    if morning <= local:
        morning += dt.timedelta(days=1)
    return (morning - local).total_seconds()


def template_error(error: ZaloApiError, *, now: dt.datetime | None = None) -> DeliveryError:
    """Return what the outbox should do about a template API error code."""
    said = f"Zalo template error {error.code}: {error.message}"[:300]
    if error.code in PHONE_UNUSABLE:
        return PhoneUnusable(said)
    if error.code in OUT_OF_QUOTA:
        return RetryLater(QUOTA_WAIT, f"{said} (the OA's template quota is used up)")
    if error.code == NIGHT:
        return RetryLater(seconds_until_morning(now or dt.datetime.now(dt.UTC)), said)
    if error.code == UNKNOWN or error.code == TOKEN_INVALID:
        return TransientFailure(said)
    return NoWayHere(said, [Cause.TEMPLATE_REFUSED])


def tracking_id(dedupe_key: str) -> str:
    """Return the tracking id of a template message: its outbox dedupe key, or a digest of
    it when the key is longer than Zalo's field."""
    if len(dedupe_key) <= TRACKING_LIMIT:
        return dedupe_key
    return "h:" + hashlib.sha256(dedupe_key.encode()).hexdigest()[: TRACKING_LIMIT - 2]


class ZaloTemplates:
    """Sends template messages with the OA's access token; one per process."""

    def __init__(self, client: ZaloClient, *, base_url: str) -> None:
        self.client = client
        self.url = base_url.rstrip("/") + TEMPLATE_PATH

    async def send(
        self, phone: str, template_id: str, params: dict[str, str], *, tracking: str
    ) -> None:
        """Send template ``template_id`` filled with ``params`` to ``phone`` (84…).

        Raises:
            DeliveryError: as ``template_error`` says.
        """
        body = {
            "phone": phone,
            "template_id": template_id,
            "template_data": params,
            "tracking_id": tracking_id(tracking),
        }
        await self.client.call(self.url, template_error, TOKEN_INVALID, json=body)
