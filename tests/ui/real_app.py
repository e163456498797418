"""The real window over the real services, for the UI's end-to-end tests."""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from pytestqt.qtbot import QtBot

from desktop.app import controls_of
from desktop.core.events import EventBus
from desktop.core.paths import AppPaths
from desktop.core.service_loop import ServiceLoop
from desktop.services import Services, build_services
from desktop.ui.bridge import Bridge
from desktop.ui.consent_queue import ConsentQueue
from desktop.ui.main_window import MainWindow

T = TypeVar("T")


@dataclass
class RealApp(Generic[T]):
    window: MainWindow
    queue: ConsentQueue
    services: Services
    loop: ServiceLoop
    prepared: T
    """What the test's own preparation returned (a chat's id, say)."""


@contextmanager
def real_app(
    qtbot: QtBot, prepare: Callable[[Services], Coroutine[Any, Any, T]], name: str = "e2e-services"
) -> Iterator[RealApp[T]]:
    """The window shown and attached to services built as the app builds them, after `prepare`
    ran on them; closed again (dialogs, services, their loop) when the test is done."""
    loop = ServiceLoop(name)
    loop.start()
    bridge = Bridge()
    window = MainWindow(tray_available=False)
    window.attach(bridge)
    qtbot.addWidget(window)
    queue = ConsentQueue(window)
    events = EventBus()
    events.subscribe(bridge.deliver)

    async def bring_up() -> tuple[Services, T]:
        services = build_services(AppPaths.from_environment(), events, queue)
        return services, await prepare(services)

    services, prepared = loop.submit(bring_up()).result(120)
    try:
        with qtbot.waitSignal(bridge.services_ready):
            bridge.attach(controls_of(services), loop.submit)
        window.show()
        yield RealApp(window, queue, services, loop, prepared)
    finally:
        queue.close_all()
        loop.submit(services.close()).result(60)
        loop.stop()
