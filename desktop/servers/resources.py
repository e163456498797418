"""A server's resources as MCP Desk shows them: what there is, what a template asks for, what a read gave.

Plain dataclasses, made from the SDK's answers in `content_from_sdk`, so the UI never sees the SDK.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from desktop.core.events import ModelEvent
from desktop.servers.control import ServerProblem

READ_RESOURCE = "read_resource"
"""The name a read by the model (or another app) goes by at the consent gate and in the audit trail."""
READ_MARK = "mcpDesk/reads"
"""In a read's annotations at the consent gate: the address read, so the question is worded as a read."""


class ReadDenied(ServerProblem):
    """The user (or a remembered Never) did not allow a read; nothing was read."""


IMAGE_CAP = 4 * 1024 * 1024
"""An image larger than this (decoded) is described by type and size, not kept."""

_VARIABLE = re.compile(r"\{([+#./;?&]?)([^{}]+)\}")
_RESERVED = ":/?#[]@!$&'()*+,;="


@dataclass(frozen=True)
class ResourceChanged(ModelEvent):
    """A server said a resource MCP Desk subscribed to changed (read it again to see how)."""

    server: str
    uri: str


@dataclass(frozen=True)
class ResourceInfo:
    server: str
    uri: str
    name: str
    title: str = ""
    description: str = ""
    mime_type: str = ""
    size: int | None = None

    @property
    def label(self) -> str:
        """What a person calls it: its title, else its name, else its address."""
        return self.title or self.name or self.uri


@dataclass(frozen=True)
class ResourceTemplateInfo:
    """An address with blanks (`file:///{path}`) the user fills in, with the server's suggestions."""

    server: str
    uri_template: str
    name: str
    title: str = ""
    description: str = ""
    mime_type: str = ""

    @property
    def label(self) -> str:
        return self.title or self.name or self.uri_template

    @property
    def variables(self) -> tuple[str, ...]:
        """The blanks to fill in, in order, each once."""
        names: list[str] = []
        for _operator, spec in _VARIABLE.findall(self.uri_template):
            for name in spec.split(","):
                name = name.rstrip("*").split(":")[0]
                if name not in names:
                    names.append(name)
        return tuple(names)

    def fits(self, uri: str) -> bool:
        """Whether `uri` could have been made from this template (each blank taking any text)."""
        parts = _VARIABLE.split(self.uri_template)[::3]
        return re.fullmatch(".*".join(re.escape(part) for part in parts), uri, re.DOTALL) is not None

    def filled(self, values: dict[str, str]) -> str:
        """The address with its blanks filled in (RFC 6570, level 3); a blank not given is left out."""
        return _VARIABLE.sub(
            lambda match: _expanded(match.group(1), match.group(2), values), self.uri_template
        )


def _expanded(operator: str, spec: str, values: dict[str, str]) -> str:
    names = [name.rstrip("*").split(":")[0] for name in spec.split(",")]
    safe = _RESERVED if operator in ("+", "#") else ""
    given = [(name, quote(values[name], safe=safe)) for name in names if name in values]
    if not given:
        return ""
    if operator in ("?", "&"):
        return operator + "&".join(f"{name}={value}" for name, value in given)
    if operator == ";":
        return "".join(f";{name}={value}" if value else f";{name}" for name, value in given)
    joiner = operator if operator in (".", "/") else ","
    prefix = operator if operator in ("#", ".", "/") else ""
    return prefix + joiner.join(value for _name, value in given)


@dataclass(frozen=True)
class ResourceContent:
    """One part of what a read returned: text, or binary described by type and size."""

    uri: str
    mime_type: str
    size: int
    """Bytes: of the text in UTF-8, or of the decoded binary."""
    text: str | None = None
    image: bytes | None = None
    """An image's bytes, when it is one and no larger than `IMAGE_CAP`."""

    @property
    def is_text(self) -> bool:
        return self.text is not None

    def describe(self) -> str:
        """“image/png, 12.3 KB”: what it is, for binary content that cannot be shown as text."""
        return f"{self.mime_type or 'binary data'}, {size_words(self.size)}"


@dataclass(frozen=True)
class ResourceRead:
    server: str
    uri: str
    contents: tuple[ResourceContent, ...]
    wire: tuple[dict[str, Any], ...] = field(default=(), compare=False, repr=False)
    """The contents as the server sent them (JSON), for the apps MCP Desk relays them to."""

    @property
    def size(self) -> int:
        return sum(part.size for part in self.contents)

    @property
    def text(self) -> str:
        """The text parts, one after the other; a binary part as a line saying what it is."""
        return "\n".join(
            part.text if part.text is not None else f"[{part.describe()}]" for part in self.contents
        )


def size_words(size: int) -> str:
    """“512 bytes”, “12.3 KB”, “4.0 MB”."""
    if size < 1024:
        return f"{size} bytes"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KB"
    return f"{size / (1024 * 1024):.1f} MB"
