"""Reading a resource a tool's result links to, when the user presses its Open: through the servers'
control on the bridge, audited there as the user's read."""

from __future__ import annotations

from collections.abc import Callable

from desktop.core.problem import Problem
from desktop.servers.resources import ResourceRead
from desktop.ui.bridge import Bridge


class ResourceOpener:
    def __init__(self, bridge: Bridge) -> None:
        self._bridge = bridge

    def available(self) -> bool:
        """Whether the servers' side can read a resource here."""
        return hasattr(self._bridge.control, "read_resource")

    def read(
        self,
        server: str,
        uri: str,
        on_done: Callable[[ResourceRead], None],
        on_error: Callable[[Problem], None],
    ) -> None:
        control = self._bridge.control
        assert control is not None, "available() said it can"
        self._bridge.call(control.read_resource(server, uri, by_user=True), on_done, on_error)
