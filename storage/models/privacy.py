"""What the personal-data law asks to keep: each person's choice on the notice, and the
requests people make about their data (a copy, a correction, withdrawal, erasure)."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from sqlmodel import Field, SQLModel

from storage.models.types import UTCDateTime, utcnow


class ConsentDecision(StrEnum):
    """What a person chose when shown the notice (or did later)."""

    AGREED = "agreed"
    DECLINED = "declined"  # nobody was admitted: the row keeps only the fact
    WITHDRAWN = "withdrawn"


class Consent(SQLModel, table=True):
    """One choice on one version of the notice, on one channel.

    A refusal before admission has no person: nothing about who refused is kept.
    """

    __tablename__ = "consent"

    id: int | None = Field(default=None, primary_key=True)
    person_id: int | None = Field(default=None, foreign_key="person.id", index=True)
    notice_version: str = Field(max_length=16)
    decision: str = Field(max_length=12)
    channel: str = Field(max_length=16)
    decided_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class PrivacyRequestKind(StrEnum):
    """What a person asked about their data."""

    COPY = "copy"
    CORRECTION = "correction"
    WITHDRAWAL = "withdrawal"
    ERASURE = "erasure"


class PrivacyRequestState(StrEnum):
    """Where a request stands."""

    OPEN = "open"
    DONE = "done"
    REFUSED = "refused"


class PrivacyRequest(SQLModel, table=True):
    """A request about one's personal data, with the legal deadline for answering it."""

    __tablename__ = "privacy_request"

    id: int | None = Field(default=None, primary_key=True)
    # Kept after an erasure (the request itself must be answerable), the person then anonymous.
    person_id: int | None = Field(default=None, foreign_key="person.id", index=True)
    kind: str = Field(max_length=12)
    state: str = Field(default=PrivacyRequestState.OPEN, max_length=12)
    channel: str = Field(max_length=16, description="Where it was asked: a channel or 'cli'.")
    details: str | None = Field(default=None, max_length=1000)
    received_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    due_at: dt.datetime = Field(sa_type=UTCDateTime)
    done_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
