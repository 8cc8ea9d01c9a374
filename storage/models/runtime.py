"""Tables that keep the runtime reliable: the outbox, dedupe of updates, dialog state."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.models.types import UTCDateTime, utcnow


class OutboxStatus(StrEnum):
    """Delivery state of a planned message."""

    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    UNREACHABLE = "unreachable"
    # Its channel could not carry it, so a copy was planned on the person's next account
    # (storage.delivery_plan): finished, not a problem, and never sent again here.
    REROUTED = "rerouted"


class OutboxMessage(SQLModel, table=True):
    """A message the system sends on its own; the dedupe key makes planning idempotent."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_due", "status", "next_attempt_at"),)

    id: int | None = Field(default=None, primary_key=True)
    dedupe_key: str = Field(max_length=200, unique=True)
    channel: str = Field(max_length=16)
    recipient: str = Field(max_length=64, description="External id on the channel.")
    person_id: int | None = Field(default=None, foreign_key="person.id", index=True)
    payload: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    status: str = Field(default=OutboxStatus.PENDING, max_length=16)
    attempts: int = 0
    next_attempt_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    claimed_until: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_error: str | None = None
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    sent_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)


class ProcessedUpdate(SQLModel, table=True):
    """An incoming platform update already handled; a redelivery changes nothing."""

    __tablename__ = "processed_update"
    __table_args__ = (UniqueConstraint("channel", "update_id", name="uq_processed_update"),)

    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(max_length=16)
    update_id: str = Field(max_length=64)
    processed_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)


class DialogState(SQLModel, table=True):
    """Where a conversation stands, so a restart or a second worker loses nothing."""

    __tablename__ = "dialog_state"

    identity_id: int = Field(foreign_key="channel_identity.id", primary_key=True)
    flow: str = Field(max_length=40)
    step: str = Field(max_length=40)
    draft: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    expires_at: dt.datetime = Field(sa_type=UTCDateTime)
    updated_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class ChannelCredential(SQLModel, table=True):
    """Rotating credentials of a channel (Zalo's access and single-use refresh token)."""

    __tablename__ = "channel_credential"

    channel: str = Field(primary_key=True, max_length=16)
    access_token: str
    refresh_token: str
    expires_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    updated_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class ButtonOverflow(SQLModel, table=True):
    """The buttons of the last message that had more than a channel can show at once.

    Zalo shows at most four buttons under a message; the rest are reached through a "More…"
    button whose payload names a page of this list, so any worker can show the next page.
    """

    __tablename__ = "button_overflow"

    channel: str = Field(primary_key=True, max_length=16)
    external_id: str = Field(primary_key=True, max_length=64)
    buttons: list[list[str]] = Field(
        default_factory=list, sa_type=JSON, description="[label, payload] pairs, in order."
    )
    updated_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class ZaloTemplate(SQLModel, table=True):
    """The Zalo template (approved in the OA's account) a kind of unasked message goes as,
    when the person is outside Zalo's reply window."""

    __tablename__ = "zalo_template"

    kind: str = Field(primary_key=True, max_length=24)
    template_id: str = Field(max_length=64)
    updated_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
