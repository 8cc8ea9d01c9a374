"""The button payload codec: one grammar, typed arguments, bounded, and refusals only."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from handlers import payloads
from handlers.codec import (
    MAX_BYTES,
    MAX_ID,
    BadPayload,
    Id,
    Payload,
    declared_kinds,
    decode,
    payload,
)


def longest_word(regex: str, width: int) -> str:
    """Return a word of ``width`` characters matching ``regex``, one of the patterns in use."""
    for candidate in ("2100Q4", "z" * width, "Z" * width):
        if len(candidate) == width and re.fullmatch(regex, candidate, re.ASCII):
            return candidate
    raise AssertionError(f"no sample word for {regex!r}")


def largest(kind: type[Payload]) -> Payload:
    """Return the press of ``kind`` whose payload is the longest its arguments allow."""
    values = []
    for argument in kind.arguments:
        name = type(argument).__name__
        if name == "Digits":
            values.append(argument.maximum)  # type: ignore[attr-defined]
        elif name == "IsoDate":
            values.append(dt.date(2100, 12, 31))
        elif name == "PeriodText":
            values.append("2100Q4")
        elif name == "Pattern":
            values.append(longest_word(argument.regex, argument.width))  # type: ignore[attr-defined]
        elif name == "OneOf":
            values.append(max(argument.words, key=len))  # type: ignore[attr-defined]
        else:  # EnumWord
            values.append(max(argument.enum, key=lambda member: len(member.value)))  # type: ignore[attr-defined]
    return kind(*values)


def test_every_declared_button_fits_telegram_and_reads_back_as_itself() -> None:
    """The longest payload of every kind is within 64 bytes and decodes to an equal press."""
    kinds = declared_kinds()
    assert len(kinds) >= 45
    for kind in kinds:
        press = largest(kind)
        text = press.encode()
        assert len(text.encode()) <= MAX_BYTES, text
        assert decode(text) == press


def test_payloads_read_with_their_types() -> None:
    """Ids are ints, dates are dates, enum words are members."""
    assert decode("ib:ff:42:7") == payloads.Refer(item=42, unit=7)
    assert decode("mt:d:2026-04-06") == payloads.MeetingDay(dt.date(2026, 4, 6))
    assert decode("rp:kind:proposal").kind == "proposal"  # type: ignore[attr-defined]
    assert decode("ch:2026Q1:0") == payloads.Charts("2026Q1", 0)
    assert decode("menu:inbox") == payloads.OpenMenuEntry(payloads.MenuEntry.INBOX)


@pytest.mark.parametrize(
    "forged",
    [
        "ib:i:²",  # a Unicode digit passes str.isdigit()
        "ib:i:٣",  # Arabic-Indic three
        "ib:i:" + "9" * 30,
        f"ib:i:{2**63}",
        f"ib:i:{MAX_ID + 1}",
        "ib:i:0",
        "ib:i:-1",
        "ib:i:+1",
        "ib:i:007",
        "ib:i: 7",
        "ib:i:",
        "ib:i",
        "ib:i:1:2",
        "ib:zz:1",
        "zz:i:1",
        "",
        ":",
        "ex:9999:0",
        "ex:0001:0",
        "ex:2026Q5:0",
        "ex:2026Q1",
        "mt:d:2026-02-30",
        "mt:d:9999-01-01",
        "mt:d:2026-1-1",
        "mt:o:5:maybe",
        "rp:kind:complaint",
        "rp:cat:" + "x" * 25,
        "rp:cat:Credit",
        "lang:fr",
        "rp:cancel:now",
        "ib:i:" + "1" * 70,
    ],
)
def test_forged_payloads_are_refused_not_crashed(forged: str) -> None:
    """Every malformed or out-of-range payload raises BadPayload, nothing else."""
    with pytest.raises(BadPayload):
        decode(forged)


@given(st.text(max_size=80))
def test_decoding_any_text_either_works_or_says_bad_payload(text: str) -> None:
    """Whatever a client sends, decode returns a press or raises BadPayload."""
    try:
        press = decode(text)
    except BadPayload:
        return
    assert press.encode() == text


@given(st.sampled_from(declared_kinds()), st.data())
def test_a_declared_press_survives_truncation_only_as_a_refusal(
    kind: type[Payload], data: st.DataObject
) -> None:
    """Cutting a valid payload anywhere gives another valid press or a refusal, never an error."""
    text = largest(kind).encode()[: data.draw(st.integers(min_value=0, max_value=64))]
    try:
        press = decode(text)
    except BadPayload:
        return
    assert press.encode() == text


def test_writing_an_out_of_range_argument_is_a_programming_error() -> None:
    """Building a button with a bad id fails loudly at once, not in a chat later."""
    with pytest.raises(ValueError, match="outside"):
        payloads.OpenItem(MAX_ID + 1).encode()
    with pytest.raises(ValueError, match="not a period"):
        payloads.Charts("26Q1", 0).encode()


def test_a_kind_that_could_exceed_64_bytes_is_refused_when_declared() -> None:
    """Declaring a button whose arguments could overflow Telegram's limit fails at import."""
    with pytest.raises(TypeError, match="bytes"):

        @payload("zzlong", "verb")
        class TooLong(Payload):
            a: Id
            b: Id
            c: Id
            d: Id
            e: Id
            f: Id


def test_presses_are_immutable_values() -> None:
    """A decoded press cannot be altered after the fact."""
    press = decode("ib:i:5")
    with pytest.raises(dataclasses.FrozenInstanceError):
        press.item = 6  # type: ignore[attr-defined]
