"""Import Vietnam's administrative units of both eras from the ``vietnamadminunits`` package.

The package (MIT) ships the 34 provinces and 3,321 communes in force since 1 July 2025, the
63 provinces, 696 districts and 10,035 communes before it, and how each old unit passed into the
new ones. Its SQLite and JSON files are read directly, which is much faster than its API.

Units are identified by (level, code, valid_from) with NULL equal to NULL, because codes were
reused across the reform (commune 31540 was Xã An Lạc Tây, it is now Xã Thới An Hội). Rows
that already exist with that identity, e.g. from the demo data set, are updated in place, so
running the import again changes nothing.

Commune successions are checked with the package's centroids (``storage.succession_check``):
the implausible ones are not stored, so scope never follows them, and every verdict is kept
in ``unit_succession_check`` for ``coopbot units check``. An admin's decisions
(``unit_succession_override``) win over the rule.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import sqlite3
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from contextlib import closing
from dataclasses import dataclass, field
from importlib import resources
from typing import Any, TypeVar

from sqlalchemy import delete, insert, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from storage.errors import N_, Ambiguous, NotFound
from storage.models import (
    AdminUnit,
    SuccessionDecision,
    SuccessionKind,
    UnitLevel,
    UnitSuccession,
    UnitSuccessionCheck,
    UnitSuccessionOverride,
)
from storage.succession_check import Judgement, Point, Verdict, judge_successions
from storage.text import fold, fold_unit_name, nfc
from storage.units import rebuild_unit_closure

SOURCE = "vietnamadminunits"
REFORM_DATE = dt.date(2025, 7, 1)

# Stages reported to the progress callback, in order.
STAGES = ("reading", "units", "successions", "checks", "closure")

ProgressCallback = Callable[[str, int, int], None]
"""Called as ``progress(stage, done, total)`` while an import runs."""

_CHUNK = 2000
_LEVEL_ORDER = (UnitLevel.PROVINCE, UnitLevel.DISTRICT, UnitLevel.COMMUNE)
_UNIT_FIELDS = ("name", "unit_type", "folded_name", "parent_id", "valid_to", "source")

Identity = tuple[str, str, dt.date | None]
T = TypeVar("T")


@dataclass(frozen=True)
class ChangeCounts:
    """How many rows an import added, changed, and found already as they should be."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0

    @property
    def total(self) -> int:
        """Return the number of rows the import concerned."""
        return self.added + self.updated + self.unchanged


@dataclass(frozen=True)
class ImportReport:
    """What an import of administrative units did."""

    provinces: tuple[str, ...]
    """Names of the provinces of today whose units (and their predecessors') were imported."""
    units: ChangeCounts
    successions: ChangeCounts
    """The successions stored: the package's, less the rejected ones."""
    rejected: int = 0
    """Successions not stored: implausible by the distance rule, or rejected by an admin."""


@dataclass(frozen=True)
class SourceUnit:
    """One unit as the package describes it, keyed by the package's folded names."""

    key: str
    level: str
    code: str
    name: str
    unit_type: str
    parent_key: str | None
    valid_from: dt.date | None
    valid_to: dt.date | None
    group: str
    """Key of the province of today the unit belongs to, or whose predecessor it belongs to."""

    @property
    def identity(self) -> Identity:
        """Return what identifies the unit in the database."""
        return (self.level, self.code, self.valid_from)


@dataclass(frozen=True)
class SourceSuccession:
    """An old unit passed (wholly or partly) into a new one on the reform date."""

    old_key: str
    new_key: str
    kind: str


@dataclass
class SourceData:
    """Everything read from the package: units parent-first, successions, province names."""

    units: list[SourceUnit] = field(default_factory=list)
    successions: list[SourceSuccession] = field(default_factory=list)
    province_aliases: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    """Folded spellings of every province name of either era → keys of provinces of today."""
    points: dict[str, Point] = field(default_factory=dict)
    """Centroids of communes of both eras (the package has them for every commune)."""
    judgements: dict[tuple[str, str], Judgement] = field(default_factory=dict)
    """The distance rule's verdict on every commune succession, by (old key, new key)."""

    _seen: set[str] = field(default_factory=set, repr=False)

    def add(self, unit: SourceUnit) -> None:
        """Add a unit once (the package repeats provinces and districts on every row)."""
        if unit.key not in self._seen:
            self._seen.add(unit.key)
            self.units.append(unit)

    def add_province(self, row: sqlite3.Row, key: str, group: str, *, current: bool) -> None:
        """Add the province of a package row, and its spellings as aliases of ``group``."""
        name = nfc(row["province"])
        for spelling in (fold(name), fold_unit_name(name), row["provinceShortKey"]):
            self.province_aliases[spelling.replace(" ", "")].add(group)
        self.add(
            SourceUnit(
                key=key,
                level=UnitLevel.PROVINCE,
                code=row["provinceCode"],
                name=name,
                unit_type=_type_of(name, nfc(row["provinceShort"])),
                parent_key=None,
                valid_from=REFORM_DATE if current else None,
                valid_to=None if current else REFORM_DATE,
                group=group,
            )
        )

    def group_name(self, group: str) -> str:
        """Return the name of the province of today whose key is ``group``."""
        return self.group_unit(group).name

    def group_unit(self, group: str) -> SourceUnit:
        """Return the province of today whose key is ``group``."""
        key = _new_key(group)
        return next(u for u in self.units if u.key == key)


def _new_key(province: str, ward: str | None = None) -> str:
    return f"new:{province}" if ward is None else f"new:{province}:{ward}"


def _old_key(province: str, district: str | None = None, ward: str | None = None) -> str:
    return ":".join(["old", province, *(part for part in (district, ward) if part)])


def _type_of(name: str, short: str) -> str:
    """Return the type word of a unit's full name given its short name ('Tỉnh', 'Thành phố')."""
    return name[: -len(short)].strip() if short and name.endswith(short) else ""


def _package_file(name: str) -> Any:
    return resources.files("vietnamadminunits") / "data" / name


def read_source() -> SourceData:
    """Read the package's data files into units and successions (blocking file I/O)."""
    with (
        resources.as_file(_package_file("dataset.db")) as path,
        closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as connection,
    ):
        connection.row_factory = sqlite3.Row
        current_rows = connection.execute(
            "SELECT province, provinceShort, provinceCode, provinceKey, provinceShortKey,"
            " ward, wardType, wardCode, wardKey, wardLat, wardLon FROM admin_units"
            " ORDER BY provinceCode, wardCode"
        ).fetchall()
        legacy_rows = connection.execute(
            "SELECT province, provinceShort, provinceCode, provinceKey, provinceShortKey,"
            " district, districtType, districtCode, districtKey,"
            " ward, wardType, wardCode, wardKey, wardLat, wardLon FROM admin_units_legacy"
            " ORDER BY provinceCode, districtCode, wardCode"
        ).fetchall()
    converter = json.loads(_package_file("converter_2025.json").read_text(encoding="utf-8"))
    return _build_source(current_rows, legacy_rows, converter)


def _build_source(
    current_rows: Sequence[sqlite3.Row], legacy_rows: Sequence[sqlite3.Row], converter: Any
) -> SourceData:
    data = SourceData()
    group_of_old: dict[str, str] = {
        old: new for new, olds in converter["DICT_PROVINCE"].items() for old in olds
    }
    for row in current_rows:
        group = row["provinceKey"]
        province_key = _new_key(group)
        data.add_province(row, province_key, group, current=True)
        ward_key = _new_key(group, row["wardKey"])
        data.add(_unit(row, "ward", ward_key, province_key, group, current=True))
        _add_point(data, ward_key, row)
    for row in legacy_rows:
        group = group_of_old[row["provinceKey"]]
        province_key = _old_key(row["provinceKey"])
        data.add_province(row, province_key, group, current=False)
        district_key = _old_key(row["provinceKey"], row["districtKey"])
        data.add(_unit(row, "district", district_key, province_key, group, current=False))
        if not row["ward"]:
            continue  # an island district without communes (it became a special zone)
        ward_key = _old_key(row["provinceKey"], row["districtKey"], row["wardKey"])
        data.add(_unit(row, "ward", ward_key, district_key, group, current=False))
        _add_point(data, ward_key, row)
    units = {u.key: u for u in data.units}
    data.successions = _classify(_succession_pairs(converter), units)
    data.judgements = judge_successions(
        ((s.old_key, s.new_key) for s in data.successions if _is_commune(units[s.old_key])),
        data.points,
        districts={u.key: u.parent_key for u in data.units if _is_commune(u)},
    )
    return data


def _add_point(data: SourceData, key: str, row: sqlite3.Row) -> None:
    if row["wardLat"] is not None and row["wardLon"] is not None:
        data.points[key] = Point(row["wardLat"], row["wardLon"])


def _is_commune(unit: SourceUnit) -> bool:
    return unit.level == UnitLevel.COMMUNE


_LEVEL_OF_COLUMN = {"district": UnitLevel.DISTRICT, "ward": UnitLevel.COMMUNE}


def _unit(
    row: sqlite3.Row, column: str, key: str, parent_key: str, group: str, *, current: bool
) -> SourceUnit:
    """Return the district or commune (``column``) of a package row."""
    return SourceUnit(
        key=key,
        level=_LEVEL_OF_COLUMN[column],
        code=row[f"{column}Code"],
        name=nfc(row[column]),
        unit_type=nfc(row[f"{column}Type"] or ""),
        parent_key=parent_key,
        valid_from=REFORM_DATE if current else None,
        valid_to=None if current else REFORM_DATE,
        group=group,
    )


def _succession_pairs(converter: Any) -> list[tuple[str, str]]:
    """Return (old key, new key) of every province and commune the converter maps."""
    pairs: list[tuple[str, str]] = [
        (_old_key(old), _new_key(new))
        for new, olds in converter["DICT_PROVINCE"].items()
        for old in olds
    ]
    for new_province, wards in converter["DICT_PROVINCE_WARD_NO_DIVIDED"].items():
        for new_ward, olds in wards.items():
            pairs.extend(
                (_old_key(*old.split("_")), _new_key(new_province, new_ward)) for old in olds
            )
    for new_province, divided in converter["DICT_PROVINCE_WARD_DIVIDED"].items():
        for old, parts in divided.items():
            pairs.extend(
                (_old_key(*old.split("_")), _new_key(new_province, part["newWardKey"]))
                for part in parts
            )
    return pairs


def _classify(
    pairs: Iterable[tuple[str, str]], units: dict[str, SourceUnit]
) -> list[SourceSuccession]:
    """Name each (old, new) pair: split, merge, or rename.

    One old unit into several new ones is a split; several into one a merge. One into one is a
    rename for provinces, and for communes when the name changed; a commune that passed alone
    into a namesake is recorded as a merge (of one), as the demo data set does.
    """
    unique = sorted({(old, new) for old, new in pairs if old in units and new in units})
    successors = Counter(old for old, _ in unique)
    predecessors = Counter(new for _, new in unique)
    result = []
    for old, new in unique:
        if successors[old] > 1:
            kind = SuccessionKind.SPLIT
        elif predecessors[new] > 1:
            kind = SuccessionKind.MERGE
        elif units[old].level == UnitLevel.PROVINCE or fold(units[old].name) != fold(
            units[new].name
        ):
            kind = SuccessionKind.RENAME
        else:
            kind = SuccessionKind.MERGE
        result.append(SourceSuccession(old, new, kind))
    return result


def find_province(data: SourceData, name: str) -> str:
    """Return the key of the province of today that ``name`` (of either era) belongs to.

    Raises:
        NotFound: no province of either era is called ``name``.
        Ambiguous: the name belongs to several provinces of today.
    """
    spellings = {fold(name).replace(" ", ""), fold_unit_name(name).replace(" ", "")}
    matches: set[str] = set()
    for spelling in spellings:
        matches |= data.province_aliases.get(spelling, set())
    groups = sorted(matches)
    if not groups or not name.strip():
        raise NotFound(N_("No province called “{name}” was found."), name=name)
    if len(groups) > 1:
        raise Ambiguous(
            N_("“{name}” matches several provinces: {candidates}."),
            name=name,
            candidates=[data.group_name(g) for g in groups],
        )
    return groups[0]


def _chunks(rows: Sequence[T], size: int = _CHUNK) -> Iterable[Sequence[T]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


async def _existing_units(session: AsyncSession, level: str) -> dict[Identity, dict[str, Any]]:
    """Load the units of ``level`` by identity (the lowest id wins if a NULL let one repeat)."""
    rows = await session.execute(
        select(
            col(AdminUnit.id),
            col(AdminUnit.code),
            col(AdminUnit.valid_from),
            *(getattr(AdminUnit, name) for name in _UNIT_FIELDS),
        )
        .where(col(AdminUnit.level) == level)
        .order_by(col(AdminUnit.id).desc())
    )
    return {(level, row.code, row.valid_from): row._asdict() for row in rows}


async def import_units(
    session: AsyncSession,
    *,
    province: str | None,
    progress: ProgressCallback | None = None,
    source: SourceData | None = None,
) -> ImportReport:
    """Import the units of ``province`` (a name of either era), or of the country when None.

    A province of today comes with all its predecessor provinces, their districts and
    communes, and the successions among them. Existing rows with the same (level, code,
    valid_from) are updated in place; the derived closure tables are rebuilt at the end. Runs
    in the caller's transaction and commits nothing. ``source`` is the package's data when the
    caller has read it already (``read_source``).

    Raises:
        NotFound: ``province`` names no province of either era.
        Ambiguous: ``province`` names provinces that went into different provinces of today.
    """

    def report(stage: str, done: int, total: int) -> None:
        if progress is not None:
            progress(stage, done, total)

    report("reading", 0, 1)
    data = source if source is not None else await asyncio.to_thread(read_source)
    groups = {find_province(data, province)} if province is not None else None
    units = [u for u in data.units if groups is None or u.group in groups]
    wanted = {u.key for u in units}
    successions = [s for s in data.successions if s.old_key in wanted and s.new_key in wanted]
    report("reading", 1, 1)

    ids: dict[str, int] = {}
    added = updated = unchanged = 0
    report("units", 0, len(units))
    for level in _LEVEL_ORDER:
        existing = await _existing_units(session, level)
        new_rows: list[dict[str, Any]] = []
        changed_rows: list[dict[str, Any]] = []
        for unit in (u for u in units if u.level == level):
            values = {
                "name": unit.name,
                "unit_type": unit.unit_type,
                "folded_name": fold_unit_name(unit.name),
                "parent_id": ids[unit.parent_key] if unit.parent_key else None,
                "valid_to": unit.valid_to,
                "source": SOURCE,
            }
            row = existing.get(unit.identity)
            if row is None:
                new_rows.append(
                    {"level": level, "code": unit.code, "valid_from": unit.valid_from, **values}
                )
            elif any(row[name] != value for name, value in values.items()):
                changed_rows.append({"id": row["id"], **values})
            else:
                unchanged += 1
        for chunk in _chunks(changed_rows):
            await session.execute(update(AdminUnit), list(chunk))
            updated += len(chunk)
            report("units", added + updated + unchanged, len(units))
        for chunk in _chunks(new_rows):
            await session.execute(insert(AdminUnit), list(chunk))
            added += len(chunk)
            report("units", added + updated + unchanged, len(units))
        if new_rows:
            existing = await _existing_units(session, level)
        ids.update((u.key, existing[u.identity]["id"]) for u in units if u.level == level)
    report("units", len(units), len(units))
    unit_counts = ChangeCounts(added, updated, unchanged)

    by_key = {u.key: u for u in units}
    decisions = await stored_decisions(session)
    kept, rejected = _apply_checks(successions, data.judgements, decisions, by_key)
    succession_counts = await _import_successions(
        session, _classify(((s.old_key, s.new_key) for s in kept), by_key), ids, report
    )
    await _forget_successions(session, [(ids[s.old_key], ids[s.new_key]) for s in rejected])
    await _record_checks(session, successions, data.judgements, decisions, by_key, ids, report)

    report("closure", 0, 1)
    await rebuild_unit_closure(session)
    report("closure", 1, 1)
    names = sorted(data.group_name(g) for g in (groups or {u.group for u in data.units}))
    return ImportReport(tuple(names), unit_counts, succession_counts, len(rejected))


async def stored_decisions(session: AsyncSession) -> dict[tuple[str, str], str]:
    """Return the admins' decisions on successions, by (old code, new code)."""
    rows = await session.execute(
        select(
            col(UnitSuccessionOverride.old_code),
            col(UnitSuccessionOverride.new_code),
            col(UnitSuccessionOverride.decision),
        )
    )
    return {(old, new): decision for old, new, decision in rows}


def is_kept(verdict: str, decision: str | None) -> bool:
    """Tell whether a succession is stored: an admin's decision wins over the rule."""
    if decision is not None:
        return decision == SuccessionDecision.ACCEPT
    return Verdict(verdict).kept


def _apply_checks(
    successions: Sequence[SourceSuccession],
    judgements: dict[tuple[str, str], Judgement],
    decisions: dict[tuple[str, str], str],
    units: dict[str, SourceUnit],
) -> tuple[list[SourceSuccession], list[SourceSuccession]]:
    """Split successions into those to store and those rejected (provinces are never judged)."""
    kept, rejected = [], []
    for succession in successions:
        judgement = judgements.get((succession.old_key, succession.new_key))
        codes = (units[succession.old_key].code, units[succession.new_key].code)
        if judgement is None or is_kept(judgement.verdict, decisions.get(codes)):
            kept.append(succession)
        else:
            rejected.append(succession)
    return kept, rejected


async def _forget_successions(session: AsyncSession, pairs: Sequence[tuple[int, int]]) -> None:
    """Delete rejected successions an earlier import (before the check existed) stored."""
    for chunk in _chunks(pairs, 500):
        await session.execute(
            delete(UnitSuccession).where(
                tuple_(col(UnitSuccession.old_id), col(UnitSuccession.new_id)).in_(chunk)
            )
        )


async def _record_checks(
    session: AsyncSession,
    successions: Sequence[SourceSuccession],
    judgements: dict[tuple[str, str], Judgement],
    decisions: dict[tuple[str, str], str],
    units: dict[str, SourceUnit],
    ids: dict[str, int],
    report: ProgressCallback,
) -> None:
    """Replace the recorded verdicts on the imported old communes' successions."""
    rows: list[dict[str, Any]] = []
    for succession in successions:
        judgement = judgements.get((succession.old_key, succession.new_key))
        if judgement is None:
            continue
        old, new = units[succession.old_key], units[succession.new_key]
        rows.append(
            {
                "old_id": ids[old.key],
                "new_id": ids[new.key],
                "verdict": str(judgement.verdict),
                "distance_km": _rounded(judgement.distance_km),
                "nearest_km": _rounded(judgement.nearest_km),
                "override": decisions.get((old.code, new.code)),
            }
        )
    report("checks", 0, len(rows))
    old_ids: list[int] = sorted({row["old_id"] for row in rows})
    for id_chunk in _chunks(old_ids, 500):
        await session.execute(
            delete(UnitSuccessionCheck).where(col(UnitSuccessionCheck.old_id).in_(id_chunk))
        )
    done = 0
    for chunk in _chunks(rows):
        await session.execute(insert(UnitSuccessionCheck), list(chunk))
        done += len(chunk)
        report("checks", done, len(rows))
    report("checks", len(rows), len(rows))


def _rounded(km: float | None) -> float | None:
    # Metres are noise for centroids geocoded to a few hundred metres at best; rounding also
    # makes the stored figures the same on SQLite and PostgreSQL.
    return None if km is None else round(km, 1)


async def _import_successions(
    session: AsyncSession,
    successions: Sequence[SourceSuccession],
    ids: dict[str, int],
    report: ProgressCallback,
) -> ChangeCounts:
    rows = await session.execute(
        select(
            col(UnitSuccession.id),
            col(UnitSuccession.old_id),
            col(UnitSuccession.new_id),
            col(UnitSuccession.kind),
            col(UnitSuccession.on),
        )
    )
    existing = {(r.old_id, r.new_id): r for r in rows}
    new_rows: list[dict[str, Any]] = []
    changed_rows: list[dict[str, Any]] = []
    unchanged = 0
    for succession in successions:
        pair = (ids[succession.old_key], ids[succession.new_key])
        values = {"kind": str(succession.kind), "on": REFORM_DATE}
        row = existing.get(pair)
        if row is None:
            new_rows.append({"old_id": pair[0], "new_id": pair[1], **values})
        elif (row.kind, row.on) != (values["kind"], values["on"]):
            changed_rows.append({"id": row.id, **values})
        else:
            unchanged += 1
    total, done = len(successions), unchanged
    report("successions", done, total)
    for chunk in _chunks(changed_rows):
        await session.execute(update(UnitSuccession), list(chunk))
        done += len(chunk)
        report("successions", done, total)
    for chunk in _chunks(new_rows):
        await session.execute(insert(UnitSuccession), list(chunk))
        done += len(chunk)
        report("successions", done, total)
    return ChangeCounts(len(new_rows), len(changed_rows), unchanged)
