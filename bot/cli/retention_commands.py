"""``coopbot retention run``: delete now what the daily purge deletes, and say how much."""

from __future__ import annotations

import typer

from bot.cli.common import console, open_database, run, settings_or_exit
from bot.retention import purge
from storage.models import utcnow
from storage.retention import describe

retention_app = typer.Typer(
    help="Retention: the runtime's own rows, deleted once past their time.",
    no_args_is_help=True,
)


@retention_app.command("run")
def run_command() -> None:
    """Delete the rows past their retention (COOPBOT_RETAIN_*_DAYS) and print the counts."""
    settings = settings_or_exit()
    policy = settings.retention_policy()

    async def body() -> dict[str, int]:
        async with open_database(settings) as database:
            return await purge(database, policy, utcnow())

    console.print(describe(run(body)), highlight=False)


def register(app: typer.Typer) -> None:
    """Add the ``retention`` group to the CLI."""
    app.add_typer(retention_app, name="retention")
