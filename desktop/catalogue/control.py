"""What the UI and the CLI may ask of the catalogue side: browse, plan an install, install.

`CatalogueService` implements `CatalogueControl`; widgets depend on the Protocol and the
dataclasses here only (no network, no keyring, no zip files behind them). An install is
planned first (`InstallPlan`: what it is, who publishes it, what it can do, the form to fill),
then finished with the values the user gave (`install(plan, values)`), which writes a normal
server into the settings, its secrets into the keyring as `${secret:…}`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Protocol

from desktop.core.problem import Problem
from desktop.core.sandbox_policy import Sandbox

BUNDLE_SUFFIX = ".mcpb"
"""An MCPB bundle's file name ends so; the window opens such a file given on its command line."""


class CatalogueProblem(Problem):
    """Something about an entry or a bundle, as a sentence and its technical details."""


class Reach(StrEnum):
    LOCAL = "runs on this computer"
    REMOTE = "runs on the publisher's service"


NODE = "Node.js (MCP Desk provides it)"
PYTHON = "Python (MCP Desk provides it)"
"""The needs MCP Desk meets itself: its own Node.js and uv bring what a package needs."""


@dataclass(frozen=True)
class CatalogueEntry:
    """One server of the catalogue, as the Browse view shows it (latest active version)."""

    name: str
    """The registry's name, e.g. `io.github.owner/weather` (unique; what `servers install` takes)."""
    title: str
    description: str
    version: str
    publisher: str
    """The namespace before the `/` (`io.github.owner`)."""
    verified: bool
    """The namespace is verified by the registry (a reverse-DNS or GitHub namespace it checked)."""
    reach: Reach
    needs: tuple[str, ...]
    """In words: "Node.js (MCP Desk provides it)", "an API key", "a folder", "Docker"."""
    icon_url: str | None = None
    website: str | None = None
    repository: str | None = None
    search_text: str = ""
    """Lower-cased name, title, description and publisher, for matching typed words."""


@dataclass(frozen=True)
class CatalogueListing:
    """The catalogue as it stands, and where it came from, said plainly."""

    entries: tuple[CatalogueEntry, ...]
    source: str
    """E.g. "The MCP Registry, updated just now" or "The list shipped with MCP Desk (no connection)"."""
    live: bool
    problem: str | None = None
    """Why the live registry could not be read, in a sentence; None when it was (or wasn't asked)."""
    shipped: bool = False
    """The list is the one built into MCP Desk (no registry has been read yet)."""
    updated: datetime | None = None
    """When the list shown was read from its registry (for the built-in list: when it was made)."""


class FieldKind(StrEnum):
    TEXT = "text"
    SECRET = "secret"
    NUMBER = "number"
    BOOLEAN = "boolean"
    FOLDER = "folder"
    FILE = "file"
    CHOICE = "choice"


@dataclass(frozen=True)
class InstallField:
    """One value the user gives before an install (a generated form's row)."""

    key: str
    label: str
    description: str = ""
    kind: FieldKind = FieldKind.TEXT
    required: bool = False
    default: str = ""
    choices: tuple[str, ...] = ()
    multiple: bool = False
    """Several values (e.g. several folders), given one per line."""
    technical: str = ""
    """The publisher's own name for it (`AIRTABLE_API_KEY`, `--api-key`), shown small beside the label."""


@dataclass(frozen=True)
class InstallPlan:
    """What installing an entry or a bundle would do, for the user to read and fill in."""

    suggested_name: str
    """The server's name in MCP Desk (free of clashes with the ones configured)."""
    title: str
    publisher: str
    verified: bool
    package: str
    """What will run, with its exact version: "npm @scope/pkg@1.2.3", "PyPI mcp-server-time==2025.9.25",
    "bundle weather-1.0.0.mcpb", or the remote URL."""
    source: str
    """Where it comes from: the registry, a bundle file's path, a repository address."""
    abilities: str
    """In plain words what the program can do on this computer (or that it runs elsewhere)."""
    fields: tuple[InstallField, ...] = ()
    notes: tuple[str, ...] = ()
    """Sentences to read first: a runtime that will be downloaded, a missing Docker, a signature."""
    cautions: tuple[str, ...] = ()
    """Warnings to weigh before installing: a bundle nothing vouches for, or whose signature is broken."""
    tools: tuple[str, ...] = ()
    """Tools (and prompts) a bundle's manifest declares, shown before install."""
    blocked: str | None = None
    """Why this can't be installed here (e.g. a bundle for macOS only); None when it can."""
    sandbox: Sandbox | None = None
    """The sandbox it starts in, before the folders picked in its form are added; None: none
    (it runs elsewhere, in a container, or on a system MCP Desk can't sandbox)."""
    token: str = field(default="", compare=False)
    """The service's handle on what it planned (the entry, or the unpacked bundle)."""


@dataclass(frozen=True)
class Installed:
    server: str
    """The name it got in MCP Desk (it still waits for the user's approval to run)."""
    message: str


@dataclass(frozen=True)
class Update:
    """A server installed from a registry whose entry there now has another version."""

    server: str
    installed: str
    available: str
    message: str


Progress = Callable[[str, float | None], None]
"""Told what is happening ("Downloading Node.js", fraction done or None) during a long step."""


class CatalogueControl(Protocol):
    async def listing(self) -> CatalogueListing:
        """The catalogue now: the cached or shipped list at once; see `refresh` for the live one."""
        ...

    async def refresh(self) -> CatalogueListing:
        """Ask the registry (conditionally: ETag / If-Modified-Since); the cached list if it can't."""
        ...

    async def plan_entry(self, name: str) -> InstallPlan: ...
    async def plan_bundle(self, path: Path) -> InstallPlan: ...
    async def install(
        self, plan: InstallPlan, values: dict[str, str], progress: Progress | None = None
    ) -> Installed:
        """Write the server (secrets to the keyring); cancelling the task leaves nothing half-done."""
        ...

    async def updates(self) -> list[Update]:
        """Servers installed from a registry whose entry there has another version now."""
        ...

    async def update(self, server: str) -> Installed:
        """Plan `server`'s entry at the registry's version, keeping the values the user gave it;
        its launch changes, so MCP Desk asks for approval again before it next runs."""
        ...
