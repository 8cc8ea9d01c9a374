"""``coopbot outbox status|retry``: what the system is sending on its own, and failures."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from bot.cli.common import console, fail, open_database, run, settings_or_exit
from storage.models import OutboxMessage, OutboxStatus
from storage.outbox_admin import problem_messages, retry, status_counts

outbox_app = typer.Typer(
    help="Planned messages: delivery status and retries.", no_args_is_help=True
)


@outbox_app.command("status")
def status() -> None:
    """Count messages by delivery status and list the latest failures."""
    settings = settings_or_exit()

    async def body() -> tuple[dict[str, int], list[OutboxMessage]]:
        async with open_database(settings) as database, database.session() as session:
            return await status_counts(session), await problem_messages(session)

    counts, problems = run(body)
    for name in OutboxStatus:
        console.print(f"{name.value:<12} {counts.get(name.value, 0)}")
    if problems:
        table = Table("id", "status", "channel", "recipient", "attempts", "reason", box=None)
        for message in problems:
            table.add_row(
                str(message.id),
                message.status,
                message.channel,
                message.recipient,
                str(message.attempts),
                message.last_error or "",
            )
        console.print(table)


@outbox_app.command("retry")
def retry_command(
    message_id: Annotated[int | None, typer.Argument(help="The message to retry.")] = None,
    failed: Annotated[bool, typer.Option("--failed", help="Retry every failed message.")] = False,
) -> None:
    """Put a failed or unreachable message (or every failed one) back in the queue."""
    if (message_id is None) == (not failed):
        fail("give a message id or --failed (not both)", code=2)
    settings = settings_or_exit()

    async def body() -> int:
        async with open_database(settings) as database, database.transaction() as session:
            return await retry(session, message_id, failed=failed)

    count = run(body)
    if message_id is not None and count == 0:
        fail(f"message {message_id} is not failed or unreachable")
    console.print(f"{count} message(s) queued again")


def register(app: typer.Typer) -> None:
    """Add the ``outbox`` group to the CLI."""
    app.add_typer(outbox_app, name="outbox")
