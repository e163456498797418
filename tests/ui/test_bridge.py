"""The bridge hands the service side's events and call results to the Qt thread in the order they
happened, many at a time, and a dialog opened by one of them still sees the rest."""

from __future__ import annotations

import threading

from PySide6.QtCore import QEventLoop, QTimer
from pytestqt.qtbot import QtBot

from desktop.core.events import EventBus, ServersChanged
from desktop.core.service_loop import ServiceLoop
from desktop.ui.bridge import Bridge
from tests.ui.conftest import Attach


def test_events_and_call_results_arrive_in_the_order_they_happened(
    qtbot: QtBot, bridge: Bridge, attach: Attach, service_loop: ServiceLoop
) -> None:
    attach()
    seen: list[str] = []
    bridge.servers_changed.connect(lambda names: seen.append(names[0]))

    async def work() -> str:
        bridge.deliver(ServersChanged(("during the call",)))
        return "the call's result"

    def from_a_thread() -> None:
        for n in range(500):
            bridge.deliver(ServersChanged((f"event {n}",)))

    sender = threading.Thread(target=from_a_thread)
    sender.start()
    sender.join()
    bridge.call(work(), seen.append)
    qtbot.waitUntil(lambda: "the call's result" in seen)
    bridge.deliver(ServersChanged(("after",)))
    qtbot.waitUntil(lambda: seen[-1] == "after")
    assert seen == [*(f"event {n}" for n in range(500)), "during the call", "the call's result", "after"]


def test_a_dialog_opened_by_one_event_still_sees_the_next(qtbot: QtBot, bridge: Bridge) -> None:
    """A consent question's own event loop, opened while handling one event, must not hold the rest back."""
    bus = EventBus()
    bus.subscribe(bridge.deliver)
    seen: list[str] = []
    nested = QEventLoop()

    def on_servers_changed(names: tuple[str, ...]) -> None:
        seen.append(names[0])
        if names[0] == "first":
            QTimer.singleShot(5000, nested.quit)
            nested.exec()  # like a modal dialog: returns once "second" has been handled
            seen.append("dialog closed")
        elif names[0] == "second":
            nested.quit()

    bridge.servers_changed.connect(on_servers_changed)
    bus.publish(ServersChanged(("first",)))
    bus.publish(ServersChanged(("second",)))
    qtbot.waitUntil(lambda: "dialog closed" in seen)
    assert seen == ["first", "second", "dialog closed"]
