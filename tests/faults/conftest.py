"""Fixtures of the fault tests: a PostgreSQL server of the test's own."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.faults.postgres import ThrowawayPostgres, missing_requirement


@pytest.fixture
def throwaway_postgres() -> Iterator[ThrowawayPostgres]:
    """Give a running PostgreSQL server that the test may stop and start (never the shared one)."""
    reason = missing_requirement()
    if reason is not None:
        pytest.skip(f"no throwaway PostgreSQL server: {reason}")
    server = ThrowawayPostgres()
    try:
        server.create()
        server.start()
        yield server
    finally:
        server.destroy()
