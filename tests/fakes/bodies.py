"""Request bodies as the fake servers read them: JSON, URL-encoded or multipart."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from starlette.requests import Request


@dataclass(frozen=True)
class UploadedFile:
    """A file part of a multipart request."""

    part: str
    filename: str
    content_type: str
    content: bytes = field(repr=False)

    @property
    def size(self) -> int:
        """Return the size of the file in bytes."""
        return len(self.content)


async def read_body(request: Request) -> tuple[dict[str, Any], dict[str, UploadedFile]]:
    """Read the parameters of a JSON, URL-encoded or multipart request (form values are text)."""
    content_type = request.headers.get("content-type", "")
    kind = content_type.split(";")[0].strip().lower()
    body = await request.body()
    if not body:
        return {}, {}
    if kind == "application/json":
        data = json.loads(body)
        if not isinstance(data, dict):
            raise ValueError("the JSON body must be an object")
        return data, {}
    if kind == "application/x-www-form-urlencoded":
        return dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True)), {}
    if kind == "multipart/form-data":
        return parse_multipart(body, content_type)
    raise ValueError(f"unsupported Content-Type {kind!r}")


def parse_multipart(
    body: bytes, content_type: str
) -> tuple[dict[str, str], dict[str, UploadedFile]]:
    """Split a multipart/form-data body into text fields and file parts."""
    boundary = re.search(r'boundary="?([^";]+)"?', content_type)
    if boundary is None:
        raise ValueError("multipart body without a boundary")
    fields: dict[str, str] = {}
    files: dict[str, UploadedFile] = {}
    for part in body.split(b"--" + boundary.group(1).encode("ascii"))[1:]:
        if part.startswith(b"--"):
            break
        head, separator, content = part.removeprefix(b"\r\n").partition(b"\r\n\r\n")
        if not separator:
            raise ValueError("malformed multipart part")
        content = content.removesuffix(b"\r\n")
        headers = {}
        for line in head.decode("utf-8").split("\r\n"):
            key, _, value = line.partition(":")
            headers[key.strip().lower()] = value.strip()
        disposition = headers.get("content-disposition", "")
        name = re.search(r'(?:^|;)\s*name="([^"]*)"', disposition)
        filename = re.search(r'(?:^|;)\s*filename="([^"]*)"', disposition)
        if name is None:
            raise ValueError("multipart part without a name")
        if filename is None:
            fields[name.group(1)] = content.decode("utf-8")
        else:
            part_type = headers.get("content-type", "application/octet-stream")
            upload = UploadedFile(name.group(1), filename.group(1), part_type, content)
            files[name.group(1)] = upload
    return fields, files
