"""``coopbot offices list|add|route``: the bodies items can be assigned to, and the categories
each handles (an item goes first to the office that handles its category)."""

from __future__ import annotations

from typing import Annotated

import typer

from bot.cli.common import console, open_database, run, settings_or_exit
from storage.models import AdminUnit, Office
from storage.offices import (
    add_office,
    find_office,
    list_offices,
    office_categories,
    set_office_categories,
)
from storage.units import resolve_unit

offices_app = typer.Typer(
    help="Offices items can be assigned to, and the categories each handles.",
    no_args_is_help=True,
)


def _keys(text: str) -> list[str]:
    return [key.strip() for key in text.split(",") if key.strip()]


@offices_app.command("list")
def list_command() -> None:
    """List the offices, their unit and the categories each handles."""
    settings = settings_or_exit()

    async def body() -> tuple[list[Office], dict[int, list[str]], dict[int, str]]:
        async with open_database(settings) as database, database.session() as session:
            offices = await list_offices(session)
            units = {
                office.unit_id: (await session.get(AdminUnit, office.unit_id))
                for office in offices
                if office.unit_id is not None
            }
            names = {unit_id: unit.name for unit_id, unit in units.items() if unit is not None}
            return offices, await office_categories(session), names

    offices, handled, unit_names = run(body)
    for office in offices:
        unit = unit_names.get(office.unit_id or 0, "any unit")
        categories = ", ".join(handled.get(office.id or 0, [])) or "no category"
        console.print(f"{office.key:<24} {office.name} ({unit}): {categories}", highlight=False)


@offices_app.command("add")
def add(
    key: Annotated[str, typer.Argument(help="A short key, e.g. so_tai_chinh.")],
    name: Annotated[str, typer.Argument(help="The name, e.g. 'Sở Tài chính'.")],
    unit: Annotated[
        str | None,
        typer.Option(help="The unit it belongs to (offered for items inside it); else any."),
    ] = None,
    categories: Annotated[
        str, typer.Option(help="The categories it handles, by key: credit,accounting.")
    ] = "",
) -> None:
    """Create an office; items of its categories are offered to it first."""
    settings = settings_or_exit()

    async def body() -> None:
        async with open_database(settings) as database, database.transaction() as session:
            unit_id = None
            if unit is not None:
                resolved = await resolve_unit(session, unit)
                unit_id = (resolved.today or resolved.unit).id
            await add_office(session, key, name, unit_id=unit_id, category_keys=_keys(categories))

    run(body)
    console.print(f"office {key} added")


@offices_app.command("route")
def route(
    office: Annotated[str, typer.Argument(help="The office's key or name.")],
    categories: Annotated[str, typer.Argument(help="The categories it handles: credit,land.")],
) -> None:
    """Set the categories an office handles (replacing the old ones; "" for none)."""
    settings = settings_or_exit()

    async def body() -> list[str]:
        async with open_database(settings) as database, database.transaction() as session:
            found = await find_office(session, office)
            return await set_office_categories(session, found, _keys(categories))

    keys = run(body)
    console.print(f"{office} handles: {', '.join(keys) or 'no category'}")


def register(app: typer.Typer) -> None:
    """Add the ``offices`` group to the CLI."""
    app.add_typer(offices_app, name="offices")
