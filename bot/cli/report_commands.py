"""``coopbot report export``: the officials' Excel workbook, written to a file.

It is the workbook ``/export`` sends in the chat, seen with an admin's eyes (no scope limit)
over the unit given, so an operator can produce it for a meeting without a chat account.
"""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import typer

from bot.cli.common import console, fail, open_database, run, settings_or_exit
from bot.render.workbook import write_workbook
from bot.settings import Settings
from handlers.i18n import SUPPORTED_LOCALES, get_translator
from handlers.workbook_sheets import build_workbook
from storage.models import Role, utcnow
from storage.periods import parse_period
from storage.reporting.scope import ReportScope
from storage.scope import Actor, Grant
from storage.units import resolve_unit

report_app = typer.Typer(help="Reports for officials: the Excel workbook.", no_args_is_help=True)

# An admin-level view: the operator running the CLI already has the whole database.
OPERATOR = Actor(person_id=0, grants=(Grant(Role.ADMIN),))


@dataclass(frozen=True)
class Written:
    """What was exported."""

    data: bytes
    items: int
    period: str
    where: str


async def _build(
    settings: Settings, period_text: str, unit_name: str | None, locale: str
) -> Written:
    tz = zoneinfo.ZoneInfo(settings.timezone)
    async with open_database(settings) as database, database.transaction() as session:
        now = utcnow()
        today = now.astimezone(tz).date()
        period = parse_period(period_text, today)
        translator = get_translator(locale)
        unit_ids: tuple[int, ...] = ()
        where = translator.gettext("all areas")
        if unit_name:
            resolved = await resolve_unit(session, unit_name, on=today)
            unit = resolved.today or resolved.unit
            unit_ids, where = (unit.id or 0,), unit.name
        scope = ReportScope(OPERATOR, period, unit_ids, tz)
        spec = await build_workbook(session, scope, translator, now=now, where=where)
    items = len(spec.sheets[0].rows) if spec.sheets else 0
    return Written(write_workbook(spec).data, items, period.key, where)


@report_app.command("export")
def export(
    out: Annotated[Path, typer.Option("--out", help="The .xlsx file to write.")],
    period: Annotated[
        str,
        typer.Option(help="2026Q1, q1 (this year) or 2026; default: the current quarter."),
    ] = "",
    unit: Annotated[
        str | None,
        typer.Option(help="A commune or province, any era's name; default: everything."),
    ] = None,
    locale: Annotated[
        str | None,
        typer.Option(help="Language of the headers: vi or en; default COOPBOT_DEFAULT_LOCALE."),
    ] = None,
) -> None:
    """Write the Excel workbook (items, summary, quarterly meetings, targets) of a period."""
    settings = settings_or_exit()
    language = locale or settings.default_locale
    if language not in SUPPORTED_LOCALES:
        fail(f"--locale must be one of {', '.join(SUPPORTED_LOCALES)}")
    written = run(_build, settings, period, unit, language)
    try:
        out.write_bytes(written.data)
    except OSError as exc:
        fail(f"cannot write {out}: {exc.strerror or exc}")
    items = f"{written.items} item" + ("" if written.items == 1 else "s")
    console.print(f"wrote {out}: {items}, {written.period}, {written.where}", highlight=False)


def register(app: typer.Typer) -> None:
    """Add the ``report`` commands to the CLI."""
    app.add_typer(report_app, name="report")
