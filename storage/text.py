"""Text normalisation: NFC for storage, diacritics folding for matching.

People type "trinh phu" for "Trinh Phú" and "dai hai" for "Đại Hải"; matching must fold
tone marks and đ → d, while stored text keeps the exact NFC form the person wrote.
"""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")
_NOT_WORD = re.compile(r"[^0-9a-z]+")

# Type words that may precede a unit's name, longest first so "thi tran" wins over "thi".
UNIT_TYPE_WORDS = (
    "thanh pho",
    "dac khu",
    "thi tran",
    "thi xa",
    "phuong",
    "huyen",
    "quan",
    "tinh",
    "xa",
    "tp",
    "tt",
    "tx",
    "p",
    "q",
    "h",
)
_UNIT_PREFIX = re.compile(
    r"^(?:" + "|".join(w.replace(" ", r"\s") for w in UNIT_TYPE_WORDS) + r")\.?\s+"
)


def nfc(text: str) -> str:
    """Return ``text`` in Unicode NFC with surrounding whitespace removed."""
    return unicodedata.normalize("NFC", text).strip()


def fold(text: str) -> str:
    """Fold case and Vietnamese diacritics (đ → d included), collapsing punctuation to spaces.

    >>> fold("  Xã Trinh  Phú ")
    'xa trinh phu'
    >>> fold("ĐẠI HẢI")
    'dai hai'
    """
    lowered = unicodedata.normalize("NFC", text).lower().replace("đ", "d")
    decomposed = unicodedata.normalize("NFD", lowered)
    stripped = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return _SPACES.sub(" ", _NOT_WORD.sub(" ", stripped)).strip()


def fold_unit_name(text: str) -> str:
    """Fold a unit name and drop a leading type word ("xã", "phường", "thị trấn", "TT", …).

    >>> fold_unit_name("TT Kế Sách")
    'ke sach'
    >>> fold_unit_name("Thị trấn An Lạc Thôn")
    'an lac thon'
    """
    folded = fold(text)
    stripped = _UNIT_PREFIX.sub("", folded, count=1)
    # A name that *is* a type word followed by a number ("Phường 3") keeps its word.
    return stripped if stripped and not stripped.isdigit() else folded
