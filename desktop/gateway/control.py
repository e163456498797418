"""What the UI and the CLI may ask of the gateway: the endpoint, the apps and what each may use.

`GatewayService` implements `GatewayControl` (the endpoint, each app's token and grants);
`AppConfigs` implements `AppConfigControl` (MCP Desk's entry in other apps' settings files:
previewed, backed up, undoable). Widgets depend on these Protocols and dataclasses only.
An app is known by a short id (`claude`, `cursor`, `vscode`, `lmstudio`, `jan`, `windsurf`,
`claude-code`), the one `mcp-desk connect --app ID` names.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from desktop.core.problem import Problem


def token_secret(app: str) -> str:
    """The keyring name of the bearer token `app` presents (never written to a file)."""
    return f"gateway.{app}"


class GatewayProblem(Problem):
    """Something about the gateway or an app's settings, as a sentence and its technical details."""


@dataclass(frozen=True)
class AppAccess:
    app: str
    label: str
    servers: tuple[str, ...]
    """The servers this app may use (none until the user chooses)."""
    connected: bool = False
    """A session from this app is open now."""


@dataclass(frozen=True)
class GatewayStatus:
    enabled: bool
    url: str | None
    """`http://127.0.0.1:PORT/mcp` while listening; None when off."""
    apps: tuple[AppAccess, ...] = ()
    problem: str | None = None
    """Why it is not listening although turned on, in a sentence."""


class GatewayControl(Protocol):
    def status(self) -> GatewayStatus: ...
    async def set_enabled(self, enabled: bool) -> GatewayStatus: ...
    async def add_app(self, app: str) -> AppAccess:
        """Known from now on, with its own token in the keyring (a second call keeps the token)."""
        ...

    async def grant(self, app: str, servers: Sequence[str]) -> AppAccess: ...
    async def remove_app(self, app: str) -> None:
        """Its token deleted and its sessions closed."""
        ...


@dataclass(frozen=True)
class FoundApp:
    app: str
    label: str
    config_path: Path
    servers: tuple[str, ...]
    """The servers that app has configured now (MCP Desk's own entry not among them)."""
    connected: bool
    """MCP Desk's entry is in its settings."""
    problem: str | None = None
    """Its settings file can't be read (it is left alone), in a sentence."""
    problem_details: str = ""
    """Where that file is and what is wrong in it, for those who want to fix it."""
    in_desk: tuple[str, ...] = ()
    """Those of its `servers` that MCP Desk has already (the same command and arguments, or address)."""


@dataclass(frozen=True)
class ConfigChange:
    """A change to another app's settings file, shown before it is written."""

    app: str
    label: str
    path: Path
    before: str
    after: str
    summary: str
    """In words: "Adds MCP Desk to Cursor's servers; moves github and files into MCP Desk"."""
    moved: tuple[str, ...] = ()


class AppConfigControl(Protocol):
    def found(self) -> list[FoundApp]: ...
    async def preview_connect(self, app: str, move_servers: bool = False) -> ConfigChange: ...
    async def preview_disconnect(self, app: str) -> ConfigChange: ...
    async def apply(self, change: ConfigChange) -> tuple[str, ...]:
        """Write it, keeping a backup (and, when moving, importing the servers first).

        The moved servers' names in MCP Desk (one may differ from its name in the app)."""
        ...

    async def undo(self, app: str) -> None:
        """Put back, byte for byte, what the last change to that app's settings replaced."""
        ...
