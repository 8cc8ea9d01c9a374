"""``coopbot demo-data load``: the Kế Sách demo data set."""

from __future__ import annotations

import typer

from bot.cli.common import console, open_database, run, settings_or_exit
from bot.settings import Settings
from storage.demo_data import DemoReport, load_demo_data

demo_data_app = typer.Typer(help="The Kế Sách demo data set.", no_args_is_help=True)


async def _load(settings: Settings) -> DemoReport:
    async with open_database(settings) as database, database.transaction() as session:
        return await load_demo_data(session)


@demo_data_app.command("load")
def load() -> None:
    """Load the demo units (2021 and 2025), cooperatives, plan targets and offices."""
    report = run(_load, settings_or_exit())
    console.print(
        f"demo data loaded: {report.units_added} units, {report.successions_added} successions, "
        f"{report.cooperatives_added} cooperatives, {report.targets_added} plan targets, "
        f"{report.offices_added} offices added"
    )


def register(app: typer.Typer) -> None:
    """Add the ``demo-data`` group to the CLI."""
    app.add_typer(demo_data_app, name="demo-data")
