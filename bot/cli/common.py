"""What every CLI command shares: settings, the database, one-line errors."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from contextlib import asynccontextmanager
from typing import Any, NoReturn, TypeVar

import typer
from rich.console import Console
from sqlalchemy.exc import DBAPIError

from bot.settings import Settings, SettingsError, load_settings
from storage.db import Database
from storage.errors import CoopbotError
from storage.secret_box import SecretBox

T = TypeVar("T")

console = Console(soft_wrap=True)
error_console = Console(stderr=True, soft_wrap=True)


def fail(message: str, code: int = 1) -> NoReturn:
    """Print one clear error line and exit non-zero."""
    error_console.print(f"[bold red]error:[/] {message}", highlight=False)
    raise typer.Exit(code)


def settings_or_exit() -> Settings:
    """Load settings, or exit with the wrong variable named."""
    try:
        return load_settings()
    except SettingsError as exc:
        fail(str(exc), code=2)


def secret_box_or_exit(settings: Settings) -> SecretBox:
    """Return the box of ``COOPBOT_SECRET_KEY``, or exit (2) saying the key is missing."""
    try:
        return settings.secret_box()
    except SettingsError as exc:
        fail(str(exc), code=2)


@asynccontextmanager
async def open_database(settings: Settings) -> AsyncIterator[Database]:
    """Open the configured database for the duration of a command."""
    database = Database(settings.database_url)
    try:
        yield database
    finally:
        await database.close()


def run(coroutine_function: Callable[..., Coroutine[Any, Any, T]], *args: Any) -> T:
    """Run an async command body, turning domain errors into one line and exit code 1."""
    try:
        return asyncio.run(coroutine_function(*args))
    except CoopbotError as exc:
        fail(str(exc))
    except DBAPIError as exc:
        # Most often a database never upgraded ("no such table"); never a traceback.
        reason = str(exc.orig).splitlines()[0] if exc.orig is not None else type(exc).__name__
        fail(
            f"the database cannot be used ({reason[:200]}); a new or older database needs "
            "`coopbot db upgrade` first"
        )
    except OSError as exc:
        fail(f"{exc.strerror or exc}: {getattr(exc, 'filename', '') or ''}".rstrip(": "))


async def with_database(settings: Settings, body: Callable[[Database], Awaitable[T]]) -> T:
    """Open the database, run ``body`` with it, and close it again."""
    async with open_database(settings) as database:
        return await body(database)
