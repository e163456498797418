"""What the UI and the CLI may ask of the server side.

`ServerManager` implements this; widgets depend on the Protocol only, so importing
it costs nothing (the `mcp` SDK loads behind the window, on the service thread).
Coroutines run on the service loop.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Protocol

from desktop.core.config import CatalogueOrigin, ServerConfig
from desktop.core.consent import CallContext
from desktop.core.events import ServerStatus, ToolInfo
from desktop.core.problem import Problem
from desktop.servers.result_parts import ResultPart

if TYPE_CHECKING:
    from pathlib import Path

    from desktop.servers.importers import ImportPlan, ImportSource
    from desktop.servers.prompts import CompletionRef, PromptInfo, PromptResult
    from desktop.servers.resources import ResourceInfo, ResourceRead, ResourceTemplateInfo


@dataclass(frozen=True)
class TrustRequest:
    """What the user confirms before a server runs for the first time or after a change."""

    server: str
    command_line: str
    """The command exactly as it will run (resolved path first), or the URL."""
    env_names: tuple[str, ...]
    header_names: tuple[str, ...]
    cwd: str | None
    launch_hash: str
    changed: bool
    """True when this server ran before with a different launch."""
    origin: CatalogueOrigin | None = None
    """Who publishes it, what runs and where it came from, for a server installed from the catalogue."""
    runs_on: str = ""
    """Where the command's program is MCP Desk's own Node.js or uv, that in words; else empty."""

    @property
    def remote(self) -> bool:
        """MCP Desk connects to an address rather than running a program."""
        return self.command_line.startswith(("http://", "https://"))


class Approver(StrEnum):
    """Who said yes to running a server, as its audit record tells (`approved_by`)."""

    USER = "the user"
    """The user themselves: the approval dialog, or the command line."""
    WELCOME = "the welcome"
    """The welcome's folder step, with the folder the user chose for the built-in files server."""


@dataclass(frozen=True)
class ToolCallOutcome:
    server: str
    tool: str
    ok: bool
    text: str
    """The result's text content, or a plain sentence saying what went wrong."""
    structured: Any = None
    duration_s: float = 0.0
    audit_seq: int | None = None
    """The audit record of the decision to make this call."""
    rpc_id: str | None = None
    """The JSON-RPC id the call went out with (for finding it in the log)."""
    denied: bool = False
    """The user said no; nothing was sent. `text` says so, with their reason."""
    arguments: dict[str, Any] | None = None
    """What was sent (the user may have edited the model's arguments)."""
    details: str = ""
    """The technical details of a call that failed, one click away from `text`."""
    parts: tuple[ResultPart, ...] = ()
    """The result's content in order, images and resources included (`result_parts`)."""
    content: tuple[dict[str, Any], ...] = ()
    """The result's content blocks as the server sent them (wire form), for a caller that passes them on."""
    stopped: bool = False
    """The user stopped the call while it was taking longer than usual; `text` says so."""


class ServerProblem(Problem):
    """A problem on the server side, as a sentence and its technical details."""


class TrustRequired(ServerProblem):
    def __init__(self, request: TrustRequest) -> None:
        super().__init__(
            f"“{request.server}” has not been approved to run yet. Check its command and approve it first."
        )
        self.request = request


class ServerControl(Protocol):
    def statuses(self) -> list[ServerStatus]: ...
    def config_of(self, name: str) -> ServerConfig: ...
    def tools(self, server: str | None = None) -> list[ToolInfo]: ...
    def output_of(self, name: str) -> list[str]: ...
    def trust_request(self, name: str) -> TrustRequest: ...

    async def start(self, name: str) -> ServerStatus: ...
    async def stop(self, name: str) -> None: ...
    async def restart(self, name: str) -> None: ...
    async def trust(self, name: str, launch_hash: str, by: Approver = Approver.USER) -> None: ...
    async def add(self, name: str, config: ServerConfig) -> None: ...
    async def update(self, name: str, config: ServerConfig, new_name: str | None = None) -> None: ...
    async def remove(self, name: str) -> None: ...
    async def preview_import(self, source: ImportSource, path: Path | None) -> ImportPlan: ...
    async def apply_import(self, plan: ImportPlan, move_secrets: bool = True) -> list[str]: ...
    async def call_tool(
        self, qualified_name: str, arguments: dict[str, Any], context: CallContext
    ) -> ToolCallOutcome:
        """Ask the consent gate, write the decision down, and only then (if allowed) call."""
        ...

    async def resources(self, name: str) -> list[ResourceInfo]:
        """A running server's resources; none where it offers none."""
        ...

    async def resource_templates(self, name: str) -> list[ResourceTemplateInfo]: ...
    async def read_resource(
        self, name: str, uri: str, by_user: bool, context: CallContext | None = None
    ) -> ResourceRead:
        """Audited; a read by the model (`by_user` False) goes through the consent gate first."""
        ...

    async def complete(
        self, name: str, ref: CompletionRef, argument: str, value: str, context: dict[str, str] | None = None
    ) -> list[str]:
        """The server's suggestions for `argument` as typed so far; `context`: the others filled in."""
        ...

    async def prompts(self, name: str) -> list[PromptInfo]: ...
    async def get_prompt(self, name: str, prompt: str, args: dict[str, str]) -> PromptResult: ...
    async def allow_link(self, server: str, url: str, context: CallContext) -> bool:
        """An app view asks to open `url`: the consent gate decides, and the audit records it."""
        ...
