"""What an outbox message stands for: one typed model per kind, defined once.

A payload holds ids, never text, so a message is written in the recipient's language (and with
the current agenda) when it is sent, not when it was planned. Each kind is a frozen pydantic
model with a literal ``kind``; ``OutboxPayload`` is their union, discriminated by ``kind``.
Planning validates a payload before it is stored (``storage.outbox.plan`` takes only these
models), and the sender validates it again when it reads the row (``read_payload``): a row
whose payload is of an unknown kind or does not fit its kind — written by hand, by an older
version, or damaged — ends *failed* with the reason, never *sent*.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

QuarterKey = Annotated[str, Field(pattern=r"^\d{4}Q[1-4]$")]
Id = Annotated[int, Field(ge=1)]


class InvalidPayload(ValueError):
    """A stored payload that is not one of the kinds below; the message says why."""


class _Kind(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ItemEvent(_Kind):
    """Something happened to an item that its cooperative's directors are told of."""

    kind: Literal["item_event"] = "item_event"
    item_id: Id
    event_id: Id


class ItemAlert(_Kind):
    """To someone who handles the item: it is new, reopened, answered, added to, or theirs."""

    kind: Literal["item_alert"] = "item_alert"
    item_id: Id
    event_id: Id


class AlertDigest(_Kind):
    """To someone who chose one alert a day: what arrived in their area since yesterday."""

    kind: Literal["alert_digest"] = "alert_digest"
    person_id: Id
    since: dt.datetime
    until: dt.datetime


class QuarterKickoff(_Kind):
    """The quarter began: meet the commune's cooperatives (the agenda is attached)."""

    kind: Literal["quarter_kickoff"] = "quarter_kickoff"
    quarter: QuarterKey
    commune_id: Id


class QuarterFollowUp(_Kind):
    """The quarter ends soon and no meeting of the commune is logged."""

    kind: Literal["quarter_follow_up"] = "quarter_follow_up"
    quarter: QuarterKey
    commune_id: Id


class MeetingEscalation(_Kind):
    """To an official: these communes of the area have not logged the quarter's meeting."""

    kind: Literal["meeting_escalation"] = "meeting_escalation"
    quarter: QuarterKey
    commune_ids: list[Id] = Field(min_length=1)


class OverdueItems(_Kind):
    """To an official: items of these units are past their due date."""

    kind: Literal["overdue_items"] = "overdue_items"
    unit_ids: list[Id] = Field(min_length=1)
    day: dt.date


class WeeklyDigest(_Kind):
    """To an official who asked for it: the week's figures of one unit."""

    kind: Literal["weekly_digest"] = "weekly_digest"
    unit_id: Id
    week: dt.date


class RecipientUnreachable(_Kind):
    """To an admin: an account can no longer be reached (blocked the bot, left)."""

    kind: Literal["recipient_unreachable"] = "recipient_unreachable"
    channel: str = Field(max_length=16)
    recipient: str = Field(max_length=64)
    person_id: int | None = None
    reason: str = Field(max_length=200)


class DeliveryRefused(_Kind):
    """To an admin: one message was refused for now by the platform's rules."""

    kind: Literal["delivery_refused"] = "delivery_refused"
    channel: str = Field(max_length=16)
    recipient: str = Field(max_length=64)
    person_id: int | None = None
    reason: str = Field(max_length=200)
    message_id: Id


class PersonUnreached(_Kind):
    """To an admin: no account of a person could carry a message; ``causes`` says why, one
    code of ``storage.delivery_plan.Cause`` per way that was tried."""

    kind: Literal["person_unreached"] = "person_unreached"
    person_id: Id
    message_id: Id
    message_kind: str = Field(max_length=40)
    causes: list[str] = Field(min_length=1, max_length=8)


class FailureAlert(_Kind):
    """To an admin: answering people failed with one kind of error, ``count`` times since
    ``since``. Only the kind (exception type and where): never its text, which may quote SQL
    parameters or an item's words."""

    kind: Literal["failure_alert"] = "failure_alert"
    error_kind: str = Field(max_length=160)
    count: int = Field(ge=1)
    since: dt.datetime


class PrivacyRequested(_Kind):
    """To an admin: a person asked for a copy, a correction, withdrawal or erasure of their
    data, to be answered by ``due_at`` (``storage.privacy_requests``)."""

    kind: Literal["privacy_requested"] = "privacy_requested"
    request_id: Id
    request_kind: str = Field(max_length=12)
    due_at: dt.datetime


OutboxPayload = Annotated[
    ItemEvent
    | ItemAlert
    | AlertDigest
    | QuarterKickoff
    | QuarterFollowUp
    | MeetingEscalation
    | OverdueItems
    | WeeklyDigest
    | RecipientUnreachable
    | DeliveryRefused
    | PersonUnreached
    | FailureAlert
    | PrivacyRequested,
    Field(discriminator="kind"),
]
AdminNotice = RecipientUnreachable | DeliveryRefused
ADMIN_NOTICE_KINDS = frozenset(
    {
        "recipient_unreachable",
        "delivery_refused",
        "person_unreached",
        "failure_alert",
        "privacy_requested",
    }
)

_ADAPTER: TypeAdapter[OutboxPayload] = TypeAdapter(OutboxPayload)


def stored_form(payload: OutboxPayload) -> dict[str, Any]:
    """Return the JSON a payload is stored as."""
    return payload.model_dump(mode="json")


def read_payload(stored: Any) -> OutboxPayload:
    """Return the payload a stored row holds.

    Raises:
        InvalidPayload: the row's payload is not one of the kinds, or does not fit its kind;
            the message names the kind and the first problem, for ``coopbot outbox status``.
    """
    try:
        return _ADAPTER.validate_python(stored)
    except ValidationError as error:
        kind = stored.get("kind") if isinstance(stored, dict) else None
        problem = error.errors()[0]
        where = ".".join(str(part) for part in problem["loc"]) or "payload"
        raise InvalidPayload(
            f"invalid payload of kind {kind!r}: {where}: {problem['msg']}"[:300]
        ) from None


def kind_of(stored: Any) -> str:
    """Return the kind a stored payload claims to be, without validating it (for listings)."""
    kind = stored.get("kind") if isinstance(stored, dict) else None
    return str(kind) if kind is not None else "?"
