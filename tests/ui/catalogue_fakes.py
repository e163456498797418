"""A stand-in for the catalogue service that speaks `CatalogueControl` on the real service thread.

It keeps a listing in memory, plans installs from it (or from a bundle's file name), and installs
by adding a plain server to the `FakeControl` it was given, as the real service adds one to the
settings: not approved, so it asks before it first runs. An install can be held at its first
step (`hold_install`) so a test can cancel it there.
"""

from __future__ import annotations

import asyncio
import base64
from pathlib import Path
from typing import Any

from pytestqt.qtbot import QtBot

from desktop.catalogue.control import (
    CatalogueEntry,
    CatalogueListing,
    CatalogueProblem,
    FieldKind,
    Installed,
    InstallField,
    InstallPlan,
    Progress,
    Reach,
    Update,
)
from desktop.core.config import OFFICIAL_REGISTRY, CatalogueOrigin, ServerConfig
from desktop.servers.runtimes import NODE
from desktop.ui.dialogs.install_dialog import InstallDialog
from desktop.ui.main_window import MainWindow
from tests.ui.fakes import FakeControl

SUN_SVG = (
    b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32">'
    b'<circle cx="16" cy="16" r="7" fill="#f5a623"/>'
    b'<g stroke="#f5a623" stroke-width="2.5" stroke-linecap="round">'
    b'<path d="M16 2v4M16 26v4M2 16h4M26 16h4M6 6l3 3M23 23l3 3M6 26l3-3M23 9l3-3"/></g></svg>'
)
SUN_ICON = "data:image/svg+xml;base64," + base64.b64encode(SUN_SVG).decode()


def entry(name: str, title: str, description: str, **more: Any) -> CatalogueEntry:
    publisher = name.split("/")[0]
    values: dict[str, Any] = {
        "version": "1.0.0",
        "publisher": publisher,
        "verified": True,
        "reach": Reach.LOCAL,
        "needs": (),
    } | more
    text = " ".join((name, title, description, values["publisher"])).lower()
    return CatalogueEntry(name, title, description, **(values | {"search_text": text}))


def sample_entries() -> tuple[CatalogueEntry, ...]:
    return (
        entry(
            "io.github.acme/weather",
            "Weather",
            "Forecasts and current conditions for any city, from the national weather services.",
            version="2.3.1",
            needs=("Node.js (MCP Desk provides it)", "an API key"),
            icon_url=SUN_ICON,
            website='https://weather.example.com/?a=1&b="2"',
        ),
        entry(
            "io.github.modelcontextprotocol/time",
            "Time",
            "Tells the time in any time zone and converts between them.",
            version="2025.9.25",
            needs=("Python (MCP Desk provides it)",),
        ),
        entry(
            "com.example/notes",
            "Team Notes",
            "Search and read your team's shared notes.",
            verified=False,
            reach=Reach.REMOTE,
            needs=("a sign-in",),
            icon_url="https://example.com/notes.png",
            website="http://example.com/notes",
        ),
        entry(
            "io.github.someone/folder-tools",
            "Folder Tools",
            "List, search and summarise the files in folders you choose.",
            version="0.4.0",
            needs=("Node.js (MCP Desk provides it)", "a folder"),
        ),
    )


def weather_plan(suggested: str = "weather") -> InstallPlan:
    return InstallPlan(
        suggested_name=suggested,
        title="Weather",
        publisher="io.github.acme",
        verified=True,
        package="npm @acme/weather-mcp@2.3.1",
        source="io.github.acme/weather 2.3.1 from the MCP Registry",
        abilities="A program on this computer. It can read and change your files and reach the internet, "
        "like any program you run.",
        fields=(
            InstallField(
                "WEATHER_API_KEY",
                "Weather API key",
                "Get one free at weather.example.com.",
                FieldKind.SECRET,
                True,
                technical="WEATHER_API_KEY",
            ),
            InstallField("UNITS", "Units", "", FieldKind.CHOICE, False, "metric", ("metric", "imperial")),
            InstallField(
                "CITY", "Home city", "Used when you don't name one.", FieldKind.TEXT, False, "Lisbon"
            ),
            InstallField("DAYS", "Days to forecast", "", FieldKind.NUMBER, False, "3"),
            InstallField("ALERTS", "Include weather alerts", "", FieldKind.BOOLEAN, False, "true"),
            InstallField("CACHE", "Folder for saved forecasts", "", FieldKind.FOLDER, False, ""),
            InstallField("EXTRA", "More cities", "One city per line.", FieldKind.TEXT, False, "", (), True),
        ),
        notes=(
            f"MCP Desk sets up {NODE.title} {NODE.version} for it, downloading it the first time a server "
            "needs it; the first start also downloads @acme/weather-mcp@2.3.1.",
        ),
        token="io.github.acme/weather",
    )


def bundle_plan(path: Path) -> InstallPlan:
    return InstallPlan(
        suggested_name="notes-bundle",
        title="Notes Bundle",
        publisher="Example Ltd",
        verified=False,
        package=f"bundle {path.name}",
        source=str(path),
        abilities="A program on this computer. It can read and change your files, like any program you run.",
        fields=(InstallField("NOTES_DIR", "Notes folder", "Where your notes are.", FieldKind.FOLDER, True),),
        cautions=(
            "This bundle is not signed: nothing vouches for who made it. "
            "Install it only if you trust where it came from.",
        ),
        tools=("search_notes", "read_note", "add_note"),
        token=str(path),
    )


class FakeCatalogue:
    """`CatalogueControl` in memory; what it was asked is kept in `calls`."""

    def __init__(self, servers: FakeControl | None = None) -> None:
        self._servers = servers
        self.listed = CatalogueListing(
            sample_entries(), "The list shipped with MCP Desk", live=False, shipped=True
        )
        self.refreshed = CatalogueListing(sample_entries(), "The MCP Registry, updated just now", live=True)
        self.plans: dict[str, InstallPlan] = {"io.github.acme/weather": weather_plan()}
        self.calls: list[tuple[Any, ...]] = []
        self.available: list[Update] = []
        self.hold_install = False
        self.fail_install: CatalogueProblem | None = None
        self._release: asyncio.Event | None = None

    async def listing(self) -> CatalogueListing:
        self.calls.append(("listing",))
        return self.listed

    async def refresh(self) -> CatalogueListing:
        self.calls.append(("refresh",))
        return self.refreshed

    async def plan_entry(self, name: str) -> InstallPlan:
        self.calls.append(("plan_entry", name))
        if name not in self.plans:
            raise CatalogueProblem("This server can't be installed from here. Try another one.", name)
        return self.plans[name]

    async def plan_bundle(self, path: Path) -> InstallPlan:
        self.calls.append(("plan_bundle", path))
        if not path.is_file():
            raise CatalogueProblem("MCP Desk can't open this file. Check that it is still there.", str(path))
        return bundle_plan(path)

    async def install(
        self, plan: InstallPlan, values: dict[str, str], progress: Progress | None = None
    ) -> Installed:
        self.calls.append(("install", plan.token, values))
        if progress is not None:
            progress("Downloading weather-mcp 2.3.1", 0.25)
        if self.fail_install is not None:
            raise self.fail_install
        if self.hold_install:
            self._release = asyncio.Event()
            try:
                await self._release.wait()
            except asyncio.CancelledError:
                self.calls.append(("install cancelled", plan.token))
                raise
        if self._servers is not None:
            origin = CatalogueOrigin(
                registry=OFFICIAL_REGISTRY,
                name="io.github.acme/weather",
                version="2.3.1",
                title=plan.title,
                publisher=plan.publisher,
                package=plan.package,
                source=plan.source,
            )
            config = ServerConfig(command="npx", args=["-y", "@acme/weather-mcp@2.3.1"], origin=origin)
            await self._servers.add(plan.suggested_name, config)
        asks = "MCP Desk will ask you to approve it before it first starts."
        return Installed(plan.suggested_name, f"Added “{plan.suggested_name}”. {asks}")

    async def updates(self) -> list[Update]:
        self.calls.append(("updates",))
        return list(self.available)

    async def update(self, server: str) -> Installed:
        self.calls.append(("update", server))
        found = next(item for item in self.available if item.server == server)
        if self._servers is not None:
            config = self._servers.config_of(server)
            args = [arg.replace(found.installed, found.available) for arg in config.args]
            await self._servers.update(server, config.model_copy(update={"args": args}))
        self.available.remove(found)
        asks = "MCP Desk will ask you to approve it before it next runs."
        return Installed(server, f"Updated “{server}” to {found.available}. {asks}")


def install_dialog_of(qtbot: QtBot, window: MainWindow) -> InstallDialog:
    """The install dialog open over `window` (not one a test before left to be deleted)."""

    def shown() -> list[InstallDialog]:
        return [dialog for dialog in window.findChildren(InstallDialog) if dialog.isVisible()]

    qtbot.waitUntil(lambda: len(shown()) == 1)
    qtbot.waitExposed(shown()[0])
    return shown()[0]
