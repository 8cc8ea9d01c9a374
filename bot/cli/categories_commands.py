"""``coopbot categories list|set-days``: the categories items are filed under and how many
working days each gives for an answer."""

from __future__ import annotations

from typing import Annotated

import typer

from bot.cli.common import console, fail, open_database, run, settings_or_exit
from storage.categories import MAX_DUE_WORKING_DAYS, all_categories, set_due_working_days
from storage.models import Category

categories_app = typer.Typer(
    help="Categories and their reply deadlines in working days.", no_args_is_help=True
)


@categories_app.command("list")
def list_command() -> None:
    """List every category with its deadline in working days."""
    settings = settings_or_exit()

    async def body() -> list[Category]:
        async with open_database(settings) as database, database.session() as session:
            return await all_categories(session)

    for category in run(body):
        state = "" if category.active else "  (inactive)"
        console.print(
            f"{category.key:<12} {category.due_working_days:>3} working days  "
            f"{category.name_vi}{state}"
        )


@categories_app.command("set-days")
def set_days(
    key: Annotated[str, typer.Argument(help="The category's key, e.g. credit.")],
    days: Annotated[int, typer.Argument(help="Working days for an answer, 1 to 365.")],
) -> None:
    """Set the deadline of a category; items already filed keep theirs."""
    settings = settings_or_exit()
    if not 1 <= days <= MAX_DUE_WORKING_DAYS:
        fail(f"a deadline is 1 to {MAX_DUE_WORKING_DAYS} working days", code=2)

    async def body() -> None:
        async with open_database(settings) as database, database.transaction() as session:
            await set_due_working_days(session, key, days)

    run(body)  # an unknown key: one line and exit code 1
    console.print(f"{key}: answers are due within {days} working days of filing")


def register(app: typer.Typer) -> None:
    """Add the ``categories`` group to the CLI."""
    app.add_typer(categories_app, name="categories")
