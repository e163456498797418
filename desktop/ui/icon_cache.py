"""Servers' and tools' icons as Qt icons, each asked of the service side once.

The service side decides which icons may be shown (`servers/icons.py`); here they are only drawn.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QIcon, QPixmap

from desktop.core.events import IconRef
from desktop.core.problem import Problem
from desktop.servers.icon_control import Icon
from desktop.ui.bridge import Bridge


class IconCache(QObject):
    """Signals:
    icon_arrived(): an icon asked for earlier can now be drawn; ask `icon` again.
    """

    icon_arrived = Signal()

    def __init__(self, bridge: Bridge, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._bridge = bridge
        self._icons: dict[tuple[IconRef, ...], QIcon | None] = {}

    def icon(self, refs: tuple[IconRef, ...]) -> QIcon | None:
        """The icon, when it is here; None while it is on its way, or where there is none to show."""
        control = self._bridge.icons
        if not refs or control is None:
            return None
        if refs not in self._icons:
            self._icons[refs] = None
            self._bridge.call(
                control.first(refs), lambda icon: self._on_icon_done(refs, icon), self._on_icon_failed
            )
        return self._icons[refs]

    def _on_icon_done(self, refs: tuple[IconRef, ...], icon: Icon | None) -> None:
        pixmap = QPixmap()
        if icon is not None and pixmap.loadFromData(icon.data):
            self._icons[refs] = QIcon(pixmap)
            self.icon_arrived.emit()

    def _on_icon_failed(self, _problem: Problem) -> None:
        """An icon that can't be had leaves the name as it is: nothing to tell the user."""
