"""What a person calls a tool: its title, or its name made readable (“List folder”).

The model and the audit trail keep the exact `<server>__<tool>` name; people see this one,
with the exact name one hover away.
"""

from __future__ import annotations

import re

from desktop.core.events import ToolInfo

_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_SEPARATORS = re.compile(r"[_\-.\s]+")
_PLAIN = {"directory": "folder", "directories": "folders"}
"""A programmer's word in a name, and the one the rest of MCP Desk uses."""


def humanised(name: str) -> str:
    """“List folder” from `list_directory`, `list-directory` or `listDirectory`; “Get URL” from `getURL`.

    A name in capitals throughout reads as words, not as an acronym; “directory” reads “folder”.
    """
    words = [word for word in _SEPARATORS.split(_CAMEL.sub(" ", name)) if word]
    if not words:
        return name
    shouting = all(word.isupper() for word in words)
    text = " ".join(
        word if word.isupper() and len(word) > 1 and not shouting else _PLAIN.get(word.lower(), word.lower())
        for word in words
    )
    return text[0].upper() + text[1:]


def tool_label(tool: ToolInfo) -> str:
    """The server's title for the tool, else its name made readable.

    The title is the tool's own `title` (MCP 2025-06-18 on), or the older `annotations.title`.
    """
    for title in (tool.title, tool.annotations.get("title")):
        if isinstance(title, str) and title.strip():
            return " ".join(title.split())
    return humanised(tool.name)


def label_of(qualified_name: str) -> str:
    """The readable name of a `<server>__<tool>` name, for a call whose tool is no longer listed."""
    _server, _sep, name = qualified_name.partition("__")
    return humanised(name or qualified_name)
