"""A person's copy of their data as an XLSX workbook: a first sheet saying what each table
holds, then one sheet per table, one row per record, exactly as stored."""

from __future__ import annotations

import json

from bot.render.workbook import write_workbook
from handlers.i18n import get_translator
from handlers.ports import Sheet, WorkbookSpec
from handlers.types import FileOut
from storage.errors import N_
from storage.personal_data import PERSON_LINKS, JSONValue, PersonalCopy

ABOUT_TITLE = N_("About this copy")
ABOUT_HEADERS = (N_("Table"), N_("Rows"), N_("What it holds"))
ABOUT_INTRO = N_(
    "Everything coopbot keeps about person {number}, as of {moment} (UTC): one sheet per "
    "table, one row per record."
)


def _cell(value: JSONValue) -> object:
    """Return a JSON value as a cell shows it: nested values as their JSON text."""
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return value


def _table_sheet(name: str, rows: list[dict[str, JSONValue]]) -> Sheet:
    headers: list[str] = []
    for row in rows:
        headers += [key for key in row if key not in headers]
    return Sheet(
        title=name,
        headers=tuple(headers) or ("—",),
        rows=tuple(tuple(_cell(row.get(key)) for key in headers) for row in rows),
    )


def personal_copy_sheets(copy: PersonalCopy, locale: str) -> tuple[Sheet, ...]:
    """Return the copy's sheets: what each table holds, in ``locale``, then the tables."""
    t = get_translator(locale)
    about_rows: list[tuple[object, ...]] = [
        (t._(ABOUT_INTRO, number=copy.person_id, moment=copy.made_at), "", "")
    ]
    for name, rows in copy.tables.items():
        link = PERSON_LINKS.get(name)
        about_rows.append((name, len(rows), t.gettext(link.how) if link else ""))
    about = Sheet(
        title=t.gettext(ABOUT_TITLE),
        headers=tuple(t.gettext(header) for header in ABOUT_HEADERS),
        rows=tuple(about_rows),
    )
    return (about, *(_table_sheet(name, rows) for name, rows in copy.tables.items()))


def personal_copy_workbook(copy: PersonalCopy, locale: str) -> bytes:
    """Return the copy as an XLSX workbook's bytes."""
    return personal_copy_file(copy, locale).data


def personal_copy_file(copy: PersonalCopy, locale: str) -> FileOut:
    """Return the copy as an XLSX file to send or save."""
    spec = WorkbookSpec(
        file_name=f"personal-data-{copy.person_id}.xlsx",
        sheets=personal_copy_sheets(copy, locale),
    )
    return write_workbook(spec)
