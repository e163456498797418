"""The window's start-up and shutdown: paint first, build the services behind it, attach them.

The window is painted before the `mcp` SDK is imported (that import alone takes over
a second): the services (`desktop.services`) are built on the service thread and
attached to the window when they are ready.
"""

from __future__ import annotations

import asyncio
import sys
from typing import TYPE_CHECKING

from desktop.core.events import EventBus
from desktop.core.paths import AppPaths
from desktop.core.service_loop import ServiceLoop
from desktop.services import Services, build_services

if TYPE_CHECKING:
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
    )


def run_gui() -> int:
    from desktop.ui.application import GuiApp

    paths = AppPaths.from_environment()
    events = EventBus()
    service_loop = ServiceLoop()
    gui = GuiApp(sys.argv[:1], placement_file=paths.config_dir / "window.ini")
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

    code = gui.run(shut_down, after_shown=start_services)
    service_loop.stop()
    return code
