"""What the UI and the CLI may ask about the runtimes MCP Desk brings itself (Node.js, uv).

`RuntimeService` implements `RuntimeControl`; a `Supervisor` sees only `RuntimePreparer`,
which installs what a server configured with `runtime="mcp-desk"` needs before it starts.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Protocol

from desktop.core.config import ServerConfig


class RuntimeName(StrEnum):
    NODE = "node"
    UV = "uv"


@dataclass(frozen=True)
class RuntimeInfo:
    """One of MCP Desk's own runtimes, installed or not."""

    name: RuntimeName
    title: str
    """What a person calls it: “Node.js”, “uv”."""
    version: str
    where: Path
    installed: bool
    size_bytes: int
    """On disk once installed; the download's size (for this computer) is not known before."""


@dataclass(frozen=True)
class RuntimeUse:
    """Which program runs a server, said in words: “MCP Desk's own Node.js 24.19.0”."""

    sentence: str
    managed: bool
    """MCP Desk's own copy (installed or to be installed at the server's next start)."""
    program: str | None
    """The program's path; None when it is not on this computer (yet)."""


class RuntimeProgress(Protocol):
    def __call__(self, sentence: str, fraction: float | None, /) -> None: ...


class RuntimePreparer(Protocol):
    async def prepare(self, config: ServerConfig, progress: RuntimeProgress) -> None:
        """Install MCP Desk's own runtime that `config` runs with, if it needs one that is not there yet."""
        ...


class RuntimeControl(RuntimePreparer, Protocol):
    async def runtimes(self) -> list[RuntimeInfo]:
        """MCP Desk's own runtimes, installed or not (measuring their size reads the disk)."""
        ...

    async def install(self, name: RuntimeName, progress: RuntimeProgress | None = None) -> RuntimeInfo:
        """Download and unpack it (cancel the task to stop: nothing half-installed is left)."""
        ...

    async def describe(self, config: ServerConfig) -> RuntimeUse | None:
        """Which Node.js or uv runs `config`; None when its command is neither."""
        ...

    async def clean(self) -> int:
        """Empty the package caches of MCP Desk's runtimes; the bytes freed."""
        ...
