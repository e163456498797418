"""Hold a change to the window's layout until the user's hands are still."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QGuiApplication

QUIET_MS = 1200
"""How long the pointer and keyboard must rest before the layout may change."""

INPUT_EVENTS = frozenset(
    {
        QEvent.Type.MouseButtonPress,
        QEvent.Type.MouseButtonRelease,
        QEvent.Type.MouseButtonDblClick,
        QEvent.Type.MouseMove,
        QEvent.Type.KeyPress,
        QEvent.Type.KeyRelease,
        QEvent.Type.Wheel,
        QEvent.Type.TouchBegin,
        QEvent.Type.TouchUpdate,
        QEvent.Type.InputMethod,
    }
)


class IdleGate(QObject):
    """Runs the one callback it was last given once nobody has typed, clicked or moved the
    pointer in this app for `quiet_ms` (and no mouse button is held).

    It watches the app's input only while a callback waits, so it costs nothing otherwise.
    """

    def __init__(self, quiet_ms: int = QUIET_MS, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._waiting: Callable[[], None] | None = None
        self.timer = QTimer(self)
        """Restarted by every input event; its interval is the quiet spell waited for."""
        self.timer.setSingleShot(True)
        self.timer.setInterval(quiet_ms)
        self.timer.timeout.connect(self._on_timer_timeout)

    @property
    def waiting(self) -> bool:
        return self._waiting is not None

    def when_idle(self, callback: Callable[[], None]) -> None:
        """Run `callback` after the next quiet spell, instead of any callback still waiting."""
        app = QCoreApplication.instance()
        if self._waiting is None and app is not None:
            app.installEventFilter(self)
        self._waiting = callback
        self.timer.start()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in INPUT_EVENTS:
            self.timer.start()
        return False

    def _on_timer_timeout(self) -> None:
        if QGuiApplication.mouseButtons() != Qt.MouseButton.NoButton:
            self.timer.start()
            return
        callback, self._waiting = self._waiting, None
        app = QCoreApplication.instance()
        if app is not None:
            app.removeEventFilter(self)
        if callback is not None:
            callback()
