"""Secrets at rest: text sealed with Fernet before it is stored, opened after it is read.

Storage never reads the environment: the runtime builds a ``SecretBox`` from its keys
(``COOPBOT_SECRET_KEY``) and passes it to the functions that store secrets. A sealed value is
``fernet:`` followed by a Fernet token (AES-128-CBC with an HMAC-SHA256, a random IV and a
timestamp), so the same text seals differently each time and nobody holding only the database
learns it. The prefix tells sealed values from the plain ones stored before encryption existed:
those are read as they are and sealed the next time they are written.

Several keys make a rotation possible: the first key seals, every key opens (``MultiFernet``),
and ``reseal`` moves a value to the first key.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

SEALED_PREFIX = "fernet:"
# A Fernet key is 32 bytes in url-safe base64: 43 characters and one "=" of padding. Checked
# by shape first because Python's base64 decoder silently skips characters it does not know.
_KEY_SHAPE = re.compile(r"[A-Za-z0-9_-]{43}=")
KEY_RULE = (
    "use a Fernet key, 44 characters of A-Z a-z 0-9 _ - ending in = "
    "(python3 -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'"
    " makes one); while rotating, the new key, a comma, then the old ones"
)


class WrongSecretKey(Exception):
    """A sealed value does not open with any of the keys given.

    Not a ``CoopbotError``: it is an operator's problem, never shown to people in a chat.
    """

    def __init__(self) -> None:
        super().__init__(
            "the stored secrets were sealed with another key than COOPBOT_SECRET_KEY: set the "
            "key they were sealed with, or store them again (coopbot zalo set-tokens)"
        )


def parse_keys(text: str) -> tuple[str, ...]:
    """Return the keys of a comma-separated list, newest (the one that seals) first.

    Raises:
        ValueError: a key is not a Fernet key; the message never repeats the value.
    """
    keys = tuple(part.strip() for part in text.split(","))
    if not keys or not all(_KEY_SHAPE.fullmatch(key) for key in keys):
        raise ValueError(KEY_RULE)
    return keys


def is_sealed(stored: str) -> bool:
    """Tell whether a stored value was sealed (rather than stored as plain text)."""
    return stored.startswith(SEALED_PREFIX)


class SecretBox:
    """Seals text with the first of its keys and opens text sealed with any of them."""

    def __init__(self, keys: Sequence[str]) -> None:
        if not keys:
            raise ValueError("a SecretBox needs at least one key")
        self._fernet = MultiFernet([Fernet(key) for key in keys])

    def seal(self, text: str) -> str:
        """Return ``text`` sealed with the first key, ready to store."""
        return SEALED_PREFIX + self._fernet.encrypt(text.encode()).decode("ascii")

    def open_sealed(self, stored: str) -> str:
        """Return the text of a sealed value.

        Raises:
            WrongSecretKey: no key of this box opens it (or it was altered).
            ValueError: ``stored`` is not a sealed value.
        """
        if not is_sealed(stored):
            raise ValueError("not a sealed value")
        try:
            return self._fernet.decrypt(stored.removeprefix(SEALED_PREFIX).encode()).decode()
        except InvalidToken:
            raise WrongSecretKey from None

    def reveal(self, stored: str) -> str:
        """Return the text of a stored value: opened when sealed, as it is when plain.

        Raises:
            WrongSecretKey: the value is sealed and no key of this box opens it.
        """
        return self.open_sealed(stored) if is_sealed(stored) else stored

    def reseal(self, stored: str) -> str:
        """Return a stored value sealed with the first key, whether it was plain or sealed.

        Raises:
            WrongSecretKey: the value is sealed and no key of this box opens it.
        """
        return self.seal(self.reveal(stored))
