"""``coopbot units import`` and ``check``: Vietnam's administrative units, before and after
1 July 2025, and the successions the distance rule found implausible (docs/registry.md).
"""

from __future__ import annotations

import asyncio
import csv
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn

from bot.cli.common import console, error_console, fail, open_database, run, settings_or_exit
from bot.cli.registry_commands import describe
from storage.registry import RowError
from storage.registry_read import read_sheet
from storage.succession_check import MAX_EXTRA_KM, Distribution, distribution
from storage.succession_overrides import read_overrides, save_overrides
from storage.succession_review import CheckedSuccession, SuccessionReview, review_successions
from storage.units_import import (
    ChangeCounts,
    ImportReport,
    find_province,
    import_units,
    read_source,
    stored_decisions,
)

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
    overrides: Annotated[
        Path | None,
        typer.Option(
            "--overrides",
            metavar="FILE",
            help="Accept or reject successions whatever the distance rule says (CSV or XLSX).",
        ),
    ] = None,
) -> None:
    """Import units, their pre-2025 predecessors and successions (vietnamadminunits data)."""
    if (province is None) != whole_country:
        fail("give either --province NAME or --all", code=2)
    settings = settings_or_exit()

    async def body() -> ImportReport | list[RowError]:
        rows = None
        if overrides is not None:
            rows = await asyncio.to_thread(
                read_sheet, await asyncio.to_thread(overrides.read_bytes)
            )
        data = await asyncio.to_thread(read_source)
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
                if rows is not None:
                    decisions, errors = read_overrides(rows, data, await stored_decisions(session))
                    if errors:
                        return errors
                    await save_overrides(session, decisions)
                return await import_units(
                    session, province=province, progress=progress, source=data
                )

    report = run(body)
    if isinstance(report, list):
        for error in report:
            error_console.print(f"error: {describe(error)}", markup=False, highlight=False)
        fail(
            f"import refused: {len(report)} error(s) in the overrides file; "
            "nothing was changed (fix the file)"
        )
    where = (
        f"{len(report.provinces)} provinces" if province is None else ", ".join(report.provinces)
    )
    console.print(
        f"imported {where}: units {_counts(report.units)}; "
        f"successions {_counts(report.successions)}; "
        f"{report.rejected} rejected (see coopbot units check)",
        highlight=False,
    )


_CSV_COLUMNS = (
    "decision",
    "status",
    "old_code",
    "old_commune",
    "old_district",
    "old_province",
    "new_code",
    "new_commune",
    "new_province",
    "distance_km",
    "nearest_km",
)


def _km(km: float | None) -> str:
    return "" if km is None else f"{km:.1f}"


def _line(entry: CheckedSuccession) -> str:
    return (
        f"{entry.status}: {entry.old_commune} ({entry.old_code}), {entry.old_district}, "
        f"{entry.old_province} → {entry.new_commune} ({entry.new_code}), "
        f"{_km(entry.distance_km)} km (nearest successor {_km(entry.nearest_km)} km)"
    )


def _write_csv(review: SuccessionReview) -> None:
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(_CSV_COLUMNS)
    for entry in review.shown:
        writer.writerow(
            [
                "",
                entry.status,
                entry.old_code,
                entry.old_commune,
                entry.old_district,
                entry.old_province,
                entry.new_code,
                entry.new_commune,
                entry.new_province,
                _km(entry.distance_km),
                _km(entry.nearest_km),
            ]
        )


async def _package_figures(province: str | None) -> Distribution:
    data = await asyncio.to_thread(read_source)
    units = {u.key: u for u in data.units}
    group = find_province(data, province) if province is not None else None
    return distribution(
        {
            pair: judgement
            for pair, judgement in data.judgements.items()
            if group is None or units[pair[0]].group == group
        }
    )


def _print_figures(figures: Distribution) -> None:
    lines = [
        f"commune successions: {figures.successions}",
        f"  the only successor of their old commune: {figures.sole} "
        f"(kept; {figures.sole_beyond_threshold} farther than {MAX_EXTRA_KM:g} km)",
        f"  one of several successors: {figures.several}, "
        f"of {figures.old_communes_with_several} old communes "
        f"({figures.unjudged} not judged: centroid missing, shared or misplaced)",
        "extra distance beyond the old commune's nearest successor, judged successions:",
        *(
            f"  {low:g}–{high:g} km: {count}"
            if high is not None
            else f"  {low:g} km and more: {count}"
            for low, high, count in figures.extra_km_bins
        ),
        f"largest extra distance kept: {_km(figures.largest_kept_extra_km)} km; "
        f"smallest rejected: {_km(figures.smallest_rejected_extra_km)} km; "
        f"threshold {MAX_EXTRA_KM:g} km; rejected {figures.rejected}",
    ]
    for line in lines:
        console.print(line, markup=False, highlight=False)


@units_app.command("check")
def check_command(
    province: str | None = typer.Option(
        None,
        "--province",
        metavar="NAME",
        help="Check one province of today, named as now or before 2025 ('Sóc Trăng').",
    ),
    whole_country: bool = typer.Option(False, "--all", help="Check the whole country."),
    with_kept: bool = typer.Option(
        False,
        "--with-kept",
        help="Also list the kept successions of old communes with several successors.",
    ),
    as_csv: bool = typer.Option(
        False, "--csv", help="Print CSV, which edited is an overrides file for units import."
    ),
    figures: bool = typer.Option(
        False,
        "--figures",
        help="Print the distances the rule's threshold was chosen from (package data only).",
    ),
) -> None:
    """List the successions the last import rejected as implausible, and count the kept."""
    if (province is None) != whole_country:
        fail("give either --province NAME or --all", code=2)
    if figures:
        _print_figures(run(_package_figures, province))
        return
    settings = settings_or_exit()

    async def body() -> SuccessionReview:
        code = None
        if province is not None:
            data = await asyncio.to_thread(read_source)
            code = data.group_unit(find_province(data, province)).code
        async with open_database(settings) as database, database.session() as session:
            return await review_successions(session, province_code=code, with_kept=with_kept)

    review = run(body)
    if as_csv:
        _write_csv(review)
        return
    for entry in review.shown:
        console.print(_line(entry), markup=False, highlight=False)
    console.print(
        f"commune successions: {review.kept} kept, {review.rejected} rejected",
        highlight=False,
    )


def register(app: typer.Typer) -> None:
    """Add the ``units`` group to the CLI."""
    app.add_typer(units_app, name="units")
