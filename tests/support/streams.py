"""Request bodies that count how much of them a server actually read."""

from __future__ import annotations

from collections.abc import AsyncIterator

MIB = 1024 * 1024
CHUNK = 64 * 1024


class CountedBody:
    """A chunked body of ``total`` bytes, made only as the server reads it; ``sent`` says how
    many bytes were read, so a test can tell a refused body was not read whole."""

    def __init__(self, total: int, chunk: int = CHUNK) -> None:
        self.total = total
        self.chunk = chunk
        self.sent = 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        while self.sent < self.total:
            size = min(self.chunk, self.total - self.sent)
            self.sent += size
            yield b"{" * size
