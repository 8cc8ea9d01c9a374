"""PNG QR codes, drawn with segno (pure Python, no image library needed)."""

from __future__ import annotations

import io
import re

import segno

from handlers.types import FileOut

# Medium error correction survives a smudged print-out; 8 px modules stay sharp on phones.
ERROR_CORRECTION = "m"
SCALE = 8
BORDER = 4  # the quiet zone the QR standard asks for
# A lower-case word and a separator: invite codes are upper case, so none can pass as one.
_FIRST_WORD = re.compile(r"([a-z]+)[-_.]")


def neutral_name(file_name: str) -> str:
    """Return a QR image's file name that keeps at most the first word of ``file_name``.

    A QR code holds a secret (an invite's code or link), and a file name travels further than
    the picture: chat previews, download folders, forwarded files. So ``invite-K7QM-3XPA-HT.png``
    becomes ``invite-qr.png`` whatever the caller put after its first word, and a name with no
    such word becomes ``qr-code.png``.
    """
    word = _FIRST_WORD.match(file_name)
    return f"{word.group(1)}-qr.png" if word else "qr-code.png"


def render_qr(text: str, file_name: str) -> FileOut:
    """Draw ``text`` as a PNG QR code, named neutrally (see ``neutral_name``)."""
    code = segno.make(text, error=ERROR_CORRECTION, micro=False)
    buffer = io.BytesIO()
    code.save(buffer, kind="png", scale=SCALE, border=BORDER)
    return FileOut(name=neutral_name(file_name), data=buffer.getvalue(), mime_type="image/png")
