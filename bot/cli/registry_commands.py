"""``coopbot registry import FILE``: load cooperatives from an official's spreadsheet."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from bot.cli.common import console, error_console, fail, open_database, run, settings_or_exit
from storage.cooperatives import list_cooperatives
from storage.models import Cooperative
from storage.registry import ImportReport, RowError, import_registry
from storage.registry_read import read_sheet

registry_app = typer.Typer(
    help="Import cooperatives from a registry spreadsheet (CSV or XLSX).", no_args_is_help=True
)


def describe(problem: RowError) -> str:
    """Return a problem as one English line: "row 7, column commune: …"."""
    place = (
        f"row {problem.row}, column {problem.column}" if problem.column else f"row {problem.row}"
    )
    return f"{place}: {problem.render()}"


def summary(report: ImportReport) -> str:
    """Return the one-line outcome of an import that went ahead."""
    counts = (
        f"created {report.created}, updated {report.updated}, "
        f"unchanged {report.unchanged}, skipped {report.skipped}"
    )
    return f"dry run, nothing written: would have {counts}" if report.dry_run else counts


def refusal(report: ImportReport) -> str:
    """Return the one-line reason an import was refused."""
    where = [f"{report.invalid_rows} row(s)"] if report.invalid_rows else []
    if report.header_errors:
        where.insert(0, "the header")
    hint = "" if report.header_errors else ", or use --skip-invalid to import the valid rows"
    return (
        f"import refused: {len(report.errors)} error(s) in {' and '.join(where)}; "
        f"nothing was changed (fix the file{hint})"
    )


@registry_app.command("import")
def import_file(
    file: Annotated[
        Path, typer.Argument(metavar="FILE", help="The spreadsheet: .csv (UTF-8) or .xlsx.")
    ],
    skip_invalid: Annotated[
        bool,
        typer.Option("--skip-invalid", help="Import the valid rows and report the bad ones."),
    ] = False,
    dry_run: Annotated[
        bool,
        typer.Option(
            "--dry-run", help="Check the file and report what would change; write nothing."
        ),
    ] = False,
) -> None:
    """Create or update the cooperatives listed in FILE, one a row (see docs/registry.md)."""
    settings = settings_or_exit()

    async def body() -> ImportReport:
        data = await asyncio.to_thread(file.read_bytes)
        rows = await asyncio.to_thread(read_sheet, data)
        async with open_database(settings) as database, database.transaction() as session:
            return await import_registry(session, rows, skip_invalid=skip_invalid, dry_run=dry_run)

    report = run(body)
    for warning in report.warnings:
        error_console.print(f"warning: {describe(warning)}", markup=False, highlight=False)
    for error in report.errors:
        error_console.print(describe(error), markup=False, highlight=False)
    if report.refused:
        fail(refusal(report))
    console.print(summary(report), highlight=False)


@registry_app.command("list")
def list_registry() -> None:
    """Print the cooperatives with their communes of today."""
    settings = settings_or_exit()

    async def body() -> list[tuple[Cooperative, str]]:
        async with open_database(settings) as database, database.session() as session:
            return await list_cooperatives(session)

    rows = run(body)
    table = Table("commune", "kind", "name", "registration code", "members", "", box=None)
    for cooperative, commune in rows:
        table.add_row(
            commune,
            cooperative.kind,
            cooperative.name,
            cooperative.registration_code or "",
            "" if cooperative.members is None else str(cooperative.members),
            "(illustrative data)" if cooperative.illustrative else "",
        )
    console.print(table)
    console.print(f"{len(rows)} cooperatives")
    if any(cooperative.illustrative for cooperative, _ in rows):
        # The demo's codes, dates and figures are made up; only its names and communes are real.
        console.print("(illustrative data): code and members made up by the demo data set")


def register(app: typer.Typer) -> None:
    """Add the ``registry`` group to the CLI."""
    app.add_typer(registry_app, name="registry")
