"""What a tool's result holds besides its text: images, audio, links to resources, resources themselves.

Plain dataclasses, no SDK: the chat, its store and the UI read them. Bytes are kept only up to
`MAX_PART_BYTES` a part; a bigger image or file keeps its type and size, and the card says why
it can't be shown. The audit trail keeps each part's kind, type and size (`audit_summary`),
never its bytes.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import Any, Literal

MAX_PART_BYTES = 5 * 1024 * 1024
"""The most bytes of one image, sound or embedded file MCP Desk keeps, shows and stores."""

MediaKind = Literal["image", "audio"]


@dataclass(frozen=True)
class TextPart:
    text: str


@dataclass(frozen=True)
class MediaPart:
    """An image or a sound. `data` is empty when it was over the size cap or could not be decoded."""

    kind: MediaKind
    mime_type: str
    size: int
    """Its size in bytes, as sent (kept even when the bytes were not)."""
    data: bytes = b""

    @property
    def kept(self) -> bool:
        return bool(self.data)


@dataclass(frozen=True)
class LinkPart:
    """A link to a resource on the server; nothing is read until the user asks."""

    uri: str
    name: str
    title: str = ""
    mime_type: str = ""
    description: str = ""
    size: int | None = None


@dataclass(frozen=True)
class EmbeddedPart:
    """A resource the server sent whole: its text, or (for a binary one) its bytes up to the cap."""

    uri: str
    mime_type: str
    size: int
    text: str | None = None
    data: bytes = b""


ResultPart = TextPart | MediaPart | LinkPart | EmbeddedPart


def size_words(size: int) -> str:
    """“120 KB”, “3.4 MB”: a size as people read it."""
    if size < 1024:
        return f"{size} bytes"
    if size < 1024 * 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size / (1024 * 1024):.1f} MB"


def decoded(data: str) -> tuple[bytes, int]:
    """Base64 `data` as bytes (empty when over the cap or not base64) and its size in bytes."""
    size = len(data) * 3 // 4 - data[-2:].count("=")
    if size > MAX_PART_BYTES:
        return b"", size
    try:
        raw = base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        return b"", size
    return raw, len(raw)


def brief(part: ResultPart) -> str:
    """A few words for a part that isn't text: “image: image/png, 120 KB”."""
    if isinstance(part, TextPart):
        return part.text
    if isinstance(part, MediaPart):
        return f"{part.kind}: {part.mime_type}, {size_words(part.size)}"
    if isinstance(part, LinkPart):
        return f"link to {part.title or part.name}: {part.uri}"
    return f"resource {part.uri}: {part.mime_type}, {size_words(part.size)}"


def audit_summary(part: ResultPart) -> dict[str, Any]:
    """What the audit trail keeps of a part: what it was and how big, never its bytes or text."""
    if isinstance(part, TextPart):
        return {"type": "text", "chars": len(part.text)}
    if isinstance(part, MediaPart):
        return {"type": part.kind, "mime_type": part.mime_type, "size": part.size}
    if isinstance(part, LinkPart):
        return {"type": "resource_link", "uri": part.uri, "mime_type": part.mime_type}
    return {"type": "resource", "uri": part.uri, "mime_type": part.mime_type, "size": part.size}


def part_data(part: ResultPart) -> dict[str, Any]:
    """A part as JSON (bytes as base64), for the chat's store."""
    if isinstance(part, TextPart):
        return {"type": "text", "text": part.text}
    if isinstance(part, MediaPart):
        return {"type": part.kind, "mime_type": part.mime_type, "size": part.size, "data": _b64(part.data)}
    if isinstance(part, LinkPart):
        return {"type": "resource_link", **vars(part)}
    return {"type": "resource", **vars(part), "data": _b64(part.data)}


def part_from(data: dict[str, Any]) -> ResultPart | None:
    """A part read back from the store; None for one this version can't read."""
    fields = {key: value for key, value in data.items() if key != "type"}
    try:
        kind = data.get("type")
        if kind == "text":
            return TextPart(**fields)
        if kind in ("image", "audio"):
            return MediaPart(kind, fields["mime_type"], fields["size"], base64.b64decode(fields["data"]))
        if kind == "resource_link":
            return LinkPart(**fields)
        if kind == "resource":
            return EmbeddedPart(**{**fields, "data": base64.b64decode(fields.get("data", ""))})
    except (TypeError, KeyError, ValueError, binascii.Error):
        return None
    return None


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")
