"""Which buttons each step of a stored conversation takes.

A flow declares its table once (``StepButtons``); its route takes every kind in the table,
and a press is applied only when the conversation stands at a step that takes it. A button of
an earlier step, of a conversation already finished, or forged for another step is answered
as stale and changes nothing.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Generic, TypeVar

from handlers.codec import Payload
from handlers.turn import Turn

S = TypeVar("S", bound=StrEnum)


@dataclass(frozen=True)
class StepButtons(Generic[S]):
    """The buttons a flow takes at each of its steps, and those it takes at any step."""

    flow: str
    step: type[S]
    accepts: Mapping[S, tuple[type[Payload], ...]]
    anywhere: tuple[type[Payload], ...] = ()

    @functools.cached_property
    def kinds(self) -> tuple[type[Payload], ...]:
        """Return every kind of button the flow takes, at some step."""
        steps = {kind for kinds in self.accepts.values() for kind in kinds}
        return (*self.anywhere, *sorted(steps, key=lambda kind: kind.__name__))

    def current(self, turn: Turn) -> S | None:
        """Return the step the person's conversation of this flow stands at (None: none)."""
        dialog = turn.dialog
        if dialog is None or dialog.flow != self.flow:
            return None
        return self.step(dialog.step)

    def takes(self, step: S, press: Payload) -> bool:
        """Tell whether ``press`` may be applied at ``step``."""
        return isinstance(press, (*self.anywhere, *self.accepts[step]))
