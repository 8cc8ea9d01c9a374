"""The ``coopbot`` command line: ``coopbot --help`` lists the commands.

Every command loads settings from the environment (and ``.env``), prints one clear line and
exits non-zero on bad input, and never shows a traceback for it.
"""

from __future__ import annotations

import typer

from bot.cli import (
    bench_commands,
    categories_commands,
    db_commands,
    demo_commands,
    demo_data_commands,
    holidays_commands,
    invite_commands,
    offices_commands,
    outbox_commands,
    privacy_commands,
    registry_commands,
    reminders_commands,
    report_commands,
    retention_commands,
    run_commands,
    shell_commands,
    units_commands,
    zalo_commands,
)

app = typer.Typer(
    name="coopbot",
    help="coopbot: cooperatives' difficulties and proposals, followed to their answer.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

# Registration order is the order of `coopbot --help`.
run_commands.register(app)
demo_commands.register(app)
shell_commands.register(app)
db_commands.register(app)
units_commands.register(app)
registry_commands.register(app)
demo_data_commands.register(app)
invite_commands.register(app)
outbox_commands.register(app)
retention_commands.register(app)
privacy_commands.register(app)
reminders_commands.register(app)
report_commands.register(app)
holidays_commands.register(app)
categories_commands.register(app)
offices_commands.register(app)
zalo_commands.register(app)
bench_commands.register(app)


def main() -> None:
    """Run the CLI."""
    app()
