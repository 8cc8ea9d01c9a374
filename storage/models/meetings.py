"""Quarterly meetings of commune leaders with the cooperatives of their commune."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from storage.models.types import UTCDateTime, utcnow


class Meeting(SQLModel, table=True):
    """A meeting held; the first one logged in a quarter fulfils that quarter's duty."""

    __tablename__ = "meeting"
    __table_args__ = (Index("ix_meeting_commune_quarter", "commune_id", "quarter"),)

    id: int | None = Field(default=None, primary_key=True)
    commune_id: int = Field(foreign_key="admin_unit.id")
    quarter: str = Field(max_length=8, description="e.g. '2026Q2'.")
    held_on: dt.date
    logged_by_person_id: int | None = Field(default=None, foreign_key="person.id")
    notes: str = ""
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class MeetingAttendance(SQLModel, table=True):
    """A cooperative present at a meeting."""

    __tablename__ = "meeting_attendance"

    meeting_id: int = Field(foreign_key="meeting.id", primary_key=True)
    cooperative_id: int = Field(foreign_key="cooperative.id", primary_key=True)


class MeetingItem(SQLModel, table=True):
    """An agenda item discussed at a meeting and what came of it."""

    __tablename__ = "meeting_item"

    meeting_id: int = Field(foreign_key="meeting.id", primary_key=True)
    item_id: int = Field(foreign_key="feedback_item.id", primary_key=True)
    outcome: str = Field(max_length=24)
    decision: str | None = Field(default=None, description="What was decided, in a sentence.")
