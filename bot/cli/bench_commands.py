"""``coopbot bench [NAME] [--quick]``: run the benchmarks in bench/ and record their figures.

The benchmarks live in the source checkout (``bench/``, next to ``bot/``), not in the installed
package: they generate large databases and are run by maintainers, never by a deployment.
Full runs write their section of docs/BENCHMARKS.md; ``--quick`` runs small sizes as a smoke
test and records nothing unless ``--record`` is given.
"""

from __future__ import annotations

import asyncio
import importlib
import logging
import os
import sys
import time
from pathlib import Path
from typing import Annotated, Any

import typer

from bot.cli.common import console, fail

CHECKOUT = Path(__file__).resolve().parents[2]
NAMES = ("summary", "throughput", "fanout", "memory", "rate_limit")


def _bench_package() -> Any:
    """Import the benchmarks from the checkout this CLI runs from."""
    if not (CHECKOUT / "bench" / "__init__.py").exists():
        fail("the benchmarks are in the source checkout (bench/); run coopbot from one", code=2)
    if str(CHECKOUT) not in sys.path:
        sys.path.insert(0, str(CHECKOUT))
    return importlib.import_module("bench")


def bench(
    name: Annotated[
        str | None,
        typer.Argument(help=f"One benchmark ({', '.join(NAMES)}); all of them by default."),
    ] = None,
    quick: Annotated[
        bool, typer.Option("--quick", help="Small sizes, a smoke run of a few minutes.")
    ] = False,
    record: Annotated[
        bool,
        typer.Option("--record", help="Write the figures of a --quick run to docs/BENCHMARKS.md."),
    ] = False,
    runs: Annotated[
        int | None,
        typer.Option("--runs", min=1, help="Timed runs instead of each benchmark's own number."),
    ] = None,
    database: Annotated[
        list[str] | None,
        typer.Option(
            "--database",
            "-d",
            help="sqlite or postgresql (repeatable); both by default. PostgreSQL comes from "
            "COOPBOT_BENCH_POSTGRES_URL (default postgresql://postgres@127.0.0.1/coopbot_bench).",
        ),
    ] = None,
) -> None:
    """Run the benchmarks and write their figures to docs/BENCHMARKS.md."""
    if name is not None and name not in NAMES:
        fail(f"no benchmark called {name!r} (choose from {', '.join(NAMES)})", code=2)
    databases = tuple(database or ("sqlite", "postgresql"))
    unknown = [d for d in databases if d not in ("sqlite", "postgresql")]
    if unknown:
        fail(f"unknown database {unknown[0]!r} (use sqlite or postgresql)", code=2)
    package = _bench_package()
    common = importlib.import_module("bench.common")
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)
    # python-telegram-bot 22 warns whenever it builds a RetryAfter unless durations are
    # timedelta, as `coopbot run` sets them.
    os.environ.setdefault("PTB_TIMEDELTA", "1")
    words = ["coopbot bench", *([name] if name else []), *(["--quick"] if quick else [])]
    words += [f"--database {d}" for d in database or ()]
    words += [f"--runs {runs}"] if runs is not None else []
    config = common.Config(
        size="quick" if quick else "full",
        databases=databases,
        command=" ".join(words),
        runs=runs,
        progress=lambda line: console.print(line, highlight=False),
    )
    for each in [name] if name else list(NAMES):
        started = time.perf_counter()
        console.print(f"[bold]{each}[/] ({config.size})", highlight=False)
        section = asyncio.run(package.runner(each)(config))
        console.print(section.render(), highlight=False, markup=False)
        if not quick or record:
            common.write_section(section)
            console.print(f"recorded in {common.DOC}", highlight=False)
        console.print(f"{each} took {time.perf_counter() - started:.0f} s", highlight=False)


def register(app: typer.Typer) -> None:
    """Add the ``bench`` command to the CLI."""
    app.command("bench")(bench)
