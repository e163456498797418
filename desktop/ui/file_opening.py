"""Files macOS hands MCP Desk to open: a Finder double-click on a `.mcpb`, or one dropped on the
Dock icon, arrives as a `QFileOpenEvent` on the QApplication, never on the command line.

Elsewhere a double-click starts `mcp-desk FILE` (`single_instance` hands it to a running app), so
the filter, which sees every event of the app, is installed on macOS only.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

from PySide6.QtCore import QCoreApplication, QEvent, QObject, Signal
from PySide6.QtGui import QFileOpenEvent


class FileOpenings(QObject):
    """The files the system asked to open, kept until someone `take`s them (the window's services
    may not be there yet), then handed over as they come.

    Signals:
        file_opened(str): a file's path, once someone takes them.
    """

    file_opened = Signal(str)

    def __init__(self, app: QCoreApplication) -> None:
        super().__init__(app)
        self._early: list[str] | None = []
        app.installEventFilter(self)

    def take(self, slot: Callable[[str], None]) -> None:
        """Hand `slot` each file asked for so far, then each one as it is asked for."""
        self.file_opened.connect(slot)
        early, self._early = self._early or [], None
        for path in early:
            self.file_opened.emit(path)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() != QEvent.Type.FileOpen or not isinstance(event, QFileOpenEvent) or not event.file():
            return False
        if self._early is not None:
            self._early.append(event.file())
        else:
            self.file_opened.emit(event.file())
        return True


def watch_file_openings(app: QCoreApplication, platform: str = sys.platform) -> None:
    """On macOS, keep the files the system asks `app` to open (from its first moment)."""
    if platform == "darwin":
        FileOpenings(app)
