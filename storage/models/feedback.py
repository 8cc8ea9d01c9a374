"""Categories, offices, feedback items, their events and attachments."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Index
from sqlmodel import Field, SQLModel

from storage.models.types import UTCDateTime, utcnow


class FeedbackKind(StrEnum):
    """What the cooperative is telling us."""

    DIFFICULTY = "difficulty"
    PROPOSAL = "proposal"
    QUESTION = "question"


class Status(StrEnum):
    """Where an item stands; which may follow which is decided in ``storage.feedback``."""

    NEW = "new"
    ACKNOWLEDGED = "acknowledged"
    IN_PROGRESS = "in_progress"
    RESOLVED = "resolved"
    DECLINED = "declined"
    REFERRED = "referred"
    CLOSED = "closed"
    REOPENED = "reopened"


class EventKind(StrEnum):
    """What happened to an item."""

    CREATED = "created"
    STATUS = "status"
    COMMENT = "comment"
    NOTE = "note"
    ASSIGNED = "assigned"
    INFO_ADDED = "info_added"


class Category(SQLModel, table=True):
    """A topic an item is about; data, editable by an admin."""

    __tablename__ = "category"

    key: str = Field(primary_key=True, max_length=40)
    name_vi: str = Field(max_length=200)
    name_en: str = Field(max_length=200)
    due_days: int = Field(default=15, ge=1)
    sort_order: int = 0
    active: bool = True


class Office(SQLModel, table=True):
    """An office items can be assigned to, e.g. 'Sở Tài chính'."""

    __tablename__ = "office"

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=40, unique=True)
    name: str = Field(max_length=200)
    unit_id: int | None = Field(default=None, foreign_key="admin_unit.id")


class FeedbackItem(SQLModel, table=True):
    """A difficulty, proposal or question of a cooperative, followed to its answer."""

    __tablename__ = "feedback_item"
    __table_args__ = (
        Index("ix_item_commune_status", "commune_id", "status"),
        # Scope and period together (summaries, lists): the units of a scope are looked up
        # in these, each with the period's range, on either column.
        Index("ix_item_commune_created", "commune_id", "created_at"),
        Index("ix_item_assignee_created", "assignee_unit_id", "created_at"),
        Index("ix_item_cooperative_created", "cooperative_id", "created_at"),
        Index("ix_item_status_due", "status", "due_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    reference: str = Field(max_length=24, unique=True)
    cooperative_id: int = Field(foreign_key="cooperative.id")
    author_person_id: int | None = Field(default=None, foreign_key="person.id")
    kind: str = Field(max_length=16)
    category_key: str = Field(foreign_key="category.key", max_length=40, index=True)
    text: str
    commune_id: int = Field(foreign_key="admin_unit.id", description="Commune when written.")
    status: str = Field(default=Status.NEW, max_length=16)
    assignee_office_id: int | None = Field(default=None, foreign_key="office.id")
    assignee_unit_id: int | None = Field(default=None, foreign_key="admin_unit.id")
    due_at: dt.datetime = Field(sa_type=UTCDateTime)
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    updated_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    first_response_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    resolved_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    closed_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)


class FeedbackEvent(SQLModel, table=True):
    """One thing that happened to an item: the audit trail and the source of notifications."""

    __tablename__ = "feedback_event"

    id: int | None = Field(default=None, primary_key=True)
    item_id: int = Field(foreign_key="feedback_item.id", index=True)
    actor_person_id: int | None = Field(default=None, foreign_key="person.id")
    kind: str = Field(max_length=16)
    from_status: str | None = Field(default=None, max_length=16)
    to_status: str | None = Field(default=None, max_length=16)
    text: str | None = None
    internal: bool = Field(default=False, description="Never shown to the director.")
    data: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Attachment(SQLModel, table=True):
    """A photo, document, voice note or video attached to an item (kept on the platform)."""

    __tablename__ = "attachment"

    id: int | None = Field(default=None, primary_key=True)
    item_id: int = Field(foreign_key="feedback_item.id", index=True)
    event_id: int | None = Field(default=None, foreign_key="feedback_event.id")
    channel: str = Field(max_length=16)
    media_kind: str = Field(max_length=16)
    file_ref: str = Field(max_length=300, description="The platform's file id or a URL.")
    file_name: str | None = Field(default=None, max_length=255)
    mime_type: str | None = Field(default=None, max_length=100)
    size_bytes: int | None = None
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class SequenceCounter(SQLModel, table=True):
    """Per-name counters, e.g. reference numbers per year."""

    __tablename__ = "sequence_counter"

    name: str = Field(primary_key=True, max_length=40)
    value: int = 0
