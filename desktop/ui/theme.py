"""Following the OS's light or dark appearance, including when the user switches it."""

from __future__ import annotations

import sys

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

NO_DARK_STYLES = ("windowsvista",)
"""Native styles that draw only light controls; Qt's Fusion draws both."""


def follow_system_theme(app: QApplication) -> None:
    """Use the OS's colour scheme now and after every change.

    Where the native style can't draw dark controls (Windows 10), Fusion takes over in dark mode.
    Icons follow by themselves (`desktop.ui.resources.page_icon` paints in the palette of the moment).
    """
    hints = app.styleHints()
    hints.colorSchemeChanged.connect(lambda scheme: _apply(app, scheme))
    _apply(app, hints.colorScheme())


def _apply(app: QApplication, scheme: Qt.ColorScheme) -> None:
    if sys.platform == "win32" and scheme is Qt.ColorScheme.Dark and app.style().name() in NO_DARK_STYLES:
        app.setStyle("fusion")
