"""The Qt side of start-up and shutdown: the window filled in, tray, consent and the UI loop.

The window has painted before this module loads (`first_paint`); the services don't exist
yet: `desktop/app.py` builds them on the service thread and hands them over through
`Bridge.attach_when_ready`.
"""

from __future__ import annotations

import asyncio
import signal
import sys
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

import qasync
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QSystemTrayIcon

from desktop.ui.bridge import Bridge
from desktop.ui.consent_queue import ConsentQueue
from desktop.ui.file_opening import FileOpenings
from desktop.ui.main_window import MainWindow
from desktop.ui.server_actions import bring_to_front
from desktop.ui.single_instance import InstanceServer
from desktop.ui.tray import Tray

Shutdown = Callable[[], Coroutine[Any, Any, None]]


class GuiApp:
    """The app around a painted `window` (`first_paint.open_window`): bridge, tray, consent.

    On the first start (and until the user finishes or skips it) the welcome flow opens.
    """

    def __init__(self, window: MainWindow) -> None:
        qapp = QApplication.instance()
        assert isinstance(qapp, QApplication), "open_window makes the QApplication"
        self.qapp = qapp
        self.bridge = Bridge()
        self.window = window
        window.attach(self.bridge)
        self.tray = Tray(self.bridge, window) if QSystemTrayIcon.isSystemTrayAvailable() else None
        self.consent = ConsentQueue(window)
        """The consent gate's questions, as dialogs; built before the services, which ask it."""
        self._shutdown: Shutdown | None = None
        self._quitting = False
        self.window.quit_requested.connect(self.quit)
        self.bridge.services_ready.connect(self._on_bridge_services_ready)
        self.consent.explained.connect(lambda: self.bridge.update_settings(consent_explained=True))
        if self.tray is not None:
            self.tray.quit_requested.connect(self.quit)
            self.tray.icon.messageClicked.connect(self.consent.bring_to_front)
            self.consent.question_arrived.connect(self._on_consent_question_arrived)

    def listen_as(self, name: str, open_file: Path | None) -> None:
        """Take later starts' files (and knocks) as this app's, and open `open_file` once ready."""
        self.instance = InstanceServer(name, self.qapp)
        self.instance.listen()
        self.instance.knocked.connect(lambda: bring_to_front(self.window))
        self.instance.file_received.connect(lambda path: self._open_when_ready(Path(path)))
        if open_file is not None:
            self._open_when_ready(open_file)
        openings = self.qapp.findChild(FileOpenings)
        if openings is not None:  # macOS: a Finder double-click, before or after this start
            openings.take(lambda path: self._open_when_ready(Path(path)))

    def _open_when_ready(self, path: Path) -> None:
        if self.bridge.catalogue is not None:
            self.window.installs.open_bundle(path)
            return
        self.bridge.services_ready.connect(
            lambda: self.window.installs.open_bundle(path), Qt.ConnectionType.SingleShotConnection
        )

    def run(self, shutdown: Shutdown, after_shown: Callable[[], None], *, show: bool = True) -> int:
        """Show the window (unless not `show`: it stays in the tray), then call `after_shown` and run
        the UI loop until the user quits."""
        self._shutdown = shutdown
        if show:
            self.window.show()
        QTimer.singleShot(0, after_shown)
        self._quit_on_signals()
        loop = qasync.QEventLoop(self.qapp)
        asyncio.set_event_loop(loop)
        with loop:
            loop.run_forever()
        return 0

    def quit(self) -> None:
        """Stop every server first, then leave; the window goes away at once."""
        if self._quitting:
            return
        self._quitting = True
        self.consent.close_all()
        self.window.hide()
        if self.tray is not None:
            self.tray.hide()
        if self._shutdown is None or self.bridge.control is None:
            self.qapp.quit()
            return
        finish: Callable[..., None] = lambda *_: self.qapp.quit()  # noqa: E731
        self.bridge.call(self._shutdown(), on_done=finish, on_error=finish)

    def _on_bridge_services_ready(self) -> None:
        assert self.bridge.settings is not None
        settings = self.bridge.settings.app_settings()
        self.consent.explain_next = not settings.consent_explained
        if not settings.welcome_done:
            self.window.show_welcome()

    def _on_consent_question_arrived(self, summary: str) -> None:
        if self.tray is not None and not self.window.isVisible():
            self.tray.notify(self.qapp.translate("GuiApp", "MCP Desk needs your answer"), summary)

    def _quit_on_signals(self) -> None:
        """Ctrl+C and SIGTERM quit cleanly (Qt's loop needs a tick to let Python see them)."""
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: QTimer.singleShot(0, self.quit))
        if sys.platform != "win32":
            self._signal_tick = QTimer(self.qapp)
            self._signal_tick.timeout.connect(lambda: None)
            self._signal_tick.start(250)
