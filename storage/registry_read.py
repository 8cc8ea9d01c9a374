"""Read an official's registry spreadsheet (CSV or XLSX): rows, columns and cell values.

Reading knows nothing of the database: it turns bytes into the rows a spreadsheet shows,
numbered as the spreadsheet numbers them, maps header texts to the canonical column keys, and
turns one cell into the value its column holds (a date, a number, a kind, yes or no).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from storage.errors import N_, CoopbotError
from storage.models import CooperativeKind, CooperativeStatus
from storage.text import fold, nfc

Cell = str | int | float | bool | dt.date | None

# Canonical key → accepted headers besides the key itself. Matching folds case, diacritics and
# punctuation, so "Xã/Phường", "xa phuong" and "XÃ - PHƯỜNG" are the same header.
COLUMNS: dict[str, tuple[str, ...]] = {
    "name": ("Tên", "Tên HTX", "Tên hợp tác xã", "Tên tổ chức", "Tên đơn vị"),
    "kind": ("Loại hình", "Loại", "Loại hình tổ chức"),
    "commune": ("Xã/Phường", "Xã", "Phường", "Phường/Xã", "Xã/Phường/Thị trấn", "Địa bàn"),
    "province": ("Tỉnh/Thành phố", "Tỉnh", "Tỉnh/TP", "Tỉnh/Thành"),
    "registration_code": ("Mã số", "Mã số đăng ký", "Mã số HTX", "Số đăng ký", "Mã HTX"),
    "sector": ("Lĩnh vực", "Ngành", "Ngành nghề", "Lĩnh vực hoạt động"),
    "founded_on": ("Ngày thành lập", "Thành lập"),
    "members": ("Số thành viên", "Thành viên"),
    "status": ("Tình trạng", "Trạng thái", "Tình trạng hoạt động"),
    "ocop_stars": ("Sao OCOP", "OCOP", "Số sao OCOP", "Hạng sao OCOP"),
    "high_tech": ("Công nghệ cao", "Ứng dụng công nghệ cao", "CNC"),
    "phone": ("Điện thoại", "SĐT", "Số điện thoại", "ĐT"),
    "director": ("Giám đốc", "Chủ tịch", "Người đại diện", "Chủ nhiệm", "Tổ trưởng"),
}
REQUIRED_COLUMNS = ("name", "kind", "commune")
# Row-number columns officials add; recognised so they are not reported as unknown.
ROW_NUMBER_HEADERS = ("STT", "TT", "Số TT", "Số thứ tự")

_HEADER_KEYS: dict[str, str] = {
    fold(alias): key for key, aliases in COLUMNS.items() for alias in (key, *aliases)
}
_IGNORED = {fold(h) for h in ROW_NUMBER_HEADERS}
_HEADER_SEARCH_ROWS = 10
_DELIMITERS = (",", ";", "\t")


class RegistryFileError(CoopbotError):
    """The file cannot be read as a registry spreadsheet at all."""

    message = N_("The file is not a spreadsheet; save it as XLSX or as CSV (UTF-8).")


@dataclass(frozen=True)
class SheetRow:
    """A non-blank row and its number as a spreadsheet shows it (the first row is 1)."""

    number: int
    cells: tuple[Cell, ...]

    def cell(self, index: int) -> Cell:
        """Return the cell at ``index`` (0-based), or None past the row's end."""
        return self.cells[index] if index < len(self.cells) else None


@dataclass
class Header:
    """Where each known column is, and the header texts that were not understood."""

    row: int
    columns: dict[str, int] = field(default_factory=dict)
    texts: dict[str, str] = field(default_factory=dict)
    unknown: list[str] = field(default_factory=list)
    repeated: list[tuple[str, str, str]] = field(default_factory=list)

    @property
    def missing(self) -> list[str]:
        """Return the required keys no header maps to."""
        return [key for key in REQUIRED_COLUMNS if key not in self.columns]


def cell_text(cell: Cell) -> str:
    """Return a cell as trimmed NFC text with inner whitespace collapsed ("" when blank)."""
    if cell is None:
        return ""
    if isinstance(cell, bool):
        return "true" if cell else "false"
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    if isinstance(cell, dt.datetime) and cell.time() == dt.time():
        return cell.date().isoformat()
    if isinstance(cell, dt.date):
        return cell.isoformat()
    return " ".join(nfc(str(cell)).split())


def read_sheet(data: bytes) -> list[SheetRow]:
    """Read an XLSX workbook's first sheet, or CSV text, into its non-blank rows.

    The format is told from the content, not the file name. This blocks (a workbook is
    unzipped and parsed): from async code, call it through ``asyncio.to_thread``.

    Raises:
        RegistryFileError: the file is empty, binary, not UTF-8 or a broken workbook.
    """
    if not data.strip():
        raise RegistryFileError(N_("The file is empty."))
    workbook = data.startswith(b"PK\x03\x04")
    if workbook:
        rows = _read_xlsx(data)
    elif data.startswith(b"\xd0\xcf\x11\xe0"):
        raise RegistryFileError(
            N_("This is an old .xls workbook; save it as XLSX or CSV (UTF-8).")
        )
    else:
        rows = _read_csv(data)
    numbered = [
        SheetRow(number, tuple(cells))
        for number, cells in enumerate(rows, start=1)
        if any(cell_text(c) for c in cells)
    ]
    if not numbered and workbook:
        raise RegistryFileError(N_("The first sheet of the workbook is empty."))
    if not numbered:
        raise RegistryFileError(N_("The file is empty."))
    return numbered


def _read_csv(data: bytes) -> list[Sequence[Cell]]:
    if b"\x00" in data[:4096]:
        raise RegistryFileError()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise RegistryFileError(
            N_("The file is neither XLSX nor UTF-8 text; save it as XLSX or as CSV (UTF-8).")
        ) from None
    if text.lstrip().startswith("<"):
        raise RegistryFileError()
    first_line = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = max(_DELIMITERS, key=lambda d: len(next(csv.reader([first_line], delimiter=d))))
    try:
        return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as exc:
        raise RegistryFileError(
            N_("The CSV text is malformed: {reason}."), reason=str(exc)
        ) from None


def _read_xlsx(data: bytes) -> list[Sequence[Cell]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many types (zip, XML, key errors) on a broken file
        raise RegistryFileError(
            N_("The workbook cannot be read; open it and save it again as XLSX.")
        ) from None
    try:
        if not workbook.worksheets:
            raise RegistryFileError(N_("The file is empty."))
        sheet = workbook.worksheets[0]
        # Dimensions recorded by other tools can be wrong; read every row that is there.
        sheet.reset_dimensions()
        return [tuple(_xlsx_cell(v) for v in row) for row in sheet.iter_rows(values_only=True)]
    finally:
        workbook.close()


def _xlsx_cell(value: object) -> Cell:
    if value is None or isinstance(value, str | int | float | bool | dt.date):
        return value
    return str(value)


# Cell values: the spellings accepted for each column, folded.

_KINDS = {
    **{fold(k): k.value for k in CooperativeKind},
    "hop tac xa": "HTX",
    "to hop tac": "THT",
    "lien hiep htx": "LHHTX",
    "lien hiep hop tac xa": "LHHTX",
}
_STATUSES = {
    **{s.value: s.value for s in CooperativeStatus},
    "dang hoat dong": "active",
    "hoat dong": "active",
    "cung co": "consolidating",
    "dang cung co": "consolidating",
    "dang giai the": "dissolving",
    "da giai the": "dissolved",
}
_YES = {"yes", "y", "co", "true", "1", "x"}
_NO = {"no", "n", "khong", "false", "0", ""}
_DMY = re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})")
_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_THOUSANDS = re.compile(r"\d{1,3}(?:([.,])\d{3})(?:\1\d{3})*")
_OCOP = re.compile(r"([345])(?: sao| stars?)?")


class CellError(Exception):
    """A cell's value is not acceptable; ``message`` is a gettext id for ``params``."""

    def __init__(self, message: str, **params: Any) -> None:
        super().__init__(message)
        self.message, self.params = message, params


def _choice(table: dict[str, str], message: str) -> Callable[[Cell], str | None]:
    def parse(cell: Cell) -> str | None:
        text = cell_text(cell)
        if not text:
            return None
        if fold(text) not in table:
            raise CellError(message, value=text)
        return table[fold(text)]

    return parse


def _parse_date(cell: Cell) -> dt.date | None:
    if isinstance(cell, dt.datetime):
        day: dt.date | None = cell.date()
    elif isinstance(cell, dt.date):
        day = cell
    elif not (text := cell_text(cell)):
        return None
    elif match := _DMY.fullmatch(text):
        day = _date(*reversed([int(g) for g in match.groups()]))
    else:
        day = _date(*[int(g) for g in match.groups()]) if (match := _ISO.fullmatch(text)) else None
    if day is None:
        message = N_("“{value}” is not a date; write dd/mm/yyyy or yyyy-mm-dd.")
        raise CellError(message, value=cell_text(cell))
    if day > dt.datetime.now(dt.UTC).date():
        raise CellError(N_("The date {value} is in the future."), value=f"{day:%d/%m/%Y}")
    return day


def _date(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def _parse_members(cell: Cell) -> int | None:
    text = cell_text(cell)
    if not text:
        return None
    if _THOUSANDS.fullmatch(text):
        text = re.sub(r"[.,]", "", text)
    if not text.isdigit():
        raise CellError(N_("“{value}” is not a whole number of 0 or more."), value=text)
    return int(text)


def _parse_ocop(cell: Cell) -> int | None:
    text = cell_text(cell)
    if not text:
        return None
    if not (match := _OCOP.fullmatch(fold(text))):
        raise CellError(N_("“{value}” is not an OCOP rating; write 3, 4 or 5."), value=text)
    return int(match.group(1))


def _parse_flag(cell: Cell) -> bool:
    folded = fold(cell_text(cell))
    if folded not in _YES | _NO:
        message = N_("“{value}” is not yes or no; write yes/no, có/không, 1/0, or x/empty.")
        raise CellError(message, value=cell_text(cell))
    return folded in _YES


def _parse_text(cell: Cell) -> str | None:
    return cell_text(cell) or None


_PARSERS: dict[str, Callable[[Cell], Any]] = {
    "kind": _choice(
        _KINDS, N_("“{value}” is not a kind of cooperative; write HTX, THT or LHHTX.")
    ),
    "founded_on": _parse_date,
    "members": _parse_members,
    "status": _choice(
        _STATUSES,
        N_("“{value}” is not a status; write active, consolidating, dissolving or dissolved."),
    ),
    "ocop_stars": _parse_ocop,
    "high_tech": _parse_flag,
}
_DEFAULTS: dict[str, Any] = {"status": CooperativeStatus.ACTIVE.value}
_LIMITS = {"name": 200, "registration_code": 40, "sector": 80, "phone": 40, "director": 120}


def parse_cell(key: str, cell: Cell) -> Any:
    """Return the value of a cell of column ``key``; a blank optional cell gives its default.

    Raises:
        CellError: a required cell is blank, or the value is not acceptable for the column.
    """
    if key in REQUIRED_COLUMNS and not cell_text(cell):
        raise CellError(N_("A value is required here."))
    value = _PARSERS.get(key, _parse_text)(cell)
    if isinstance(value, str) and len(value) > _LIMITS.get(key, len(value)):
        message = N_("The text is too long: at most {limit} characters.")
        raise CellError(message, limit=_LIMITS[key])
    return _DEFAULTS.get(key) if value is None else value


def find_header(rows: Sequence[SheetRow]) -> int:
    """Return the index in ``rows`` of the header row.

    The first row naming two known columns among the first few rows, so title rows above the
    header are passed over; the first row when none does.
    """
    for index, row in enumerate(rows[:_HEADER_SEARCH_ROWS]):
        known = {_HEADER_KEYS.get(fold(cell_text(c))) for c in row.cells} - {None}
        if len(known) >= 2:
            return index
    return 0


def map_header(row: SheetRow) -> Header:
    """Map a header row's texts to canonical keys, noting unknown and repeated columns."""
    header = Header(row=row.number)
    for index, cell in enumerate(row.cells):
        text = cell_text(cell)
        folded = fold(text)
        if not folded or folded in _IGNORED:
            continue
        key = _HEADER_KEYS.get(folded)
        if key is None:
            header.unknown.append(text)
        elif key in header.columns:
            header.repeated.append((key, header.texts[key], text))
        else:
            header.columns[key] = index
            header.texts[key] = text
    return header
