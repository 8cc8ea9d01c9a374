"""``coopbot shell``: the demo's conversations in a terminal, as one demo persona."""

from __future__ import annotations

import asyncio
import logging
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from bot.channels.console.shell import run_shell
from bot.cli.common import fail, settings_or_exit
from bot.demo import DEFAULT_DATABASE, DemoPaths
from bot.logs import configure_logging
from storage.demo_personas import find_persona


class PersonaChoice(StrEnum):
    """What ``--as`` accepts: the keys of the demo personas (storage.demo_personas)."""

    DIRECTOR = "director"
    COMMUNE_LEADER = "commune_leader"
    OFFICIAL = "official"
    ADMIN = "admin"


def shell(
    persona: Annotated[
        PersonaChoice, typer.Option("--as", help="Who to act as.", case_sensitive=False)
    ],
    db: Annotated[
        Path, typer.Option("--db", help="The demo's SQLite file (shared with `coopbot demo`).")
    ] = DEFAULT_DATABASE,
) -> None:
    """Talk to coopbot in this terminal as a demo persona; buttons become numbered choices."""
    settings = settings_or_exit()
    configure_logging(settings)
    # Log lines would interleave with the conversation: only problems are shown.
    root = logging.getLogger()
    root.setLevel(max(root.level, logging.WARNING))
    chosen = find_persona(persona.value)
    if chosen is None:  # pragma: no cover - a test keeps PersonaChoice and PERSONAS in step
        fail(f"unknown persona {persona.value}")
    if not db.parent.is_dir():
        fail(f"the folder of {db} does not exist")
    try:
        asyncio.run(run_shell(settings, DemoPaths(db), chosen, sys.stdin, sys.stdout))
    except KeyboardInterrupt:
        sys.stdout.write("\n")


def register(app: typer.Typer) -> None:
    """Add ``shell`` to the CLI."""
    app.command("shell")(shell)
