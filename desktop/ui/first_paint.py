"""The first paint: the application and the window's frame on screen before anything else loads.

Nothing here needs more than Qt. pydantic, asyncio's loop, the config models, the pages and the
services load after the window has painted (`desktop/app.py`), and the pages fill in.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QEvent, QEventLoop, QObject, QTimer
from PySide6.QtWidgets import QApplication, QSystemTrayIcon

from desktop.ui.file_opening import watch_file_openings
from desktop.ui.main_window import MainWindow
from desktop.ui.pyside_imports import scan_imports_without_caching_sources
from desktop.ui.resources import app_icon
from desktop.ui.theme import follow_system_theme
from desktop.ui.web_part import prepare_web_part
from desktop.ui.window_placement import WindowPlacement

PAINT_WAIT_MS = 1000
"""Go on after this long even if the window has not painted (a hidden or minimised start)."""


def open_window(argv: list[str], placement_file: Path | None = None, *, hidden: bool = False) -> MainWindow:
    """The QApplication and MainWindow's frame, shown and painted; with `hidden`, left in the tray
    instead where there is one (never where nobody could reach it)."""
    scan_imports_without_caching_sources()
    existing = QApplication.instance()
    prepare_web_part()
    qapp = existing if isinstance(existing, QApplication) else QApplication(argv)
    qapp.setApplicationName("MCP Desk")
    qapp.setDesktopFileName("mcp-desk")
    qapp.setWindowIcon(app_icon())
    qapp.setQuitOnLastWindowClosed(False)
    watch_file_openings(qapp)
    follow_system_theme(qapp)
    placement = WindowPlacement(placement_file) if placement_file is not None else None
    tray_available = QSystemTrayIcon.isSystemTrayAvailable()
    window = MainWindow(tray_available=tray_available, placement=placement)
    if not (hidden and tray_available):
        _show_painted(window)
    return window


class _PaintWatch(QObject):
    def __init__(self, loop: QEventLoop) -> None:
        super().__init__()
        self._loop = loop

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            self._loop.quit()
        return False


def _show_painted(window: MainWindow) -> None:
    loop = QEventLoop()
    watch = _PaintWatch(loop)
    window.installEventFilter(watch)
    QTimer.singleShot(PAINT_WAIT_MS, loop.quit)
    window.show()
    loop.exec()
    window.removeEventFilter(watch)
