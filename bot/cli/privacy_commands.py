"""``coopbot privacy requests|export|erase|done``: the controller's desk for people's requests
about their personal data (Law 91/2025/QH15): a copy, erasure, and answering on time."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from bot.cli.common import console, fail, open_database, run, settings_or_exit
from bot.render.personal_copy import personal_copy_workbook
from storage.models import PrivacyRequestKind, PrivacyRequestState, utcnow
from storage.personal_data import ErasureReport, PersonalCopy, erase_person, personal_copy
from storage.privacy_requests import (
    RequestRow,
    finish_request,
    open_requests,
    recent_requests,
    record_request,
)

privacy_app = typer.Typer(
    help="People's requests about their personal data: list, copy, erase, mark done.",
    no_args_is_help=True,
)

CHANNEL = "cli"  # where a request handled here was received


def _local(moment: dt.datetime, tz: dt.tzinfo) -> str:
    return f"{moment.astimezone(tz):%d/%m/%Y %H:%M}"


@privacy_app.command("requests")
def requests_command(
    show_all: Annotated[
        bool, typer.Option("--all", help="Also the answered ones (the latest 100).")
    ] = False,
) -> None:
    """List the open requests, nearest deadline first; overdue ones are marked."""
    settings = settings_or_exit()

    async def body() -> list[RequestRow]:
        async with open_database(settings) as database, database.session() as session:
            return await (recent_requests(session) if show_all else open_requests(session))

    rows = run(body)
    if not rows:
        console.print("no open requests" if not show_all else "no requests")
        return
    now = utcnow()
    table = Table("id", "kind", "person", "received", "due", "state", box=None)
    for row in rows:
        request = row.request
        person = f"{request.person_id or '-'} {row.person_name}".strip()
        state = request.state + (" OVERDUE" if row.overdue(now) else "")
        table.add_row(
            str(request.id),
            request.kind,
            person,
            _local(request.received_at, settings.tz),
            _local(request.due_at, settings.tz),
            state,
        )
    console.print(table)


def _stem(out: Path | None, person_id: int, now: dt.datetime) -> Path:
    """Return the path the two files are written to, without its suffix."""
    if out is None:
        return Path(f"personal-data-{person_id}-{now:%Y%m%d}")
    return out.with_suffix("") if out.suffix in {".json", ".xlsx"} else out


@privacy_app.command("export")
def export_command(
    person_id: Annotated[int, typer.Option("--person", help="The person's id.")],
    out: Annotated[
        Path | None,
        typer.Option(help="Where to write: PATH.json and PATH.xlsx (default personal-data-ID-…)."),
    ] = None,
) -> None:
    """Write everything stored about a person as JSON and XLSX; record the copy request, done."""
    settings = settings_or_exit()
    now = utcnow()

    async def body() -> tuple[PersonalCopy, int]:
        async with open_database(settings) as database, database.transaction() as session:
            copy = await personal_copy(session, person_id, now=now)
            request = await record_request(
                session,
                person_id,
                PrivacyRequestKind.COPY,
                channel=CHANNEL,
                now=now,
                notify_admins=False,  # answered on the spot by an admin
            )
            await finish_request(session, request.id or 0, now=now)
            return copy, request.id or 0

    copy, request_id = run(body)
    stem = _stem(out, person_id, now)
    json_path, xlsx_path = stem.with_suffix(".json"), stem.with_suffix(".xlsx")
    try:
        json_path.write_bytes(copy.to_json())
        xlsx_path.write_bytes(personal_copy_workbook(copy, settings.default_locale))
    except OSError as exc:
        fail(f"{exc.strerror or exc}: {exc.filename or stem}")
    rows = sum(len(rows) for rows in copy.tables.values())
    console.print(f"request {request_id} done: {rows} rows written to {json_path} and {xlsx_path}")


def _print_report(report: ErasureReport, request_id: int) -> None:
    console.print(f"request {request_id} done: person {report.person_id} erased")
    for what, count in report.changed.items():
        if count:
            console.print(f"  {what}: {count}")
    if report.total == 0:
        console.print("  nothing left to erase (erased before)")
    for warning in report.warnings:
        console.print(f"[bold yellow]warning:[/] {warning}", highlight=False)


@privacy_app.command("erase")
def erase_command(
    person_id: Annotated[int, typer.Option("--person", help="The person's id.")],
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
) -> None:
    """Erase a person's name, phone, accounts and grants; their cooperative's items stay."""
    settings = settings_or_exit()
    if not yes:
        typer.confirm(
            f"Erase person {person_id}: end their access, delete their accounts, name and "
            "phone? Their items stay, without their name.",
            abort=True,
        )
    now = utcnow()

    async def body() -> tuple[ErasureReport, int]:
        async with open_database(settings) as database, database.transaction() as session:
            request = await record_request(
                session,
                person_id,
                PrivacyRequestKind.ERASURE,
                channel=CHANNEL,
                now=now,
                notify_admins=False,  # answered on the spot by an admin
            )
            report = await erase_person(session, person_id, now=now)
            await finish_request(session, request.id or 0, now=now)
            return report, request.id or 0

    report, request_id = run(body)
    _print_report(report, request_id)


@privacy_app.command("done")
def done_command(
    request_id: Annotated[int, typer.Argument(help="The request answered.")],
    refused: Annotated[
        bool, typer.Option("--refused", help="Record it refused rather than done.")
    ] = False,
) -> None:
    """Mark a request answered (or, with --refused, refused)."""
    settings = settings_or_exit()
    state = PrivacyRequestState.REFUSED if refused else PrivacyRequestState.DONE

    async def body() -> None:
        async with open_database(settings) as database, database.transaction() as session:
            await finish_request(session, request_id, now=utcnow(), state=state)

    run(body)
    console.print(f"request {request_id} {state.value}")


def register(app: typer.Typer) -> None:
    """Add the ``privacy`` group to the CLI."""
    app.add_typer(privacy_app, name="privacy")
