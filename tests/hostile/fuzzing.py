"""Settings shared by the fuzz tests: a fresh seed each run, printed, and a saved-failure
database so a failure replays on the next run.

``COOPBOT_FUZZ_SEED`` replays a run; ``COOPBOT_FUZZ_EXAMPLES`` sets how many examples the
router fuzz tries (5,000 by default; the CI's PostgreSQL pass runs fewer, as the SQLite pass
already ran the full count). The seed is chosen once per test session and shown in pytest's
header line ("fuzz seed: …").
"""

from __future__ import annotations

import os
import random
import secrets
from collections.abc import Callable
from pathlib import Path

from hypothesis import HealthCheck, core, settings
from hypothesis.database import DirectoryBasedExampleDatabase

SEED = int(os.environ.get("COOPBOT_FUZZ_SEED") or secrets.randbits(32))
EXAMPLES = int(os.environ.get("COOPBOT_FUZZ_EXAMPLES") or 5_000)
EXAMPLE_DATABASE = Path(__file__).resolve().parents[2] / ".hypothesis" / "examples"


def fuzz_settings(max_examples: int) -> settings:
    """Return hypothesis settings for a fuzz test: random generation (not the derandomized CI
    profile), failures kept in the example database, no deadline (the database sets the pace)."""
    return settings(
        max_examples=max_examples,
        derandomize=False,
        database=DirectoryBasedExampleDatabase(str(EXAMPLE_DATABASE)),
        deadline=None,
        print_blob=True,
        suppress_health_check=[
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.function_scoped_fixture,
        ],
    )


def replay_hint() -> str:
    """Return how to replay this session's fuzzing."""
    return f"fuzz seed: {SEED} (replay with COOPBOT_FUZZ_SEED={SEED}), examples: {EXAMPLES}"


def run_seeded(test: Callable[[], None]) -> None:
    """Run a ``@given`` test with this session's seed, in the calling thread.

    ``hypothesis.seed`` would switch the example database off, and the database is what
    replays a failure first on the next run; so the seed goes where Hypothesis draws its
    per-test seeds from when none is forced, the calling thread's random generator.
    """
    core.threadlocal._hypothesis_global_random = random.Random(SEED)
    test()
