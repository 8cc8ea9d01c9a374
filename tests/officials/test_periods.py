"""Periods as people type them: every accepted form, and bounds that answer instead of crash."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from storage.calendar import Quarter
from storage.errors import InvalidInput
from storage.periods import looks_like_period, parse_period, split_period

TODAY = dt.date(2026, 6, 10)


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("", "2026Q2"),
        ("2026Q1", "2026Q1"),
        ("q3", "2026Q3"),
        ("Q4", "2026Q4"),
        ("quý 4", "2026Q4"),
        ("quy 4", "2026Q4"),
        ("quy IV", "2026Q4"),
        ("Quý IV/2025", "2025Q4"),
        ("quy 2 nam 2025", "2025Q2"),
        ("4/2026", "2026Q4"),
        ("IV/2026", "2026Q4"),
        ("q1/2027", "2027Q1"),
        ("Q4 2026", "2026Q4"),
        ("2026-q4", "2026Q4"),
        ("2025", "2025"),
        ("năm 2025", "2025"),
        ("2100", "2100"),
    ],
)
def test_every_written_form_of_a_period_is_read(text: str, key: str) -> None:
    """A quarter alone is this year's; Roman numerals and "quy" without diacritics count."""
    assert parse_period(text, TODAY).key == key
    assert looks_like_period(text) or text == ""


@pytest.mark.parametrize(
    ("text", "answer"),
    [
        ("9999", "The year 9999 is out of range: reports cover 2000 to 2100."),
        ("0001", "The year 0001 is out of range"),
        ("1999", "The year 1999 is out of range"),
        ("2101Q1", "The year 2101 is out of range"),
        ("9" * 40, "The year 999999999999… is out of range"),
        ("Q5", "There is no quarter 5"),
        ("2026Q0", "There is no quarter 0"),
        ("quy 7/2026", "There is no quarter 7"),
        ("last year", "is not a period. Write q4"),
        ("２０２６", "is not a period"),
        ("4", "is not a period"),
        ("5/2026", "There is no quarter 5"),
        ("1/1/2026", "is not a period"),
    ],
)
def test_a_period_out_of_bounds_is_a_specific_answer(text: str, answer: str) -> None:
    """Out-of-range years and quarters say what is wrong; the rest shows the accepted forms."""
    with pytest.raises(InvalidInput) as caught:
        parse_period(text, TODAY)
    assert answer in caught.value.render(lambda message: message)


def test_a_typed_quarter_key_out_of_range_is_refused() -> None:
    """The CLI's quarter keys have the same bounds as what people type."""
    with pytest.raises(InvalidInput, match="9999"):
        Quarter.parse("9999Q4")


@pytest.mark.parametrize(
    ("text", "parts"),
    [
        ("quy IV 2026 xa Dai Hai", ("quy IV 2026", "xa Dai Hai")),
        ("xa Dai Hai q4", ("q4", "xa Dai Hai")),
        ("Dai Hai", ("", "Dai Hai")),
        ("9999", ("9999", "")),
        ("", ("", "")),
    ],
)
def test_the_period_is_split_from_the_unit_name(text: str, parts: tuple[str, str]) -> None:
    """The longest period at the start or the end is the period; the rest names the unit."""
    assert split_period(text) == parts


@given(st.text(max_size=60))
def test_no_typed_text_makes_the_parser_raise_anything_else(text: str) -> None:
    """Whatever is typed, the answer is a period or InvalidInput, within the bounds."""
    period_text, _rest = split_period(text)
    try:
        period = parse_period(period_text, TODAY)
    except InvalidInput:
        return
    assert 2000 <= period.start.year <= 2100
