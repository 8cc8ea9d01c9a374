"""Administrative units, effective-dated, and how they succeed each other.

A unit's identity is a surrogate id: codes were reused after the 2025 reform (31540 was
An Lạc Tây, now Thới An Hội), so (code, valid period) is what a code means at a date.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.models.types import UTCDateTime, utcnow


class UnitLevel(StrEnum):
    """Levels in use; the number of levels is data, never assumed by queries."""

    PROVINCE = "province"
    DISTRICT = "district"
    COMMUNE = "commune"


class SuccessionKind(StrEnum):
    """How an old unit passed into a new one."""

    MERGE = "merge"
    SPLIT = "split"
    RENAME = "rename"


class AdminUnit(SQLModel, table=True):
    """A province, district, commune or ward as it existed during [valid_from, valid_to)."""

    __tablename__ = "admin_unit"
    __table_args__ = (
        UniqueConstraint("level", "code", "valid_from", name="uq_admin_unit_code_period"),
        Index("ix_admin_unit_folded", "folded_name"),
    )

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=16, index=True)
    name: str = Field(max_length=200, description="Full name, e.g. 'Xã Trinh Phú'.")
    unit_type: str = Field(default="", max_length=40, description="e.g. 'Xã', 'Phường'.")
    folded_name: str = Field(
        max_length=200, description="Name without its type word, diacritics folded."
    )
    level: str = Field(max_length=16, index=True)
    parent_id: int | None = Field(default=None, foreign_key="admin_unit.id", index=True)
    valid_from: dt.date | None = Field(default=None)
    valid_to: dt.date | None = Field(default=None, description="Exclusive end; NULL = today.")
    source: str = Field(default="", max_length=40)

    def valid_on(self, day: dt.date) -> bool:
        """Tell whether the unit existed on ``day``."""
        started = self.valid_from is None or self.valid_from <= day
        not_ended = self.valid_to is None or day < self.valid_to
        return started and not_ended


class UnitSuccession(SQLModel, table=True):
    """``old`` passed (wholly or partly) into ``new`` on a date."""

    __tablename__ = "unit_succession"
    __table_args__ = (UniqueConstraint("old_id", "new_id", name="uq_unit_succession_pair"),)

    id: int | None = Field(default=None, primary_key=True)
    old_id: int = Field(foreign_key="admin_unit.id", index=True)
    new_id: int = Field(foreign_key="admin_unit.id", index=True)
    kind: str = Field(max_length=16)
    on: dt.date


class UnitAncestor(SQLModel, table=True):
    """Closure of the parent relation (each unit is its own ancestor at depth 0).

    Derived data, rebuilt after imports, so scope checks are one indexed join at any depth.
    """

    __tablename__ = "unit_ancestor"

    unit_id: int = Field(foreign_key="admin_unit.id", primary_key=True)
    ancestor_id: int = Field(foreign_key="admin_unit.id", primary_key=True, index=True)
    depth: int = 0


class UnitCurrent(SQLModel, table=True):
    """Which unit(s) of today a unit lives on in (itself when it still exists).

    Derived from the successions, rebuilt after imports: a 2021 commune maps to the 2025
    commune(s) that absorbed it, so items filed under old names land in today's scope.
    """

    __tablename__ = "unit_current"

    unit_id: int = Field(foreign_key="admin_unit.id", primary_key=True)
    current_id: int = Field(foreign_key="admin_unit.id", primary_key=True, index=True)


class UnitSuccessionCheck(SQLModel, table=True):
    """What the distance rule said of a succession of the package at the last import.

    One row per commune succession the package has, kept or not, so that ``coopbot units
    check`` shows what was rejected and how near the rest were; ``unit_succession`` holds only
    the kept ones, which are the ones scope follows.
    """

    __tablename__ = "unit_succession_check"

    old_id: int = Field(foreign_key="admin_unit.id", primary_key=True)
    new_id: int = Field(foreign_key="admin_unit.id", primary_key=True, index=True)
    verdict: str = Field(max_length=16, description="storage.succession_check.Verdict")
    distance_km: float | None = None
    nearest_km: float | None = Field(
        default=None, description="From the old commune to its nearest successor."
    )
    override: str | None = Field(
        default=None, max_length=8, description="The admin's decision applied, if any."
    )


class SuccessionDecision(StrEnum):
    """An admin's decision on a succession, whatever the distance rule says."""

    ACCEPT = "accept"
    REJECT = "reject"


class UnitSuccessionOverride(SQLModel, table=True):
    """An admin's decision on one succession, applied by every import.

    Keyed by codes rather than ids so that it can be given before the units are imported:
    commune codes are unique within an era (old communes end on the reform date, new ones
    start on it).
    """

    __tablename__ = "unit_succession_override"

    old_code: str = Field(max_length=16, primary_key=True)
    new_code: str = Field(max_length=16, primary_key=True)
    decision: str = Field(max_length=8)
    updated_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
