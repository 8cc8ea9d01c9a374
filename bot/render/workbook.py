"""XLSX workbooks from ``WorkbookSpec``s, written with openpyxl.

Each sheet gets a bold header row that stays in view (frozen pane A2), an autofilter over its
table, dates shown as dd/mm/yyyy, and columns wide enough to read. Text that people typed is
always stored as text: a report starting with "=" must not become a formula in an official's
spreadsheet.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import re

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from handlers.ports import Sheet, WorkbookSpec
from handlers.types import FileOut

logger = logging.getLogger(__name__)

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DATE_FORMAT = "dd/mm/yyyy"
DATETIME_FORMAT = "dd/mm/yyyy hh:mm"
MAX_TITLE = 31  # Excel's limit on sheet names
MIN_WIDTH = 6
MAX_WIDTH = 60
_TITLE_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def sheet_title(title: str, taken: set[str]) -> str:
    """Return a valid, unique sheet name: no []:*?/\\, at most 31 characters."""
    base = _TITLE_FORBIDDEN.sub(" ", title).strip().strip("'") or "Sheet"
    candidate = base[:MAX_TITLE]
    number = 2
    while candidate.casefold() in {name.casefold() for name in taken}:
        suffix = f" ({number})"
        candidate = base[: MAX_TITLE - len(suffix)] + suffix
        number += 1
    return candidate


def _cell_value(value: object) -> object:
    """Return a value openpyxl can store as it should be shown."""
    if isinstance(value, dt.datetime):
        # Excel has no time zones: callers pass local times; an aware one is shown as given.
        return value.replace(tzinfo=None)
    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub("", value)
    return value


def _display_length(value: object) -> int:
    if value is None:
        return 0
    if isinstance(value, dt.datetime):
        return len(DATETIME_FORMAT)
    if isinstance(value, dt.date):
        return len(DATE_FORMAT)
    return max((len(line) for line in str(value).splitlines()), default=0)


def _widths(sheet: Sheet) -> list[int]:
    if sheet.widths:
        return [max(MIN_WIDTH, min(MAX_WIDTH, width)) for width in sheet.widths]
    widths = []
    for index, header in enumerate(sheet.headers):
        longest = max(
            [len(header), *(_display_length(row[index]) for row in sheet.rows if index < len(row))]
        )
        widths.append(max(MIN_WIDTH, min(MAX_WIDTH, longest + 2)))
    return widths


def _write_sheet(worksheet: Worksheet, sheet: Sheet) -> None:
    bold = Font(bold=True)
    worksheet.append(list(sheet.headers))
    for cell in worksheet[1]:
        cell.font = bold
    wrap = Alignment(wrap_text=True, vertical="top")
    for row in sheet.rows:
        worksheet.append([_cell_value(value) for value in row])
        for cell in worksheet[worksheet.max_row]:
            if isinstance(cell.value, dt.datetime):
                cell.number_format = DATETIME_FORMAT
            elif isinstance(cell.value, dt.date):
                cell.number_format = DATE_FORMAT
            elif isinstance(cell.value, str):
                # openpyxl reads a leading "=" as a formula; these cells are always text.
                cell.data_type = "s"
                if len(cell.value) > MAX_WIDTH:
                    cell.alignment = wrap
    columns = max(1, len(sheet.headers))
    for index, width in enumerate(_widths(sheet), start=1):
        worksheet.column_dimensions[get_column_letter(index)].width = width
    worksheet.freeze_panes = "A2"
    last_row = max(1, len(sheet.rows) + 1)
    worksheet.auto_filter.ref = f"A1:{get_column_letter(columns)}{last_row}"


def write_workbook(spec: WorkbookSpec) -> FileOut:
    """Write ``spec`` as an XLSX file."""
    workbook = Workbook()
    first = workbook.active
    taken: set[str] = set()
    for index, sheet in enumerate(spec.sheets):
        title = sheet_title(sheet.title, taken)
        taken.add(title)
        worksheet = first if index == 0 and first is not None else workbook.create_sheet()
        worksheet.title = title
        _write_sheet(worksheet, sheet)
    buffer = io.BytesIO()
    workbook.save(buffer)
    logger.debug("workbook %s written: %d sheets", spec.file_name, len(spec.sheets))
    return FileOut(name=spec.file_name, data=buffer.getvalue(), mime_type=XLSX_MIME)
