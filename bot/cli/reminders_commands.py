"""``coopbot reminders run|plan``: run the reminder jobs for any moment, or preview a quarter."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import typer
from rich.table import Table

from bot.cli.common import console, fail, open_database, run, settings_or_exit
from storage.calendar import Quarter, WorkingCalendar
from storage.errors import InvalidInput
from storage.reminders import Planned, plan_due

reminders_app = typer.Typer(
    help="Quarterly reminders, follow-ups and escalations.", no_args_is_help=True
)


def _moment(text: str) -> dt.datetime:
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        fail(f"--at {text!r} is not an ISO date and time, e.g. 2026-04-06T08:00+07:00", code=2)
    if moment.tzinfo is None:
        fail("--at needs a time zone offset, e.g. 2026-04-06T08:00+07:00", code=2)
    return moment.astimezone(dt.UTC)


def _print(planned: list[Planned], title: str) -> None:
    table = Table("key", "channel", "recipient", "kind", title=title, box=None)
    for message in planned:
        table.add_row(
            message.dedupe_key,
            message.channel,
            message.recipient,
            message.payload.kind,
        )
    console.print(table)


@reminders_app.command("run")
def run_at(
    at: Annotated[str, typer.Option(help="The moment, ISO with offset: 2026-04-06T08:00+07:00")],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show, plan nothing.")] = False,
) -> None:
    """Run every reminder job as of a moment (plans into the outbox; the bot sends them)."""
    settings = settings_or_exit()
    moment = _moment(at)

    async def body() -> tuple[list[Planned], int]:
        async with open_database(settings) as database, database.transaction() as session:
            report = await plan_due(session, moment, settings.reminder_schedule(), dry_run=dry_run)
            return report.due, report.new

    due, new = run(body)
    _print(due, f"due at {moment.astimezone(settings.tz):%Y-%m-%d %H:%M %Z}")
    console.print(
        f"{len(due)} due, {0 if dry_run else new} newly planned"
        + (" (dry run)" if dry_run else "")
    )


@reminders_app.command("plan")
def plan_quarter(
    quarter: Annotated[str, typer.Option(help="The quarter, e.g. 2026Q2.")],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Only show (the default).")] = True,
) -> None:
    """Show who would get what at the quarter's kick-off, follow-up and escalation."""
    settings = settings_or_exit()
    try:
        q = Quarter.parse(quarter)
    except InvalidInput as error:
        fail(str(error), code=2)
    del dry_run  # previewing never plans; the option documents that

    async def body() -> list[tuple[str, list[Planned]]]:
        schedule = settings.reminder_schedule()
        async with open_database(settings) as database, database.session() as session:
            calendar = await WorkingCalendar.load(session)
            moments = [
                ("kick-off", schedule.kickoff(q, calendar)),
                ("follow-up", schedule.follow_up(q)),
                ("escalation", schedule.escalation(q)),
            ]
            result = []
            for name, moment in moments:
                report = await plan_due(session, moment, schedule, calendar, dry_run=True)
                label = f"{name} {moment.astimezone(settings.tz):%d/%m/%Y %H:%M}"
                result.append((label, report.due))
            return result

    for label, due in run(body):
        _print(due, label)


def register(app: typer.Typer) -> None:
    """Add the ``reminders`` group to the CLI."""
    app.add_typer(reminders_app, name="reminders")
