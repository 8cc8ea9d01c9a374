"""``coopbot reminders run|plan``: run the reminder jobs for any moment, or preview a quarter
and how each commune leader will be reached."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import typer
from rich.table import Table

from bot.cli.common import console, fail, open_database, run, settings_or_exit
from storage.calendar import Quarter, WorkingCalendar
from storage.delivery_plan import Cause
from storage.errors import InvalidInput
from storage.periods import parse_period
from storage.reach_report import Reach, Way, leader_reach
from storage.reminders import Planned, plan_due
from storage.reply_window import ReplyWindow

reminders_app = typer.Typer(
    help="Quarterly reminders, follow-ups and escalations.", no_args_is_help=True
)


# Why a way failed, in the CLI's words (the admins' chat notice says it translated).
CAUSE_WORDS = {
    Cause.WINDOW_CLOSED: "Zalo window closed",
    Cause.NO_TEMPLATE: "no Zalo template set (coopbot zalo templates set)",
    Cause.NO_PHONE: "no mobile number",
    Cause.PHONE_NOT_ON_ZALO: "number not on Zalo",
    Cause.TEMPLATE_REFUSED: "template refused by Zalo",
    Cause.REFUSED: "refused",
    Cause.NO_OTHER_ACCOUNT: "no other channel",
}


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
    quarter: Annotated[
        str, typer.Option(help="The quarter: 2026Q2, q2 2026, quý II/2026, or q2 (this year).")
    ],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Only show (the default).")] = True,
) -> None:
    """Show who would get what at the quarter's kick-off, follow-up and escalation, and how
    each commune leader will be reached (Telegram, Zalo's window, a Zalo template, or not)."""
    settings = settings_or_exit()
    try:
        # Written as people write it, as in chat; a whole year is not a quarter.
        q = Quarter.parse(parse_period(quarter, dt.datetime.now(settings.tz).date()).key)
    except InvalidInput as error:
        fail(str(error), code=2)
    del dry_run  # previewing never plans; the option documents that

    async def body() -> tuple[list[tuple[str, list[Planned]]], list[Reach]]:
        schedule = settings.reminder_schedule()
        async with open_database(settings) as database, database.session() as session:
            calendar = await WorkingCalendar.load(session)
            moments = [
                ("kick-off", schedule.kickoff(q, calendar)),
                ("follow-up", schedule.follow_up(q, calendar)),
                ("escalation", schedule.escalation(q, calendar)),
            ]
            result = []
            shown: set[str] = set()
            for name, moment in moments:
                report = await plan_due(session, moment, schedule, calendar, dry_run=True)
                label = f"{name} {moment.astimezone(settings.tz):%d/%m/%Y %H:%M}"
                # What is still due later (a follow-up never planned in a preview) was shown
                # at its own moment already.
                new = [planned for planned in report.due if planned.dedupe_key not in shown]
                shown.update(planned.dedupe_key for planned in new)
                result.append((label, new))
            window = ReplyWindow(settings.zalo_reply_window_hours, settings.zalo_free_replies)
            reach = await leader_reach(session, moments[0][1], window)
            return result, reach

    planned, reach = run(body)
    for label, due in planned:
        _print(due, label)
    _print_reach(reach)


def _print_reach(reach: list[Reach]) -> None:
    """Show how each leader will get the kick-off, and why not when they will not."""
    table = Table(
        "leader", "commune", "way", "detail", title="how each leader is reached", box=None
    )
    for row in reach:
        way = f"{row.way} ({row.channel})" if row.way == Way.CHANNEL else str(row.way)
        detail = row.detail or ", ".join(CAUSE_WORDS.get(c, str(c)) for c in row.causes)
        table.add_row(row.name or f"person {row.person_id}", row.commune, way, detail)
    console.print(table)
    missing = sum(row.way == Way.NONE for row in reach)
    console.print(f"{len(reach)} leaders, {missing} unreachable")


def register(app: typer.Typer) -> None:
    """Add the ``reminders`` group to the CLI."""
    app.add_typer(reminders_app, name="reminders")
