"""``coopbot holidays list|add|remove``: the days off the government decides each year."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import typer

from bot.cli.common import console, fail, open_database, run, settings_or_exit
from storage.calendar import list_overrides, remove_override, set_override
from storage.models import HolidayOverride

holidays_app = typer.Typer(
    help="Days off and swapped working days beyond the public holidays.", no_args_is_help=True
)


def _day(text: str) -> dt.date:
    for pattern in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            return dt.datetime.strptime(text, pattern).date()  # noqa: DTZ007  (a date only)
        except ValueError:
            continue
    return fail(f"{text!r} is not a date (use dd/mm/yyyy)", code=2)


@holidays_app.command("list")
def list_command() -> None:
    """List the overrides."""
    settings = settings_or_exit()

    async def body() -> list[HolidayOverride]:
        async with open_database(settings) as database, database.session() as session:
            return await list_overrides(session)

    for row in run(body):
        kind = "day off" if row.day_off else "working day"
        console.print(f"{row.day:%d/%m/%Y}  {kind:<12} {row.note}")


@holidays_app.command("add")
def add(
    day: Annotated[str, typer.Argument(help="The date, dd/mm/yyyy.")],
    working: Annotated[
        bool, typer.Option("--working", help="A working day (e.g. a swapped Saturday).")
    ] = False,
    note: Annotated[str, typer.Option(help="Why, e.g. 'Nghỉ bù Tết'.")] = "",
) -> None:
    """Declare a day off (default) or, with --working, a working day."""
    settings = settings_or_exit()
    parsed = _day(day)

    async def body() -> None:
        async with open_database(settings) as database, database.transaction() as session:
            await set_override(session, parsed, day_off=not working, note=note)

    run(body)
    console.print(f"{parsed:%d/%m/%Y} is now a {'working day' if working else 'day off'}")


@holidays_app.command("remove")
def remove(day: Annotated[str, typer.Argument(help="The date, dd/mm/yyyy.")]) -> None:
    """Remove an override."""
    settings = settings_or_exit()
    parsed = _day(day)

    async def body() -> bool:
        async with open_database(settings) as database, database.transaction() as session:
            return await remove_override(session, parsed)

    if not run(body):
        fail(f"no override on {parsed:%d/%m/%Y}")
    console.print(f"override on {parsed:%d/%m/%Y} removed")


def register(app: typer.Typer) -> None:
    """Add the ``holidays`` group to the CLI."""
    app.add_typer(holidays_app, name="holidays")
