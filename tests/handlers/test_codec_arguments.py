"""Declaring a button kind: each field type gets its codec, and dates keep to 2000–2100."""

from __future__ import annotations

import datetime as dt
import uuid
from enum import StrEnum
from typing import Annotated

import pytest

from handlers import payloads
from handlers.codec import MAX_ID, BadPayload, Id, OneOf, Payload, decode, payload


class Colour(StrEnum):
    """A test-only set of words."""

    RED = "red"
    GREEN = "green"


def declare_everything() -> type[Payload]:
    """Declare, under a new flow name, a kind with one field of each sort a kind accepts.

    Declared inside the test (not at import) so the declaration itself is what is tested.
    """
    flow = f"z{uuid.uuid4().hex[:6]}"

    @payload(flow, "v")
    class Everything(Payload):
        item: Id
        colour: Colour
        noted: Annotated[Colour, "a note that is not a codec"]
        day: dt.date
        answer: Annotated[str, OneOf(frozenset({"yes", "no"}))]

    return Everything


def test_a_declared_kind_writes_and_reads_each_field_by_its_type() -> None:
    """Ids, enum words (annotated or not), days and fixed words round-trip; others refuse."""
    everything = declare_everything()
    flow = everything.flow
    press = everything(5, Colour.GREEN, Colour.RED, dt.date(2026, 4, 6), "yes")
    assert press.encode() == f"{flow}:v:5:green:red:2026-04-06:yes"
    assert decode(f"{flow}:v:5:green:red:2026-04-06:yes") == press
    for forged in (
        "5:blue:red:2026-04-06:yes",
        "5:green:blue:2026-04-06:yes",
        "5:green:red:2026-04-31:yes",
        "5:green:red:2026-04-06:maybe",
    ):
        with pytest.raises(BadPayload):
            decode(f"{flow}:v:{forged}")


def test_a_field_without_a_codec_type_is_refused_when_declared() -> None:
    """A plain string field could hold anything: the declaration fails at once."""
    with pytest.raises(TypeError, match="needs a codec type"):

        @payload(f"z{uuid.uuid4().hex[:6]}", "v")
        class Loose(Payload):
            text: str


def test_days_of_2000_and_2100_are_buttons_and_days_outside_are_not() -> None:
    """The first and last day of the range encode and decode; 1999 and 2101 are refused."""
    for day in (dt.date(2000, 1, 1), dt.date(2100, 12, 31)):
        assert decode(payloads.MeetingDay(day).encode()) == payloads.MeetingDay(day)
    for text in ("mt:d:1999-12-31", "mt:d:2101-01-01"):
        with pytest.raises(BadPayload):
            decode(text)
    with pytest.raises(ValueError, match="not a day"):
        payloads.MeetingDay(dt.date(1999, 12, 31)).encode()
    with pytest.raises(ValueError, match="not a day"):
        payloads.MeetingDay("2026-04-06").encode()  # type: ignore[arg-type]


def test_numbers_with_a_leading_zero_are_refused_even_two_digits_long() -> None:
    """'05' is not the id 5: one spelling per value, so a payload cannot be varied."""
    assert decode("ib:i:5") == payloads.OpenItem(5)
    for forged in ("ib:i:05", "ib:i:007", "ib:i:0"):
        with pytest.raises(BadPayload):
            decode(forged)


def test_periods_of_2000_are_buttons_and_other_spellings_are_programming_errors() -> None:
    """The year 2000 is in range; a key that is not a period in ASCII digits, or a category
    key with capitals or spaces, fails when the button is built."""
    assert decode(payloads.Charts("2000", 0).encode()) == payloads.Charts("2000", 0)
    assert decode(payloads.Charts("2000Q1", 0).encode()) == payloads.Charts("2000Q1", 0)
    with pytest.raises(ValueError, match="not a period"):
        payloads.Charts("1999", 0).encode()
    with pytest.raises(ValueError, match="not a period"):
        payloads.Charts("２０２６", 0).encode()  # full-width digits
    with pytest.raises(ValueError, match="not a word"):
        payloads.ReportCategory("Bad Key").encode()


def test_a_payload_of_exactly_sixty_four_bytes_is_read() -> None:
    """Telegram's limit is inclusive: a button whose payload is 64 bytes works."""
    flow = f"z{uuid.uuid4().hex[:6]}"

    @payload(flow, "v")
    class Widest(Payload):
        a: Id
        b: Id
        c: Id
        d: Id
        e: Id

    press = Widest(MAX_ID, MAX_ID, MAX_ID, MAX_ID, MAX_ID)
    text = press.encode()
    assert len(text.encode()) == 64
    assert decode(text) == press
    with pytest.raises(BadPayload):
        decode(text + "0")
