"""Composition root: builds every service, wires the UI, owns start-up and shutdown.

The window is painted before the `mcp` SDK is imported (that import alone takes over
a second): the service side is built on the service thread and attached to the
window when it is ready.
"""

from __future__ import annotations

import asyncio
import gc
import os
import sys
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from desktop.core.autostart import Autostart
from desktop.core.config_store import ConfigStore, LoadResult
from desktop.core.events import EventBus, Notice
from desktop.core.paths import HOME_ENV, AppPaths
from desktop.core.service_loop import ServiceLoop
from desktop.servers.defaults import default_config
from desktop.servers.leftovers import Leftover, LeftoverRegistry

if TYPE_CHECKING:
    from desktop.servers.manager import ServerManager

SHUTDOWN_TIMEOUT = 15.0


@dataclass
class Services:
    paths: AppPaths
    events: EventBus
    loaded: LoadResult
    manager: ServerManager
    leftovers_ended: list[Leftover] = field(default_factory=list)

    def announce_startup_problems(self) -> None:
        """Tell the user about what was repaired on the way up."""
        if self.loaded.problem is not None:
            problem = self.loaded.problem
            self.events.publish(Notice("Settings were reset", problem.message, problem.details))
        if self.leftovers_ended:
            names = ", ".join(sorted({leftover.server for leftover in self.leftovers_ended}))
            self.events.publish(
                Notice(
                    "Cleaned up after the last session",
                    f"MCP Desk ended servers that were still running after it last closed unexpectedly: {names}.",
                )
            )


def launch_command() -> list[str]:
    """How the OS should start MCP Desk again (for "start when I sign in")."""
    if getattr(sys, "frozen", False):
        return [sys.executable]
    return [sys.executable, "-m", "desktop"]


def autostart_for(paths: AppPaths) -> Autostart:
    """With MCP_DESK_HOME set, even the sign-in entry stays inside that folder."""
    if os.environ.get(HOME_ENV):
        root = paths.config_dir.parent
        return Autostart(home=root, environ={"XDG_CONFIG_HOME": str(root / "xdg-config")})
    return Autostart()


def build_services(paths: AppPaths, events: EventBus) -> Services:
    """Everything but the UI. Imports the `mcp` SDK, so the GUI calls it off the Qt thread."""
    from desktop.servers.manager import ServerManager

    paths.ensure()
    paths.files_dir.mkdir(parents=True, exist_ok=True)
    store = ConfigStore(paths.config_file, lambda: default_config(paths))
    loaded = store.load()
    leftovers = LeftoverRegistry(paths.run_dir)
    ended = leftovers.sweep()
    manager = ServerManager(store, loaded.config, events, leftovers, autostart_for(paths), launch_command())
    # What exists now (Qt, the SDK, pydantic's schemas) lives as long as the app; keeping
    # it out of the collector's scans took ~10% off every tool call round trip.
    gc.freeze()
    return Services(paths, events, loaded, manager, ended)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args:
        from desktop.cli import main as cli_main

        return cli_main(args)
    return run_gui()


def run_gui() -> int:
    from desktop.ui.application import GuiApp

    paths = AppPaths.from_environment()
    events = EventBus()
    service_loop = ServiceLoop()
    gui = GuiApp(sys.argv[:1])
    events.subscribe(gui.bridge.deliver)
    started: list[Services] = []

    async def bring_up() -> ServerManager:
        services = build_services(paths, events)
        started.append(services)
        services.announce_startup_problems()
        background = asyncio.get_running_loop()
        started_tasks.extend([background.create_task(services.manager.pulse()),
                              background.create_task(services.manager.start_all())])
        return services.manager

    async def shut_down() -> None:
        for task in started_tasks:
            task.cancel()
        if started:
            await started[0].manager.shutdown()

    def start_services() -> None:
        service_loop.start()
        gui.bridge.attach_when_ready(service_loop.submit(bring_up()), service_loop.submit)

    started_tasks: list[asyncio.Task[None]] = []
    code = gui.run(shut_down, after_shown=start_services)
    service_loop.stop()
    return code
