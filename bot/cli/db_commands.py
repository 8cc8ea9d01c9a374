"""``coopbot db upgrade|downgrade|current``: schema migrations."""

from __future__ import annotations

from typing import Annotated

import typer

from bot.cli.common import console, open_database, run, settings_or_exit
from storage import migrate
from storage.categories import ensure_default_categories

db_app = typer.Typer(help="Create or migrate the database schema.", no_args_is_help=True)


@db_app.command("upgrade")
def upgrade(
    revision: Annotated[
        str, typer.Argument(help="Target revision (default: the newest).")
    ] = "head",
) -> None:
    """Migrate the database to the newest schema and seed the default categories."""
    settings = settings_or_exit()

    async def body() -> str | None:
        async with open_database(settings) as database:
            await migrate.upgrade(database.engine, revision)
            async with database.transaction() as session:
                await ensure_default_categories(session)
            return await migrate.current_revision(database.engine)

    console.print(f"database at revision {run(body)}")


@db_app.command("downgrade")
def downgrade(
    revision: Annotated[
        str, typer.Argument(help="Target revision, e.g. 'base' to drop everything.")
    ],
) -> None:
    """Migrate the database down to an older revision."""
    settings = settings_or_exit()

    async def body() -> str | None:
        async with open_database(settings) as database:
            await migrate.downgrade(database.engine, revision)
            return await migrate.current_revision(database.engine)

    console.print(f"database at revision {run(body) or 'base'}")


@db_app.command("current")
def current() -> None:
    """Print the revision the database is at."""
    settings = settings_or_exit()

    async def body() -> str | None:
        async with open_database(settings) as database:
            return await migrate.current_revision(database.engine)

    console.print(run(body) or "empty database (run `coopbot db upgrade`)")


def register(app: typer.Typer) -> None:
    """Add the ``db`` group to the CLI."""
    app.add_typer(db_app, name="db")
