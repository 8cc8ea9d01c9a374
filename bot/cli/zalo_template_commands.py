"""``coopbot zalo templates set|list|remove``: which approved Zalo template each kind of
unasked message goes as, outside Zalo's reply window (docs/zalo.md has each template's text
to submit to Zalo and its parameters)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from bot.cli.common import console, fail, open_database, run, settings_or_exit
from storage.errors import InvalidInput
from storage.zalo_templates import (
    TEMPLATE_PARAMS,
    TemplateKind,
    list_templates,
    parse_kind,
    remove_template,
    set_template,
)

templates_app = typer.Typer(
    help="Zalo templates for messages sent outside the reply window.", no_args_is_help=True
)

KIND_HELP = "The kind of message: " + ", ".join(TemplateKind) + "."


def _kind_or_exit(text: str) -> TemplateKind:
    try:
        return parse_kind(text)
    except InvalidInput as error:
        fail(str(error), code=2)


@templates_app.command("set")
def set_kind(
    kind: Annotated[str, typer.Argument(help=KIND_HELP)],
    template_id: Annotated[str, typer.Argument(help="The id Zalo gave the approved template.")],
) -> None:
    """Send KIND as the approved template TEMPLATE_ID when the person is outside the window."""
    chosen = _kind_or_exit(kind)
    settings = settings_or_exit()

    async def body() -> None:
        async with open_database(settings) as database, database.transaction() as session:
            await set_template(session, chosen, template_id)

    run(body)
    params = ", ".join(TEMPLATE_PARAMS[chosen])
    console.print(f"{chosen} goes as template {template_id.strip()} (parameters: {params})")


@templates_app.command("remove")
def remove_kind(kind: Annotated[str, typer.Argument(help=KIND_HELP)]) -> None:
    """Send KIND as no template any more (outside the window it goes on other channels)."""
    chosen = _kind_or_exit(kind)
    settings = settings_or_exit()

    async def body() -> bool:
        async with open_database(settings) as database, database.transaction() as session:
            return await remove_template(session, chosen)

    if run(body):
        console.print(f"{chosen} goes as no template any more")
    else:
        console.print(f"{chosen} had no template; nothing changed")


@templates_app.command("list")
def list_kinds() -> None:
    """Show every kind, its parameters and the template it goes as."""
    settings = settings_or_exit()

    async def body() -> dict[TemplateKind, str]:
        async with open_database(settings) as database, database.session() as session:
            return await list_templates(session)

    chosen = run(body)
    table = Table("kind", "template", "parameters", box=None)
    for kind in TemplateKind:
        table.add_row(str(kind), chosen.get(kind, "-"), ", ".join(TEMPLATE_PARAMS[kind]))
    console.print(table)
    console.print(f"{len(chosen)} of {len(TemplateKind)} kinds have a template")
