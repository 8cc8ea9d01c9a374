"""An admin's decisions on successions, read from a file and kept for every later import.

The file is a CSV (or XLSX) with one succession a row, named by codes: ``decision``
(``accept``, ``reject``, ``rule`` to forget an earlier decision, or empty to leave the row
alone), ``old_code`` and ``new_code``. ``old_commune`` and ``new_commune``, when present and
filled, must name the units of those codes, which catches a mistyped code. Any other column
(what ``coopbot units check --csv`` prints besides) is ignored, so that output, edited, is a
valid file. Every row is checked before anything is stored, like the registry import.

Messages are for the operator's terminal only, so they are plain English, not message ids.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import delete, insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from storage.models import SuccessionDecision, UnitLevel, UnitSuccessionOverride, utcnow
from storage.registry import RowError
from storage.registry_read import Cell, SheetRow, cell_text
from storage.text import fold
from storage.units_import import SourceData, SourceUnit, is_kept

REQUIRED_COLUMNS = ("decision", "old_code", "new_code")
NAME_COLUMNS = ("old_commune", "new_commune")
RULE = "rule"
"""The decision that forgets an earlier one, leaving the succession to the distance rule."""
_DECISIONS = {
    "accept": SuccessionDecision.ACCEPT,
    "reject": SuccessionDecision.REJECT,
    RULE: None,
}


@dataclass(frozen=True)
class Override:
    """A row of the file: the decision on (old code, new code); None returns it to the rule."""

    old_code: str
    new_code: str
    decision: SuccessionDecision | None


@dataclass(frozen=True)
class _Codes:
    """The package's communes by code, per era, and its commune successions by code."""

    old: dict[str, SourceUnit]
    new: dict[str, SourceUnit]
    verdicts: dict[tuple[str, str], str]

    @classmethod
    def of(cls, data: SourceData) -> _Codes:
        units = {u.key: u for u in data.units}
        communes = [u for u in data.units if u.level == UnitLevel.COMMUNE]
        return cls(
            old={u.code: u for u in communes if u.valid_to is not None},
            new={u.code: u for u in communes if u.valid_to is None},
            verdicts={
                (units[old].code, units[new].code): str(judgement.verdict)
                for (old, new), judgement in data.judgements.items()
            },
        )


def _code(text: str) -> str:
    # Commune codes have five digits; a spreadsheet's number cell drops the leading zeros
    # (04957 becomes 4957).
    return text.zfill(5) if text.isdigit() else text


def _header_key(cell: Cell) -> str:
    return "_".join(cell_text(cell).lower().replace("-", " ").split())


def read_overrides(
    rows: Sequence[SheetRow], data: SourceData, stored: Mapping[tuple[str, str], str]
) -> tuple[list[Override], list[RowError]]:
    """Read the rows of an overrides file (the first is the header) against the package.

    ``stored`` holds the decisions already kept, so that a rejection leaving an old commune
    with no successor at all is refused whether it comes from this file or an earlier one.
    Returns the overrides of the rows with a decision, and every problem found; when there is
    any problem, nothing of the file should be used.
    """
    header, body = rows[0], rows[1:]
    columns = {_header_key(cell): index for index, cell in enumerate(header.cells)}
    missing = [key for key in REQUIRED_COLUMNS if key not in columns]
    if missing:
        return [], [
            RowError(header.number, key, "This column is required but missing.") for key in missing
        ]
    codes = _Codes.of(data)
    overrides: list[Override] = []
    errors: list[RowError] = []
    seen: dict[tuple[str, str], int] = {}
    rows_of: dict[tuple[str, str], int] = {}
    for row in body:

        def text(key: str, row: SheetRow = row) -> str:
            return cell_text(row.cell(columns[key])) if key in columns else ""

        found = _read_row(row.number, text, codes, seen)
        if isinstance(found, RowError):
            errors.append(found)
        elif found is not None:
            overrides.append(found)
            rows_of[(found.old_code, found.new_code)] = row.number
    errors.extend(_orphans(overrides, codes, stored, rows_of))
    return overrides, sorted(errors, key=lambda error: error.row)


def _read_row(
    number: int,
    text: Callable[[str], str],
    codes: _Codes,
    seen: dict[tuple[str, str], int],
) -> Override | RowError | None:
    """Return the override of one row, its first problem, or None for a row without one."""
    decision_text = text("decision").lower()
    if not decision_text:
        return None
    if decision_text not in _DECISIONS:
        return RowError(
            number,
            "decision",
            "“{value}” is not a decision; write accept, reject or rule.",
            {"value": text("decision")},
        )
    old_code, new_code = _code(text("old_code")), _code(text("new_code"))
    old, new = codes.old.get(old_code), codes.new.get(new_code)
    if old is None:
        return RowError(
            number,
            "old_code",
            "No commune before 1 July 2025 has the code “{code}”.",
            {"code": old_code},
        )
    if new is None:
        return RowError(
            number,
            "new_code",
            "No commune since 1 July 2025 has the code “{code}”.",
            {"code": new_code},
        )
    for column, unit in (("old_commune", old), ("new_commune", new)):
        named = text(column)
        if named and fold(named) != fold(unit.name):
            return RowError(
                number,
                column,
                "The code {code} is {name}, not “{value}”.",
                {"code": unit.code, "name": unit.name, "value": named},
            )
    pair = (old_code, new_code)
    if pair not in codes.verdicts:
        return RowError(
            number,
            "new_code",
            "{new} ({new_code}) is not a successor of {old} ({old_code}) in the package's data.",
            {"new": new.name, "new_code": new_code, "old": old.name, "old_code": old_code},
        )
    if pair in seen:
        return RowError(
            number, "old_code", "This succession is already in row {row}.", {"row": seen[pair]}
        )
    seen[pair] = number
    return Override(old_code, new_code, _DECISIONS[decision_text])


def _orphans(
    overrides: Sequence[Override],
    codes: _Codes,
    stored: Mapping[tuple[str, str], str],
    rows_of: Mapping[tuple[str, str], int],
) -> list[RowError]:
    """Refuse rejections that would leave an old commune with no successor stored."""
    decisions: dict[tuple[str, str], str | None] = dict(stored)
    decisions.update({(o.old_code, o.new_code): o.decision and str(o.decision) for o in overrides})
    successors: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for pair in codes.verdicts:
        successors[pair[0]].append(pair)
    errors = []
    for old_code in dict.fromkeys(o.old_code for o in overrides):
        pairs = successors[old_code]
        if any(is_kept(codes.verdicts[p], decisions.get(p)) for p in pairs):
            continue
        last = max(rows_of[p] for p in pairs if p in rows_of)
        errors.append(
            RowError(
                last,
                "decision",
                "This would leave {old} ({old_code}) with no successor; accept one of them.",
                {"old": codes.old[old_code].name, "old_code": old_code},
            )
        )
    return errors


async def save_overrides(session: AsyncSession, overrides: Sequence[Override]) -> None:
    """Store the decisions, replacing earlier ones on the same successions; ``rule`` forgets."""
    now: dt.datetime = utcnow()
    for override in overrides:
        await session.execute(
            delete(UnitSuccessionOverride).where(
                col(UnitSuccessionOverride.old_code) == override.old_code,
                col(UnitSuccessionOverride.new_code) == override.new_code,
            )
        )
    rows = [
        {
            "old_code": o.old_code,
            "new_code": o.new_code,
            "decision": str(o.decision),
            "updated_at": now,
        }
        for o in overrides
        if o.decision is not None
    ]
    if rows:
        await session.execute(insert(UnitSuccessionOverride), rows)
