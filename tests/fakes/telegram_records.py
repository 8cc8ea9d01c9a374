"""What the fake Telegram server records: calls, stored files, and scripted failures and stalls."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tests.fakes.bodies import UploadedFile

# Descriptions Telegram gives for the failures tests script most often.
DEFAULT_DESCRIPTIONS = {
    400: "Bad Request",
    403: "Forbidden: bot was blocked by the user",
    409: "Conflict: terminated by other getUpdates request",
    500: "Internal Server Error",
    502: "Bad Gateway",
}


@dataclass(frozen=True)
class StoredFile:
    """A file the fake server can hand out with getFile and serve for download."""

    file_id: str
    unique_id: str
    path: str
    filename: str
    mime_type: str | None
    content: bytes = field(repr=False)


@dataclass
class Call:
    """One request to the Bot API, with its decoded parameters and the answer it got.

    ``encoding`` is the request's Content-Type (``application/json``,
    ``application/x-www-form-urlencoded``, ``multipart/form-data``, or empty for no body).
    """

    method: str
    params: dict[str, Any]
    files: dict[str, UploadedFile]
    time: float
    encoding: str = ""
    status: int = 200
    response: dict[str, Any] = field(default_factory=dict)
    violations: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Return whether Telegram answered the call successfully."""
        return self.status == 200

    @property
    def result(self) -> Any:
        """Return the ``result`` of a successful answer (None after an error)."""
        return self.response.get("result")


class ApiError(Exception):
    """An error answer; ``violation`` marks the ones that mean the bot broke the API's rules."""

    def __init__(self, description: str, status: int = 400, *, violation: bool = False) -> None:
        super().__init__(description)
        self.description = description
        self.status = status
        self.violation = violation


def error_body(status: int, description: str, retry_after: int | None = None) -> dict[str, Any]:
    """Return Telegram's JSON answer for an error."""
    body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
    if retry_after is not None:
        body["parameters"] = {"retry_after": retry_after}
    return body


def failure_body(status: int, description: str | None, retry_after: int | None) -> dict[str, Any]:
    """Return the answer for a scripted failure, with Telegram's usual wording by default."""
    if description is None:
        if status == 429:
            description = f"Too Many Requests: retry after {retry_after or 1}"
        else:
            description = DEFAULT_DESCRIPTIONS.get(status, "Internal Server Error")
    if status == 429 and retry_after is None:
        retry_after = 1
    return error_body(status, description, retry_after)


CallPredicate = str | Callable[[Call], bool]


def _matcher(predicate: CallPredicate) -> Callable[[Call], bool]:
    """Return the predicate, or one matching calls of the named method (any letter case)."""
    if not isinstance(predicate, str):
        return predicate
    name = predicate.lower()

    def matches(call: Call) -> bool:
        return call.method.lower() == name

    return matches


class CallLog:
    """The calls a fake server received, with the queries tests ask about them."""

    def __init__(self, lock: threading.RLock) -> None:
        self._lock = lock
        self._calls: list[Call] = []
        self._violations: list[str] = []

    def record(self, call: Call) -> None:
        """Keep a call, and its violations in the server-wide list."""
        with self._lock:
            self._calls.append(call)
            self._violations.extend(f"{call.method}: {problem}" for problem in call.violations)

    def calls(self, method: str | None = None) -> list[Call]:
        """Return the calls so far, oldest first, optionally of one method (any letter case)."""
        with self._lock:
            found = list(self._calls)
        if method is None:
            return found
        return [call for call in found if call.method.lower() == method.lower()]

    def last_call(self, method: str | None = None) -> Call:
        """Return the latest call (of one method), failing the test if there is none."""
        found = self.calls(method)
        assert found, f"no {method or 'Bot API'} call was made"
        return found[-1]

    @property
    def violations(self) -> list[str]:
        """Return every spec violation seen so far, as ``"method: description"``."""
        with self._lock:
            return list(self._violations)

    def clear_violations(self) -> None:
        """Forget the violations seen so far (after a test has checked the ones it expected)."""
        with self._lock:
            self._violations.clear()

    async def wait_for(
        self,
        predicate: CallPredicate,
        timeout: float = 2.0,  # noqa: ASYNC109 - a plain deadline argument reads best in tests
        *,
        since: int = 0,
    ) -> Call:
        """Wait until a call (from index ``since`` on) matches a method name or predicate."""
        matches = _matcher(predicate)
        deadline = time.monotonic() + timeout
        while True:
            for call in self.calls()[since:]:
                if matches(call):
                    return call
            if time.monotonic() >= deadline:
                seen = [call.method for call in self.calls()[since:]]
                raise AssertionError(f"no matching Bot API call within {timeout}s; saw {seen}")
            await asyncio.sleep(0.01)


class ScriptedFaults:
    """Failures and stalls a test scripted for the next calls of a method (by spec name)."""

    def __init__(self, lock: threading.RLock) -> None:
        self._lock = lock
        self._failures: dict[str, list[dict[str, Any]]] = {}
        self._stalls: dict[str, list[float]] = {}
        self.stalls_begun = 0  # scripted stalls a request has run into so far

    def fail_next(self, method: str, body: dict[str, Any]) -> None:
        """Answer the next call of ``method`` with the error ``body``."""
        with self._lock:
            self._failures.setdefault(method, []).append(body)

    def has_failure(self, method: str) -> bool:
        """Return whether the next call of ``method`` will fail."""
        with self._lock:
            return bool(self._failures.get(method))

    def take_failure(self, method: str) -> dict[str, Any] | None:
        """Return the answer of a scripted failure of ``method``, consuming it."""
        with self._lock:
            failures = self._failures.get(method, [])
            return failures.pop(0) if failures else None

    def stall_next(self, method: str, seconds: float) -> None:
        """Make the next call of ``method`` hang for ``seconds`` and get lost."""
        with self._lock:
            self._stalls.setdefault(method, []).append(seconds)

    def take_stall(self, method: str) -> float | None:
        """Return the delay of a scripted stall of ``method``, consuming it."""
        with self._lock:
            stalls = self._stalls.get(method, [])
            if not stalls:
                return None
            self.stalls_begun += 1
            return stalls.pop(0)
