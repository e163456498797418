"""What the window may ask about icons: the first one of a server's or a tool's it can show."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from desktop.core.events import IconRef


@dataclass(frozen=True)
class Icon:
    mime_type: str
    data: bytes


class IconControl(Protocol):
    async def first(self, refs: tuple[IconRef, ...]) -> Icon | None:
        """The first of `refs` that may be shown (`servers/icons.py` says which may), or None."""
        ...
