"""The latest status of every configured server, kept current from the bridge's signals.

One roster feeds the Servers table, the status bar and the tray, so each of them reads
the same pushed snapshot and none of them asks the service side on its own.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from desktop.core.events import ServerStatus
from desktop.servers.control import ServerControl
from desktop.ui.bridge import Bridge
from desktop.ui.state_look import summary


class ServerRoster(QObject):
    """Statuses by name, in the service side's order.

    Signals:
        reset(): the list of servers changed (or first arrived); read `statuses()` again.
        status_changed(ServerStatus): one known server's status changed.
    """

    reset = Signal()
    status_changed = Signal(object)

    def __init__(self, bridge: Bridge, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._bridge = bridge
        self._statuses: dict[str, ServerStatus] = {}
        self.ready = False
        """True once the service side is attached."""
        bridge.services_ready.connect(self._on_bridge_services_ready)
        bridge.servers_changed.connect(self._on_bridge_servers_changed)
        bridge.server_status_changed.connect(self._on_bridge_server_status_changed)

    @property
    def control(self) -> ServerControl:
        """The service side; only valid once `ready`."""
        assert self._bridge.control is not None, "services are not attached yet"
        return self._bridge.control

    def statuses(self) -> list[ServerStatus]:
        return list(self._statuses.values())

    def get(self, name: str) -> ServerStatus | None:
        return self._statuses.get(name)

    def names(self) -> list[str]:
        return list(self._statuses)

    def summary(self) -> str:
        return summary(self._statuses.values())

    def _reload(self) -> None:
        self._statuses = {status.name: status for status in self.control.statuses()}
        self.reset.emit()

    def _on_bridge_services_ready(self) -> None:
        self.ready = True
        self._reload()

    def _on_bridge_servers_changed(self, _names: tuple[str, ...]) -> None:
        if self.ready:
            self._reload()

    def _on_bridge_server_status_changed(self, status: ServerStatus) -> None:
        if status.name not in self._statuses:
            return  # a server removed a moment ago can still report its last stop
        self._statuses[status.name] = status
        self.status_changed.emit(status)
