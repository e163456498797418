"""Where the main window was, how big, and on which page, kept between runs in a small file of Qt's own."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings
from PySide6.QtWidgets import QWidget

GEOMETRY_KEY = "main_window/geometry"
AREA_KEY = "main_window/area"


class WindowPlacement:
    """Reads and writes the window's geometry in `path` (an INI file next to the settings).

    It is read before the first paint, while the settings file is still being loaded on the
    service thread, so it lives apart from them. A damaged or missing file means the default size.
    """

    def __init__(self, path: Path) -> None:
        self._settings = QSettings(str(path), QSettings.Format.IniFormat)

    def restore(self, window: QWidget) -> bool:
        """Put `window` where it was; False when nothing usable was kept."""
        saved = self._settings.value(GEOMETRY_KEY)
        return isinstance(saved, QByteArray) and window.restoreGeometry(saved)

    def area(self) -> str:
        """The page the user was on ("servers", "chat", …), or "" when none was kept."""
        saved = self._settings.value(AREA_KEY)
        return saved if isinstance(saved, str) else ""

    def save(self, window: QWidget, area: str) -> None:
        self._settings.setValue(GEOMETRY_KEY, window.saveGeometry())
        self._settings.setValue(AREA_KEY, area)
        self._settings.sync()
