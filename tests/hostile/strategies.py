"""What hostile people type and press, as Hypothesis strategies shared by the fuzz tests."""

from __future__ import annotations

import datetime as dt
import string
from typing import Any

from hypothesis import strategies as st

from handlers.codec import (
    Digits,
    EnumWord,
    IsoDate,
    OneOf,
    Pattern,
    Payload,
    PeriodText,
    declared_kinds,
)
from handlers.command_menu import COMMANDS

HOSTILE_NUMBERS = ("0", "-1", "²", "٣", "１", str(2**31), str(2**63), "9" * 30, "", " 1", "01")
ARGUMENTS = st.one_of(
    st.sampled_from(
        [
            "9999",
            "0001",
            "q4",
            "quý 4",
            "quy IV",
            "2026Q4",
            "4/2026",
            "2026",
            "q5",
            "IV/2026",
            "trinh phu",
            "Xã Đại Hải",
            "xa an lac thon",
            "Thành phố Cần Thơ",
            "PA-2026-000001",
            "2026-000002",
            "now",
            "daily",
            "off",
            "on",
            "vốn",
            "%",
            "_",
            "' OR 1=1 --",
            "<b>x</b>",
            "\u200b",
            "a" * 5000,
            "9" * 5000,
            "٣" * 5,
            "${x}",
            "{name}",
        ]
    ),
    st.text(max_size=40),
    st.lists(
        st.sampled_from(["q4", "2026", "xa", "dai", "hai", "9999", "quy", "IV"]), max_size=4
    ).map(" ".join),
)
# Commands that read arguments come up more often: their arguments are where input bites.
COMMAND_NAMES = st.one_of(
    st.sampled_from(["summary", "chart", "export", "find", "item", "alerts", "digest", "start"]),
    st.sampled_from([command.name for command in COMMANDS]),
    st.sampled_from(["START", "Summary", "nonsense", "item@other_bot", ""]),
)


def _argument(codec: object) -> st.SearchStrategy[Any]:
    """Values of one payload argument, mostly within its bounds."""
    if isinstance(codec, Digits):
        return st.one_of(
            st.integers(codec.minimum, min(codec.maximum, 40)),
            st.sampled_from([codec.minimum, codec.maximum]),
            st.integers(codec.minimum, codec.maximum),
        )
    if isinstance(codec, OneOf):
        return st.sampled_from(sorted(codec.words))
    if isinstance(codec, EnumWord):
        return st.sampled_from([member.value for member in codec.enum])
    if isinstance(codec, IsoDate):
        return st.dates(dt.date(2000, 1, 1), dt.date(2100, 12, 31))
    if isinstance(codec, PeriodText):
        return st.sampled_from(["2026", "2026Q2", "2025Q4", "2000", "2100Q4"])
    if isinstance(codec, Pattern):
        return st.one_of(
            st.sampled_from(["credit", "land", "market", "ocop", "other", "2026Q2"]),
            st.text(string.ascii_lowercase + "_", min_size=1, max_size=8),
        )
    raise AssertionError(f"no strategy for {codec!r}")


@st.composite
def payloads(draw: st.DrawFn) -> str:
    """A button payload: a declared kind with drawn arguments, sometimes one made hostile."""
    kind: type[Payload] = draw(st.sampled_from(declared_kinds()))
    values = [draw(_argument(codec)) for codec in kind.arguments]
    try:
        text = kind(*values).encode()
    except ValueError:
        text = f"{kind.flow}:{kind.verb}"
    if draw(st.integers(0, 4)) == 0:
        parts = text.split(":")
        index = draw(st.integers(0, len(parts) - 1))
        parts[index] = draw(st.sampled_from(HOSTILE_NUMBERS))
        text = ":".join(parts)
    return text
