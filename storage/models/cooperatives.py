"""Cooperatives (HTX), cooperative groups (THT), unions (LHHTX) and what is known of them."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.models.types import UTCDateTime, utcnow


class CooperativeKind(StrEnum):
    """The legal form of the organisation."""

    HTX = "HTX"
    THT = "THT"
    LHHTX = "LHHTX"


class CooperativeStatus(StrEnum):
    """Where the organisation is in its life."""

    ACTIVE = "active"
    CONSOLIDATING = "consolidating"
    DISSOLVING = "dissolving"
    DISSOLVED = "dissolved"


class Cooperative(SQLModel, table=True):
    """An organisation, not a person: its items outlive any one director."""

    __tablename__ = "cooperative"
    __table_args__ = (
        UniqueConstraint("registration_code", name="uq_cooperative_registration_code"),
        Index("ix_cooperative_name_commune", "folded_name", "commune_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=8)
    name: str = Field(max_length=200)
    folded_name: str = Field(max_length=200)
    registration_code: str | None = Field(default=None, max_length=40)
    commune_id: int = Field(foreign_key="admin_unit.id", index=True)
    sector: str | None = Field(default=None, max_length=80)
    founded_on: dt.date | None = None
    dissolved_on: dt.date | None = None
    status: str = Field(default=CooperativeStatus.ACTIVE, max_length=16)
    members: int | None = None
    ocop_stars: int | None = Field(default=None, description="Best OCOP rating held, 3-5.")
    high_tech: bool = False
    phone: str | None = Field(default=None, max_length=40)
    director_name: str | None = Field(default=None, max_length=120)
    # Set only by the demo loader: the code, dates and figures were made up for trying the
    # product, and everything shown from them says so. A real import never sets it.
    illustrative: bool = False
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class OcopProduct(SQLModel, table=True):
    """An OCOP-certified product; certificates last 36 months."""

    __tablename__ = "ocop_product"

    id: int | None = Field(default=None, primary_key=True)
    cooperative_id: int = Field(foreign_key="cooperative.id", index=True)
    name: str = Field(max_length=200)
    stars: int
    certified_on: dt.date | None = None
    expires_on: dt.date | None = Field(
        default=None, description="The last day the certificate is valid (36 months on)."
    )
    illustrative: bool = False


class CooperativeRating(SQLModel, table=True):
    """A rating under a named scheme; schemes change, so the scheme is part of the record."""

    __tablename__ = "cooperative_rating"
    __table_args__ = (
        UniqueConstraint("cooperative_id", "scheme", "year", name="uq_rating_per_scheme_year"),
    )

    id: int | None = Field(default=None, primary_key=True)
    cooperative_id: int = Field(foreign_key="cooperative.id", index=True)
    scheme: str = Field(max_length=40)
    grade: str = Field(max_length=40)
    score: float | None = None
    year: int
    operating_effectively: bool | None = Field(
        default=None, description="The separate yes/no judgement of the same year."
    )
    illustrative: bool = False


class PlanTarget(SQLModel, table=True):
    """One target of a development plan for a scope and period, e.g. '≥ 5 new HTX'."""

    __tablename__ = "plan_target"
    __table_args__ = (
        UniqueConstraint("plan_code", "scope_unit_id", "metric", name="uq_plan_target_metric"),
    )

    id: int | None = Field(default=None, primary_key=True)
    plan_code: str = Field(max_length=60)
    title: str = Field(max_length=300)
    scope_unit_id: int = Field(foreign_key="admin_unit.id", index=True)
    period_start: int = Field(description="First year of the plan.")
    period_end: int = Field(description="Last year of the plan.")
    metric: str = Field(max_length=40)
    target_min: float
    target_max: float | None = None
    unit_of_measure: str = Field(default="count", max_length=16)
    # The plan's own words for this target, kept beside it so /targets shows what is counted.
    definition: str | None = Field(default=None, max_length=500)
