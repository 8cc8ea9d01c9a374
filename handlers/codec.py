"""One grammar for button payloads: ``<flow>:<verb>[:<argument>]...``, ASCII, at most 64 bytes.

Each kind of button is a frozen dataclass declared once with ``@payload(flow, verb)`` (the
catalogue is ``handlers/payloads.py``). Its fields are its arguments, in order, and their types
say how each is written and read:

- ``Id``: a database id, ASCII digits only, 1 … 2³¹ − 1 (PostgreSQL's ``integer``);
- ``UnitOrAll``: a unit id, or 0 for "the whole scope";
- ``Page``: a page number, 0 … 9,999;
- ``Key``: a short key, ``[a-z0-9_]{1,24}`` (a category);
- ``PeriodKey``: a year or a quarter of 2000–2100 (``2026``, ``2026Q1``); ``QuarterKey``: a
  quarter only;
- a ``StrEnum``, or ``Annotated[str, OneOf(...)]``: one of the allowed words;
- ``dt.date``: an ISO date of 2000–2100.

``decode`` is the only way a payload is read. It returns the button's object or raises
``BadPayload`` — never anything else — so a forged, truncated or foreign payload is an ordinary
refusal, not a crash. The longest encoding of every kind is computed when it is declared, so a
kind that could exceed Telegram's 64 bytes fails at import, never in a chat (no kind needs the
overflow table for that reason: arguments are ids and short keys, never names).

Decoding says *what* was asked. *Whether* this person may ask it now is decided afterwards: by
the flow's table of which step accepts which kind, and by storage, against the same rule that
offered the button.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, fields
from enum import StrEnum
from typing import (
    Annotated,
    Any,
    ClassVar,
    Protocol,
    TypeVar,
    dataclass_transform,
    get_args,
    runtime_checkable,
)
from typing import get_type_hints as type_hints

from storage.bounds import MAX_ID, MAX_YEAR, MIN_YEAR, whole_number

MAX_BYTES = 64  # Telegram's limit on callback_data; every channel keeps to it


class BadPayload(ValueError):
    """A payload that is not one of ours, or not well formed."""


@runtime_checkable
class Argument(Protocol):
    """How one argument of a payload is written and read."""

    @property
    def width(self) -> int:
        """Return the most characters the argument can take."""
        ...

    def write(self, value: Any) -> str:
        """Return the argument as payload text."""
        ...

    def read(self, text: str) -> Any:
        """Return the value of ``text``; raise ``BadPayload`` when it is not one."""
        ...


@dataclass(frozen=True)
class Digits:
    """A whole number in ``minimum … maximum``, in ASCII digits without leading zeros."""

    minimum: int
    maximum: int

    @property
    def width(self) -> int:
        """Return the most digits the number can take."""
        return len(str(self.maximum))

    def write(self, value: Any) -> str:
        """Return the number, after checking its bounds."""
        if not isinstance(value, int) or not self.minimum <= value <= self.maximum:
            raise ValueError(f"{value!r} is outside {self.minimum}…{self.maximum}")
        return str(value)

    def read(self, text: str) -> int:
        """Return the number; Unicode digits, signs, leading zeros and overflow are refused."""
        if len(text) > 1 and text.startswith("0"):
            raise BadPayload("a number with a leading zero")
        value = whole_number(text, self.minimum, self.maximum)
        if value is None:
            raise BadPayload("not a number in range")
        return value


@dataclass(frozen=True)
class Pattern:
    """A word matching ``regex``, at most ``width`` characters."""

    regex: str
    width: int

    def write(self, value: Any) -> str:
        """Return the word, after checking it."""
        return self._checked(str(value), ValueError)

    def read(self, text: str) -> str:
        """Return the word when it matches."""
        return self._checked(text, BadPayload)

    def _checked(self, text: str, error: type[Exception]) -> str:
        if len(text) > self.width or re.fullmatch(self.regex, text, re.ASCII) is None:
            raise error(f"{text[:20]!r} is not a word of this kind")
        return text


@dataclass(frozen=True)
class OneOf:
    """One of a fixed set of words."""

    words: frozenset[str]

    @property
    def width(self) -> int:
        """Return the length of the longest word."""
        return max(len(word) for word in self.words)

    def write(self, value: Any) -> str:
        """Return the word, after checking it is one of the set."""
        if str(value) not in self.words:
            raise ValueError(f"{value!r} is not one of {sorted(self.words)}")
        return str(value)

    def read(self, text: str) -> str:
        """Return the word when it is one of the set."""
        if text not in self.words:
            raise BadPayload("not one of the expected words")
        return text


@dataclass(frozen=True)
class EnumWord:
    """A value of a ``StrEnum``."""

    enum: type[StrEnum]

    @property
    def width(self) -> int:
        """Return the length of the longest value."""
        return max(len(member.value) for member in self.enum)

    def write(self, value: Any) -> str:
        """Return the member's value."""
        return self.enum(value).value

    def read(self, text: str) -> StrEnum:
        """Return the member whose value ``text`` is."""
        try:
            return self.enum(text)
        except ValueError:
            raise BadPayload("not one of the expected words") from None


@dataclass(frozen=True)
class IsoDate:
    """A calendar day as ``YYYY-MM-DD``, between 2000 and 2100."""

    width: int = 10

    def write(self, value: Any) -> str:
        """Return the day in ISO form."""
        if not isinstance(value, dt.date) or not MIN_YEAR <= value.year <= MAX_YEAR:
            raise ValueError(f"{value!r} is not a day of {MIN_YEAR}–{MAX_YEAR}")
        return value.isoformat()

    def read(self, text: str) -> dt.date:
        """Return the day; anything but a real ISO date of 2000–2100 is refused."""
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text, re.ASCII) is None:
            raise BadPayload("not a date")
        try:
            day = dt.date.fromisoformat(text)
        except ValueError:
            raise BadPayload("not a date") from None
        if not MIN_YEAR <= day.year <= MAX_YEAR:
            raise BadPayload("a date out of range")
        return day


@dataclass(frozen=True)
class PeriodText:
    """A year (``2026``) or a quarter (``2026Q1``) of 2000–2100, as a period key."""

    width: int = 6

    def write(self, value: Any) -> str:
        """Return the period key, after checking it."""
        return self._checked(str(value), ValueError)

    def read(self, text: str) -> str:
        """Return the period key when it is one."""
        return self._checked(text, BadPayload)

    def _checked(self, text: str, error: type[Exception]) -> str:
        match = re.fullmatch(r"(\d{4})(Q[1-4])?", text, re.ASCII)
        if match is None or whole_number(match.group(1), MIN_YEAR, MAX_YEAR) is None:
            raise error(f"{text[:20]!r} is not a period")
        return text


Id = Annotated[int, Digits(1, MAX_ID)]
UnitOrAll = Annotated[int, Digits(0, MAX_ID)]
Page = Annotated[int, Digits(0, 9_999)]
Key = Annotated[str, Pattern(r"[a-z0-9_]{1,24}", 24)]
PeriodKey = Annotated[str, PeriodText()]
QuarterKey = Annotated[str, Pattern(r"(20[0-9][0-9]|2100)Q[1-4]", 6)]


class Payload:
    """A kind of button press; subclasses are declared with ``@payload(flow, verb)``."""

    flow: ClassVar[str]
    verb: ClassVar[str]
    arguments: ClassVar[tuple[Argument, ...]]

    def encode(self) -> str:
        """Return the payload text of this press."""
        head = [self.flow, self.verb] if self.verb else [self.flow]
        values = [getattr(self, field.name) for field in fields(self)]  # type: ignore[arg-type]
        written = (arg.write(value) for arg, value in zip(self.arguments, values, strict=True))
        return ":".join([*head, *written])


P = TypeVar("P", bound=Payload)

# flow -> verb -> kind; filled at import by the declarations, read-only afterwards.
_KINDS: dict[str, dict[str, type[Payload]]] = {}


def _argument_of(hint: Any) -> Argument:
    """Return how a field of type ``hint`` is written and read."""
    metadata = getattr(hint, "__metadata__", ())
    for item in metadata:
        if isinstance(item, Argument):
            return item
    base = get_args(hint)[0] if metadata else hint
    if isinstance(base, type) and issubclass(base, StrEnum):
        return EnumWord(base)
    if base is dt.date:
        return IsoDate()
    raise TypeError(f"a payload argument needs a codec type, not {hint!r}")


@dataclass_transform(frozen_default=True)
def payload(flow: str, verb: str = "") -> Callable[[type[P]], type[P]]:
    """Declare a kind of button press: ``flow:verb`` followed by the fields, in order.

    A flow has either named verbs or one kind without a verb (``ch:2026Q1:0``), never both,
    so reading a payload is never ambiguous.
    """

    def declare(cls: type[P]) -> type[P]:
        kind = dataclass(frozen=True)(cls)
        hints = type_hints(kind, include_extras=True)
        kind.flow, kind.verb = flow, verb
        names = [field.name for field in fields(kind)]  # type: ignore[arg-type]
        kind.arguments = tuple(_argument_of(hints[name]) for name in names)
        width = len(flow) + (len(verb) + 1 if verb else 0)
        width += sum(argument.width + 1 for argument in kind.arguments)
        if width > MAX_BYTES:
            raise TypeError(f"{kind.__name__} may take {width} bytes, over {MAX_BYTES}")
        verbs = _KINDS.setdefault(flow, {})
        if verb in verbs or (verbs and (verb == "" or "" in verbs)):
            raise TypeError(f"{flow}:{verb} is declared twice or beside a verbless kind")
        verbs[verb] = kind
        return kind

    return declare


def decode(text: str) -> Payload:
    """Return the press a payload stands for.

    Raises:
        BadPayload: the payload is not one of the declared kinds, or an argument is not valid
            (not ASCII, too long, out of range, the wrong number of arguments).
    """
    if not text.isascii() or len(text) > MAX_BYTES:
        raise BadPayload("not a payload")
    flow, *rest = text.split(":")
    verbs = _KINDS.get(flow)
    if verbs is None:
        raise BadPayload("no such flow")
    kind = verbs.get(rest[0]) if rest and "" not in verbs else verbs.get("")
    arguments = rest if "" in verbs else rest[1:]
    if kind is None or len(arguments) != len(kind.arguments):
        raise BadPayload("no such button")
    return kind(*(codec.read(text) for codec, text in zip(kind.arguments, arguments, strict=True)))


def declared_kinds() -> list[type[Payload]]:
    """Return every declared kind (for tests and documentation)."""
    return [kind for verbs in _KINDS.values() for kind in verbs.values()]
