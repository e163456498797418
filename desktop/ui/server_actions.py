"""Start, stop, restart and approve servers: the flows shared by the Servers page and the tray."""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import QWidget

from desktop.core.problem import Problem
from desktop.servers.control import ServerControl, TrustRequest, TrustRequired
from desktop.ui.bridge import Bridge
from desktop.ui.dialogs.trust_dialog import TrustDialog


def bring_to_front(window: QWidget) -> None:
    """Show a hidden or minimised window and give it the focus."""
    if window.isMinimized():
        window.showNormal()
    else:
        window.show()
    window.raise_()
    window.activateWindow()


class ServerActions(QObject):
    """Asks the service side to act on one server; a server nobody approved yet gets the trust dialog.

    Dialogs open over `window` (brought to the front first, e.g. when the tray asked).
    """

    def __init__(self, bridge: Bridge, window: QWidget) -> None:
        super().__init__(window)
        self._bridge = bridge
        self._window = window
        self._reviews: dict[str, TrustDialog] = {}

    @property
    def _control(self) -> ServerControl:
        assert self._bridge.control is not None, "services are not attached yet"
        return self._bridge.control

    def start(self, name: str) -> None:
        self._bridge.call(self._control.start(name), on_error=self._on_start_failed)

    def stop(self, name: str) -> None:
        self._bridge.call(self._control.stop(name))

    def restart(self, name: str) -> None:
        self._bridge.call(self._control.restart(name), on_error=self._on_start_failed)

    def remove(self, name: str) -> None:
        self._bridge.call(self._control.remove(name))

    def review(self, name: str) -> None:
        """Show what `name` would run and, once approved, start it."""
        try:
            request = self._control.trust_request(name)
        except Problem as problem:
            self._bridge.call_failed.emit(problem.message, problem.details)
            return
        self._open_review(request)

    def _open_review(self, request: TrustRequest) -> None:
        open_dialog = self._reviews.get(request.server)
        if open_dialog is not None:
            bring_to_front(open_dialog)
            return
        try:
            sandbox = self._control.config_of(request.server).sandbox
        except Problem:  # removed a moment ago
            return
        bring_to_front(self._window)
        dialog = TrustDialog(request, self._window, sandbox)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.approved.connect(lambda launch_hash: self._approve(request.server, launch_hash))
        dialog.finished.connect(lambda _result: self._reviews.pop(request.server, None))
        self._reviews[request.server] = dialog
        dialog.open()

    def _approve(self, name: str, launch_hash: str) -> None:
        self._bridge.call(self._control.trust(name, launch_hash), on_done=lambda _none: self.start(name))

    def _on_start_failed(self, problem: Problem) -> None:
        if isinstance(problem, TrustRequired):
            self._open_review(problem.request)
        else:
            self._bridge.call_failed.emit(problem.message, problem.details)
