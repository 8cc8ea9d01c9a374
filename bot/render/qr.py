"""PNG QR codes, drawn with segno (pure Python, no image library needed)."""

from __future__ import annotations

import io

import segno

from handlers.types import FileOut

# Medium error correction survives a smudged print-out; 8 px modules stay sharp on phones.
ERROR_CORRECTION = "m"
SCALE = 8
BORDER = 4  # the quiet zone the QR standard asks for


def render_qr(text: str, file_name: str) -> FileOut:
    """Draw ``text`` as a PNG QR code."""
    code = segno.make(text, error=ERROR_CORRECTION, micro=False)
    buffer = io.BytesIO()
    code.save(buffer, kind="png", scale=SCALE, border=BORDER)
    return FileOut(name=file_name, data=buffer.getvalue(), mime_type="image/png")
