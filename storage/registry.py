"""Import cooperatives from a registry spreadsheet: validate every row, then create or update.

All or nothing: one bad row refuses the whole file unless the caller asks to skip bad rows.
Every problem is a :class:`RowError` holding a gettext message id and its parameters, so the
CLI prints English and a chat handler can translate.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from storage.errors import N_, Ambiguous, NotFound
from storage.models import Cooperative, UnitLevel, utcnow
from storage.registry_read import (
    COLUMNS,
    CellError,
    Header,
    RegistryFileError,
    SheetRow,
    cell_text,
    find_header,
    map_header,
    parse_cell,
)
from storage.text import fold
from storage.units import resolve_unit

_ATTRIBUTES = {"director": "director_name"}
# Registration codes of this form are made up (the demo data set and the sample files use
# them); no real code has letters, so a row carrying one is stored flagged illustrative.
ILLUSTRATIVE_CODE_PREFIX = "DEMO-"
_CHUNK = 500


@dataclass(frozen=True)
class RowError:
    """One problem: the spreadsheet row and column, a message id and its parameters."""

    row: int
    column: str
    message: str
    params: dict[str, Any] = field(default_factory=dict)

    def render(self, translate: Callable[[str], str] | None = None) -> str:
        """Return the message, translated by ``translate`` when given, with its parameters."""
        text = translate(self.message) if translate else self.message
        return text.format(**self.params)


@dataclass
class ImportReport:
    """What an import did (or, for a dry run or a refused file, would have done)."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    invalid_rows: int = 0
    header_errors: int = 0
    refused: bool = False
    dry_run: bool = False
    errors: list[RowError] = field(default_factory=list)
    warnings: list[RowError] = field(default_factory=list)


@dataclass
class _Row:
    number: int
    values: dict[str, Any]
    commune_id: int | None
    folded: str
    valid: bool
    target: Cooperative | None = None


class _Importer:
    """One import: the header, the resolved names and the report being filled."""

    def __init__(self, session: AsyncSession, header: Header, report: ImportReport) -> None:
        self.session = session
        self.header = header
        self.report = report
        self.provinces: dict[str, list[int] | CellError] = {}
        self.communes: dict[tuple[str, tuple[int, ...]], int | CellError] = {}

    def error(self, row: int, column: str, message: str, **params: Any) -> None:
        self.report.errors.append(RowError(row, column, message, params))

    def text(self, row: SheetRow, key: str) -> str:
        index = self.header.columns.get(key)
        return "" if index is None else cell_text(row.cell(index))

    async def validate(self, row: SheetRow) -> _Row:
        """Parse one row, recording its errors; what could be parsed is kept for later checks."""
        found = len(self.report.errors)
        values: dict[str, Any] = {}
        for key, index in self.header.columns.items():
            try:
                values[key] = parse_cell(key, row.cell(index))
            except CellError as exc:
                self.error(row.number, key, exc.message, **exc.params)
        values.pop("commune", None)
        values.pop("province", None)
        commune_id = await self.commune_of(row)
        valid = len(self.report.errors) == found and commune_id is not None
        return _Row(row.number, values, commune_id, fold(values.get("name") or ""), valid)

    async def commune_of(self, row: SheetRow) -> int | None:
        """Resolve the row's commune (narrowed by its province), recording any error."""
        commune, province = self.text(row, "commune"), self.text(row, "province")
        within: list[int] = []
        try:
            if province:
                within = await self._province(province)
        except CellError as exc:
            self.error(row.number, "province", exc.message, **exc.params)
            return None
        try:
            return await self._commune(commune, within) if commune else None
        except CellError as exc:
            self.error(row.number, "commune", exc.message, **exc.params)
            return None

    async def _province(self, name: str) -> list[int]:
        if name not in self.provinces:
            try:
                found = await resolve_unit(self.session, name, levels=[UnitLevel.PROVINCE])
                ids = {found.unit.id, *(u.id for u in found.current)}
                self.provinces[name] = sorted(i for i in ids if i is not None)
            except (NotFound, Ambiguous) as exc:
                self.provinces[name] = CellError(exc.message, **exc.params)
        return _unwrap(self.provinces[name])

    async def _commune(self, name: str, within: list[int]) -> int:
        key = (name, tuple(within))
        if key not in self.communes:
            try:
                found = await resolve_unit(
                    self.session, name, levels=[UnitLevel.COMMUNE], within=within or None
                )
                # A commune split in 2025 has no single successor: keep the unit named.
                self.communes[key] = (found.today or found.unit).id or 0
            except (NotFound, Ambiguous) as exc:
                self.communes[key] = CellError(exc.message, **exc.params)
        return _unwrap(self.communes[key])

    def drop_duplicates(self, rows: list[_Row]) -> list[_Row]:
        """Keep the valid rows that repeat no earlier row's code, nor its name and commune.

        Rows with other errors take part, so one pass reports every repeated code.
        """
        codes: dict[str, int] = {}
        names: dict[tuple[str, int], tuple[int, str | None]] = {}
        kept = []
        for row in rows:
            code = row.values.get("registration_code")
            key = (row.folded, row.commune_id or 0)
            other = names.get(key) if row.folded and row.commune_id else None
            if code and code in codes:
                message = N_("The registration code “{code}” is already used in row {other}.")
                self.error(row.number, "registration_code", message, code=code, other=codes[code])
            elif other and not (code and other[1]):
                message = N_("Row {other} already has a cooperative of this name in this commune.")
                self.error(row.number, "name", message, other=other[0])
            elif row.valid:
                kept.append(row)
            if code:
                codes.setdefault(code, row.number)
            if row.folded and row.commune_id:
                names.setdefault(key, (row.number, code))
        return kept

    async def match(self, rows: list[_Row]) -> list[_Row]:
        """Find the cooperative each row updates: by code, else by name and commune."""
        by_code: dict[str, Cooperative] = {}
        by_name: dict[tuple[str, int], list[Cooperative]] = {}
        codes = sorted({c for r in rows if (c := r.values.get("registration_code"))})
        folded = sorted({r.folded for r in rows})
        for start in range(0, max(len(codes), len(folded)), _CHUNK):
            query = select(Cooperative).where(
                or_(
                    col(Cooperative.registration_code).in_(codes[start : start + _CHUNK]),
                    col(Cooperative.folded_name).in_(folded[start : start + _CHUNK]),
                )
            )
            for coop in (await self.session.execute(query)).scalars():
                if coop.registration_code:
                    by_code[coop.registration_code] = coop
                by_name.setdefault((coop.folded_name, coop.commune_id), []).append(coop)
        claimed: dict[int, int] = {}
        kept = []
        for row in rows:
            code = row.values.get("registration_code")
            same_name = by_name.get((row.folded, row.commune_id or 0), [])
            if code:
                row.target = by_code.get(code) or next(
                    (c for c in same_name if c.registration_code is None), None
                )
            elif len(same_name) > 1:
                message = N_(
                    "Several registered cooperatives have this name in this commune; "
                    "add the registration code."
                )
                self.error(row.number, "name", message)
                continue
            else:
                row.target = same_name[0] if same_name else None
            if row.target is not None and row.target.id in claimed:
                message = N_("Row {other} already updates this cooperative.")
                self.error(row.number, "name", message, other=claimed[row.target.id])
                continue
            if row.target is not None and row.target.id is not None:
                claimed[row.target.id] = row.number
            kept.append(row)
        return kept

    async def apply(self, rows: list[_Row]) -> None:
        """Create or update each row's cooperative, counting what changes."""
        for row in rows:
            attributes = {_ATTRIBUTES.get(k, k): v for k, v in row.values.items()}
            attributes.update(commune_id=row.commune_id, folded_name=row.folded)
            code = attributes.get("registration_code")
            if code:
                attributes["illustrative"] = str(code).startswith(ILLUSTRATIVE_CODE_PREFIX)
            if row.target is None:
                self.report.created += 1
                if not self.report.dry_run:
                    self.session.add(Cooperative(**attributes))
                continue
            if attributes.get("registration_code") is None:
                attributes.pop("registration_code", None)  # an empty cell keeps a known code
            changes = {k: v for k, v in attributes.items() if getattr(row.target, k) != v}
            if not changes:
                self.report.unchanged += 1
                continue
            self.report.updated += 1
            if not self.report.dry_run:
                for key, value in changes.items():
                    setattr(row.target, key, value)
                row.target.updated_at = utcnow()
        if not self.report.dry_run:
            await self.session.flush()


def _header_problems(header: Header, report: ImportReport) -> None:
    for text in dict.fromkeys(header.unknown):
        message = N_("Unknown column “{header}”, ignored.")
        report.warnings.append(RowError(header.row, text, message, {"header": text}))
    for key in header.missing:
        aliases = ", ".join(f"“{a}”" for a in COLUMNS[key])
        message = N_("The required column is missing; head it {column} or one of {aliases}.")
        report.errors.append(
            RowError(header.row, key, message, {"column": key, "aliases": aliases})
        )
    for key, first, second in header.repeated:
        message = N_("Columns “{first}” and “{second}” both mean {column}; keep one.")
        params = {"first": first, "second": second, "column": key}
        report.errors.append(RowError(header.row, key, message, params))


Resolved = TypeVar("Resolved")


def _unwrap(value: Resolved | CellError) -> Resolved:
    if isinstance(value, CellError):
        raise value
    return value


async def import_registry(
    session: AsyncSession,
    rows: Sequence[SheetRow],
    *,
    skip_invalid: bool = False,
    dry_run: bool = False,
) -> ImportReport:
    """Validate a registry sheet and create or update its cooperatives in the caller's session.

    Args:
        session: an open session; the caller commits.
        rows: the sheet's non-blank rows, from :func:`storage.registry_read.read_sheet`.
        skip_invalid: import the valid rows of a file with bad rows instead of refusing it.
        dry_run: validate and count, write nothing.

    Returns:
        The counts, every error and warning, and whether the file was refused.

    Raises:
        RegistryFileError: the sheet has no rows below its header.
    """
    report = ImportReport(dry_run=dry_run)
    start = find_header(rows)
    header = map_header(rows[start])
    if start:
        numbers = ", ".join(str(r.number) for r in rows[:start])
        message = N_("Rows above the header ({rows}) were ignored.")
        report.warnings.append(RowError(header.row, "", message, {"rows": numbers}))
    if not header.columns:
        raise RegistryFileError(
            N_(
                "No column of the file is one the registry knows; its header row should name "
                "columns such as “Tên HTX”, “Loại hình” and “Xã/Phường”."
            )
        )
    if len(rows) <= start + 1:
        raise RegistryFileError(N_("The file has a header row but no cooperatives below it."))
    _header_problems(header, report)
    report.header_errors = len(report.errors)
    importer = _Importer(session, header, report)
    checked = [await importer.validate(row) for row in rows[start + 1 :]]
    valid = await importer.match(importer.drop_duplicates(checked))
    phone = header.columns.get("phone")
    if phone is not None and any(
        isinstance(r.cell(phone), int | float) for r in rows[start + 1 :]
    ):
        message = N_(
            "Some phone numbers are numbers, which lose a leading zero; format the "
            "phone column as text."
        )
        report.warnings.append(RowError(header.row, "phone", message))
    report.errors.sort(key=lambda e: e.row)
    report.invalid_rows = len({e.row for e in report.errors if e.row != header.row})
    report.refused = report.header_errors > 0 or (report.invalid_rows > 0 and not skip_invalid)
    if not report.refused:
        report.skipped = report.invalid_rows
        await importer.apply(valid)
    return report
