"""The secret box: sealed text carries no trace of itself, and only the right key opens it."""

from __future__ import annotations

import pytest

from storage.secret_box import SEALED_PREFIX, SecretBox, WrongSecretKey, is_sealed, parse_keys

KEY = "e7515OCGCqRrlbppLuXrnqLnuBpqRIPzY_mAo3EHmx4="
OLD_KEY = "RvGIvAMeokE_roRdyvIKOrtBkofz8KW2xvQueiS_5_k="


def test_sealed_text_opens_with_the_key_and_shows_nothing_of_the_text() -> None:
    """A round trip with the key; the sealed form is prefixed and never contains the text."""
    box = SecretBox([KEY])

    sealed = box.seal("access-token-123")

    assert sealed.startswith(SEALED_PREFIX)
    assert "access-token-123" not in sealed
    assert box.open_sealed(sealed) == "access-token-123"
    assert box.seal("access-token-123") != sealed


def test_another_key_or_an_altered_value_is_refused_with_a_clear_error() -> None:
    """Neither a wrong key nor a changed byte opens the value; the error names the variable."""
    sealed = SecretBox([KEY]).seal("refresh-token-456")
    altered = sealed[:-6] + ("A" if sealed[-6] != "A" else "B") + sealed[-5:]

    for box, value in ((SecretBox([OLD_KEY]), sealed), (SecretBox([KEY]), altered)):
        with pytest.raises(WrongSecretKey, match="COOPBOT_SECRET_KEY") as refused:
            box.open_sealed(value)
        assert "coopbot zalo set-tokens" in str(refused.value)


def test_plain_values_of_before_are_revealed_as_they_are_and_resealed() -> None:
    """A value without the prefix is plain text: read as is, sealed by reseal."""
    box = SecretBox([KEY])

    assert not is_sealed("plain-token")
    assert box.reveal("plain-token") == "plain-token"
    resealed = box.reseal("plain-token")
    assert is_sealed(resealed)
    assert box.reveal(resealed) == "plain-token"
    with pytest.raises(ValueError, match="not a sealed value"):
        box.open_sealed("plain-token")


def test_the_first_key_seals_and_every_key_opens() -> None:
    """During a rotation "new,old" opens the old values; reseal moves them to the new key."""
    old_value = SecretBox([OLD_KEY]).seal("t")
    rotating = SecretBox(parse_keys(f"{KEY}, {OLD_KEY}"))

    assert rotating.open_sealed(old_value) == "t"
    assert SecretBox([KEY]).open_sealed(rotating.reseal(old_value)) == "t"


@pytest.mark.parametrize(
    "text",
    [
        "",
        "too-short",
        KEY[:-1],  # no padding
        KEY.replace("_", "/"),  # standard, not url-safe, base64
        KEY[:-2] + "!=",
        f"{KEY},",
        f"{KEY},{OLD_KEY[:10]}",
    ],
)
def test_anything_but_fernet_keys_is_refused_without_repeating_it(text: str) -> None:
    """The message says what a key looks like and how to make one, never the value given."""
    with pytest.raises(ValueError, match="Fernet key") as refused:
        parse_keys(text)
    message = str(refused.value)
    assert "Fernet.generate_key()" in message
    if text:
        assert text not in message
