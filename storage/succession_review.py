"""What the last import decided of each commune succession, for ``coopbot units check``."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlmodel import col

from storage.models import AdminUnit, SuccessionDecision, UnitSuccessionCheck
from storage.succession_check import Verdict
from storage.units_import import REFORM_DATE, is_kept


@dataclass(frozen=True)
class CheckedSuccession:
    """One succession of the package, the units it joins, and what became of it."""

    old_code: str
    old_commune: str
    old_district: str
    old_province: str
    new_code: str
    new_commune: str
    new_province: str
    verdict: str
    override: str | None
    distance_km: float | None
    nearest_km: float | None

    @property
    def kept(self) -> bool:
        """Tell whether the succession is stored (and so followed by scope)."""
        return is_kept(self.verdict, self.override)

    @property
    def status(self) -> str:
        """Return what became of it, in the operator's words."""
        if self.override == SuccessionDecision.ACCEPT:
            return "accepted by admin"
        if self.override == SuccessionDecision.REJECT:
            return "rejected by admin"
        return "kept" if self.kept else "rejected"


@dataclass(frozen=True)
class SuccessionReview:
    """The counts of kept and rejected successions, and the ones to show."""

    kept: int
    rejected: int
    shown: list[CheckedSuccession]


async def review_successions(
    session: AsyncSession, *, province_code: str | None, with_kept: bool = False
) -> SuccessionReview:
    """Return the checked successions into the province of today ``province_code`` (or all).

    Shown are the rejected ones and those an admin decided; ``with_kept`` adds the other
    successions of old communes with several successors, to pick one to reject. The farthest
    come first.
    """
    old, district, old_province = aliased(AdminUnit), aliased(AdminUnit), aliased(AdminUnit)
    new, new_province = aliased(AdminUnit), aliased(AdminUnit)
    query = (
        select(
            col(old.code),
            col(old.name),
            col(district.name),
            col(old_province.name),
            col(new.code),
            col(new.name),
            col(new_province.name),
            col(UnitSuccessionCheck.verdict),
            col(UnitSuccessionCheck.override),
            col(UnitSuccessionCheck.distance_km),
            col(UnitSuccessionCheck.nearest_km),
        )
        .join(old, col(old.id) == col(UnitSuccessionCheck.old_id))
        .join(new, col(new.id) == col(UnitSuccessionCheck.new_id))
        .outerjoin(district, col(district.id) == col(old.parent_id))
        .outerjoin(old_province, col(old_province.id) == col(district.parent_id))
        .outerjoin(new_province, col(new_province.id) == col(new.parent_id))
    )
    if province_code is not None:
        query = query.where(
            col(new_province.code) == province_code,
            col(new_province.valid_from) == REFORM_DATE,
        )
    checked = [
        CheckedSuccession(
            old_code,
            old_name,
            district_name or "",
            old_province_name or "",
            new_code,
            new_name,
            new_province_name or "",
            verdict,
            override,
            distance_km,
            nearest_km,
        )
        for (
            old_code,
            old_name,
            district_name,
            old_province_name,
            new_code,
            new_name,
            new_province_name,
            verdict,
            override,
            distance_km,
            nearest_km,
        ) in await session.execute(query)
    ]
    shown = [
        c
        for c in checked
        if not c.kept
        or c.override is not None
        or (with_kept and c.verdict in (Verdict.NEAR, Verdict.UNJUDGED))
    ]
    shown.sort(key=lambda c: (-(c.distance_km or 0.0), c.old_code, c.new_code))
    kept = sum(c.kept for c in checked)
    return SuccessionReview(kept, len(checked) - kept, shown)
