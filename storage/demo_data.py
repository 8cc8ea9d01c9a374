"""Load the Kế Sách demo data set: units of both eras, cooperatives, plan targets, offices.

The names and communes of the cooperatives are public (a 2021 news item); their codes
(``DEMO-…``), dates, member counts, ratings, OCOP products and high-tech flags are made up,
and every row holding them is flagged ``illustrative`` so whatever shows them says so.

Loading is idempotent: units are matched on (level, code, valid_from), the same identity the
whole-country import uses, so the two can be combined in any order without duplicates.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from importlib import resources
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from storage.categories import ensure_default_categories
from storage.models import (
    AdminUnit,
    Cooperative,
    CooperativeRating,
    OcopProduct,
    Office,
    PlanTarget,
    SuccessionKind,
    UnitLevel,
    UnitSuccession,
)
from storage.offices import add_office
from storage.targets import OCOP_VALID_MONTHS, add_months
from storage.text import fold, fold_unit_name, nfc
from storage.units import rebuild_unit_closure, resolve_unit

MEETING_DATE = dt.date(2021, 2, 25)
SOURCE = "demo"


@dataclass
class DemoReport:
    """What a demo load added (zero everywhere on a second run)."""

    units_added: int = 0
    successions_added: int = 0
    cooperatives_added: int = 0
    targets_added: int = 0
    offices_added: int = 0


def load_demo_document() -> dict[str, Any]:
    """Return the shipped demo data set."""
    text = resources.files("storage.demo").joinpath("ke_sach.json").read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


class _UnitBook:
    """Existing units by identity, adding the missing ones."""

    def __init__(self, session: AsyncSession, report: DemoReport) -> None:
        self.session = session
        self.report = report
        self.known: dict[tuple[str, str, dt.date | None], AdminUnit] = {}

    async def load(self, codes: set[str]) -> None:
        rows = await self.session.execute(select(AdminUnit).where(col(AdminUnit.code).in_(codes)))
        for unit in rows.scalars():
            self.known[(unit.level, unit.code, unit.valid_from)] = unit

    async def ensure(
        self,
        *,
        level: str,
        code: str,
        name: str,
        unit_type: str,
        parent: AdminUnit | None,
        valid_from: dt.date | None,
        valid_to: dt.date | None,
    ) -> AdminUnit:
        key = (level, code, valid_from)
        unit = self.known.get(key)
        if unit is None:
            unit = AdminUnit(
                code=code,
                name=nfc(name),
                unit_type=unit_type,
                folded_name=fold_unit_name(name),
                level=level,
                parent_id=parent.id if parent else None,
                valid_from=valid_from,
                valid_to=valid_to,
                source=SOURCE,
            )
            self.session.add(unit)
            await self.session.flush()
            self.known[key] = unit
            self.report.units_added += 1
        return unit


async def _ensure_succession(
    session: AsyncSession,
    report: DemoReport,
    old: AdminUnit,
    new: AdminUnit,
    kind: str,
    on: dt.date,
) -> None:
    found = await session.execute(
        select(UnitSuccession).where(
            col(UnitSuccession.old_id) == old.id, col(UnitSuccession.new_id) == new.id
        )
    )
    if found.scalar_one_or_none() is None:
        session.add(UnitSuccession(old_id=old.id or 0, new_id=new.id or 0, kind=kind, on=on))
        report.successions_added += 1


def _succession_kind(old_name: str, new_name: str, sources: int) -> str:
    if sources > 1:
        return SuccessionKind.MERGE
    return SuccessionKind.RENAME if fold(old_name) != fold(new_name) else SuccessionKind.MERGE


async def _load_units(
    session: AsyncSession, doc: dict[str, Any], report: DemoReport
) -> dict[str, dict[str, AdminUnit]]:
    reform = dt.date.fromisoformat(doc["reform_date"])
    book = _UnitBook(session, report)
    codes = {
        u["code"]
        for group in (
            "old_provinces",
            "new_provinces",
            "old_districts",
            "old_communes",
            "new_communes",
        )
        for u in doc[group]
    }
    await book.load(codes)
    old_province = {}
    for u in doc["old_provinces"]:
        old_province[u["code"]] = await book.ensure(
            level=UnitLevel.PROVINCE,
            code=u["code"],
            name=u["name"],
            unit_type=u["type"],
            parent=None,
            valid_from=None,
            valid_to=reform,
        )
    new_province = {}
    for u in doc["new_provinces"]:
        new_province[u["code"]] = await book.ensure(
            level=UnitLevel.PROVINCE,
            code=u["code"],
            name=u["name"],
            unit_type=u["type"],
            parent=None,
            valid_from=reform,
            valid_to=None,
        )
    districts = {}
    for u in doc["old_districts"]:
        districts[u["code"]] = await book.ensure(
            level=UnitLevel.DISTRICT,
            code=u["code"],
            name=u["name"],
            unit_type=u["type"],
            parent=old_province[u["province"]],
            valid_from=None,
            valid_to=reform,
        )
    old_communes = {}
    for u in doc["old_communes"]:
        old_communes[u["code"]] = await book.ensure(
            level=UnitLevel.COMMUNE,
            code=u["code"],
            name=u["name"],
            unit_type=u["type"],
            parent=districts[u["district"]],
            valid_from=None,
            valid_to=reform,
        )
    new_communes = {}
    for u in doc["new_communes"]:
        unit = await book.ensure(
            level=UnitLevel.COMMUNE,
            code=u["code"],
            name=u["name"],
            unit_type=u["type"],
            parent=new_province[u["province"]],
            valid_from=reform,
            valid_to=None,
        )
        new_communes[u["code"]] = unit
        for old_code in u["from"]:
            old = old_communes[old_code]
            kind = _succession_kind(old.name, unit.name, len(u["from"]))
            await _ensure_succession(session, report, old, unit, kind, reform)
    for u in doc["new_provinces"]:
        for old_code in u["from"]:
            await _ensure_succession(
                session,
                report,
                old_province[old_code],
                new_province[u["code"]],
                SuccessionKind.MERGE,
                reform,
            )
    await session.flush()
    await rebuild_unit_closure(session)
    return {"districts": districts, "old_communes": old_communes, "new_communes": new_communes}


async def _load_cooperatives(
    session: AsyncSession, doc: dict[str, Any], report: DemoReport
) -> None:
    for entry in doc["cooperatives"]:
        resolved = await resolve_unit(
            session, entry["commune"], on=MEETING_DATE, levels=[UnitLevel.COMMUNE]
        )
        commune = resolved.today or resolved.unit
        folded = fold(entry["name"])
        # By name and commune as well as by code: a cooperative of this name already there
        # (a real registry's, or an earlier demo's) is left as it is, never duplicated.
        same_place = (col(Cooperative.folded_name) == folded) & (
            col(Cooperative.commune_id) == commune.id
        )
        query = select(col(Cooperative.id)).where(
            or_(same_place, col(Cooperative.registration_code) == entry["registration_code"])
            if entry["registration_code"]
            else same_place
        )
        if (await session.execute(query.limit(1))).first() is not None:
            continue
        session.add(
            Cooperative(
                kind=entry["kind"],
                name=nfc(entry["name"]),
                folded_name=folded,
                registration_code=entry["registration_code"],
                commune_id=commune.id or 0,
                sector=entry["sector"],
                founded_on=dt.date.fromisoformat(entry["founded_on"]),
                members=entry["members"],
                illustrative=True,
            )
        )
        report.cooperatives_added += 1
    await session.flush()


async def _load_plan(
    session: AsyncSession,
    doc: dict[str, Any],
    units: dict[str, dict[str, AdminUnit]],
    report: DemoReport,
) -> None:
    plan = doc["plan"]
    scope = units["districts"][plan["scope"]["code"]]
    existing = await session.execute(
        select(col(PlanTarget.metric)).where(
            col(PlanTarget.plan_code) == plan["code"], col(PlanTarget.scope_unit_id) == scope.id
        )
    )
    known = set(existing.scalars())
    for target in plan["targets"]:
        if target["metric"] in known:
            continue
        session.add(
            PlanTarget(
                plan_code=plan["code"],
                title=plan["title"],
                scope_unit_id=scope.id or 0,
                period_start=plan["period_start"],
                period_end=plan["period_end"],
                metric=target["metric"],
                target_min=target["min"],
                target_max=target.get("max"),
                unit_of_measure=target.get("unit", "count"),
                definition=target.get("definition"),
            )
        )
        report.targets_added += 1


async def _load_offices(session: AsyncSession, doc: dict[str, Any], report: DemoReport) -> None:
    """Add each commune's Phòng Kinh tế and the city's departments, with the categories each
    handles (a suggestion for trying the product; a province sets its own routes)."""
    known = set((await session.execute(select(col(Office.key)))).scalars())
    for entry in doc["offices"]:
        if entry["key"] in known:
            continue
        levels = ["commune", "province"]
        resolved = await resolve_unit(session, entry["unit"], levels=levels)
        await add_office(
            session,
            entry["key"],
            entry["name"],
            unit_id=resolved.unit.id,
            category_keys=entry["categories"],
        )
        report.offices_added += 1


async def _load_illustrative(session: AsyncSession, doc: dict[str, Any]) -> None:
    """Load the illustrative ratings, OCOP products and high-tech flags (idempotent).

    Only onto the demo's own cooperatives: a real cooperative of the same name gets nothing.
    """
    extra = doc.get("illustrative", {})
    demo_rows = await session.execute(select(Cooperative).where(col(Cooperative.illustrative)))
    by_name = {c.folded_name: c for c in demo_rows.scalars()}
    for rating in extra.get("ratings", []):
        coop = by_name.get(fold(rating["cooperative"]))
        if coop is None:
            continue
        exists = await session.execute(
            select(CooperativeRating).where(
                col(CooperativeRating.cooperative_id) == coop.id,
                col(CooperativeRating.scheme) == rating["scheme"],
                col(CooperativeRating.year) == rating["year"],
            )
        )
        if exists.scalar_one_or_none() is None:
            session.add(
                CooperativeRating(
                    cooperative_id=coop.id or 0,
                    scheme=rating["scheme"],
                    grade=rating["grade"],
                    score=rating["score"],
                    year=rating["year"],
                    operating_effectively=rating["effective"],
                    illustrative=True,
                )
            )
    for product in extra.get("ocop_products", []):
        coop = by_name.get(fold(product["cooperative"]))
        if coop is None:
            continue
        exists = await session.execute(
            select(OcopProduct).where(
                col(OcopProduct.cooperative_id) == coop.id,
                col(OcopProduct.name) == product["name"],
            )
        )
        if exists.scalar_one_or_none() is None:
            certified = dt.date.fromisoformat(product["certified_on"])
            session.add(
                OcopProduct(
                    cooperative_id=coop.id or 0,
                    name=product["name"],
                    stars=product["stars"],
                    certified_on=certified,
                    expires_on=add_months(certified, OCOP_VALID_MONTHS),
                    illustrative=True,
                )
            )
    for name in extra.get("high_tech", []):
        coop = by_name.get(fold(name))
        if coop is not None:
            coop.high_tech = True
    await session.flush()


async def load_demo_data(session: AsyncSession) -> DemoReport:
    """Load (or complete) the Kế Sách demo data set in the caller's transaction."""
    doc = load_demo_document()
    report = DemoReport()
    await ensure_default_categories(session)
    units = await _load_units(session, doc, report)
    await _load_cooperatives(session, doc, report)
    await _load_plan(session, doc, units, report)
    await _load_offices(session, doc, report)
    await _load_illustrative(session, doc)
    await session.flush()
    return report
