"""``coopbot demo``: try coopbot in a local web chat, on its own SQLite demo database."""

from __future__ import annotations

import asyncio
import logging
import os
import threading
import webbrowser
from pathlib import Path
from typing import Annotated

import typer

from bot.cli.common import console, error_console, fail, settings_or_exit
from bot.demo import DEFAULT_DATABASE, DemoPaths, bind_socket, is_local, serve_demo
from bot.logs import configure_logging


def _open_browser(url: str) -> None:
    # Only where a desktop can show it: on a server the demo must start all the same. A thread,
    # because some browsers make webbrowser.open wait, and the server is already running.
    if os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"):
        threading.Thread(target=webbrowser.open, args=(url,), daemon=True).start()


def demo(
    db: Annotated[
        Path, typer.Option("--db", help="The demo's SQLite file (created when missing).")
    ] = DEFAULT_DATABASE,
    reset: Annotated[
        bool, typer.Option("--reset", help="Delete the demo database and its files first.")
    ] = False,
    host: Annotated[
        str,
        typer.Option(help="Address to serve on. Anything but 127.0.0.1/localhost exposes it."),
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=0, max=65535, help="Port (0: any free one).")] = 8080,
    open_browser: Annotated[
        bool,
        typer.Option("--open/--no-open", help="Open a browser when a display is available."),
    ] = True,
) -> None:
    """Serve the demo web chat: act as a director, commune leader, official or admin."""
    settings = settings_or_exit()
    configure_logging(settings)
    # Each start migrates; "already at head" steps are not news to someone trying the demo.
    logging.getLogger("alembic").setLevel(max(logging.getLogger().level, logging.WARNING))
    paths = DemoPaths(db)
    if not db.parent.is_dir():
        fail(f"the folder of {db} does not exist")
    if reset:
        paths.reset()
        console.print(f"demo reset: deleted {db} and {paths.data_dir}")
    if not is_local(host):
        error_console.print(
            f"[bold yellow]warning:[/] serving on {host}: the demo has no authentication, "
            "anyone who can reach this address can act as any persona",
            highlight=False,
        )
    try:
        sock = bind_socket(host, port)
    except OSError as exc:
        fail(f"cannot serve on {host}:{port}: {exc.strerror or exc} (try another --port)")

    def ready(url: str) -> None:
        console.print(
            f"coopbot demo on {url} — open it in a browser (database {db}); Ctrl+C stops it",
            highlight=False,
        )
        if open_browser:
            _open_browser(url)

    try:
        asyncio.run(serve_demo(settings, paths, sock, host=host, on_ready=ready))
    except KeyboardInterrupt:
        pass
    finally:
        sock.close()


def register(app: typer.Typer) -> None:
    """Add ``demo`` to the CLI."""
    app.command("demo")(demo)
