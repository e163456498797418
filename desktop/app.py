"""The window's start-up and shutdown: paint first, build the services behind it, attach them.

The window's frame paints before anything but Qt is imported (`ui.first_paint`); then the
pages, asyncio's loop and pydantic load, and the services (`desktop.services`, with the `mcp`
SDK) are built on the service thread and attached to the window when they are ready.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

from desktop.core.paths import AppPaths

if TYPE_CHECKING:
    import asyncio

    from desktop.services import Services
    from desktop.ui.bridge import Controls


def controls_of(services: Services) -> Controls:
    """Everything the window may ask of `services`."""
    from desktop.diagnostics import diagnose
    from desktop.ui.bridge import Controls

    async def diagnostic_report() -> str:
        return (await diagnose(services)).text()

    return Controls(
        services.manager,
        services.settings,
        services.rpc_log,
        services.audit,
        services.secrets,
        services.models,
        services.consent,
        services.chats,
        diagnostic_report,
        catalogue=services.catalogue,
        runtimes=services.runtimes,
        icons=services.icons,
        apps=services.apps,
        gateway=services.gateway,
        web_part=services.web_part,
    )


def run_gui(open_file: Path | None = None, hidden: bool = False) -> int:
    """The window; with `open_file` (a bundle), its install dialog too; with `hidden` (`mcp-desk
    --hidden`, as the stdio bridge starts it) only the tray icon, where a tray exists. If MCP Desk is
    running already, it gets the file (or is only asked to show its window) and this start ends."""
    from desktop.ui.pyside_imports import scan_imports_without_caching_sources

    scan_imports_without_caching_sources()  # before the window's own imports, which it speeds up
    from desktop.ui.single_instance import hand_over, instance_name

    paths = AppPaths.from_environment()
    if hand_over(instance_name(paths.config_dir), open_file):
        return 0
    from desktop.ui.first_paint import open_window

    window = open_window(sys.argv[:1], paths.config_dir / "window.ini", hidden=hidden)

    import asyncio

    from desktop.core.events import EventBus
    from desktop.core.service_loop import ServiceLoop
    from desktop.services import build_services
    from desktop.ui.application import GuiApp

    events = EventBus()
    service_loop = ServiceLoop()
    gui = GuiApp(window)
    gui.listen_as(instance_name(paths.config_dir), open_file)
    events.subscribe(gui.bridge.deliver)
    started: list[Services] = []
    started_tasks: list[asyncio.Task[None]] = []

    async def bring_up() -> Controls:
        services = build_services(paths, events, gui.consent)
        started.append(services)
        services.announce_startup_problems()
        background = asyncio.get_running_loop()
        jobs = (
            services.manager.pulse(),
            services.rpc_log.run(),
            services.manager.start_all(),
            services.models.run(),
            services.gateway.start(),
        )
        for job in jobs:
            started_tasks.append(background.create_task(job))
        return controls_of(services)

    async def shut_down() -> None:
        for task in started_tasks:
            task.cancel()
        if started:
            await started[0].close()

    def start_services() -> None:
        service_loop.start()
        gui.bridge.attach_when_ready(service_loop.submit(bring_up()), service_loop.submit)

    code = gui.run(shut_down, after_shown=start_services, show=window.isVisible())
    service_loop.stop()
    return code
