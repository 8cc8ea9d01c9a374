"""``coopbot units import``: Vietnam's administrative units, before and after 1 July 2025."""

from __future__ import annotations

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn

from bot.cli.common import console, fail, open_database, run, settings_or_exit
from storage.units_import import ChangeCounts, ImportReport, import_units

units_app = typer.Typer(
    help="Administrative units: provinces, districts, communes.", no_args_is_help=True
)


def _counts(counts: ChangeCounts) -> str:
    return f"{counts.added} added, {counts.updated} updated, {counts.unchanged} unchanged"


@units_app.command("import")
def import_command(
    province: str | None = typer.Option(
        None,
        "--province",
        metavar="NAME",
        help="Import one province of today, named as now or before 2025 ('Sóc Trăng').",
    ),
    whole_country: bool = typer.Option(False, "--all", help="Import the whole country."),
) -> None:
    """Import units, their pre-2025 predecessors and successions (vietnamadminunits data)."""
    if (province is None) != whole_country:
        fail("give either --province NAME or --all", code=2)
    settings = settings_or_exit()

    async def body() -> ImportReport:
        with Progress(
            TextColumn("{task.description:<12}"),
            BarColumn(),
            MofNCompleteColumn(),
            console=console,
            disable=not console.is_terminal,  # keep piped output to the summary line
        ) as bar:
            tasks: dict[str, TaskID] = {}

            def progress(stage: str, done: int, total: int) -> None:
                if stage not in tasks:
                    tasks[stage] = bar.add_task(stage, total=total)
                bar.update(tasks[stage], completed=done, total=total)

            async with open_database(settings) as database, database.transaction() as session:
                return await import_units(session, province=province, progress=progress)

    report = run(body)
    where = (
        f"{len(report.provinces)} provinces" if province is None else ", ".join(report.provinces)
    )
    console.print(
        f"imported {where}: units {_counts(report.units)}; "
        f"successions {_counts(report.successions)}",
        highlight=False,
    )


def register(app: typer.Typer) -> None:
    """Add the ``units`` group to the CLI."""
    app.add_typer(units_app, name="units")
